package org.knit.am;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.yarn.api.protocolrecords.AllocateResponse;
import org.apache.hadoop.yarn.api.records.AMCommand;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the ResourceManager for containers and matches what it grants to what was asked; owns the heartbeat.
 *
 * <p><b>Matching.</b> Each {@link #request} call is one batch with its own YARN {@code allocationRequestId}
 * (YARN-4879): n identical ContainerRequests the AMRMClient sends as one ask of n. An allocation carries its
 * batch id back, and is bound to the oldest REQUESTED record of that batch; the satisfied ask is removed from
 * the AMRMClient's table so it is not re-sent. An allocation nothing is waiting for (a cancelled request, an
 * over-allocation) is released at once.
 *
 * <p><b>Heartbeat.</b> Our own loop over the synchronous AMRMClient rather than AMRMClientAsync, whose heartbeat
 * thread sleeps in {@code Thread.sleep} and cannot be woken: new requests wake this loop at once, so
 * {@code addContainers} does not wait out an idle interval. Interval: {@value #FIRST_MS} ms after new requests
 * (the scheduler places them within milliseconds, and the AM only learns of it on its next heartbeat), doubling to
 * {@value #FAST_MS} ms while requests are pending or containers come and go, then doubling up to
 * {@value #IDLE_MS} ms when idle.
 *
 * <p><b>Threading.</b> {@link #request}, {@link #cancel} and {@link #release} are called from Py4J threads and
 * the heartbeat thread; they synchronize on this allocator, and call the AMRMClient (itself synchronized, never
 * calling back) and the tracker (which never calls out) under that lock. Events go to the {@link Handler} from
 * the heartbeat thread only, without holding the lock.
 *
 * <p><b>Failures.</b> The heartbeat cannot die silently: each event is handled on its own, and anything a
 * handler throws (or anything else the loop throws) goes to {@link Handler#fatal} naming the container, which
 * ends the application FAILED rather than leaving it RUNNING with nobody heartbeating until the RM's AM expiry.
 *
 * <p><b>RM restart and failover.</b> The synchronous AMRMClient handles both itself: its RM proxy retries (and
 * with RM HA fails over to the other RM), and on ApplicationMasterNotRegisteredException (a work-preserving RM
 * restart or failover, YARN-1365) it registers again and re-sends every outstanding ask and release. AM_RESYNC
 * and AM_SHUTDOWN mean this attempt is over (the RM lost it, or started another): {@link Handler#rmCommand}.
 */
final class ContainerAllocator {
  static final int FIRST_MS = 50;
  static final int FAST_MS = 200;
  static final int IDLE_MS = 3000;
  private static final Logger LOG = LoggerFactory.getLogger(ContainerAllocator.class);
  private static final Priority PRIORITY = Priority.newInstance(1);

  /** What the allocator reports, on the heartbeat thread. */
  interface Handler {
    void allocated(ContainerRecord record);

    void completed(ContainerStatus status);

    /** Called before each allocate call (the AM persists its state there). */
    void beforeHeartbeat();

    /** The RM said this attempt is over (AM_SHUTDOWN, AM_RESYNC). */
    void rmCommand(AMCommand command);

    /** A heartbeat failed, or handling an event threw: the application cannot go on. */
    void fatal(String why, Throwable cause);
  }

  private final AMRMClient<ContainerRequest> rm;
  private final ContainerTracker tracker;
  private long nextBatch;
  private int interval = FAST_MS;
  private boolean stopped;
  private Thread thread;

  /**
   * @param idBase added to every batch id (allocationRequestId), as to the tracker's request ids: unique across
   *               ApplicationMaster attempts
   */
  ContainerAllocator(AMRMClient<ContainerRequest> rm, ContainerTracker tracker, long idBase) {
    this.rm = rm;
    this.tracker = tracker;
    this.nextBatch = idBase + 1;
  }

  ContainerAllocator(AMRMClient<ContainerRequest> rm, ContainerTracker tracker) {
    this(rm, tracker, 0);
  }

  /** Asks for {@code n} containers as one batch; returns the new records. Wakes the heartbeat. */
  synchronized List<ContainerRecord> request(int n, int memory, int vcores, int restarts) {
    return request(Collections.<String>nCopies(n, null), memory, vcores, restarts, null);
  }

  /**
   * Asks for one container per entry of {@code names} (null entries: unnamed) as one batch; {@code replaces} names
   * the container they replace (null for new ones).
   */
  synchronized List<ContainerRecord> request(List<String> names, int memory, int vcores, int restarts,
      String replaces) {
    long batch = nextBatch++;
    List<ContainerRecord> records = new ArrayList<>();
    for (String name : names) {
      ask(batch, memory, vcores);
      records.add(tracker.request(batch, memory, vcores, restarts, replaces, name));
    }
    wake();
    return records;
  }

  /** Asks again, under this attempt's batch ids, for records a previous attempt had requested. */
  synchronized void rerequest(List<ContainerRecord> records) {
    for (ContainerRecord r : records) {
      long batch = nextBatch++;
      tracker.rebatch(r, batch);
      ask(batch, r.memory, r.vcores);
    }
    wake();
  }

  private void ask(long batch, int memory, int vcores) {
    rm.addContainerRequest(ContainerRequest.newBuilder().capability(Resource.newInstance(memory, vcores))
        .priority(PRIORITY).allocationRequestId(batch).relaxLocality(true).build());
  }

  private void wake() {
    interval = FIRST_MS / 2; // doubled to FIRST_MS by the wait that follows
    notifyAll();
  }

  /** Withdraws a REQUESTED record's ask; the record becomes RELEASED. False if it was no longer REQUESTED. */
  synchronized boolean cancel(ContainerRecord r) {
    if (r.state() != ContainerTracker.State.REQUESTED) {
      return false;
    }
    removeOneAsk(r.batchId);
    tracker.cancel(r);
    notifyAll();
    return true;
  }

  /** Gives an allocated container back to the RM (which kills it if it is running). */
  synchronized void release(ContainerId id) {
    rm.releaseAssignedContainer(id);
    notifyAll();
  }

  /** Binds allocations to requests; returns the records to launch, releasing surplus containers. */
  synchronized List<ContainerRecord> onAllocated(List<Container> containers) {
    List<ContainerRecord> launch = new ArrayList<>();
    for (Container c : containers) {
      ContainerRecord r = tracker.allocate(c);
      if (r == null) {
        LOG.info("Releasing surplus container {} (allocation request {})", c.getId(), c.getAllocationRequestId());
        rm.releaseAssignedContainer(c.getId());
      } else {
        removeOneAsk(r.batchId);
        launch.add(r);
      }
    }
    return launch;
  }

  private void removeOneAsk(long batch) {
    Collection<ContainerRequest> asks = rm.getMatchingRequests(batch);
    Iterator<ContainerRequest> it = asks == null ? null : asks.iterator();
    if (it != null && it.hasNext()) {
      rm.removeContainerRequest(it.next());
    }
  }

  /** Starts the heartbeat thread. */
  synchronized void start(Handler handler) {
    thread = new Thread(() -> loop(handler), "knit-rm-heartbeat");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops the heartbeat and waits for it, unless called from the heartbeat thread itself. */
  void stop() throws InterruptedException {
    Thread t;
    synchronized (this) {
      stopped = true;
      notifyAll();
      t = thread;
    }
    if (t != null && t != Thread.currentThread()) {
      t.join(10_000);
    }
  }

  private void loop(Handler handler) {
    try {
      while (!isStopped() && beat(handler)) {
        continue;
      }
    } catch (Throwable t) { // never die silently, whatever broke
      if (!isStopped()) {
        handler.fatal("the ApplicationMaster's heartbeat failed unexpectedly: " + t, t);
      }
    }
  }

  /** One heartbeat: allocate, hand each event to the handler on its own, wait. False when the loop must end. */
  private boolean beat(Handler handler) {
    handler.beforeHeartbeat();
    AllocateResponse response;
    try {
      response = rm.allocate(tracker.progress());
    } catch (Exception e) {
      if (!isStopped()) {
        handler.fatal("the ResourceManager heartbeat failed: " + e, e);
      }
      return false;
    }
    AMCommand command = response.getAMCommand();
    if (command == AMCommand.AM_SHUTDOWN || command == AMCommand.AM_RESYNC) {
      handler.rmCommand(command);
      return false;
    }
    for (ContainerRecord r : onAllocated(response.getAllocatedContainers())) {
      if (!handle(handler, r.containerId(), () -> handler.allocated(r))) {
        return false;
      }
    }
    for (ContainerStatus s : response.getCompletedContainersStatuses()) {
      if (!handle(handler, String.valueOf(s.getContainerId()), () -> handler.completed(s))) {
        return false;
      }
    }
    waitForNextBeat(!response.getAllocatedContainers().isEmpty()
        || !response.getCompletedContainersStatuses().isEmpty());
    return true;
  }

  /** Runs one event's handler; if it throws, reports it (naming the container) as fatal and returns false. */
  private boolean handle(Handler handler, String containerId, Runnable event) {
    try {
      event.run();
      return true;
    } catch (RuntimeException | Error e) {
      handler.fatal("internal error while handling container " + containerId + ": " + e, e);
      return false;
    }
  }

  private synchronized boolean isStopped() {
    return stopped;
  }

  private synchronized void waitForNextBeat(boolean busy) {
    boolean active = busy || tracker.pending() > 0;
    interval = active ? Math.min(FAST_MS, Math.max(FIRST_MS, interval * 2)) : Math.min(IDLE_MS, interval * 2);
    if (stopped) {
      return;
    }
    try {
      wait(interval);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
  }
}
