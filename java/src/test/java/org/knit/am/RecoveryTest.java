package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.knit.am.ContainerTracker.State;
import org.knit.am.ExitClassifier.ExitClass;

/**
 * Attempt 2 taking over attempt 1: the state goes through a real {@link AmState} file (local file system), the
 * handed-over containers are fabricated as YARN's register response would list them.
 */
public class RecoveryTest {
  private static final long ATTEMPT_2 = 1L << 32;

  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  /** Attempt 1's history: what each record ends up as in the state file. */
  private AmState.Doc attemptOne() throws Exception {
    ContainerTracker t = new ContainerTracker(0, 0, ContainerTracker.DEFAULT_KEEP_ENDED);
    ContainerRecord running = ContainerTrackerTest.running(t, 2);
    ContainerRecord succeeded = ContainerTrackerTest.running(t, 3);
    t.complete(succeeded, 0, "");
    t.request(5, 128, 1, 0); // still REQUESTED
    ContainerTrackerTest.running(t, 4); // ends while no attempt runs, unreported
    t.request(6, 256, 1, 0);
    t.allocate(ContainerTrackerTest.container(5, 6, 256, 1)); // ALLOCATED when attempt 1 died
    ContainerRecord removing = ContainerTrackerTest.running(t, 8);
    t.markRemoved(removing);
    t.request(9, 128, 1, 0); // allocated (container 6) just before attempt 1 died, not yet written down
    AmState store = new AmState(new YarnConfiguration(), new Path(tmp.getRoot().toURI()), 1);
    store.save(t);
    assertEquals(running.requestId, 1);
    return store.load();
  }

  @Test
  public void attemptTwoAdoptsWhatRunsAndRunsNothingThatEnded() throws Exception {
    AmState.Doc doc = attemptOne();
    assertEquals(1, doc.attempt);
    ContainerTracker t = new ContainerTracker(0, ATTEMPT_2, ContainerTracker.DEFAULT_KEEP_ENDED);
    List<Container> handedOver = Arrays.asList(ContainerTrackerTest.container(2, 1, 128, 1),
        ContainerTrackerTest.container(8, 1, 128, 1), ContainerTrackerTest.container(6, 9, 128, 1),
        ContainerTrackerTest.container(7, 77, 128, 1));
    Recovery.Plan plan = Recovery.restore(t, doc, handedOver);

    assertEquals(State.RUNNING, t.byContainerId(handedOver.get(0).getId().toString()).state());
    assertEquals(State.SUCCEEDED, t.byRequestId(2).state());
    assertEquals("adopted by its allocation request id", State.RUNNING, t.byRequestId(7).state());
    assertEquals(3, plan.adopted);
    assertEquals("only the one still REQUESTED is asked for again", 1, plan.rerequest.size());
    assertEquals(3, plan.rerequest.get(0).requestId);
    assertEquals("the unknown container and the one being removed are released",
        Arrays.asList(handedOver.get(1).getId(), handedOver.get(3).getId()), plan.release);
    assertEquals(2, plan.unresolved.size());

    List<ContainerTracker.Completion> ends = Recovery.resolve(t, plan.unresolved);
    ContainerRecord wasRunning = plan.unresolved.get(0);
    assertEquals(4, wasRunning.requestId);
    assertEquals(ExitClass.LOST, ends.get(0).exitClass);
    assertFalse("it may have done its work: not run again", ends.get(0).replace);
    assertEquals(State.FAILED, wasRunning.state());
    assertEquals(ExitClass.PLATFORM, ends.get(1).exitClass);
    assertTrue("its launch was cut short: replaced", ends.get(1).replace);

    ContainerRecord fresh = t.request(1, 128, 1, 0);
    assertEquals("request ids stay unique across attempts", ATTEMPT_2 + 1, fresh.requestId);
    assertEquals(8L, t.counts().get("requested"));
  }

  @Test
  public void theRestoredTotalsAndOutcomeCarryOver() throws Exception {
    ContainerTracker one = new ContainerTracker(0, 0, ContainerTracker.DEFAULT_KEEP_ENDED);
    ContainerRecord failed = ContainerTrackerTest.running(one, 2);
    one.complete(failed, 3, "boom");
    AmState store = new AmState(new YarnConfiguration(), new Path(tmp.getRoot().toURI()), 1);
    store.save(one);
    ContainerTracker two = new ContainerTracker(0, ATTEMPT_2, ContainerTracker.DEFAULT_KEEP_ENDED);
    Recovery.Plan plan = Recovery.restore(two, store.load(), Collections.<Container>emptyList());
    assertTrue(plan.unresolved.isEmpty());
    ContainerTracker.Outcome o = two.outcome();
    assertFalse(o.succeeded);
    assertTrue(o.diagnostics, o.diagnostics.contains(failed.containerId() + " exited with code 3: boom"));
    assertEquals("user", two.snapshot().get(0).get("exit_class"));
  }

  @Test
  public void theStateFileIsReplacedWholeAndPrivate() throws Exception {
    ContainerTracker t = new ContainerTracker();
    AmState store = new AmState(new YarnConfiguration(), new Path(tmp.getRoot().toURI()), 1);
    assertNull("no state before the first write", store.load());
    t.request(1, 128, 1, 0);
    store.save(t);
    t.request(1, 128, 1, 0);
    store.save(t);
    assertEquals(2, store.load().records.size());
    java.io.File f = new java.io.File(tmp.getRoot(), AmState.FILE);
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(f.toPath())));
    assertFalse("no temporary file left", new java.io.File(tmp.getRoot(), "." + AmState.FILE + ".tmp").exists());
  }

  @Test
  public void aKillByAPreviousAttemptIsARemovalNotAFault() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord r = ContainerTrackerTest.running(t, 2);
    ContainerTracker.Completion c = t.complete(r, ContainerExitStatus.KILLED_BY_APPMASTER, "stopped by the AM");
    assertEquals(ExitClass.REMOVED, c.exitClass);
    assertFalse(c.replace);
    assertEquals(State.KILLED, r.state());
  }
}
