package org.knit.am;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.knit.am.ContainerTracker.State;

/**
 * What ApplicationMaster attempt N &gt; 1 does first: take over attempt N−1's records ({@link AmState}) and the
 * containers YARN kept running for it ({@code keepContainersAcrossApplicationAttempts}, handed over by
 * {@code getContainersFromPreviousAttempts}). Nothing that ended is run again.
 *
 * <ul>
 *   <li>a handed-over container is adopted by its record (by container id, or — allocated just before attempt
 *       N−1 died, before it could write that down — by its allocation request id, like any allocation);</li>
 *   <li>a handed-over container nothing knows, or one the user had asked to remove, is released;</li>
 *   <li>records still REQUESTED are asked for again;</li>
 *   <li>records that were ALLOCATED or RUNNING but not handed over ended while no attempt ran: their completion
 *       is normally reported to this attempt (YARN-1372); those still unheard of after {@link #GRACE_MS} are
 *       resolved by {@link #resolve}.</li>
 * </ul>
 */
final class Recovery {
  /** How long after registering this attempt waits for the completions of the previous attempt's containers. */
  static final long GRACE_MS = 10_000;

  private Recovery() {}

  /** What restoring left to do. */
  static final class Plan {
    final List<ContainerRecord> rerequest = new ArrayList<>();
    final List<ContainerId> release = new ArrayList<>();
    final List<ContainerRecord> unresolved = new ArrayList<>();
    int adopted;
  }

  static Plan restore(ContainerTracker tracker, AmState.Doc doc, List<Container> handedOver) {
    tracker.restore(doc.records, doc.counts);
    Plan plan = new Plan();
    Set<String> adopted = new HashSet<>();
    for (Container c : handedOver) {
      ContainerRecord r = tracker.byContainerId(c.getId().toString());
      if (r == null) {
        r = tracker.allocate(c);
      }
      if (r == null || r.state().isTerminal()) {
        plan.release.add(c.getId());
        continue;
      }
      tracker.adopt(r, c);
      adopted.add(r.containerId());
      plan.adopted++;
      if (tracker.isRemoved(r)) {
        plan.release.add(c.getId()); // a removal the previous attempt had begun
      }
    }
    plan.rerequest.addAll(tracker.live(EnumSet.of(State.REQUESTED)));
    for (ContainerRecord r : tracker.live(EnumSet.of(State.ALLOCATED, State.RUNNING))) {
      if (!adopted.contains(r.containerId())) {
        plan.unresolved.add(r);
      }
    }
    return plan;
  }

  /**
   * Ends the records whose end this attempt was never told of. One that was only ALLOCATED had its launch cut
   * short when the previous attempt ended (YARN kills the containers that were not yet running): a platform fault,
   * replaced. One that was RUNNING may have done its work: LOST, not run again.
   */
  static List<ContainerTracker.Completion> resolve(ContainerTracker tracker, List<ContainerRecord> unresolved) {
    List<ContainerTracker.Completion> out = new ArrayList<>();
    for (ContainerRecord r : unresolved) {
      if (r.state() == State.ALLOCATED) {
        out.add(tracker.complete(r, ContainerExitStatus.ABORTED,
            "its launch was cut short when the previous ApplicationMaster attempt ended"));
      } else {
        out.add(tracker.lost(r, "ended while the ApplicationMaster restarted, and YARN did not report how; it "
            + "is not run again (it may have done its work)"));
      }
    }
    return out;
  }
}
