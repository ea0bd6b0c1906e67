package org.knit.common;

import org.apache.hadoop.conf.Configuration;

/**
 * How soon an HDFS client asks again whether a file it has just written may be closed.
 *
 * <p>{@code DFSOutputStream.close()} ends with the NameNode's {@code complete()}, which refuses until a DataNode
 * has reported the last block (an incremental block report, sent after the client's last ack): the client then
 * sleeps {@code dfs.client.block.write.locateFollowingBlock.initial.delay.ms}, 400 ms by default, doubling, up
 * to {@code ...retries} = 5 times (12.4 s in all). Knit writes a handful of small files per submission (spec,
 * secret, certificate, launch script) and the AM its state: each one that loses that race costs 400 ms, which made
 * the staging of a 4-container start 1.3 s of its 1.5 s. Asking first after 25 ms, doubling, 9 times, waits as long
 * in all (12.8 s) before giving up, so a slow cluster is given the same time; a fast one answers within tens of
 * milliseconds. Left alone when the site or the user sets either key.
 */
public final class HdfsWrites {
  static final String DELAY = "dfs.client.block.write.locateFollowingBlock.initial.delay.ms";
  static final String RETRIES = "dfs.client.block.write.locateFollowingBlock.retries";
  static final int FIRST_DELAY_MS = 25;
  static final int TRIES = 9;
  static final String SOURCE = "Knit: HDFS close retries";

  private HdfsWrites() {}

  /** Sets the faster schedule in {@code conf} unless it sets either key already. */
  public static void tune(Configuration conf) {
    if (isDefault(conf, DELAY) && isDefault(conf, RETRIES)) {
      conf.set(DELAY, Integer.toString(FIRST_DELAY_MS), SOURCE);
      conf.set(RETRIES, Integer.toString(TRIES), SOURCE);
    }
  }

  private static boolean isDefault(Configuration conf, String key) {
    String[] sources = conf.getPropertySources(key);
    if (sources == null) {
      return true;
    }
    for (String source : sources) {
      if (!source.endsWith("-default.xml")) {
        return false;
      }
    }
    return true;
  }
}
