package org.knit.localcluster;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import com.google.gson.GsonBuilder;
import org.apache.hadoop.conf.Configuration;

/** The files a client of the local cluster reads: {@code conf/*-site.xml} and {@code cluster.json}. */
final class SiteFiles {

  private SiteFiles() {
  }

  /**
   * The yarn-site.xml of clients: the cluster's yarn.* settings (with the addresses actually bound), minus what
   * is private to the cluster's own daemons (their local dirs, an HA RM's own id, keytab paths).
   */
  static Configuration clientYarn(Configuration cluster) {
    Configuration site = new Configuration(false);
    for (Map.Entry<String, String> e : cluster) {
      String k = e.getKey();
      if (k.startsWith("yarn.") && !k.startsWith("yarn.nodemanager.local-dirs")
          && !k.startsWith("yarn.nodemanager.log-dirs") && !k.equals("yarn.resourcemanager.ha.id")
          && !k.startsWith("yarn.minicluster.") && !k.contains("keytab")) {
        site.set(k, cluster.get(k));
      }
    }
    return site;
  }

  /**
   * The daemons' own site files in {@code serverConfDir} (first on the cluster JVM's classpath): every setting
   * made for this cluster, by the file Hadoop reads it from. In-memory settings alone do not survive what the RM
   * does on a transition to active, RM admin refreshes included: reload {@code yarn-site.xml},
   * {@code capacity-scheduler.xml}, {@code core-site.xml} and {@code hadoop-policy.xml} from the classpath. (The
   * tests jar of hadoop-yarn-server-tests, on that classpath too, ships a capacity-scheduler.xml ours shadows.)
   */
  static void writeServerConf(Configuration conf, File serverConfDir) throws IOException {
    Map<String, Configuration> files = new java.util.LinkedHashMap<>();
    for (String name : new String[] {"core", "hdfs", "yarn", "capacity-scheduler", "hadoop-policy"}) {
      files.put(name, new Configuration(false));
    }
    for (Map.Entry<String, String> e : conf) {
      String k = e.getKey();
      String[] sources = conf.getPropertySources(k);
      if (sources == null || sources[sources.length - 1].endsWith("-default.xml")) {
        continue;  // Hadoop's defaults: every daemon has them already
      }
      String file = k.startsWith("yarn.scheduler.capacity.") ? "capacity-scheduler"
          : k.startsWith("security.") && k.endsWith(".acl") ? "hadoop-policy"
          : k.startsWith("yarn.") ? "yarn" : k.startsWith("dfs.") ? "hdfs" : "core";
      files.get(file).set(k, conf.get(k));
    }
    for (Map.Entry<String, Configuration> f : files.entrySet()) {
      writeXml(f.getValue(), serverConfDir, f.getKey());
    }
  }

  /** Writes {@code <name>-site.xml} atomically (tmp + rename): a reader never sees half a file. */
  static void writeXml(Configuration c, File confDir, String name) throws IOException {
    boolean site = !name.equals("capacity-scheduler") && !name.equals("hadoop-policy");
    File f = new File(confDir, name + (site ? "-site.xml" : ".xml"));
    File tmp = new File(f.getPath() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      c.writeXml(out);
    }
    Files.move(tmp.toPath(), f.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Creates {@code f} empty with mode 0600 (replacing any old one) before anything secret is written to it. */
  static void createPrivate(File f) throws IOException {
    Files.deleteIfExists(f.toPath());
    Files.createFile(f.toPath(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
  }

  /** Writes {@code cluster.json} atomically; its appearance is the signal that the cluster is ready. */
  static void writeClusterJson(File dir, Map<String, Object> info) throws IOException {
    String json = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create().toJson(info);
    File out = new File(dir, "cluster.json");
    File tmp = new File(dir, "cluster.json.tmp");
    try (Writer w = new OutputStreamWriter(new FileOutputStream(tmp), StandardCharsets.UTF_8)) {
      w.write(json + "\n");
    }
    Files.move(tmp.toPath(), out.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
