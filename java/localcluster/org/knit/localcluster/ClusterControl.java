package org.knit.localcluster;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.ha.HAServiceProtocol;
import org.apache.hadoop.ha.HAServiceProtocol.HAServiceState;
import org.apache.hadoop.service.Service;
import org.apache.hadoop.yarn.api.protocolrecords.KillApplicationRequest;
import org.apache.hadoop.yarn.api.protocolrecords.KillApplicationResponse;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.conf.HAUtil;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.apache.hadoop.yarn.server.resourcemanager.ResourceManager;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMAppState;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNode;

/**
 * The faults the local cluster can produce on purpose, on the running MiniYARNCluster: a NodeManager lost and
 * back, the ResourceManager restarted (with recovery), an HA failover. Every operation is serialized on this
 * object and returns a JSON-able map; bad requests throw {@link IllegalArgumentException} with the reason.
 */
final class ClusterControl {

  private static final HAServiceProtocol.StateChangeRequestInfo BY_USER =
      new HAServiceProtocol.StateChangeRequestInfo(HAServiceProtocol.RequestSource.REQUEST_BY_USER);

  private final MiniYARNCluster yarn;
  private final Options options;
  /** Each NodeManager's id and web port at first start: a restarted node binds them again (same node id). */
  private final String[] nodeIds;
  private final int[] httpPorts;
  private boolean closed;

  ClusterControl(MiniYARNCluster yarn, Options options) {
    this.yarn = yarn;
    this.options = options;
    this.nodeIds = new String[options.nodes];
    this.httpPorts = new int[options.nodes];
    for (int i = 0; i < options.nodes; i++) {
      nodeIds[i] = yarn.getNodeManager(i).getNMContext().getNodeId().toString();
      httpPorts[i] = yarn.getNodeManager(i).getNMContext().getHttpPort();
    }
  }

  List<String> nodeIds() {
    List<String> ids = new ArrayList<>();
    for (String id : nodeIds) {
      ids.add(id);
    }
    return ids;
  }

  /** No operation after this (the cluster is stopping). */
  synchronized void close() {
    closed = true;
  }

  /** Dispatches one request of the control channel. */
  synchronized Object handle(String command, String arg) throws Exception {
    if (closed) {
      throw new IllegalStateException("the local cluster is stopping");
    }
    switch (command) {
      case "nodes": return nodes();
      case "resourcemanagers": return resourceManagers();
      case "stop_node": return stopNode(node(arg));
      case "start_node": return startNode(node(arg));
      case "restart_resourcemanager": return restartResourceManager();
      case "failover": return failover();
      case "applications": return liveApplications();
      case "kill_application": return killApplication(arg);
      default: throw new IllegalArgumentException("unknown command: " + command);
    }
  }

  /** A node given as its index ("0") or its NodeManager id ("localhost:40123", what containers report). */
  private int node(String arg) {
    if (arg == null) {
      throw new IllegalArgumentException("which node? give its index or its NodeManager id");
    }
    if (arg.matches("\\d+")) {
      int i = Integer.parseInt(arg);
      if (i >= nodeIds.length) {
        throw new IllegalArgumentException("no node " + i + ": the cluster has nodes 0 to " + (nodeIds.length - 1));
      }
      return i;
    }
    for (int i = 0; i < nodeIds.length; i++) {
      if (nodeIds[i].equals(arg)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no node " + arg + " in this cluster: its nodes are " + nodeIds());
  }

  private List<Map<String, Object>> nodes() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < nodeIds.length; i++) {
      out.add(nodeInfo(i));
    }
    return out;
  }

  private Map<String, Object> nodeInfo(int i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", i);
    m.put("node_id", nodeIds[i]);
    m.put("http_address", YarnSettings.HOST + ":" + httpPorts[i]);
    m.put("running", yarn.getNodeManager(i).getServiceState() == Service.STATE.STARTED);
    NodeState state = rmNodeState(NodeId.fromString(nodeIds[i]));
    m.put("state", state == null ? null : state.toString());
    return m;
  }

