package org.knit.localcluster;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Test;

/** The local cluster's command line: what it accepts, and every bad value refused with the reason. */
public class OptionsTest {

  @Test
  public void defaultsAndEveryFlag() {
    Options o = Options.parse(new String[] {"--dir", "/tmp/x"});
    assertEquals(2, o.nodes);
    assertEquals(1, o.rms);
    assertFalse(o.ha() || o.preemption || o.memoryChecks || o.secure || o.watchStdin);
    assertTrue(o.queues.isEmpty());

    o = Options.parse(new String[] {"--dir", "/tmp/x", "--nodes", "4", "--nm-memory", "2048", "--nm-vcores", "3",
        "--rms", "2", "--queues", "prod=70,batch=30", "--preemption", "--memory-checks", "--secure",
        "--watch-stdin"});
    assertEquals(4, o.nodes);
    assertEquals(2048, o.nmMemoryMb);
    assertEquals(3, o.nmVcores);
    assertTrue(o.ha() && o.preemption && o.memoryChecks && o.secure && o.watchStdin);
    Map<String, Integer> q = new LinkedHashMap<>();
    q.put("prod", 70);
    q.put("batch", 30);
    assertEquals(q, o.queues);
    assertEquals(Arrays.asList("prod", "batch"), Arrays.asList(o.queues.keySet().toArray()));
  }

  @Test
  public void badValuesAreRefusedWithTheReason() {
    String[][] bad = {
        {"--nodes", "2"},                                          // no --dir
        {"--dir", "/x", "--nodes", "0"},
        {"--dir", "/x", "--nodes", "two"},
        {"--dir", "/x", "--nodes"},
        {"--dir", "/x", "--bogus"},
        {"--dir", "/x", "--queues", "prod=70,batch=20"},           // sums to 90
        {"--dir", "/x", "--queues", "prod=70,prod=30"},
        {"--dir", "/x", "--queues", "a b=100"},
        {"--dir", "/x", "--queues", "prod"},
        {"--dir", "/x", "--preemption"},                           // preemption needs two queues
        {"--dir", "/x", "--queues", "all=100", "--preemption"},
    };
    String[] reasons = {"--dir is required", ">= 1", "integer", "needs a value", "unknown argument", "sum to 100",
        "given twice", "name=percent", "name=percent", "at least two queues", "at least two queues"};
    for (int i = 0; i < bad.length; i++) {
      try {
        Options.parse(bad[i]);
        fail("accepted " + Arrays.toString(bad[i]));
      } catch (IllegalArgumentException e) {
        assertTrue(Arrays.toString(bad[i]) + ": " + e.getMessage(), e.getMessage().contains(reasons[i]));
      }
    }
  }
}
