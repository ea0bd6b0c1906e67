package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Map;
import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.Resource;
import org.junit.Test;
import org.knit.am.ContainerTracker.Completion;
import org.knit.am.ContainerTracker.State;
import org.knit.am.ExitClassifier.ExitClass;

public class ContainerTrackerTest {
  private static final ApplicationAttemptId ATTEMPT =
      ApplicationAttemptId.newInstance(ApplicationId.newInstance(1L, 1), 1);

  /** A container as the RM would hand it out, from YARN's own record classes. */
  static Container container(long id, long allocationRequestId, int memory, int vcores) {
    Container c = Container.newInstance(ContainerId.newContainerId(ATTEMPT, id), NodeId.newInstance("node1", 45454),
        "node1:8042", Resource.newInstance(memory, vcores), Priority.newInstance(1), null);
    c.setAllocationRequestId(allocationRequestId);
    return c;
  }

  /** A record taken to RUNNING on container {@code id}. */
  static ContainerRecord running(ContainerTracker t, long id) {
    ContainerRecord r = t.request(1, 128, 1, 0);
    assertSame(r, t.allocate(container(id, 1, 128, 1)));
    t.started(r);
    assertEquals(State.RUNNING, r.state());
    return r;
  }

  @Test
  public void followsTheLifecycleToSucceeded() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord r = t.request(1, 128, 1, 0);
    assertEquals(State.REQUESTED, r.state());
    assertEquals(1, t.pending());
    assertSame(r, t.allocate(container(2, 1, 128, 1)));
    assertEquals(State.ALLOCATED, r.state());
    assertEquals(0, t.pending());
    assertFalse(t.started(r));
    assertEquals(State.RUNNING, r.state());
    assertNull(t.outcome());
    Completion c = t.complete(r, 0, "");
    assertTrue(c.changed);
    assertEquals(ExitClass.SUCCESS, c.exitClass);
    assertFalse(c.replace);
    assertTrue(t.outcome().succeeded);
    Map<String, Object> entry = t.snapshot().get(0);
    assertEquals("SUCCEEDED", entry.get("state"));
    assertEquals("success", entry.get("exit_class"));
    assertEquals(r.containerId(), entry.get("id"));
  }

  @Test
  public void ignoresLateEventsAndRejectsImpossibleTransitions() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord r = t.request(1, 128, 1, 0);
    try {
      t.transition(r, State.RUNNING, null, null);
      fail("REQUESTED → RUNNING is not a transition");
    } catch (IllegalStateException expected) {
      assertEquals(State.REQUESTED, r.state());
    }
    t.allocate(container(2, 1, 128, 1));
    t.startFailed(r, "failed to start");
    assertFalse("a completion after the failure changes nothing", t.complete(r, 0, "").changed);
    assertFalse("nor does a late start", t.started(r));
    assertEquals(State.FAILED, r.state());
    assertEquals("failed to start", r.diagnostics);
  }

  @Test
  public void outcomeNamesFailuresButNotReplacedOrRemovedContainers() {
    ContainerTracker t = new ContainerTracker(1, 0, ContainerTracker.DEFAULT_KEEP_ENDED);
    ContainerRecord ok = running(t, 2);
    ContainerRecord replaced = running(t, 3);
    ContainerRecord removed = running(t, 4);
    t.complete(ok, 0, "");
    Completion c = t.complete(replaced, 1, "crashed");
    assertTrue("within max_restarts=1: replaced", c.replace);
    assertEquals(1, c.replacementRestarts);
    ContainerRecord bad = t.request(1, 128, 1, c.replacementRestarts);
    t.allocate(container(5, 1, 128, 1));
    t.started(bad);
    assertFalse("restarts used up: not replaced", t.complete(bad, 3, "Exception from container-launch").replace);
    t.markRemoved(removed);
    assertEquals(ExitClass.REMOVED, t.complete(removed, ContainerExitStatus.KILLED_BY_APPMASTER, "").exitClass);
    assertEquals(State.KILLED, removed.state());
    ContainerTracker.Outcome o = t.outcome();
    assertFalse(o.succeeded);
    assertTrue(o.diagnostics, o.diagnostics.startsWith("1 container(s) failed"));
    assertTrue(o.diagnostics, o.diagnostics.contains(bad.containerId() + " exited with code 3"));
    assertFalse(o.diagnostics, o.diagnostics.contains(replaced.containerId()));
    assertFalse(o.diagnostics, o.diagnostics.contains(removed.containerId()));
  }

  @Test
  public void platformFaultsAreReplacedWithoutSpendingARestart() {
    ContainerTracker t = new ContainerTracker(0, 0, ContainerTracker.DEFAULT_KEEP_ENDED);
    ContainerRecord r = running(t, 2);
    Completion c = t.complete(r, ContainerExitStatus.PREEMPTED, "Container preempted by scheduler");
    assertEquals(ExitClass.PLATFORM, c.exitClass);
    assertTrue("max_restarts=0, yet replaced", c.replace);
    assertEquals(0, c.replacementRestarts);
    assertEquals(State.FAILED, r.state());
    assertEquals(0L, t.counts().get("restarts_used"));
    assertEquals(1L, t.counts().get("platform_replacements"));
    ContainerRecord next = t.request(1, 128, 1, 0, r.label(), null);
    assertEquals(r.containerId(), next.toMap().get("replaces"));
    t.allocate(container(3, 1, 128, 1));
    t.started(next);
    t.complete(next, 0, "");
    assertTrue("the fault does not decide the outcome", t.outcome().succeeded);
  }

  @Test
  public void cancelledRequestIsReleasedAndLeavesNothingLive() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord r = t.request(1, 128, 1, 0);
    assertTrue(t.cancel(r));
    assertEquals(State.RELEASED, r.state());
    assertEquals("removed", r.toMap().get("exit_class"));
    assertFalse(t.anyLive());
    assertEquals(0, t.pending());
  }

  // -- the race between completed() (heartbeat) and started() (NMClient thread) ------------------------------

  /**
   * The race as it was: the heartbeat read the state (ALLOCATED, so a removed container would end RELEASED), an
   * NMClient thread's started() then made it RUNNING, and the heartbeat's transition(RUNNING → RELEASED) threw,
   * killing the heartbeat thread. Replayed step by step, this shows why the choice must be made under the lock.
   */
  @Test
  public void aTargetChosenOutsideTheLockIsAnImpossibleTransition() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord r = t.request(1, 128, 1, 0);
    t.allocate(container(2, 1, 128, 1));
    t.markRemoved(r);
    State seenByHeartbeat = r.state();
    State target = seenByHeartbeat == State.ALLOCATED ? State.RELEASED : State.KILLED;
    t.started(r); // the NMClient thread gets in between
    try {
      t.transition(r, target, ContainerExitStatus.KILLED_BY_APPMASTER, "");
      fail("RUNNING → RELEASED must not be a transition");
    } catch (IllegalStateException expected) {
      assertTrue(expected.getMessage().contains("RUNNING → RELEASED"));
    }
  }

  /** Both orders of the same two events, with the target chosen under the lock: neither throws. */
  @Test
  public void startedThenCompletedAndCompletedThenStartedBothEndCleanly() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord a = t.request(1, 128, 1, 0);
    t.allocate(container(2, 1, 128, 1));
    t.markRemoved(a);
    assertTrue("removed while launching: the caller stops it", t.started(a));
    assertTrue(t.complete(a, ContainerExitStatus.KILLED_BY_APPMASTER, "").changed);
    assertEquals(State.KILLED, a.state());

    ContainerRecord b = t.request(1, 128, 1, 0);
    t.allocate(container(3, 1, 128, 1));
    t.markRemoved(b);
    assertTrue(t.complete(b, ContainerExitStatus.ABORTED, "released").changed);
    assertEquals(State.RELEASED, b.state());
    assertFalse("a start after the end changes nothing", t.started(b));
    assertEquals(State.RELEASED, b.state());
  }

  // -- bounded memory ------------------------------------------------------------------------------------------

  @Test
  public void aHundredThousandAddRemoveCyclesKeepTheRecordsBounded() {
    ContainerTracker t = new ContainerTracker(0, 0, ContainerTracker.DEFAULT_KEEP_ENDED);
    ContainerRecord keeper = running(t, 1);
    for (int i = 0; i < 100_000; i++) {
      ContainerRecord r = t.request(7, 128, 1, 0);
      if (i % 2 == 0) {
        assertTrue(t.cancel(r));
      } else {
        t.allocate(container(10 + i, 7, 128, 1));
        t.started(r);
        t.markRemoved(r);
        t.complete(r, ContainerExitStatus.KILLED_BY_APPMASTER, "");
      }
    }
    assertEquals("the live record and the last 1000 ended", 1001, t.snapshot().size());
    assertSame("live records are never dropped", keeper, t.byContainerId(keeper.containerId()));
    Map<String, Object> counts = t.counts();
    assertEquals(100_001L, counts.get("requested"));
    assertEquals(99_000L, counts.get("records_dropped"));
    assertEquals(100_000L, ((Map<?, ?>) counts.get("exit_class")).get("removed"));
    assertEquals(50_000L, ((Map<?, ?>) counts.get("ended")).get("RELEASED"));
    assertEquals(50_000L, ((Map<?, ?>) counts.get("ended")).get("KILLED"));
    assertNull("a dropped record is no longer found", t.byContainerId(container(11, 7, 128, 1).getId().toString()));
  }
}
