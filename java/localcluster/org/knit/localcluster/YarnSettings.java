package org.knit.localcluster;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.HAUtil;
import org.apache.hadoop.yarn.conf.YarnConfiguration;

/**
 * The YARN configuration of the local cluster: a small test cluster for a 2-core machine that can also be broken
 * on purpose (nodes stopped, the ResourceManager restarted or failed over, containers preempted or killed for
 * their memory).
 */
final class YarnSettings {

  /** Host every YARN daemon binds and advertises (MiniYARNCluster's own choice). */
  static final String HOST = "localhost";
  /** How long the RM waits for a silent NodeManager before it declares the node LOST (YARN's default: 10 min). */
  static final int NODE_EXPIRY_MS = 5_000;

  private YarnSettings() {
  }

  static void apply(Configuration conf, Options o, File dir) throws IOException {
    resources(conf, o);
    environment(conf);
    addresses(conf, o);
    recovery(conf, dir);
    scheduler(conf, o);
    lean(conf);
    memoryChecks(conf, o.memoryChecks);
  }

  /**
   * What a test cluster on one 2-core machine need not pay for, per container (issue 15; ARCHITECTURE.md,
   * "Lean test cluster"): on a real cluster each NodeManager has its own machine, here four share two cores with
   * the RM, HDFS and the containers.
   *
   * <ul>
   *   <li>Asynchronous scheduling (YARN-5716's CapacityScheduler thread): containers are allocated as soon as
   *       they are asked for, not on the next NodeManager heartbeat, so the heartbeat interval no longer decides
   *       how fast a thousand containers (or an AM) are placed.</li>
   *   <li>No per-container metrics source (a JMX bean registered and, 10 s after the end, unregistered for each
   *       container): with the containers monitor off (see {@link #memoryChecks}) nothing would fill them.</li>
   *   <li>No debugging copy per container ({@code yarn.nodemanager.log-container-debug-info.enabled}, on by
   *       default since YARN-4309): each container's launch_container.sh also copied itself into the log dir and
   *       listed its working dir twice with {@code find -L} (five more processes per container, and a walk of
   *       every file of an unpacked environment). {@code --conf
   *       yarn.nodemanager.log-container-debug-info.enabled=true} brings it back (the tests' shared cluster does:
   *       its secret checks read that copy).</li>
   * </ul>
   */
  private static void lean(Configuration conf) {
    String cs = "yarn.scheduler.capacity.";
    conf.setBoolean(cs + "schedule-asynchronously.enable", true);
    // The thread sleeps this long between passes over the nodes (default 5 ms): idle, 4 nodes every 20 ms is
    // nothing; busy, each pass places up to the per-node limit.
    conf.setLong(cs + "schedule-asynchronously.scheduling-interval-ms", 20);
    conf.setBoolean(YarnConfiguration.NM_CONTAINER_METRICS_ENABLE, false);
    conf.setBoolean(YarnConfiguration.NM_LOG_CONTAINER_DEBUG_INFO, false);
  }

