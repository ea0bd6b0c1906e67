package org.knit;

import java.util.Arrays;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/** Builds the client's Hadoop configuration: the cluster's files plus the spec's {@code conf} overrides. */
public final class HadoopConf {
  /** Recorded as the source of overridden properties, so error messages can say where an address came from. */
  public static final String OVERRIDE_SOURCE = "Knit conf override";

  private HadoopConf() {}

  /**
   * The configuration on the classpath ({@code $HADOOP_CONF_DIR}) with {@code overrides} applied.
   *
   * <p>YARN's client retries an unreachable ResourceManager for 15 minutes by default; unless the site set
   * its own limits we give up after 10 s so a wrong address fails fast with a useful message.
   */
  public static YarnConfiguration load(Map<String, String> overrides) {
    YarnConfiguration conf = new YarnConfiguration();
    setIfDefault(conf, YarnConfiguration.RESOURCEMANAGER_CONNECT_MAX_WAIT_MS, "10000");
    setIfDefault(conf, YarnConfiguration.RESOURCEMANAGER_CONNECT_RETRY_INTERVAL_MS, "1000");
    setIfDefault(conf, "ipc.client.connect.max.retries", "3");
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      conf.set(e.getKey(), e.getValue(), OVERRIDE_SOURCE);
    }
    return conf;
  }

  /** "yarn-site.xml", "Knit conf override", "yarn-default.xml"... : where a property's value came from. */
  public static String sourceOf(Configuration conf, String key) {
    String[] sources = conf.getPropertySources(key);
    if (sources == null || sources.length == 0) {
      return "Hadoop's defaults (" + key + " is not set)";
    }
    return key + " from " + sources[sources.length - 1];
  }

  private static void setIfDefault(Configuration conf, String key, String value) {
    String[] sources = conf.getPropertySources(key);
    boolean fromDefaults = sources == null
        || Arrays.stream(sources).allMatch(s -> s.endsWith("-default.xml"));
    if (fromDefaults) {
      conf.set(key, value, "Knit client default");
    }
  }
}
