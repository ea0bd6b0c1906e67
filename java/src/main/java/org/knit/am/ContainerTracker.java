package org.knit.am;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.Container;

/**
 * Every container the application asked for, each an explicit state machine:
 *
 * <pre>
 *   REQUESTED → ALLOCATED → RUNNING → SUCCEEDED | FAILED | KILLED
 *   REQUESTED → RELEASED                (cancelled before YARN allocated it)
 *   ALLOCATED → RELEASED | FAILED | KILLED | SUCCEEDED   (removed, failed to start, or finished before the
 *                                                         NodeManager's "started" callback arrived)
 * </pre>
 *
 * <p>All state changes go through {@link #transition}. Thread-safe: every method synchronizes on this tracker,
 * and it never calls out while holding its lock.
 */
public final class ContainerTracker {
  /** Python reads these names from knit/shared/states.json; SharedFilesTest keeps that file equal to this enum. */
  public enum State {
    REQUESTED, ALLOCATED, RUNNING, SUCCEEDED, FAILED, KILLED, RELEASED;

    public boolean isTerminal() {
      return this.compareTo(SUCCEEDED) >= 0;
    }
  }

  private static final Map<State, EnumSet<State>> ALLOWED = new HashMap<>();

  static {
    ALLOWED.put(State.REQUESTED, EnumSet.of(State.ALLOCATED, State.RELEASED));
    ALLOWED.put(State.ALLOCATED, EnumSet.of(State.RUNNING, State.SUCCEEDED, State.FAILED, State.KILLED,
        State.RELEASED));
    ALLOWED.put(State.RUNNING, EnumSet.of(State.SUCCEEDED, State.FAILED, State.KILLED));
  }

  /** One requested container and what became of it. Fields are guarded by the tracker's lock. */
  public static final class Record {
    public final long requestId;
    /** The YARN allocationRequestId of the batch this request was part of. */
    public final long batchId;
    public final int memory;
    public final int vcores;
    /** How many containers failed before this one in its restart chain. */
    public final int restarts;
    /** The name given with the request (exported as KNIT_CONTAINER_NAME), or null. */
    public final String name;
    State state = State.REQUESTED;
    Container container;
    Integer exitStatus;
    String diagnostics = "";
    long startTime;
    long finishTime;
    /** The user asked to remove it: its end is KILLED/RELEASED and never counts as a failure. */
    boolean removeRequested;
    /** It failed and a replacement was requested (restart policy): its failure no longer decides the outcome. */
    boolean replaced;

    Record(long requestId, long batchId, int memory, int vcores, int restarts, String name) {
      this.requestId = requestId;
      this.batchId = batchId;
      this.memory = memory;
      this.vcores = vcores;
      this.restarts = restarts;
      this.name = name;
    }

    public synchronized State state() {
      return state;
    }

    public Container container() {
      return container;
    }

    String containerId() {
      return container == null ? null : container.getId().toString();
    }
  }

  /** How the application ended, once every container it ran has finished on its own. */
  public static final class Outcome {
    public final boolean succeeded;
    public final String diagnostics;

    Outcome(boolean succeeded, String diagnostics) {
      this.succeeded = succeeded;
      this.diagnostics = diagnostics;
    }
  }

  private final Map<Long, Record> byRequest = new LinkedHashMap<>();
  private final Map<String, Record> byContainer = new HashMap<>();
  private long nextRequestId = 1;

  /** A new REQUESTED record. */
  public synchronized Record request(long batchId, int memory, int vcores, int restarts) {
    return request(batchId, memory, vcores, restarts, null);
  }

  /** A new REQUESTED record carrying {@code name} (null: unnamed). */
  public synchronized Record request(long batchId, int memory, int vcores, int restarts, String name) {
    Record r = new Record(nextRequestId++, batchId, memory, vcores, restarts, name);
    byRequest.put(r.requestId, r);
    return r;
  }

  /** The record named {@code name} that is still requested, allocated or running (and not being removed), or null. */
  public synchronized Record liveByName(String name) {
    for (Record r : byRequest.values()) {
      if (name.equals(r.name) && !r.state.isTerminal() && !r.removeRequested) {
        return r;
      }
    }
    return null;
  }

