package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import org.knit.am.ContainerTracker.State;

/**
 * Request ↔ allocation matching, fed with fabricated containers. The AMRMClient is YARN's real one, initialized
 * but never started or registered: its request table is what we check, no RM is involved.
 */
public class ContainerAllocatorTest {
  private AMRMClient<ContainerRequest> rm;
  private ContainerTracker tracker;
  private ContainerAllocator allocator;

  @Before
  public void setUp() {
    rm = AMRMClient.createAMRMClient();
    rm.init(new YarnConfiguration());
    tracker = new ContainerTracker();
    allocator = new ContainerAllocator(rm, tracker);
  }

  @After
  public void tearDown() {
    rm.stop();
  }

  private int asks(long batch) {
    return rm.getMatchingRequests(batch).size();
  }

  @Test
  public void eachBatchHasItsOwnAllocationRequestId() {
    List<ContainerRecord> first = allocator.request(2, 128, 1, 0);
    List<ContainerRecord> second = allocator.request(1, 512, 2, 0);
    assertEquals(2, asks(first.get(0).batchId));
    assertEquals(1, asks(second.get(0).batchId));
    assertTrue(first.get(0).batchId != second.get(0).batchId);
    assertTrue(first.get(0).requestId != first.get(1).requestId);
  }

  @Test
  public void allocationsBindToTheirOwnBatchOldestFirst() {
    List<ContainerRecord> small = allocator.request(2, 128, 1, 0);
    List<ContainerRecord> big = allocator.request(1, 512, 2, 0);
    long bigBatch = big.get(0).batchId;
    long smallBatch = small.get(0).batchId;
    // The big one is granted first, then one small: each goes to its own request.
    List<ContainerRecord> launch = allocator.onAllocated(Arrays.asList(
        ContainerTrackerTest.container(2, bigBatch, 512, 2),
        ContainerTrackerTest.container(3, smallBatch, 128, 1)));
    assertEquals(2, launch.size());
    assertSame(big.get(0), launch.get(0));
    assertSame(small.get(0), launch.get(1));
    assertEquals(State.ALLOCATED, big.get(0).state());
    assertEquals(State.REQUESTED, small.get(1).state());
    assertEquals(0, asks(bigBatch));
    assertEquals(1, asks(smallBatch));
  }

  @Test
  public void surplusAllocationsAreReleased() {
    List<ContainerRecord> one = allocator.request(1, 128, 1, 0);
    long batch = one.get(0).batchId;
    List<ContainerRecord> launch = allocator.onAllocated(Arrays.asList(
        ContainerTrackerTest.container(2, batch, 128, 1),
        ContainerTrackerTest.container(3, batch, 128, 1),
        ContainerTrackerTest.container(4, 99, 128, 1)));
    assertEquals(Collections.singletonList(one.get(0)), launch);
    assertEquals(null, tracker.byContainerId(ContainerTrackerTest.container(3, batch, 128, 1).getId().toString()));
    assertEquals(null, tracker.byContainerId(ContainerTrackerTest.container(4, 99, 128, 1).getId().toString()));
  }

  @Test
  public void cancellingARequestWithdrawsItsAsk() {
    List<ContainerRecord> two = allocator.request(2, 128, 1, 0);
    long batch = two.get(0).batchId;
    assertTrue(allocator.cancel(two.get(1)));
    assertEquals(State.RELEASED, two.get(1).state());
    assertEquals(1, asks(batch));
    assertEquals(1, tracker.pending());
    // A late allocation for the cancelled ask goes to the remaining request, a second one is surplus.
    List<ContainerRecord> launch = allocator.onAllocated(Arrays.asList(
        ContainerTrackerTest.container(2, batch, 128, 1), ContainerTrackerTest.container(3, batch, 128, 1)));
    assertEquals(Collections.singletonList(two.get(0)), launch);
  }

  @Test
  public void withoutAnAllocationRequestIdMemoryDecides() {
    List<ContainerRecord> small = allocator.request(1, 128, 1, 0);
    List<ContainerRecord> big = allocator.request(1, 1024, 1, 0);
    // Scheduler did not echo the id (-1): the 1024 MB container fits the oldest request first.
    List<ContainerRecord> launch = allocator.onAllocated(Collections.singletonList(
        ContainerTrackerTest.container(2, -1, 1024, 1)));
    assertSame(small.get(0), launch.get(0));
    launch = allocator.onAllocated(Collections.singletonList(ContainerTrackerTest.container(3, -1, 256, 1)));
    assertTrue("256 MB does not fit the 1024 MB request", launch.isEmpty());
    assertEquals(State.REQUESTED, big.get(0).state());
  }
}