  /** Small allocations, fast heartbeats, every resource usable by AMs, no disk health checks. */
  private static void resources(Configuration conf, Options o) {
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 64);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, o.nmMemoryMb);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, o.nmVcores);
    conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, o.nmMemoryMb);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, o.nmMemoryMb);
    conf.setInt(YarnConfiguration.NM_VCORES, o.nmVcores);
    conf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 100);
    conf.setLong("yarn.nodemanager.heartbeat.interval-ms", 100);
    // A stopped NodeManager (stop_node) is a lost node within seconds, not YARN's 10 minutes.
    conf.setInt(YarnConfiguration.RM_NM_EXPIRY_INTERVAL_MS, NODE_EXPIRY_MS);
    // A busy shared disk must not mark the NodeManagers unhealthy mid-test.
    conf.setBoolean("yarn.nodemanager.disk-health-checker.enable", false);
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    conf.setLong(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, 0);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.LOG_AGGREGATION_ENABLED, true);
    conf.set(YarnConfiguration.NM_REMOTE_APP_LOG_DIR, "/tmp/logs");
    conf.setBoolean(YarnConfiguration.TIMELINE_SERVICE_ENABLED, false);
    // Finished containers' logs: keep them briefly on the node so live-log readers racing the end still find them.
    conf.setLong(YarnConfiguration.DEBUG_NM_DELETE_DELAY_SEC, 60);
  }

  /** What every container sees: the nodes' Python and Java, as on a real node. */
  private static void environment(Configuration conf) {
    conf.set(YarnConfiguration.NM_ENV_WHITELIST,
        "JAVA_HOME,HADOOP_COMMON_HOME,HADOOP_HDFS_HOME,HADOOP_CONF_DIR,CLASSPATH_PREPEND_DISTCACHE,"
            + "HADOOP_YARN_HOME,HADOOP_HOME,PATH,LANG,TZ");
    // Forced into every container (the user's own PATH, if set, comes first: YARN appends admin values).
    StringBuilder adminEnv = new StringBuilder("MALLOC_ARENA_MAX=4");
    String containerPath = System.getenv("KNIT_CONTAINER_PATH");
    if (containerPath != null && !containerPath.isEmpty()) {
      // A node's "system" Python: bash's default PATH in a container has none on this machine.
      adminEnv.append(",PATH=").append(containerPath);
    }
    String javaOptions = System.getenv("KNIT_CONTAINER_JAVA_OPTIONS");
    if (javaOptions != null && !javaOptions.isEmpty()) {
      // Java 17 + Hadoop 3.4 in containers (AMs): the add-opens, the way a Java 17 site sets them.
      adminEnv.append(",JDK_JAVA_OPTIONS=").append(javaOptions);
    }
    String krb5 = System.getenv("KNIT_CONTAINER_KRB5_CONFIG");
    if (krb5 != null && !krb5.isEmpty()) {
      // A secure site's nodes all have a krb5.conf; here it is the cluster's.
      adminEnv.append(",KRB5_CONFIG=").append(krb5);
    }
    conf.set(YarnConfiguration.NM_ADMIN_USER_ENV, adminEnv.toString());
    String appClasspath = System.getProperty("knit.application.classpath");
    if (appClasspath != null) {
      conf.set(YarnConfiguration.YARN_APPLICATION_CLASSPATH, appClasspath);
    }
  }

  /**
   * Fixed RM ports, chosen now: a restarted RM must come back where the AMs and NodeManagers look for it, and an
   * HA pair needs each RM's addresses under its own id. NodeManagers then talk to the RM over real RPC
   * (MiniYARNCluster's default short-circuits to the RM object alive at NM start, which a restart replaces).
   */
  private static void addresses(Configuration conf, Options o) throws IOException {
    conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_USE_RPC, true);
    List<String> keys = YarnConfiguration.getServiceAddressConfKeys(conf);
    if (o.ha()) {
      conf.set(YarnConfiguration.RM_HA_IDS, String.join(",", rmIds(o.rms)));
      conf.set(YarnConfiguration.RM_CLUSTER_ID, "knit-local");
      // Manual failover only: automatic failover needs ZooKeeper, which a YARN + HDFS test cluster does not have.
      conf.setBoolean(YarnConfiguration.AUTO_FAILOVER_ENABLED, false);
      for (String id : rmIds(o.rms)) {
        for (String key : keys) {
          conf.set(HAUtil.addSuffix(key, id), HOST + ":" + freePort());
        }
      }
    } else {
      for (String key : keys) {
        conf.set(key, HOST + ":" + freePort());
      }
    }
    // Clients, AMs and NodeManagers find a restarted or failed-over RM within a second, not YARN's 30 s.
    conf.setLong(YarnConfiguration.RESOURCEMANAGER_CONNECT_RETRY_INTERVAL_MS, 200);
    conf.setLong(YarnConfiguration.CLIENT_FAILOVER_SLEEPTIME_BASE_MS, 100);
    conf.setLong(YarnConfiguration.CLIENT_FAILOVER_SLEEPTIME_MAX_MS, 1000);
  }

  static List<String> rmIds(int rms) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < rms; i++) {
      ids.add("rm" + i);
    }
    return ids;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(HOST, 0));
      return s.getLocalPort();
    }
  }

  /**
   * Work-preserving RM recovery from a state store in the cluster dir, shared by an HA pair (the active one writes
   * it). FileSystemRMStateStore on the local file system: no ZooKeeper, no dependency on HDFS being up.
   */
  private static void recovery(Configuration conf, File dir) {
    conf.setBoolean(YarnConfiguration.RECOVERY_ENABLED, true);
    conf.set(YarnConfiguration.RM_STORE,
        "org.apache.hadoop.yarn.server.resourcemanager.recovery.FileSystemRMStateStore");
    conf.set(YarnConfiguration.FS_RM_STATE_STORE_URI, new File(dir, "rm-state").toURI().toString());
    conf.setBoolean(YarnConfiguration.RM_WORK_PRESERVING_RECOVERY_ENABLED, true);
    // After a restart the RM waits this long for NodeManagers to report their containers before scheduling anew
    // (default 10 s); ours heartbeat every 100 ms.
    conf.setLong(YarnConfiguration.RM_WORK_PRESERVING_RECOVERY_SCHEDULING_WAIT_MS, 1000);
  }

  /** CapacityScheduler queues under root, and the preemption monitor tuned to act within seconds. */
  private static void scheduler(Configuration conf, Options o) {
    String cs = "yarn.scheduler.capacity.";
    Map<String, Integer> queues = o.queues.isEmpty() ? java.util.Collections.singletonMap("default", 100) : o.queues;
    conf.set(cs + "root.queues", String.join(",", queues.keySet()));
    // Anyone may submit; only the cluster's admin may administer (kill others' apps) — with yarn.acl.enable, the
    // leaves add nobody (the tests jar's capacity-scheduler.xml, on the classpath too, says "*" for both).
    conf.set(cs + "root.acl_submit_applications", "*");
    conf.set(cs + "root.acl_administer_queue", o.secure ? SecureCluster.SERVICE : "*");
    conf.set(cs + "maximum-am-resource-percent", "1.0");
    for (Map.Entry<String, Integer> q : queues.entrySet()) {
      String p = cs + "root." + q.getKey() + ".";
      conf.set(p + "capacity", String.valueOf(q.getValue()));
      // Elastic: a queue may use the whole cluster when the others are idle (what preemption then takes back) ...
      conf.set(p + "maximum-capacity", "100");
      // ... and one user may use all of it (the default factor 1 caps a user at the queue's capacity).
      conf.set(p + "user-limit-factor", String.valueOf(100.0f / q.getValue()));
      conf.set(p + "maximum-am-resource-percent", "1.0");
      conf.set(p + "acl_submit_applications", " ");
      conf.set(p + "acl_administer_queue", " ");
    }
    if (o.preemption) {
      String m = "yarn.resourcemanager.monitor.capacity.preemption.";
      conf.setBoolean(YarnConfiguration.RM_SCHEDULER_ENABLE_MONITORS, true);
      conf.set(YarnConfiguration.RM_SCHEDULER_MONITOR_POLICIES,
          "org.apache.hadoop.yarn.server.resourcemanager.monitor.capacity.ProportionalCapacityPreemptionPolicy");
      // Defaults: look every 3 s, preempt 10 % per round, wait 15 s before the kill: a minute for one test.
      conf.setLong(m + "monitoring_interval", 500);
      conf.setLong(m + "max_wait_before_kill", 1000);
      conf.setFloat(m + "total_preemption_per_round", 1.0f);
      conf.setFloat(m + "natural_termination_factor", 1.0f);
      conf.setFloat(m + "max_ignored_over_capacity", 0.0f);
    }
  }

  /**
   * pmem enforcement (real -104 exits). MiniYARNCluster turns the containers monitor off unless told it controls
   * it; off (the default) it costs nothing, on it walks /proc every half second.
   */
  private static void memoryChecks(Configuration conf, boolean on) {
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, on);
    if (on) {
      conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_CONTROL_RESOURCE_MONITORING, true);
      conf.setBoolean(YarnConfiguration.NM_CONTAINER_MONITOR_ENABLED, true);
      conf.setLong(YarnConfiguration.NM_CONTAINER_MON_INTERVAL_MS, 500);
      // "Enforced" means by cgroups' OOM killer, and then the monitor leaves memory alone (no cgroups here).
      conf.setBoolean(YarnConfiguration.NM_MEMORY_RESOURCE_ENFORCED, false);
    }
  }
}