  /** The active RM's view of a node (RUNNING, LOST, ...), or null when no RM is active or it never saw it. */
  private NodeState rmNodeState(NodeId id) {
    ResourceManager rm = activeRm();
    if (rm == null) {
      return null;
    }
    RMNode n = rm.getRMContext().getRMNodes().get(id);
    if (n == null) {
      n = rm.getRMContext().getInactiveRMNodes().get(id);
    }
    return n == null ? null : n.getState();
  }

  /**
   * Stops a NodeManager the way a crashed node stops: its containers die and it does not say goodbye, so the RM
   * declares it LOST after {@link YarnSettings#NODE_EXPIRY_MS} and ends its containers with ABORTED (-100).
   */
  private Map<String, Object> stopNode(int i) {
    NodeManager nm = yarn.getNodeManager(i);
    if (nm.getServiceState() != Service.STATE.STARTED) {
      throw new IllegalArgumentException("node " + i + " (" + nodeIds[i] + ") is not running");
    }
    // "Decommissioned" is the one NodeManager state in which its stop skips unregistering from the RM (which
    // would make the node SHUTDOWN at once, a clean departure rather than a loss).
    nm.getNMContext().setDecommissioned(true);
    nm.stop();
    System.err.println("local cluster: stopped NodeManager " + i + " (" + nodeIds[i] + ")");
    return nodeInfo(i);
  }

  /** Starts a stopped NodeManager again on its old ports, so it comes back as the same node. */
  private Map<String, Object> startNode(int i) throws Exception {
    NodeManager old = yarn.getNodeManager(i);
    if (old.getServiceState() == Service.STATE.STARTED) {
      throw new IllegalArgumentException("node " + i + " (" + nodeIds[i] + ") is already running");
    }
    Configuration conf = new YarnConfiguration(old.getConfig());
    conf.set(YarnConfiguration.NM_ADDRESS, nodeIds[i]);
    conf.set(YarnConfiguration.NM_WEBAPP_ADDRESS, YarnSettings.HOST + ":" + httpPorts[i]);
    conf.set(YarnConfiguration.NM_LOCALIZER_ADDRESS, YarnSettings.HOST + ":0");
    NodeManager nm = yarn.new CustomNodeManager();
    nm.init(conf);
    nm.start();
    replaceNodeManager(i, nm);
    GuiceFilterFix.apply(yarn, options.rms, options.nodes);
    waitForNode(NodeId.fromString(nodeIds[i]), NodeState.RUNNING, 30_000);
    System.err.println("local cluster: started NodeManager " + i + " (" + nodeIds[i] + ") again");
    return nodeInfo(i);
  }

  /** MiniYARNCluster has no API to replace a NodeManager; its wrapper service stops whatever is in the slot. */
  private void replaceNodeManager(int i, NodeManager nm) throws ReflectiveOperationException {
    Field f = MiniYARNCluster.class.getDeclaredField("nodeManagers");
    f.setAccessible(true);
    ((NodeManager[]) f.get(yarn))[i] = nm;
  }

