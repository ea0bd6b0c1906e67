package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.knit.am.ContainerTrackerTest.container;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.knit.am.ContainerTracker.State;

/** The tracker's per-batch queues and live counts (issue 15) give the answers the full scans gave. */
public class TrackerIndexTest {

  @Test
  public void anAllocationTakesTheOldestStillRequestedRecordOfItsBatch() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord a = t.request(7, 128, 1, 0);
    ContainerRecord b = t.request(7, 128, 1, 0);
    ContainerRecord c = t.request(7, 128, 1, 0);
    ContainerRecord other = t.request(8, 128, 1, 0);
    assertTrue(t.cancel(a)); // the oldest left REQUESTED: skipped, not bound
    assertSame(b, t.allocate(container(2, 7, 128, 1)));
    assertSame(c, t.allocate(container(3, 7, 128, 1)));
    assertNull("batch 7 has nothing left waiting: surplus", t.allocate(container(4, 7, 128, 1)));
    assertSame(other, t.allocate(container(5, 8, 128, 1)));
    assertEquals(State.RELEASED, a.state());
  }

  @Test
  public void aSchedulerThatEchoesNoBatchStillGetsTheOldestRecordThatFits() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord big = t.request(1, 1024, 1, 0);
    ContainerRecord small = t.request(2, 128, 1, 0);
    assertSame(small, t.allocate(container(2, -1, 512, 1)));
    assertSame(big, t.allocate(container(3, -1, 1024, 1)));
  }

  @Test
  public void aRebatchedRecordIsFoundUnderItsNewBatchOnly() {
    ContainerTracker t = new ContainerTracker();
    ContainerRecord r = t.request(1, 128, 1, 0);
    t.rebatch(r, 99);
    assertNull(t.allocate(container(2, 1, 128, 1)));
    assertSame(r, t.allocate(container(3, 99, 128, 1)));
  }

  @Test
  public void liveCountsFollowEveryTransition() {
    ContainerTracker t = new ContainerTracker();
    List<ContainerRecord> rs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      rs.add(t.request(1, 128, 1, 0));
    }
    assertEquals(5, t.pending());
    t.allocate(container(2, 1, 128, 1));
    t.allocate(container(3, 1, 128, 1));
    t.started(rs.get(0));
    t.cancel(rs.get(4));
    assertEquals(live(2, 1, 1), t.counts().get("live"));
    assertEquals(2, t.pending());
    t.complete(rs.get(0), 0, "");
    t.complete(rs.get(1), 0, "");
    t.cancel(rs.get(2));
    t.cancel(rs.get(3));
    assertEquals(live(0, 0, 0), t.counts().get("live"));
    assertFalse(t.anyLive());
  }

  @Test
  public void recordsCarryWhenEachStepHappened() {
    ContainerTracker t = new ContainerTracker();
    long before = System.currentTimeMillis();
    ContainerRecord r = t.request(1, 128, 1, 0);
    t.allocate(container(2, 1, 128, 1));
    t.launching(r);
    t.started(r);
    Map<String, Object> m = t.snapshot().get(0);
    long requested = (Long) m.get("request_time");
    assertTrue(requested >= before);
    assertTrue((Long) m.get("allocate_time") >= requested);
    assertTrue((Long) m.get("launch_time") >= (Long) m.get("allocate_time"));
    assertTrue((Long) m.get("start_time") >= (Long) m.get("launch_time"));
    assertEquals(m.get("launch_time"), t.export().records.get(0).toMap().get("launch_time"));
  }

  private static Map<String, Long> live(long requested, long allocated, long running) {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    m.put("REQUESTED", requested);
    m.put("ALLOCATED", allocated);
    m.put("RUNNING", running);
    return m;
  }
}
