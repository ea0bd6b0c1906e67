package org.knit.localcluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * One JVM running a MiniDFSCluster (NameNode + 1 DataNode) and a MiniYARNCluster (one or two ResourceManagers +
 * N NodeManagers): a real Hadoop cluster on this machine, for tests, notebooks and benchmarks. Options: see
 * {@link Options}. The JVM's cwd must be DIR: MiniYARNCluster keeps its state under {@code target/} of the cwd.
 *
 * <p>Once both clusters are up, it writes {@code DIR/conf/{core,hdfs,yarn}-site.xml}, {@code DIR/control.key}
 * (the control channel's key, see {@link ControlServer}) and then {@code DIR/cluster.json} (atomically), which is
 * the signal that the cluster is ready. It stops on SIGTERM (shutdown hook), and with {@code --watch-stdin} also
 * when its stdin reaches EOF, i.e. when the Python process that started it exits for any reason, SIGKILL included.
 */
public final class LocalClusterMain {

  /** The daemons' own site files, first on this JVM's classpath (see {@link SiteFiles#writeServerConf}). */
  static final String SERVER_CONF = "server-conf";

  private final Options options;
  private final File dir;
  private MiniDFSCluster dfs;
  private MiniYARNCluster yarn;
  private ClusterControl control;
  private ControlServer controlServer;
  private SecureCluster secure;

  private LocalClusterMain(Options options) {
    this.options = options;
    this.dir = options.dir;
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("LocalClusterMain: " + e.getMessage());
      System.exit(2);
      return;
    }
    LocalClusterMain cluster = new LocalClusterMain(options);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "local-cluster-shutdown"));
    if (options.watchStdin) {
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
    // A new cluster must not "recover" the applications of an earlier one that ran in this directory.
    FileUtil.fullyDelete(new File(dir, "rm-state"));
    Configuration conf = new YarnConfiguration();
    conf.set("hadoop.tmp.dir", new File(dir, "tmp").getPath());
    // Before any daemon or file system exists (FileSystem instances are cached per scheme, not per conf).
    ForklessRawLocalFileSystem.install(conf);
    if (options.secure) {
      secure = SecureCluster.start(dir, new File(dir, SERVER_CONF), confDir);
      secure.configure(conf);
      secure.login(conf);
    }

    applyExtraConf(conf);
    startHdfs(conf);
    YarnSettings.apply(conf, options, dir);
    applyExtraConf(conf);
    SiteFiles.writeServerConf(conf, new File(dir, SERVER_CONF));
    startYarn(conf);
    control = new ClusterControl(yarn, options);
    controlServer = ControlServer.start(new File(dir, "control.key"), control::handle);
    writeConf(confDir, conf);
    SiteFiles.writeClusterJson(dir, info(conf, confDir));
    System.err.println("local cluster ready: " + new File(dir, "cluster.json"));
  }

  /** {@code --conf} settings win over ours (set before HDFS starts and again over YARN's). */
  private void applyExtraConf(Configuration conf) {
    for (Map.Entry<String, String> e : options.conf.entrySet()) {
      conf.set(e.getKey(), e.getValue(), "--conf");
    }
  }

  private void startHdfs(Configuration conf) throws Exception {
    conf.set(DFSConfigKeys.DFS_NAMENODE_RPC_BIND_HOST_KEY, "127.0.0.1");
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    conf.setBoolean(DFSConfigKeys.DFS_NAMENODE_XATTRS_ENABLED_KEY, true);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    // Knit defaults to replication 3 like Hadoop; with one DataNode the NameNode must still accept it.
    conf.setInt("dfs.replication.max", 512);
    // The daemons' own HDFS writes (NodeManagers' aggregated logs) close as Knit's client and AM do
    // (org.knit.common.HdfsWrites): asked again after 25 ms rather than 400 ms, as patient in all.
    conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 25);
    conf.setInt("dfs.client.block.write.locateFollowingBlock.retries", 9);
    dfs = new MiniDFSCluster.Builder(conf, new File(dir, "hdfs"))
        .numDataNodes(1)
        .nameNodePort(0)
        .nameNodeHttpPort(0)
        .format(true)
        .build();
    dfs.waitActive();
    dfs.waitClusterUp();
    FileSystem fs = dfs.getFileSystem();
    // Home dirs: the cluster's users (secure: alice and bob, owning theirs; we are the superuser), else ours.
    String[] users = options.secure ? SecureCluster.USERS
        : new String[] {UserGroupInformation.getCurrentUser().getShortUserName()};
    for (String user : users) {
      Path home = new Path("/user/" + user);
      fs.mkdirs(home, new FsPermission((short) 0755));
      if (options.secure) {
        fs.setOwner(home, user, user);
      }
    }
    // Aggregated logs and staging of every user go under these, as on a real cluster.
    fs.mkdirs(new Path("/tmp/logs"), new FsPermission((short) 01777));
    fs.setPermission(new Path("/tmp/logs"), new FsPermission((short) 01777));
    fs.setPermission(new Path("/tmp"), new FsPermission((short) 01777));
    conf.set("fs.defaultFS", fs.getUri().toString());
  }

  private void startYarn(Configuration conf) throws Exception {
    yarn = new MiniYARNCluster("knit", options.rms, options.nodes, 1, 1);
    yarn.init(conf);
    yarn.start();
    if (!yarn.waitForNodeManagersToConnect(60_000)) {
      throw new IllegalStateException("NodeManagers did not register with the ResourceManager within 60 s");
    }
    GuiceFilterFix.apply(yarn, options.rms, options.nodes);
  }

  /** Writes the three site files a Hadoop client needs, from the running clusters' actual addresses. */
  private void writeConf(File confDir, Configuration conf) throws IOException {
    Configuration core = options.secure ? SecureSettings.client(conf, "core") : new Configuration(false);
    core.set("fs.defaultFS", conf.get("fs.defaultFS"));
    if (!options.secure) {
      core.set("hadoop.security.authentication", "simple");
    }
    options.conf.forEach(core::set);
    SiteFiles.writeXml(core, confDir, "core");

    Configuration hdfs = options.secure ? SecureSettings.client(conf, "hdfs") : new Configuration(false);
    hdfs.set("dfs.namenode.rpc-address", "127.0.0.1:" + dfs.getNameNode().getNameNodeAddress().getPort());
    hdfs.set(options.secure ? "dfs.namenode.https-address" : "dfs.namenode.http-address", webHdfsAddress());
    hdfs.set("dfs.replication", "1");
    hdfs.set("dfs.replication.max", "512");
    hdfs.set("dfs.webhdfs.enabled", "true");
    hdfs.set("dfs.namenode.xattrs.enabled", "true");
    SiteFiles.writeXml(hdfs, confDir, "hdfs");

    SiteFiles.writeXml(SiteFiles.clientYarn(conf), confDir, "yarn");
  }

  /** The NameNode's web address: HTTPS only on a secure cluster, at {@code localhost} (its SPNEGO principal). */
  private String webHdfsAddress() {
    return options.secure ? YarnSettings.HOST + ":" + dfs.getNameNode().getHttpsAddress().getPort()
        : "127.0.0.1:" + dfs.getNameNode().getHttpAddress().getPort();
  }

  /** What {@code cluster.json} says: addresses, what this cluster can do, how to reach its control channel. */
  private Map<String, Object> info(Configuration conf, File confDir) {
    int active = yarn.getActiveRMIndex();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rm_address", ClusterControl.rmAddress(conf, options, active, YarnConfiguration.RM_ADDRESS));
    m.put("rm_web_address", ClusterControl.rmAddress(conf, options, active, YarnConfiguration.RM_WEBAPP_ADDRESS));
    m.put("namenode_address", conf.get("fs.defaultFS"));
    m.put("webhdfs_address", webHdfsAddress());
    m.put("conf_dir", confDir.getPath());
    m.put("nodes", options.nodes);
    m.put("node_ids", control.nodeIds());
    m.put("resourcemanagers", resourceManagers(conf));
    m.put("queues", options.queues.isEmpty() ? null : options.queues);
    m.put("preemption", options.preemption);
    m.put("memory_checks", options.memoryChecks);
    m.put("secure", options.secure);
    m.put("conf", options.conf);
    m.put("webhdfs_scheme", options.secure ? "https" : "http");
    if (secure != null) {
      m.put("kerberos", secure.info());
      m.put("tls", secure.tlsInfo());
    }
    m.put("control_port", controlServer.port());
    m.put("pid", pid());
    return m;
  }

  private List<Map<String, Object>> resourceManagers(Configuration conf) {
    List<Map<String, Object>> rms = new ArrayList<>();
    for (int i = 0; i < options.rms; i++) {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("id", options.ha() ? YarnSettings.rmIds(options.rms).get(i) : null);
      rm.put("address", ClusterControl.rmAddress(conf, options, i, YarnConfiguration.RM_ADDRESS));
      rm.put("web_address", ClusterControl.rmAddress(conf, options, i, YarnConfiguration.RM_WEBAPP_ADDRESS));
      rms.add(rm);
    }
    return rms;
  }

  /** The JVM's pid, Java 8 compatible (RuntimeMXBean name is "pid@host"). */
  private static long pid() {
    String name = ManagementFactory.getRuntimeMXBean().getName();
    return Long.parseLong(name.substring(0, name.indexOf('@')));
  }

  private synchronized void stop() {
    new File(dir, "cluster.json").delete();
    if (control != null) {
      control.close();  // waits for a fault in progress, then refuses new ones
    }
    if (controlServer != null) {
      try {
        controlServer.close();
      } catch (IOException e) {
        System.err.println("closing the control channel: " + e);
      }
      controlServer = null;
    }
    new File(dir, "control.key").delete();
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
    if (secure != null) {
      secure.stop();
      secure = null;
    }
  }
}
