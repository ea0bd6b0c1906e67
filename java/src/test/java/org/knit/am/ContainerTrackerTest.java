package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.apache.hadoop.yarn.api.records.ApplicationAttemptId;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.api.records.Priority;
import org.apache.hadoop.yarn.api.records.Resource;
import org.junit.Test;
import org.knit.am.ContainerTracker.Record;
import org.knit.am.ContainerTracker.State;

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

  @Test
  public void followsTheLifecycleToSucceeded() {
    ContainerTracker t = new ContainerTracker();
    Record r = t.request(1, 128, 1, 0);
    assertEquals(State.REQUESTED, r.state());
    assertEquals(1, t.pending());
    assertTrue(t.allocate(container(2, 1, 128, 1)) == r);
    assertEquals(State.ALLOCATED, r.state());
    assertEquals(0, t.pending());
    assertTrue(t.transition(r, State.RUNNING, null, null));
    assertNull(t.outcome());
    assertTrue(t.transition(r, State.SUCCEEDED, 0, ""));
    assertTrue(t.outcome().succeeded);
    assertEquals("SUCCEEDED", t.snapshot().get(0).get("state"));
    assertEquals(r.containerId(), t.snapshot().get(0).get("id"));
  }

  @Test
  public void ignoresLateEventsAndRejectsImpossibleTransitions() {
    ContainerTracker t = new ContainerTracker();
    Record r = t.request(1, 128, 1, 0);
    try {
      t.transition(r, State.RUNNING, null, null);
      fail("REQUESTED → RUNNING is not a transition");
    } catch (IllegalStateException expected) {
      assertEquals(State.REQUESTED, r.state());
    }
    t.allocate(container(2, 1, 128, 1));
    t.transition(r, State.FAILED, null, "failed to start");
    assertFalse("a completion after the failure changes nothing", t.transition(r, State.SUCCEEDED, 0, ""));
    assertEquals(State.FAILED, r.state());
    assertEquals("failed to start", r.diagnostics);
  }

  @Test
  public void outcomeNamesFailuresButNotReplacedOrRemovedContainers() {
    ContainerTracker t = new ContainerTracker();
    Record ok = t.request(1, 128, 1, 0);
    Record bad = t.request(1, 128, 1, 0);
    Record removed = t.request(1, 128, 1, 0);
    Record replaced = t.request(1, 128, 1, 0);
    t.allocate(container(2, 1, 128, 1));
    t.allocate(container(3, 1, 128, 1));
    t.allocate(container(4, 1, 128, 1));
    t.allocate(container(5, 1, 128, 1));
    for (Record r : new Record[] {ok, bad, removed, replaced}) {
      t.transition(r, State.RUNNING, null, null);
    }
    t.transition(ok, State.SUCCEEDED, 0, "");
    t.transition(bad, State.FAILED, 3, "Exception from container-launch");
    t.markRemoved(removed);
    t.transition(removed, State.KILLED, -105, "killed by the AM");
    t.markReplaced(replaced);
    t.transition(replaced, State.FAILED, 1, "crashed");
    ContainerTracker.Outcome o = t.outcome();
    assertFalse(o.succeeded);
    assertTrue(o.diagnostics, o.diagnostics.startsWith("1 container(s) failed"));
    assertTrue(o.diagnostics, o.diagnostics.contains(bad.containerId() + " exited with code 3"));
    assertFalse(o.diagnostics, o.diagnostics.contains(replaced.containerId()));
    assertFalse(o.diagnostics, o.diagnostics.contains(removed.containerId()));
  }

  @Test
  public void cancelledRequestIsReleasedAndLeavesNothingLive() {
    ContainerTracker t = new ContainerTracker();
    Record r = t.request(1, 128, 1, 0);
    assertTrue(t.transition(r, State.RELEASED, null, "cancelled"));
    assertFalse(t.anyLive());
    assertEquals(0, t.pending());
  }
}
