package org.knit.localcluster;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * One JVM running a MiniDFSCluster (NameNode + 1 DataNode) and a MiniYARNCluster (ResourceManager + N
 * NodeManagers): a real Hadoop cluster on this machine, for tests, notebooks and benchmarks.
 *
 * <p>Usage: {@code LocalClusterMain --dir DIR [--nodes N] [--nm-memory MB] [--nm-vcores V] [--watch-stdin]}.
 * The JVM's cwd must be DIR: MiniYARNCluster keeps its state under {@code target/} of the cwd.
 *
 * <p>Once both clusters are up, it writes {@code DIR/conf/{core,hdfs,yarn}-site.xml} and then
 * {@code DIR/cluster.json} (atomically), which is the signal that the cluster is ready. It stops on SIGTERM
 * (shutdown hook), and with {@code --watch-stdin} also when its stdin reaches EOF, i.e. when the Python process
 * that started it exits for any reason, SIGKILL included.
 */
public final class LocalClusterMain {

  private final File dir;
  private final int nodes;
  private final int nmMemoryMb;
  private final int nmVcores;
  private MiniDFSCluster dfs;
  private MiniYARNCluster yarn;

  private LocalClusterMain(File dir, int nodes, int nmMemoryMb, int nmVcores) {
    this.dir = dir;
    this.nodes = nodes;
    this.nmMemoryMb = nmMemoryMb;
    this.nmVcores = nmVcores;
  }

