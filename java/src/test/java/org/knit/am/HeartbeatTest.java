package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.yarn.api.records.AMCommand;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.knit.spec.ApplicationSpec;

/**
 * The heartbeat cannot die silently: whatever a handler throws while handling one event ends the application
 * FAILED, naming the container and the error, instead of leaving it RUNNING with no heartbeat (a zombie until
 * the RM's AM expiry).
 */
public class HeartbeatTest {
  private FakeRm rm;
  private ApplicationMaster am;
  private ContainerTracker tracker;
  private ContainerAllocator allocator;

  @Before
  public void setUp() throws Exception {
    rm = new FakeRm();
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"sleep 1\"}");
    am = new ApplicationMaster(spec, new YarnConfiguration(), new Credentials(), rm, 1, null);
    tracker = new ContainerTracker();
    allocator = new ContainerAllocator(rm, tracker);
  }

  @After
  public void tearDown() throws Exception {
    allocator.stop();
  }

  private ContainerStatus completed(ContainerRecord r, int exit) {
    return ContainerStatus.newInstance(r.container().getId(), ContainerState.COMPLETE, "", exit);
  }

  /** Delegates to the real ApplicationMaster, except that handling a completion throws. */
  private ContainerAllocator.Handler throwingOnCompletion() {
    return new ContainerAllocator.Handler() {
      @Override
      public void allocated(ContainerRecord record) {}

      @Override
      public void completed(ContainerStatus status) {
        throw new IllegalStateException("no transition RUNNING → RELEASED");
      }

      @Override
      public void beforeHeartbeat() {}

      @Override
      public void rmCommand(AMCommand command) {
        am.rmCommand(command);
      }

      @Override
      public void fatal(String why, Throwable cause) {
        am.fatal(why, cause);
      }
    };
  }

  @Test
  public void aHandlerThatThrowsEndsTheApplicationFailedNamingTheContainer() throws Exception {
    ContainerRecord r = tracker.request(1, 128, 1, 0);
    Container c = ContainerTrackerTest.container(7, 1, 128, 1);
    tracker.allocate(c);
    rm.answer(FakeRm.response(Collections.<Container>emptyList(), Collections.singletonList(completed(r, 0)), null));
    allocator.start(throwingOnCompletion());
    assertTrue("the AM unregistered", rm.unregistered.await(10, TimeUnit.SECONDS));
    assertEquals(FinalApplicationStatus.FAILED, rm.finalStatus);
    assertTrue(rm.finalDiagnostics, rm.finalDiagnostics.contains(c.getId().toString()));
    assertTrue(rm.finalDiagnostics, rm.finalDiagnostics.contains("no transition RUNNING → RELEASED"));
  }

  @Test
  public void aFailedHeartbeatEndsTheApplicationFailed() throws Exception {
    rm.fail(new java.io.IOException("connection refused"));
    allocator.start(am);
    assertTrue(rm.unregistered.await(10, TimeUnit.SECONDS));
    assertEquals(FinalApplicationStatus.FAILED, rm.finalStatus);
    assertTrue(rm.finalDiagnostics, rm.finalDiagnostics.contains("connection refused"));
  }

  /** AM_SHUTDOWN/AM_RESYNC: the RM ended this attempt; unregistering would end the whole application. */
  @Test
  public void anRmCommandEndsTheAttemptWithoutUnregistering() throws Exception {
    rm.answer(FakeRm.response(Collections.<Container>emptyList(), Collections.<ContainerStatus>emptyList(),
        AMCommand.AM_SHUTDOWN));
    allocator.start(am);
    assertFalse("never unregistered", rm.unregistered.await(2, TimeUnit.SECONDS));
    assertNull(rm.finalStatus);
  }
}
