package org.knit.am;

import org.knit.common.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;

/**
 * What Python may call on the ApplicationMaster's gateway (ARCHITECTURE.md, "ApplicationMaster entry point").
 * Reached only with the application's secret. Thread-safe (each call delegates to thread-safe parts).
 */
public final class MasterEntryPoint {
  private final ApplicationMaster am;
  private final ContainerTracker tracker;
  /** Calls in progress, so the AM can let a {@code shutdown()} reply go out before closing the gateway. */
  private final AtomicInteger inFlight = new AtomicInteger();

  /** When a client last called (System.currentTimeMillis()): how the AM tells an abandoned application. */
  private volatile long lastCall = System.currentTimeMillis();

  MasterEntryPoint(ApplicationMaster am, ContainerTracker tracker) {
    this.am = am;
    this.tracker = tracker;
  }

  private void enter() {
    inFlight.incrementAndGet();
    lastCall = System.currentTimeMillis();
  }

  long lastCall() {
    return lastCall;
  }

  /** Requests {@code n} more containers; returns their request ids as a JSON list. */
  public String addContainers(int n, int vcores, int memory) {
    enter();
    try {
      am.awaitReady();
      if (n < 1 || vcores < 1 || memory < 1) {
        throw new IllegalArgumentException("addContainers needs positive n, vcores and memory; got n=" + n
            + ", vcores=" + vcores + ", memory=" + memory);
      }
      List<Long> ids = new ArrayList<>();
      for (ContainerRecord r : am.add(n, memory, vcores)) {
        ids.add(r.requestId);
      }
      return Json.toJson(ids);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * Removes one container, given its container id (or, while it is still only requested, its request id).
   * Removing never ends the application, even when no container is left. False if it is unknown or has
   * already ended.
   */
  public boolean removeContainer(String containerId) {
    enter();
    try {
      am.awaitReady();
      ContainerRecord r = tracker.byContainerId(containerId);
      if (r == null && containerId != null && containerId.matches("\\d+")) {
        r = tracker.byRequestId(Long.parseLong(containerId));
      }
      return r != null && am.remove(r);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** Every container as a JSON list of {id, state, request_id, node_id, ...}. */
  public String containers() {
    enter();
    try {
      am.awaitReady();
      return Json.toJson(tracker.snapshot());
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * The totals since the application started, across ApplicationMaster attempts (as JSON): what
   * {@code containers()} no longer lists once old ended records are dropped.
   */
  public String counts() {
    enter();
    try {
      am.awaitReady();
      return Json.toJson(tracker.counts());
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** Ends the application now with {@code finalStatus} (SUCCEEDED, FAILED or KILLED). */
  public void shutdown(String finalStatus, String diagnostics) {
    enter();
    try {
      am.awaitReady();
      FinalApplicationStatus status;
      try {
        status = FinalApplicationStatus.valueOf(finalStatus);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new IllegalArgumentException("finalStatus must be SUCCEEDED, FAILED or KILLED, got " + finalStatus);
      }
      if (status == FinalApplicationStatus.UNDEFINED) {
        throw new IllegalArgumentException("finalStatus must be SUCCEEDED, FAILED or KILLED, got UNDEFINED");
      }
      am.finish(status, diagnostics == null ? "" : diagnostics);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  int inFlight() {
    return inFlight.get();
  }
}