  private void waitForNode(NodeId id, NodeState want, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (rmNodeState(id) != want) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("node " + id + " is " + rmNodeState(id) + ", not " + want
            + ", " + timeoutMs / 1000 + " s after its start");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Restarts the active ResourceManager (a new RM object on the same ports), which recovers the applications from
   * the state store; NodeManagers resync and keep their containers (work-preserving recovery). In an HA pair the
   * restarted RM is made active again, so only the restart is observed.
   */
  private Map<String, Object> restartResourceManager() throws Exception {
    int index = activeIndex();
    long t0 = System.nanoTime();
    yarn.restartResourceManager(index);
    if (options.ha()) {
      yarn.getResourceManager(index).getRMContext().getRMAdminService().transitionToActive(BY_USER);
    }
    GuiceFilterFix.apply(yarn, options.rms, options.nodes);
    waitForRunningNodes(60_000);
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.err.printf("local cluster: ResourceManager %d restarted in %.1f s%n", index, seconds);
    Map<String, Object> m = rmInfo(index);
    m.put("seconds", seconds);
    return m;
  }

  /** Waits until every running NodeManager is RUNNING again in the active RM (they resync after a restart). */
  private void waitForRunningNodes(long timeoutMs) throws InterruptedException {
    for (int i = 0; i < nodeIds.length; i++) {
      if (yarn.getNodeManager(i).getServiceState() == Service.STATE.STARTED) {
        waitForNode(NodeId.fromString(nodeIds[i]), NodeState.RUNNING, timeoutMs);
      }
    }
  }

  /** Manual failover of an HA pair: the active RM steps down, the next standby becomes active. */
  private Map<String, Object> failover() throws Exception {
    if (!options.ha()) {
      throw new IllegalArgumentException("failover needs an HA cluster (rms=2); this one has one ResourceManager");
    }
    int from = activeIndex();
    int to = (from + 1) % options.rms;
    yarn.getResourceManager(from).getRMContext().getRMAdminService().transitionToStandby(BY_USER);
    yarn.getResourceManager(to).getRMContext().getRMAdminService().transitionToActive(BY_USER);
    System.err.println("local cluster: failed over from ResourceManager " + from + " to " + to);
    return rmInfo(to);
  }

  private int activeIndex() {
    int index = yarn.getActiveRMIndex();
    if (index < 0) {
      throw new IllegalStateException("no ResourceManager is active");
    }
    return index;
  }

  private ResourceManager activeRm() {
    for (int i = 0; i < options.rms; i++) {
      ResourceManager rm = yarn.getResourceManager(i);
      if (rm != null && rm.getRMContext().getHAServiceState() == HAServiceState.ACTIVE) {
        return rm;
      }
    }
    return null;
  }

  private List<Map<String, Object>> resourceManagers() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < options.rms; i++) {
      out.add(rmInfo(i));
    }
    return out;
  }

  private Map<String, Object> rmInfo(int i) {
    ResourceManager rm = yarn.getResourceManager(i);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", i);
    m.put("id", options.ha() ? YarnSettings.rmIds(options.rms).get(i) : null);
    m.put("state", rm == null ? "STOPPED" : rm.getRMContext().getHAServiceState().name());
    return m;
  }

  /** Applications not yet ended, as the active RM knows them (for "nothing left alive" checks, without REST). */
  private List<Map<String, Object>> liveApplications() {
    List<Map<String, Object>> out = new ArrayList<>();
    ResourceManager rm = yarn.getResourceManager(activeIndex());
    for (RMApp app : rm.getRMContext().getRMApps().values()) {
      RMAppState state = app.getState();
      if (state != RMAppState.FINISHED && state != RMAppState.FAILED && state != RMAppState.KILLED) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", app.getApplicationId().toString());
        m.put("name", app.getName());
        m.put("user", app.getUser());
        m.put("queue", app.getQueue());
        m.put("state", state.name());
        out.add(m);
      }
    }
    return out;
  }

  /** Kills an application as the cluster's own (admin) user; the RM completes the kill asynchronously. */
  private Map<String, Object> killApplication(String appId) throws Exception {
    if (appId == null) {
      throw new IllegalArgumentException("which application? give its id");
    }
    ResourceManager rm = yarn.getResourceManager(activeIndex());
    KillApplicationResponse r = rm.getClientRMService().forceKillApplication(
        KillApplicationRequest.newInstance(ApplicationId.fromString(appId)));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", appId);
    m.put("kill_completed", r.getIsKillCompleted());
    return m;
  }

  /** The RM's address for {@code key} (e.g. its web address), under its own id in an HA pair. */
  static String rmAddress(Configuration conf, Options o, int i, String key) {
    return conf.get(o.ha() ? HAUtil.addSuffix(key, YarnSettings.rmIds(o.rms).get(i)) : key);
  }
}