  public static void main(String[] args) throws Exception {
    File dir = null;
    int nodes = 2;
    int nmMemory = 4096;
    int nmVcores = 8;
    boolean watchStdin = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir": dir = new File(args[++i]).getAbsoluteFile(); break;
        case "--nodes": nodes = Integer.parseInt(args[++i]); break;
        case "--nm-memory": nmMemory = Integer.parseInt(args[++i]); break;
        case "--nm-vcores": nmVcores = Integer.parseInt(args[++i]); break;
        case "--watch-stdin": watchStdin = true; break;
        default:
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
      }
    }
    if (dir == null || nodes < 1) {
      System.err.println("usage: LocalClusterMain --dir DIR [--nodes N>=1] [--nm-memory MB] [--nm-vcores V] "
          + "[--watch-stdin]");
      System.exit(2);
    }
    LocalClusterMain cluster = new LocalClusterMain(dir, nodes, nmMemory, nmVcores);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "local-cluster-shutdown"));
    if (watchStdin) {
      // Started before the clusters: a parent that gives up during start-up must take us down too.
      Thread watcher = new Thread(() -> {
        drain(System.in);
        System.err.println("stdin closed: the parent process is gone, stopping the local cluster");
        System.exit(0);  // the shutdown hook stops both clusters
      }, "stdin-watcher");
      watcher.setDaemon(true);
      watcher.start();
    }
    try {
      cluster.start();
    } catch (Throwable t) {
      System.err.println("local cluster failed to start: " + t);
      t.printStackTrace();
      // halt: a half-started cluster has non-daemon threads that would keep the JVM alive.
      cluster.stop();
      Runtime.getRuntime().halt(1);
    }
    new CountDownLatch(1).await();  // serve until SIGTERM or stdin EOF
  }

  private static void drain(InputStream in) {
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // the parent never writes; we only wait for EOF
      }
    } catch (IOException e) {
      // a broken pipe means the parent is gone, as EOF does
    }
  }

  private void start() throws Exception {
    File confDir = new File(dir, "conf");
    Files.createDirectories(confDir.toPath());
    Configuration conf = new YarnConfiguration();
    conf.set("hadoop.tmp.dir", new File(dir, "tmp").getPath());

    startHdfs(conf);
    startYarn(conf);
    writeConf(confDir);
    writeClusterJson(confDir);
    System.err.println("local cluster ready: " + new File(dir, "cluster.json"));
  }

  private void startHdfs(Configuration conf) throws Exception {
    conf.set(DFSConfigKeys.DFS_NAMENODE_RPC_BIND_HOST_KEY, "127.0.0.1");
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    conf.setBoolean(DFSConfigKeys.DFS_NAMENODE_XATTRS_ENABLED_KEY, true);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    // Knit defaults to replication 3 like Hadoop; with one DataNode the NameNode must still accept it.
    conf.setInt("dfs.replication.max", 512);
    dfs = new MiniDFSCluster.Builder(conf, new File(dir, "hdfs"))
        .numDataNodes(1)
        .nameNodePort(0)
        .nameNodeHttpPort(0)
        .format(true)
        .build();
    dfs.waitActive();
    dfs.waitClusterUp();
    FileSystem fs = dfs.getFileSystem();
    String user = UserGroupInformation.getCurrentUser().getShortUserName();
    Path home = new Path("/user/" + user);
    fs.mkdirs(home, new FsPermission((short) 0755));
    // Aggregated logs and staging of every user go under these, as on a real cluster.
    fs.mkdirs(new Path("/tmp/logs"), new FsPermission((short) 01777));
    fs.setPermission(new Path("/tmp/logs"), new FsPermission((short) 01777));
    fs.setPermission(new Path("/tmp"), new FsPermission((short) 01777));
    conf.set("fs.defaultFS", fs.getUri().toString());
  }

  private void startYarn(Configuration conf) throws Exception {
    // Small machine: small allocations, fast heartbeats, every resource usable by AMs.
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 64);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, nmMemoryMb);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, nmVcores);
    conf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", nmMemoryMb);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, nmMemoryMb);
    conf.setInt(YarnConfiguration.NM_VCORES, nmVcores);
    conf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 100);
    conf.setLong("yarn.nodemanager.heartbeat.interval-ms", 100);
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.set("yarn.scheduler.capacity.root.default.capacity", "100");
    conf.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
    conf.set("yarn.scheduler.capacity.root.default.maximum-am-resource-percent", "1.0");
    // A busy shared disk must not mark the NodeManagers unhealthy mid-test.
    conf.setBoolean("yarn.nodemanager.disk-health-checker.enable", false);
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    conf.setLong(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, 0);
    boolean memChecks = Boolean.parseBoolean(System.getProperty("knit.memory.checks", "false"));
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, memChecks);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, true);
    conf.set(YarnConfiguration.NM_REMOTE_APP_LOG_DIR, "/tmp/logs");
    conf.setBoolean(YarnConfiguration.TIMELINE_SERVICE_ENABLED, false);
    // Finished containers' logs: keep them briefly on the node so live-log readers racing the end still find them.
    conf.setLong(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 60);
    conf.set(YarnConfiguration.NM_ENV_WHITELIST,
        "JAVA_HOME,HADOOP_COMMON_HOME,HADOOP_HDFS_HOME,HADOOP_CONF_DIR,CLASSPATH_PREPEND_DISTCACHE,"
            + "HADOOP_YARN_HOME,HADOOP_HOME,PATH,LANG,TZ");
    String adminEnv = System.getenv("KNIT_CONTAINER_JAVA_OPTIONS");
    if (adminEnv != null && !adminEnv.isEmpty()) {
      // Java 17 + Hadoop 3.4 in containers (AMs): the add-opens, the way a Java 17 site sets them.
      conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, "MALLOC_ARENA_MAX=4,JDK_JAVA_OPTIONS=" + adminEnv);
    }
    String appClasspath = System.getProperty("knit.application.classpath");
    if (appClasspath != null) {
      conf.set(YarnConfiguration.YARN_APPLICATION_CLASSPATH, appClasspath);
    }
    yarn = new MiniYARNCluster("knit", nodes, 1, 1);
    yarn.init(conf);
    yarn.start();
    if (!yarn.waitForNodeManagersToConnect(60_000)) {
      throw new IllegalStateException("NodeManagers did not register with the ResourceManager within 60 s");
    }
    GuiceFilterFix.apply(yarn, nodes);
  }

  /** Writes the three site files a Hadoop client needs, from the running clusters' actual addresses. */
  private void writeConf(File confDir) throws IOException {
    // The RM's own conf carries the addresses it actually bound (ephemeral ports).
    Configuration yarnConf = yarn.getResourceManager().getConfig();
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", yarnConf.get("fs.defaultFS"));
    core.set("hadoop.security.authentication", "simple");
    writeXml(core, new File(confDir, "core-site.xml"));

    Configuration hdfs = new Configuration(false);
    InetSocketAddress nn = dfs.getNameNode().getNameNodeAddress();
    hdfs.set("dfs.namenode.rpc-address", "127.0.0.1:" + nn.getPort());
    hdfs.set("dfs.namenode.http-address", "127.0.0.1:" + dfs.getNameNode().getHttpAddress().getPort());
    hdfs.set("dfs.replication", "1");
    hdfs.set("dfs.replication.max", "512");
    hdfs.set("dfs.webhdfs.enabled", "true");
    hdfs.set("dfs.namenode.xattrs.enabled", "true");
    writeXml(hdfs, new File(confDir, "hdfs-site.xml"));

    Configuration site = new Configuration(false);
    for (Map.Entry<String, String> e : yarnConf) {
      String k = e.getKey();
      if (k.startsWith("yarn.") && !k.startsWith("yarn.nodemanager.local-dirs")
          && !k.startsWith("yarn.nodemanager.log-dirs")) {
        site.set(k, yarnConf.get(k));
      }
    }
    writeXml(site, new File(confDir, "yarn-site.xml"));
  }

  private static void writeXml(Configuration c, File f) throws IOException {
    File tmp = new File(f.getPath() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      c.writeXml(out);
    }
    Files.move(tmp.toPath(), f.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private void writeClusterJson(File confDir) throws IOException {
    Configuration c = yarn.getResourceManager().getConfig();
    String json = "{\n"
        + "  \"rm_address\": " + quote(c.get(YarnConfiguration.RM_ADDRESS)) + ",\n"
        + "  \"rm_web_address\": " + quote(c.get(YarnConfiguration.RM_WEBAPP_ADDRESS)) + ",\n"
        + "  \"namenode_address\": " + quote(c.get("fs.defaultFS")) + ",\n"
        + "  \"webhdfs_address\": " + quote("127.0.0.1:" + dfs.getNameNode().getHttpAddress().getPort()) + ",\n"
        + "  \"conf_dir\": " + quote(confDir.getPath()) + ",\n"
        + "  \"nodes\": " + nodes + ",\n"
        + "  \"pid\": " + pid() + "\n"
        + "}\n";
    File out = new File(dir, "cluster.json");
    File tmp = new File(dir, "cluster.json.tmp");
    try (Writer w = new OutputStreamWriter(new FileOutputStream(tmp), StandardCharsets.UTF_8)) {
      w.write(json);
    }
    Files.move(tmp.toPath(), out.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** The JVM's pid, Java 8 compatible (RuntimeMXBean name is "pid@host"). */
  private static long pid() {
    String name = java.lang.management.ManagementFactory.getRuntimeMXBean().getName();
    return Long.parseLong(name.substring(0, name.indexOf('@')));
  }

  private synchronized void stop() {
    new File(dir, "cluster.json").delete();
    if (yarn != null) {
      try {
        yarn.stop();
      } catch (RuntimeException e) {
        System.err.println("stopping MiniYARNCluster: " + e);
      }
      yarn = null;
    }
    if (dfs != null) {
      dfs.shutdown();
      dfs = null;
    }
  }
}
