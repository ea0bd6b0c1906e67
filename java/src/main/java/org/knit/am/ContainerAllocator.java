package org.knit.am;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.yarn.api.protocolrecords.AllocateResponse;
import org.apache.hadoop.yarn.api.records.AMCommand;
import org.apache.hadoop.yarn.api.records.Container;
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
 * {@code addContainers} does not wait out an idle interval. Interval: {@value #FAST_MS} ms while requests are
 * pending, then doubling up to {@value #IDLE_MS} ms when idle.
 *
 * <p><b>Threading.</b> {@link #request}, {@link #cancel} and {@link #release} are called from Py4J threads and
 * the heartbeat thread; they synchronize on this allocator, and call the AMRMClient (itself synchronized, never
 * calling back) and the tracker (which never calls out) under that lock. Events go to the {@link Handler} from
 * the heartbeat thread only, without holding the lock.
 */
final class ContainerAllocator {
  static final int FAST_MS = 200;
  static final int IDLE_MS = 3000;
  private static final Logger LOG = LoggerFactory.getLogger(ContainerAllocator.class);
  private static final Priority PRIORITY = Priority.newInstance(1);

  /** What the allocator reports, on the heartbeat thread. */
  interface Handler {
    void allocated(ContainerTracker.Record record);

    void completed(ContainerStatus status);

    /** The RM told us to stop (AM_SHUTDOWN/AM_RESYNC) or a heartbeat failed. */
    void heartbeatFailed(String why, Throwable cause);
  }

  private final AMRMClient<ContainerRequest> rm;
  private final ContainerTracker tracker;
  private long nextBatch = 1;
  private int interval = FAST_MS;
  private boolean stopped;
  private Thread thread;

  ContainerAllocator(AMRMClient<ContainerRequest> rm, ContainerTracker tracker) {
    this.rm = rm;
    this.tracker = tracker;
  }

  /** Asks for {@code n} containers as one batch; returns the new records. Wakes the heartbeat. */
  synchronized List<ContainerTracker.Record> request(int n, int memory, int vcores, int restarts) {
    return request(Collections.<String>nCopies(n, null), memory, vcores, restarts);
  }

  /** Asks for one container per entry of {@code names} (null entries: unnamed) as one batch. */
  synchronized List<ContainerTracker.Record> request(List<String> names, int memory, int vcores, int restarts) {
    long batch = nextBatch++;
    Resource capability = Resource.newInstance(memory, vcores);
    List<ContainerTracker.Record> records = new ArrayList<>();
    for (String name : names) {
      rm.addContainerRequest(ContainerRequest.newBuilder().capability(capability).priority(PRIORITY)
          .allocationRequestId(batch).relaxLocality(true).build());
      records.add(tracker.request(batch, memory, vcores, restarts, name));
    }
    interval = FAST_MS;
    notifyAll();
    return records;
  }

  /** Withdraws a REQUESTED record's ask; the record becomes RELEASED. False if it was no longer REQUESTED. */
  synchronized boolean cancel(ContainerTracker.Record r) {
    if (r.state() != ContainerTracker.State.REQUESTED) {
      return false;
    }
    removeOneAsk(r.batchId);
    tracker.transition(r, ContainerTracker.State.RELEASED, null, "cancelled before allocation");
    notifyAll();
    return true;
  }

  /** Gives an allocated container back to the RM (which kills it if it is running). */
  synchronized void release(Container c) {
    rm.releaseAssignedContainer(c.getId());
    notifyAll();
  }

  /** Binds allocations to requests; returns the records to launch, releasing surplus containers. */
  synchronized List<ContainerTracker.Record> onAllocated(List<Container> containers) {
    List<ContainerTracker.Record> launch = new ArrayList<>();
    for (Container c : containers) {
      ContainerTracker.Record r = tracker.allocate(c);
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
    while (true) {
      synchronized (this) {
        if (stopped) {
          return;
        }
      }
      AllocateResponse response;
      try {
        response = rm.allocate(tracker.progress());
      } catch (Exception e) {
        if (!isStopped()) {
          handler.heartbeatFailed("the ResourceManager heartbeat failed: " + e, e);
        }
        return;
      }
      if (response.getAMCommand() == AMCommand.AM_SHUTDOWN || response.getAMCommand() == AMCommand.AM_RESYNC) {
        handler.heartbeatFailed("the ResourceManager sent " + response.getAMCommand(), null);
        return;
      }
      for (ContainerTracker.Record r : onAllocated(response.getAllocatedContainers())) {
        handler.allocated(r);
      }
      for (ContainerStatus s : response.getCompletedContainersStatuses()) {
        handler.completed(s);
      }
      boolean busy = !response.getAllocatedContainers().isEmpty()
          || !response.getCompletedContainersStatuses().isEmpty();
      waitForNextBeat(busy);
    }
  }

  private synchronized boolean isStopped() {
    return stopped;
  }

  private synchronized void waitForNextBeat(boolean busy) {
    interval = busy || tracker.pending() > 0 ? FAST_MS : Math.min(IDLE_MS, interval * 2);
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
