package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.Test;
import org.knit.am.ContainerTracker.Record;
import org.knit.am.ContainerTracker.State;

/** A container's name is given with its request, kept by its record and exported into its environment. */
public class NamedContainersTest {
  @Test
  public void namesTravelFromTheRequestToTheContainersEnvironment() {
    AMRMClient<ContainerRequest> rm = AMRMClient.createAMRMClient();
    rm.init(new YarnConfiguration());
    ContainerTracker tracker = new ContainerTracker();
    List<Record> records = new ContainerAllocator(rm, tracker).request(Arrays.asList("dask-worker-0", null), 512, 1, 0);
    Record named = records.get(0);
    assertEquals("dask-worker-0", named.name);
    assertNull(records.get(1).name);
    assertSame(named, tracker.allocate(ContainerTrackerTest.container(2, named.batchId, 512, 1)));
    Map<String, String> env = ContainerLauncher.environment(named, Collections.singletonMap("KNIT_AM_URL", "http://am:1"));
    assertEquals("dask-worker-0", env.get("KNIT_CONTAINER_NAME"));
    assertEquals(Long.toString(named.requestId), env.get("KNIT_REQUEST_ID"));
    assertEquals("http://am:1", env.get("KNIT_AM_URL"));
    assertEquals("512", env.get("KNIT_CONTAINER_MEMORY"));
    assertEquals("dask-worker-0", tracker.snapshot().get(0).get("name"));
    rm.stop();
  }

  @Test
  public void aLiveNameIsFoundUntilItsContainerEndsOrIsRemoved() {
    ContainerTracker t = new ContainerTracker();
    Record r = t.request(1, 128, 1, 0, "w");
    assertSame(r, t.liveByName("w"));
    t.markRemoved(r);
    assertNull("a container being removed frees its name", t.liveByName("w"));
    Record again = t.request(2, 128, 1, 0, "w");
    assertSame(again, t.allocate(ContainerTrackerTest.container(3, 2, 128, 1)));
    t.transition(again, State.FAILED, 1, "crashed");
    assertNull(t.liveByName("w"));
    assertNull(t.liveByName("other"));
  }
}
