package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.client.HdfsClientConfigKeys.BlockWrite;
import org.junit.Test;

public class HdfsWritesTest {
  @Test
  public void keysAreHadoopsOwn() {
    assertEquals(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_KEY, HdfsWrites.DELAY);
    assertEquals(BlockWrite.LOCATEFOLLOWINGBLOCK_RETRIES_KEY, HdfsWrites.RETRIES);
  }

  @Test
  public void defaultsGetTheFasterScheduleWithAtLeastHadoopsPatience() {
    Configuration conf = new HdfsConfiguration(); // loads hdfs-default.xml: 400 ms, 5 retries
    HdfsWrites.tune(conf);
    assertEquals(HdfsWrites.FIRST_DELAY_MS, conf.getInt(HdfsWrites.DELAY, -1));
    assertEquals(HdfsWrites.TRIES, conf.getInt(HdfsWrites.RETRIES, -1));
    assertTrue(patience(HdfsWrites.FIRST_DELAY_MS, HdfsWrites.TRIES)
        >= patience(BlockWrite.LOCATEFOLLOWINGBLOCK_INITIAL_DELAY_MS_DEFAULT,
            BlockWrite.LOCATEFOLLOWINGBLOCK_RETRIES_DEFAULT));
  }

  @Test
  public void aSiteOrUserValueOfEitherKeyIsLeftAlone() {
    for (String key : new String[] {HdfsWrites.DELAY, HdfsWrites.RETRIES}) {
      Configuration conf = new HdfsConfiguration();
      conf.set(key, "1000", "hdfs-site.xml");
      HdfsWrites.tune(conf);
      assertEquals(key, 1000, conf.getInt(key, -1));
      String other = key.equals(HdfsWrites.DELAY) ? HdfsWrites.RETRIES : HdfsWrites.DELAY;
      assertEquals(other, new HdfsConfiguration().get(other), conf.get(other));
    }
  }

  /** Milliseconds the client sleeps in all before it gives up closing a file: doubling from {@code first}. */
  private static long patience(long first, int retries) {
    long total = 0;
    for (int i = 0; i < retries; i++) {
      total += first << i;
    }
    return total;
  }
}
