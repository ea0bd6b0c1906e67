package org.knit.am;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Totals since the application started, kept when old records are dropped and across ApplicationMaster
 * attempts. Guarded by the {@link ContainerTracker}'s lock.
 */
final class ContainerCounts {
  long requested;
  /** Ended records by end state (SUCCEEDED, FAILED, KILLED, RELEASED). */
  Map<String, Long> ended = new LinkedHashMap<>();
  /** Ended records by exit class ({@code ExitClass.json()}). */
  Map<String, Long> byClass = new LinkedHashMap<>();
  /** Replacements that spent one of {@code max_restarts}. */
  long restartsUsed;
  /** Replacements after a platform fault (spending nothing). */
  long platformReplacements;
  /** Failures not replaced: they decide the outcome. */
  long failed;
  /** The first {@link ContainerTracker#FAILURES_NAMED} of them, as the outcome names them. */
  List<String> failures = new ArrayList<>();
  /** Ended records dropped from {@code containers()} to bound the AM's memory. */
  long dropped;

  long endedTotal() {
    long n = 0;
    for (long v : ended.values()) {
      n += v;
    }
    return n;
  }

  void recordFailure(ContainerRecord r) {
    failed++;
    if (failures.size() < ContainerTracker.FAILURES_NAMED) {
      failures.add(r.exitStatus == null ? r.label() + ": " + r.diagnostics
          : r.label() + " exited with code " + r.exitStatus + ": " + r.diagnostics);
    }
  }

  ContainerCounts copy() {
    ContainerCounts c = new ContainerCounts();
    c.requested = requested;
    c.ended = new LinkedHashMap<>(ended);
    c.byClass = new LinkedHashMap<>(byClass);
    c.restartsUsed = restartsUsed;
    c.platformReplacements = platformReplacements;
    c.failed = failed;
    c.failures = new ArrayList<>(failures);
    c.dropped = dropped;
    return c;
  }
}
