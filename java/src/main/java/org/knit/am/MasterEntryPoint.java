package org.knit.am;

import org.knit.common.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
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

  /** Runs one call: counted in flight, noted as the last call, once the AM is ready. */
  private <T> T serve(Supplier<T> call) {
    inFlight.incrementAndGet();
    lastCall = System.currentTimeMillis();
    try {
      am.awaitReady();
      return call.get();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  long lastCall() {
    return lastCall;
  }

  /** Requests {@code n} more containers; returns their request ids as a JSON list. */
  public String addContainers(int n, int vcores, int memory) {
    return serve(() -> {
      if (n < 1 || vcores < 1 || memory < 1) {
        throw new IllegalArgumentException("addContainers needs positive n, vcores and memory; got n=" + n
            + ", vcores=" + vcores + ", memory=" + memory);
      }
      List<Long> ids = new ArrayList<>();
      for (ContainerRecord r : am.add(n, memory, vcores)) {
        ids.add(r.requestId);
      }
      return Json.toJson(ids);
    });
  }

  /**
   * Requests one container per name of the JSON list {@code namesJson}; each is told its name
   * ({@code KNIT_CONTAINER_NAME}). Returns the request ids as a JSON list.
   */
  public String addNamedContainers(String namesJson, int vcores, int memory) {
    return serve(() -> {
      List<String> names = Json.stringList(namesJson);
      if (names.isEmpty() || vcores < 1 || memory < 1) {
        throw new IllegalArgumentException("addNamedContainers needs names and positive vcores and memory; got "
            + namesJson + ", vcores=" + vcores + ", memory=" + memory);
      }
      List<Long> ids = new ArrayList<>();
      for (ContainerRecord r : am.addNamed(names, memory, vcores)) {
        ids.add(r.requestId);
      }
      return Json.toJson(ids);
    });
  }

  /** Sets a key of the application's key-value store (a null value removes it). */
  public void setKey(String key, String value) {
    serve(() -> {
      am.kv().put(key, value);
      return null;
    });
  }

  /** The value of a key of the application's key-value store, or null. */
  public String getKey(String key) {
    return serve(() -> am.kv().get(key));
  }


  /**
   * Removes one container, given its container id (or its request id, or the name of a live named container).
   * Removing never ends the application, even when no container is left. False if it is unknown or has
   * already ended.
   */
  public boolean removeContainer(String containerId) {
    return serve(() -> {
      ContainerRecord r = tracker.byContainerId(containerId);
      if (r == null && containerId != null && containerId.matches("\\d+")) {
        r = tracker.byRequestId(Long.parseLong(containerId));
      }
      if (r == null && containerId != null) {
        r = tracker.liveByName(containerId);
      }
      return r != null && am.remove(r);
    });
  }

  /** Every container as a JSON list of {id, state, request_id, node_id, ...}. */
  public String containers() {
    return serve(() -> Json.toJson(tracker.snapshot()));
  }

  /**
   * The totals since the application started, across ApplicationMaster attempts (as JSON): what
   * {@code containers()} no longer lists once old ended records are dropped.
   */
  public String counts() {
    return serve(() -> Json.toJson(tracker.counts()));
  }

  /** Ends the application now with {@code finalStatus} (SUCCEEDED, FAILED or KILLED). */
  public void shutdown(String finalStatus, String diagnostics) {
    serve(() -> {
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
      return null;
    });
  }

  int inFlight() {
    return inFlight.get();
  }
}
