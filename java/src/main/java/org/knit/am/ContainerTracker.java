package org.knit.am;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.Container;
import org.knit.am.ExitClassifier.ExitClass;

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
 * <p>Events from different threads (the heartbeat's completions, NMClient threads' "started", Py4J removals)
 * each decide their target state <em>under this tracker's lock</em> ({@link #complete}, {@link #started},
 * {@link #startFailed}): the decision and the transition are one step, so a "started" that lands between a
 * completion's look at the state and its transition cannot make it an impossible one (RUNNING → RELEASED).
 *
 * <p>Bounded: only the last {@code keepEnded} ended records are kept (older ones are dropped from
 * {@link #snapshot}); {@link ContainerCounts} keeps the totals, and the failures that decide the outcome are kept apart.
 *
 * <p>Cost per event is constant, not linear in the number of records (issue 15: at 1000 containers a scan per
 * allocation or per heartbeat is a million steps per launch): REQUESTED records wait in a queue per batch, and
 * the live states are counted as they change.
 *
 * <p>Thread-safe: every method synchronizes on this tracker, and it never calls out while holding its lock.
 */
public final class ContainerTracker {
  /** Python reads these names from knit/shared/states.json; SharedFilesTest keeps that file equal to this enum. */
  public enum State {
    REQUESTED, ALLOCATED, RUNNING, SUCCEEDED, FAILED, KILLED, RELEASED;

    public boolean isTerminal() {
      return this.compareTo(SUCCEEDED) >= 0;
    }
  }

  /** Ended records kept for {@code containers()} by default; older ones only count. */
  static final int DEFAULT_KEEP_ENDED = 1000;
  /** Failures named in the outcome's diagnostics; further ones are only counted. */
  static final int FAILURES_NAMED = 20;

  private static final Map<State, EnumSet<State>> ALLOWED = new HashMap<>();

  static {
    ALLOWED.put(State.REQUESTED, EnumSet.of(State.ALLOCATED, State.RELEASED));
    ALLOWED.put(State.ALLOCATED, EnumSet.of(State.RUNNING, State.SUCCEEDED, State.FAILED, State.KILLED,
        State.RELEASED));
    ALLOWED.put(State.RUNNING, EnumSet.of(State.SUCCEEDED, State.FAILED, State.KILLED));
  }

  /** What ending a record decided: whether it changed, its class, and whether a replacement is due. */
  public static final class Completion {
    static final Completion UNCHANGED = new Completion(false, null, false, 0);

    public final boolean changed;
    public final ExitClass exitClass;
    /** A replacement must be requested (platform fault, or a failure within {@code max_restarts}). */
    public final boolean replace;
    /** The replacement's {@code restarts}: the same after a platform fault, one more after a failure. */
    public final int replacementRestarts;

    Completion(boolean changed, ExitClass exitClass, boolean replace, int replacementRestarts) {
      this.changed = changed;
      this.exitClass = exitClass;
      this.replace = replace;
      this.replacementRestarts = replacementRestarts;
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

  private final int maxRestarts;
  private final int keepEnded;
  private final Map<Long, ContainerRecord> byRequest = new LinkedHashMap<>();
  private final Map<String, ContainerRecord> byContainer = new HashMap<>();
  /** Ended records in the order they ended: the oldest are dropped first. */
  private final ArrayDeque<ContainerRecord> ended = new ArrayDeque<>();
  /** REQUESTED records by batch, oldest first; a record that left REQUESTED or its batch is skipped lazily. */
  private final Map<Long, ArrayDeque<ContainerRecord>> waiting = new HashMap<>();
  /** How many records are in each live state (REQUESTED, ALLOCATED, RUNNING). */
  private final Map<State, Integer> liveCount = new EnumMap<>(State.class);
  private ContainerCounts counts = new ContainerCounts();
  private long nextRequestId;
  /** Bumped by every change, so the state store writes only when something changed. */
  private long version;
  /** Bumped by every end: what must be durable before the next heartbeat acknowledges it (AmState). */
  private long endVersion;

  /**
   * @param maxRestarts the spec's {@code max_restarts}
   * @param idBase      added to every request id this attempt issues ((attempt − 1) shifted into the high bits),
   *                    so ids never collide across ApplicationMaster attempts
   * @param keepEnded   how many ended records {@link #snapshot} keeps
   */
  public ContainerTracker(int maxRestarts, long idBase, int keepEnded) {
    this.maxRestarts = maxRestarts;
    this.nextRequestId = idBase + 1;
    this.keepEnded = keepEnded;
  }

  /** A tracker for tests: no restarts, ids from 1, the default bound. */
  public ContainerTracker() {
    this(0, 0, DEFAULT_KEEP_ENDED);
  }

  /**
   * A new REQUESTED record; {@code replaces} names the container it replaces (null for a new one), {@code name} is
   * the name it was asked under (null: unnamed).
   */
  public synchronized ContainerRecord request(long batchId, int memory, int vcores, int restarts, String replaces,
      String name) {
    ContainerRecord r = new ContainerRecord(nextRequestId++, batchId, memory, vcores, restarts, replaces, name);
    r.requestTime = System.currentTimeMillis();
    byRequest.put(r.requestId, r);
    enqueue(r);
    countLive(State.REQUESTED, 1);
    counts.requested++;
    version++;
    return r;
  }

  /** The record named {@code name} that is still requested, allocated or running (and not being removed), or null. */
  public synchronized ContainerRecord liveByName(String name) {
    for (ContainerRecord r : byRequest.values()) {
      if (name.equals(r.name) && !r.state.isTerminal() && !r.removeRequested) {
        return r;
      }
    }
    return null;
  }

  public ContainerRecord request(long batchId, int memory, int vcores, int restarts) {
    return request(batchId, memory, vcores, restarts, null, null);
  }

  /**
   * Binds an allocation to the oldest REQUESTED record of its batch (or, when the scheduler did not echo an
   * allocationRequestId, the oldest REQUESTED record whose memory fits). Returns null for a surplus allocation.
   */
  public synchronized ContainerRecord allocate(Container container) {
    long batch = container.getAllocationRequestId();
    ContainerRecord match = batch < 0 ? oldestFitting(container) : nextWaiting(batch);
    if (match == null) {
      return null;
    }
    bind(match, container);
    transition(match, State.ALLOCATED, null, null);
    match.allocateTime = System.currentTimeMillis();
    return match;
  }

  private void enqueue(ContainerRecord r) {
    waiting.computeIfAbsent(r.batchId, b -> new ArrayDeque<>()).addLast(r);
  }

  /** The oldest record still REQUESTED in {@code batch}, taken off its queue; null if none. */
  private ContainerRecord nextWaiting(long batch) {
    ArrayDeque<ContainerRecord> q = waiting.get(batch);
    while (q != null && !q.isEmpty()) {
      ContainerRecord r = q.pollFirst();
      if (q.isEmpty()) {
        waiting.remove(batch);
      }
      if (r.state == State.REQUESTED && r.batchId == batch) {
        return r;
      }
    }
    return null;
  }

  /**
   * A scheduler that did not echo the allocationRequestId: the oldest REQUESTED record whose memory fits (a scan,
   * but only for such schedulers).
   */
  private ContainerRecord oldestFitting(Container container) {
    ContainerRecord match = null;
    long batch = container.getAllocationRequestId();
    for (ContainerRecord r : byRequest.values()) {
      if (r.state != State.REQUESTED) {
        continue;
      }
      if (r.batchId == batch) {
        match = r;
        break;
      }
      // Some schedulers report every container with vcores=1 (DefaultResourceCalculator): memory decides.
      if (match == null && r.memory <= container.getResource().getMemorySize()) {
        match = r;
      }
    }
    return match;
  }

  private void bind(ContainerRecord r, Container c) {
    r.container = c;
    r.containerId = c.getId().toString();
    r.nodeId = c.getNodeId().toString();
    r.nodeHttpAddress = c.getNodeHttpAddress();
    r.grantedMemory = c.getResource().getMemorySize();
    r.grantedVcores = c.getResource().getVirtualCores();
    byContainer.put(r.containerId, r);
  }

  /**
   * The NodeManager started the container. Returns true if the user removed it while its launch was in flight
   * (the caller stops it). A start reported after the container ended changes nothing.
   */
  public synchronized boolean started(ContainerRecord r) {
    if (r.state == State.ALLOCATED) {
      transition(r, State.RUNNING, null, null);
    }
    return r.state == State.RUNNING && r.removeRequested;
  }

  /** The container ended (YARN's completion report): classify it and choose its end state, in one step. */
  public synchronized Completion complete(ContainerRecord r, int exitStatus, String diagnostics) {
    if (r.state.isTerminal()) {
      return Completion.UNCHANGED;
    }
    ExitClassifier.Verdict v = ExitClassifier.classify(exitStatus, diagnostics, r.removeRequested,
        r.grantedMemory > 0 ? r.grantedMemory : r.memory);
    return end(r, endState(r, v.exitClass), exitStatus, v);
  }

  /** The NodeManager refused to start it: the command's failure, unless the user removed it meanwhile. */
  public synchronized Completion startFailed(ContainerRecord r, String diagnostics) {
    if (r.state.isTerminal()) {
      return Completion.UNCHANGED;
    }
    ExitClass c = r.removeRequested ? ExitClass.REMOVED : ExitClass.USER;
    return end(r, c == ExitClass.REMOVED ? State.RELEASED : State.FAILED, null,
        new ExitClassifier.Verdict(c, diagnostics));
  }

  /** A REQUESTED record's ask was withdrawn (a removal before allocation): RELEASED. False if not REQUESTED. */
  public synchronized boolean cancel(ContainerRecord r) {
    if (r.state != State.REQUESTED) {
      return false;
    }
    end(r, State.RELEASED, null, new ExitClassifier.Verdict(ExitClass.REMOVED, "cancelled before allocation"));
    return true;
  }

  /**
   * Ends a record whose end no attempt was told of ({@link ExitClass#LOST}): it may have done its work, so it is
   * not run again.
   */
  public synchronized Completion lost(ContainerRecord r, String diagnostics) {
    if (r.state.isTerminal()) {
      return Completion.UNCHANGED;
    }
    return end(r, State.FAILED, null, new ExitClassifier.Verdict(ExitClass.LOST, diagnostics));
  }

  private static State endState(ContainerRecord r, ExitClass c) {
    switch (c) {
      case SUCCESS:
        return State.SUCCEEDED;
      case REMOVED:
        return r.state == State.ALLOCATED && r.removeRequested ? State.RELEASED : State.KILLED;
      default:
        return State.FAILED;
    }
  }

  private Completion end(ContainerRecord r, State to, Integer exitStatus, ExitClassifier.Verdict v) {
    transition(r, to, exitStatus, v.diagnostics);
    r.exitClass = v.exitClass;
    boolean replace = !r.removeRequested && (v.exitClass == ExitClass.PLATFORM
        || (v.exitClass.spendsRestart() && r.restarts < maxRestarts));
    r.replaced = replace;
    counts.byClass.merge(v.exitClass.json(), 1L, Long::sum);
    if (replace && v.exitClass.spendsRestart()) {
      counts.restartsUsed++;
    } else if (replace) {
      counts.platformReplacements++;
    } else if (to == State.FAILED) {
      counts.recordFailure(r);
    }
    return new Completion(true, v.exitClass, replace, r.restarts + (v.exitClass.spendsRestart() ? 1 : 0));
  }

  /**
   * The one way a record changes state. A late event for a record that already ended returns false and changes
   * nothing.
   *
   * @throws IllegalStateException for a transition the state machine does not have
   */
  public synchronized boolean transition(ContainerRecord r, State to, Integer exitStatus, String diagnostics) {
    if (r.state.isTerminal()) {
      return false;
    }
    if (!ALLOWED.get(r.state).contains(to)) {
      throw new IllegalStateException("container request " + r.requestId + ": no transition " + r.state + " → " + to);
    }
    countLive(r.state, -1);
    r.state = to;
    if (!to.isTerminal()) {
      countLive(to, 1);
    }
    version++;
    long now = System.currentTimeMillis();
    if (to == State.RUNNING) {
      r.startTime = now;
    }
    if (to.isTerminal()) {
      endVersion++;
      r.finishTime = now;
      r.exitStatus = exitStatus;
      if (diagnostics != null) {
        r.diagnostics = diagnostics;
      }
      counts.ended.merge(to.name(), 1L, Long::sum);
      ended.addLast(r);
      dropOldEnded();
    }
    return true;
  }

  private void countLive(State s, int delta) {
    liveCount.merge(s, delta, Integer::sum);
  }

  private int liveCount(State s) {
    Integer n = liveCount.get(s);
    return n == null ? 0 : n;
  }

  private void dropOldEnded() {
    while (ended.size() > keepEnded) {
      ContainerRecord old = ended.removeFirst();
      byRequest.remove(old.requestId);
      if (old.containerId != null) {
        byContainer.remove(old.containerId);
      }
      counts.dropped++;
    }
  }

  public synchronized ContainerRecord byContainerId(String containerId) {
    return byContainer.get(containerId);
  }

  public synchronized ContainerRecord byRequestId(long requestId) {
    return byRequest.get(requestId);
  }

  /** Marks a record as removed by the user; false if it already ended. */
  public synchronized boolean markRemoved(ContainerRecord r) {
    if (r.state.isTerminal()) {
      return false;
    }
    r.removeRequested = true;
    version++;
    return true;
  }

  public synchronized boolean isRemoved(ContainerRecord r) {
    return r.removeRequested;
  }

  /** Gives a REQUESTED record (one restored from a previous attempt) a new batch id for this attempt's ask. */
  synchronized void rebatch(ContainerRecord r, long batchId) {
    r.batchId = batchId;
    enqueue(r);
    version++;
  }

  public synchronized int pending() {
    return liveCount(State.REQUESTED);
  }

  public synchronized boolean anyLive() {
    return liveCount(State.REQUESTED) + liveCount(State.ALLOCATED) + liveCount(State.RUNNING) > 0;
  }

  /** The records now in one of {@code states} (all live states are kept: only ended ones are dropped). */
  synchronized List<ContainerRecord> live(EnumSet<State> states) {
    List<ContainerRecord> out = new ArrayList<>();
    for (ContainerRecord r : byRequest.values()) {
      if (states.contains(r.state)) {
        out.add(r);
      }
    }
    return out;
  }

  /** Fraction of records that have ended, for the RM's progress bar. */
  public synchronized float progress() {
    long done = counts.endedTotal();
    return counts.requested == 0 ? 0f : (float) done / counts.requested;
  }

  /**
   * The application's outcome if nothing is live: SUCCEEDED when every container that ended on its own and was
   * not replaced exited 0, else FAILED naming the failed containers. Null while any container is still
   * requested, allocated or running.
   */
  public synchronized Outcome outcome() {
    if (anyLive()) {
      return null;
    }
    if (counts.failed == 0) {
      return new Outcome(true, "all containers exited with code 0");
    }
    StringBuilder s = new StringBuilder().append(counts.failed).append(" container(s) failed:");
    for (String f : counts.failures) {
      s.append('\n').append(f);
    }
    if (counts.failed > counts.failures.size()) {
      s.append("\n... and ").append(counts.failed - counts.failures.size()).append(" more");
    }
    return new Outcome(false, s.toString());
  }

  /** Kept records as the JSON-ready maps of {@code MasterEntryPoint.containers()}. */
  public synchronized List<Map<String, Object>> snapshot() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ContainerRecord r : byRequest.values()) {
      out.add(r.toMap());
    }
    return out;
  }

  /** The totals since the application started ({@code MasterEntryPoint.counts()}). */
  public synchronized Map<String, Object> counts() {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, Long> live = new LinkedHashMap<>();
    for (State s : EnumSet.of(State.REQUESTED, State.ALLOCATED, State.RUNNING)) {
      live.put(s.name(), (long) liveCount(s));
    }
    m.put("requested", counts.requested);
    m.put("live", live);
    m.put("ended", new LinkedHashMap<>(counts.ended));
    m.put("exit_class", new LinkedHashMap<>(counts.byClass));
    m.put("restarts_used", counts.restartsUsed);
    m.put("platform_replacements", counts.platformReplacements);
    m.put("failed", counts.failed);
    m.put("records_kept", byRequest.size());
    m.put("records_dropped", counts.dropped);
    return m;
  }

  // -- persistence across ApplicationMaster attempts (AmState) -------------------------------------------------

  synchronized long version() {
    return version;
  }

  synchronized long endVersion() {
    return endVersion;
  }

  /** The AM is sending the NodeManager its start request (for the launch latency in {@code containers()}). */
  synchronized void launching(ContainerRecord r) {
    r.launchTime = System.currentTimeMillis();
  }

  /** A copy of everything the next attempt needs, and the version it reflects. */
  synchronized AmState.Snapshot export() {
    List<ContainerRecord> copies = new ArrayList<>();
    for (ContainerRecord r : byRequest.values()) {
      copies.add(r.copy());
    }
    return new AmState.Snapshot(version, copies, counts.copy());
  }

  /** Loads a previous attempt's records and totals (before this attempt issues any request). */
  synchronized void restore(Collection<ContainerRecord> records, ContainerCounts previous) {
    counts = previous.copy();
    for (ContainerRecord r : records) {
      byRequest.put(r.requestId, r);
      if (r.containerId != null) {
        byContainer.put(r.containerId, r);
      }
      if (r.state.isTerminal()) {
        ended.addLast(r);
      } else {
        countLive(r.state, 1);
      }
      if (r.state == State.REQUESTED) {
        enqueue(r);
      }
    }
    version++;
  }

  /** Re-binds a restored record to the live container YARN handed over from the previous attempt. */
  synchronized void adopt(ContainerRecord r, Container c) {
    bind(r, c);
    if (r.state == State.REQUESTED) {
      transition(r, State.ALLOCATED, null, null);
    }
    if (r.state == State.ALLOCATED) {
      transition(r, State.RUNNING, null, null);
    }
    version++;
  }
}
