package org.knit.am;

import static org.junit.Assert.assertEquals;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.knit.am.ContainerTracker.State;

/** The heartbeat's write: an end at once, allocations and starts at most every {@link AmState#LAZY_MS}. */
public class AmStateLazyTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  private static State stateOf(AmState store) throws Exception {
    return store.load().records.get(0).state();
  }

  @Test
  public void anEndIsWrittenBeforeTheNextHeartbeatAndAStartMayWait() throws Exception {
    ContainerTracker t = new ContainerTracker();
    AmState store = new AmState(new YarnConfiguration(), new Path(tmp.getRoot().toURI()), 1);
    ContainerRecord r = t.request(1, 128, 1, 0);
    store.saveIfDue(t, 10_000);
    assertEquals(State.REQUESTED, stateOf(store));

    t.allocate(ContainerTrackerTest.container(2, 1, 128, 1));
    t.started(r);
    store.saveIfDue(t, 10_000 + AmState.LAZY_MS - 1);
    assertEquals("a start within the lazy interval waits", State.REQUESTED, stateOf(store));
    store.saveIfDue(t, 10_000 + AmState.LAZY_MS);
    assertEquals(State.RUNNING, stateOf(store));

    t.complete(r, 0, "");
    store.saveIfDue(t, 10_000 + AmState.LAZY_MS + 1);
    assertEquals("an end is written at once", State.SUCCEEDED, stateOf(store));
  }
}