  /**
   * Binds an allocation to the oldest REQUESTED record of its batch (or, when the scheduler did not echo an
   * allocationRequestId, the oldest REQUESTED record whose memory fits). Returns null for a surplus allocation.
   */
  public synchronized Record allocate(Container container) {
    long batch = container.getAllocationRequestId();
    Record match = null;
    for (Record r : byRequest.values()) {
      if (r.state != State.REQUESTED) {
        continue;
      }
      if (r.batchId == batch) {
        match = r;
        break;
      }
      // Some schedulers report every container with vcores=1 (DefaultResourceCalculator): memory decides.
      if (match == null && batch < 0 && r.memory <= container.getResource().getMemorySize()) {
        match = r;
      }
    }
    if (match == null) {
      return null;
    }
    match.container = container;
    byContainer.put(container.getId().toString(), match);
    transition(match, State.ALLOCATED, null, null);
    return match;
  }

  /**
   * The one way a record changes state. A late event for a record that already ended (say, YARN's completion
   * report after we saw a start failure) returns false and changes nothing.
   *
   * @throws IllegalStateException for a transition the state machine does not have
   */
  public synchronized boolean transition(Record r, State to, Integer exitStatus, String diagnostics) {
    if (r.state.isTerminal()) {
      return false;
    }
    if (!ALLOWED.get(r.state).contains(to)) {
      throw new IllegalStateException("container request " + r.requestId + ": no transition " + r.state + " → " + to);
    }
    synchronized (r) {
      r.state = to;
    }
    long now = System.currentTimeMillis();
    if (to == State.RUNNING) {
      r.startTime = now;
    }
    if (to.isTerminal()) {
      r.finishTime = now;
      r.exitStatus = exitStatus;
      if (diagnostics != null) {
        r.diagnostics = diagnostics;
      }
    }
    return true;
  }

  public synchronized Record byContainerId(String containerId) {
    return byContainer.get(containerId);
  }

  public synchronized Record byRequestId(long requestId) {
    return byRequest.get(requestId);
  }

  /** Marks a record as removed by the user; false if it already ended. */
  public synchronized boolean markRemoved(Record r) {
    if (r.state.isTerminal()) {
      return false;
    }
    r.removeRequested = true;
    return true;
  }

  public synchronized boolean isRemoved(Record r) {
    return r.removeRequested;
  }

  public synchronized void markReplaced(Record r) {
    r.replaced = true;
  }

  public synchronized int pending() {
    int n = 0;
    for (Record r : byRequest.values()) {
      if (r.state == State.REQUESTED) {
        n++;
      }
    }
    return n;
  }

  public synchronized boolean anyLive() {
    for (Record r : byRequest.values()) {
      if (!r.state.isTerminal()) {
        return true;
      }
    }
    return false;
  }

  /** Fraction of records that have ended, for the RM's progress bar. */
  public synchronized float progress() {
    if (byRequest.isEmpty()) {
      return 0f;
    }
    int done = 0;
    for (Record r : byRequest.values()) {
      if (r.state.isTerminal()) {
        done++;
      }
    }
    return (float) done / byRequest.size();
  }

  /**
   * The application's outcome if nothing is live: SUCCEEDED when every container that ended on its own exited
   * 0, else FAILED naming each failed container (replaced failures and user removals do not count). Null while
   * any container is still requested, allocated or running.
   */
  public synchronized Outcome outcome() {
    if (anyLive()) {
      return null;
    }
    StringBuilder failures = new StringBuilder();
    int failed = 0;
    for (Record r : byRequest.values()) {
      if (r.state == State.FAILED && !r.replaced && !r.removeRequested) {
        failed++;
        failures.append(failed == 1 ? "" : "\n").append(r.containerId() == null ? "request " + r.requestId
            : r.containerId()).append(" exited with code ").append(r.exitStatus).append(": ").append(r.diagnostics);
      }
    }
    if (failed == 0) {
      return new Outcome(true, "all containers exited with code 0");
    }
    return new Outcome(false, failed + " container(s) failed:\n" + failures);
  }

  /** Every record as the JSON-ready maps of {@code MasterEntryPoint.containers()}. */
  public synchronized List<Map<String, Object>> snapshot() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Record r : byRequest.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", r.containerId());
      m.put("state", r.state.name());
      m.put("request_id", r.requestId);
      m.put("name", r.name);
      m.put("node_id", r.container == null ? null : r.container.getNodeId().toString());
      m.put("node_http_address", r.container == null ? null : r.container.getNodeHttpAddress());
      m.put("vcores", r.container == null ? r.vcores : r.container.getResource().getVirtualCores());
      m.put("memory", r.container == null ? r.memory : r.container.getResource().getMemorySize());
      m.put("exit_status", r.exitStatus);
      m.put("diagnostics", r.diagnostics);
      m.put("restarts", r.restarts);
      m.put("start_time", r.startTime);
      m.put("finish_time", r.finishTime);
      out.add(m);
    }
    return out;
  }
}
