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
      for (ContainerTracker.Record r : am.add(n, memory, vcores)) {
        ids.add(r.requestId);
      }
      return Json.toJson(ids);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * Requests one container per name of the JSON list {@code namesJson}; each is told its name
   * ({@code KNIT_CONTAINER_NAME}). Returns the request ids as a JSON list.
   */
  public String addNamedContainers(String namesJson, int vcores, int memory) {
    enter();
    try {
      am.awaitReady();
      List<String> names = Json.stringList(namesJson);
      if (names.isEmpty() || vcores < 1 || memory < 1) {
        throw new IllegalArgumentException("addNamedContainers needs names and positive vcores and memory; got "
            + namesJson + ", vcores=" + vcores + ", memory=" + memory);
      }
      List<Long> ids = new ArrayList<>();
      for (ContainerTracker.Record r : am.addNamed(names, memory, vcores)) {
        ids.add(r.requestId);
      }
      return Json.toJson(ids);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** Sets a key of the application's key-value store (a null value removes it). */
  public void setKey(String key, String value) {
    enter();
    try {
      am.kv().put(key, value);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /** The value of a key of the application's key-value store, or null. */
  public String getKey(String key) {
    enter();
    try {
      return am.kv().get(key);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  /**
   * Removes one container, given its container id (or its request id, or the name of a live named container).
   * Removing never ends the application, even when no container is left. False if it is unknown or has
   * already ended.
   */
  public boolean removeContainer(String containerId) {
    enter();
    try {
      am.awaitReady();
      ContainerTracker.Record r = tracker.byContainerId(containerId);
      if (r == null && containerId != null && containerId.matches("\\d+")) {
        r = tracker.byRequestId(Long.parseLong(containerId));
      }
      if (r == null && containerId != null) {
        r = tracker.liveByName(containerId);
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
