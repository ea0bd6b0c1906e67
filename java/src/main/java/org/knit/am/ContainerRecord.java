package org.knit.am;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.Container;
import org.knit.am.ContainerTracker.State;
import org.knit.am.ExitClassifier.ExitClass;

/**
 * One requested container and what became of it. Mutable fields are written under the {@link ContainerTracker}'s
 * lock only; {@code state} is volatile so the allocator may read it without that lock. Everything but the YARN
 * {@link Container} is persisted across ApplicationMaster attempts ({@link AmState}, as JSON).
 */
public final class ContainerRecord {
  public final long requestId;
  /** The YARN allocationRequestId of the batch this request is part of (a new one after an AM restart). */
  long batchId;
  /** What was asked for. */
  public final int memory;
  public final int vcores;
  /** How many failures of its restart chain came before this one (platform faults do not count). */
  public final int restarts;
  /** The container (or "request N") this one replaces, or null. */
  final String replaces;
  /** The name given with the request (exported as KNIT_CONTAINER_NAME; a replacement keeps it), or null. */
  public final String name;
  volatile State state = State.REQUESTED;
  /** The YARN container: null while REQUESTED, and for ended records restored from a previous attempt. */
  transient Container container;
  String containerId;
  String nodeId;
  String nodeHttpAddress;
  long grantedMemory;
  int grantedVcores;
  Integer exitStatus;
  ExitClass exitClass;
  String diagnostics = "";
  /** When the AM asked for it, YARN allocated it, the AM sent the start request (ms since the epoch; 0: not yet). */
  long requestTime;
  long allocateTime;
  long launchTime;
  long startTime;
  long finishTime;
  /** The user asked to remove it: its end is KILLED/RELEASED and never counts as a failure. */
  boolean removeRequested;
  /** A replacement was requested when it ended: its end no longer decides the outcome. */
  boolean replaced;

  ContainerRecord(long requestId, long batchId, int memory, int vcores, int restarts, String replaces,
      String name) {
    this.requestId = requestId;
    this.batchId = batchId;
    this.memory = memory;
    this.vcores = vcores;
    this.restarts = restarts;
    this.replaces = replaces;
    this.name = name;
  }

  public State state() {
    return state;
  }

  public Container container() {
    return container;
  }

  String containerId() {
    return containerId;
  }

  /** How the outcome and the logs name it: its container id, or its request id while it had none. */
  String label() {
    return containerId == null ? "request " + requestId : containerId;
  }

  /** The entry of {@code containers()} (ARCHITECTURE.md, "ApplicationMaster entry point"). */
  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", containerId);
    m.put("state", state.name());
    m.put("request_id", requestId);
    m.put("name", name);
    m.put("node_id", nodeId);
    m.put("node_http_address", nodeHttpAddress);
    m.put("vcores", containerId == null ? vcores : grantedVcores);
    m.put("memory", containerId == null ? memory : grantedMemory);
    m.put("exit_status", exitStatus);
    m.put("exit_class", exitClass == null ? null : exitClass.json());
    m.put("diagnostics", diagnostics);
    m.put("restarts", restarts);
    m.put("replaces", replaces);
    m.put("request_time", requestTime);
    m.put("allocate_time", allocateTime);
    m.put("launch_time", launchTime);
    m.put("start_time", startTime);
    m.put("finish_time", finishTime);
    return m;
  }

  /** A copy for the state store, taken under the tracker's lock. */
  ContainerRecord copy() {
    ContainerRecord c = new ContainerRecord(requestId, batchId, memory, vcores, restarts, replaces, name);
    c.state = state;
    c.containerId = containerId;
    c.nodeId = nodeId;
    c.nodeHttpAddress = nodeHttpAddress;
    c.grantedMemory = grantedMemory;
    c.grantedVcores = grantedVcores;
    c.exitStatus = exitStatus;
    c.exitClass = exitClass;
    c.diagnostics = diagnostics;
    c.requestTime = requestTime;
    c.allocateTime = allocateTime;
    c.launchTime = launchTime;
    c.startTime = startTime;
    c.finishTime = finishTime;
    c.removeRequested = removeRequested;
    c.replaced = replaced;
    return c;
  }
}
