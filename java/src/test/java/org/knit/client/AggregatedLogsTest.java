package org.knit.client;

import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.Test;

public class AggregatedLogsTest {
  private static String block(String container, String file, String contents) {
    String head = "Container: " + container + " on node_1";
    int n = contents.getBytes(StandardCharsets.UTF_8).length;
    return head + "\nLogAggregationType: AGGREGATED\n" + head.replaceAll(".", "=") + "\nLogType:" + file
        + "\nLogLastModifiedTime:Tue Nov 24 11:56:59 +0000 2026\nLogLength:" + n + "\nLogContents:\n" + contents
        + "\nEnd of LogType:" + file + "\n" + "*****" + "\n\n";
  }

  @Test
  public void splitsFilesPerContainerByTheirLength() {
    // Contents that look like headers must not confuse the parser: lengths decide.
    String tricky = "line\nContainer: fake on x\nLogType:stderr\nLogLength:3\nLogContents:\n é";
    String all = block("container_1_0001_01_000002", "stdout", tricky)
        + block("container_1_0001_01_000002", "stderr", "")
        + block("container_1_0001_01_000003", "stdout", "two\n");
    Map<String, Map<String, String>> logs = AggregatedLogs.parse(all.getBytes(StandardCharsets.UTF_8));
    assertEquals(2, logs.size());
    assertEquals(tricky, logs.get("container_1_0001_01_000002").get("stdout"));
    assertEquals("", logs.get("container_1_0001_01_000002").get("stderr"));
    assertEquals("two\n", logs.get("container_1_0001_01_000003").get("stdout"));
  }
}
