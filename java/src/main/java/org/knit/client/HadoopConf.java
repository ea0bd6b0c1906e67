package org.knit.client;

import org.knit.common.HdfsWrites;
import org.knit.common.Knit;

import java.io.File;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/** Builds the client's Hadoop configuration: the cluster's files plus the spec's {@code conf} overrides. */
public final class HadoopConf {
  /** Recorded as the source of overridden properties, so error messages can say where an address came from. */
  public static final String OVERRIDE_SOURCE = "Knit conf override";
  static final long RM_MAX_WAIT_MS = 10_000;
  static final long RM_RETRY_INTERVAL_MS = 1_000;

  /** Site files added over the classpath's ({@code hadoop jar knit.jar --conf-dir DIR}); null: none. */
  private static volatile File confDir;

  private HadoopConf() {}

  /** Reads {@code dir}'s core-, hdfs- and yarn-site.xml over the classpath's in every later {@link #load}. */
  public static void setConfDir(File dir) {
    if (!dir.isDirectory()) {
      throw new IllegalArgumentException("--conf-dir " + dir + " is not a directory");
    }
    confDir = dir;
  }

  /**
   * The configuration on the classpath ({@code $HADOOP_CONF_DIR}) with {@code overrides} applied.
   *
   * <p>YARN's client retries an unreachable ResourceManager for 15 minutes by default, every 30 s; an
   * interactive client should say what is wrong much sooner. We cap the wait at {@value #RM_MAX_WAIT_MS} ms
   * (override it for a slow RM HA failover) unless the overrides set it.
   */
  public static YarnConfiguration load(Map<String, String> overrides) {
    YarnConfiguration conf = new YarnConfiguration();
    File dir = confDir;
    if (dir != null) {
      for (String site : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"}) {
        File f = new File(dir, site);
        if (f.isFile()) {
          conf.addResource(new Path(f.getAbsolutePath()));
        }
      }
    }
    cap(conf, YarnConfiguration.RESOURCEMANAGER_CONNECT_MAX_WAIT_MS, RM_MAX_WAIT_MS);
    cap(conf, YarnConfiguration.RESOURCEMANAGER_CONNECT_RETRY_INTERVAL_MS, RM_RETRY_INTERVAL_MS);
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      conf.set(e.getKey(), e.getValue(), OVERRIDE_SOURCE);
    }
    HdfsWrites.tune(conf); // after the overrides: a user's value of either key wins
    return conf;
  }

  /**
   * A copy of {@code conf} for a YarnClient: the RM proxy's retry policy (capped above) does the retrying, so the
   * IPC layer under it should not multiply it by its own 10 connection attempts per call.
   */
  public static YarnConfiguration forYarnClient(YarnConfiguration conf) {
    YarnConfiguration copy = new YarnConfiguration(conf);
    copy.setInt("ipc.client.connect.max.retries", 0);
    // submitApplication polls until the RM has accepted the app; 200 ms by default is a tenth of our start-up.
    copy.setLong(YarnConfiguration.YARN_CLIENT_APP_SUBMISSION_POLL_INTERVAL_MS, 50);
    return copy;
  }

  /** "yarn-site.xml", "Knit conf override", "yarn-default.xml"... : where a property's value came from. */
  public static String sourceOf(Configuration conf, String key) {
    String[] sources = conf.getPropertySources(key);
    if (sources == null || sources.length == 0) {
      return "Hadoop's defaults (" + key + " is not set)";
    }
    return key + " from " + sources[sources.length - 1];
  }

  private static void cap(Configuration conf, String key, long max) {
    long value = conf.getLong(key, Long.MAX_VALUE);
    if (value < 0 || value > max) {
      conf.set(key, Long.toString(max), "Knit client cap");
    }
  }
}
