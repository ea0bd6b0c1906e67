package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import org.junit.Test;

/** The streaming parser of the log-aggregation controller's output. */
public class AggregatedLogsTest {
  /** One file's block as LogToolUtils writes it when asked for the last {@code tail} bytes. */
  private static String block(String container, String file, String contents, int tail) {
    String head = "Container: " + container + " on node_1";
    byte[] all = contents.getBytes(StandardCharsets.UTF_8);
    int from = Math.max(0, all.length - tail);
    return head + "\nLogAggregationType: AGGREGATED\n" + head.replaceAll(".", "=") + "\nLogType:" + file
        + "\nLogLastModifiedTime:Tue Nov 24 11:56:59 +0000 2026\nLogLength:" + all.length + "\nLogContents:\n"
        + new String(all, from, all.length - from, StandardCharsets.UTF_8) + "\nEnd of LogType:" + file + "\n"
        + "*****" + "\n\n";
  }

  private static Map<String, Map<String, AggregatedLogs.LogFile>> parse(String output, int tail, String... skip) {
    AggregatedLogs.Parser p = new AggregatedLogs.Parser(tail, new java.util.HashSet<>(java.util.Arrays.asList(skip)));
    byte[] b = output.getBytes(StandardCharsets.UTF_8);
    // Written in odd-sized pieces, as a stream would be.
    for (int off = 0; off < b.length; off += 7) {
      p.write(b, off, Math.min(7, b.length - off));
    }
    return p.logs;
  }

  @Test
  public void splitsFilesPerContainerByTheirLength() {
    // Contents that look like headers must not confuse the parser: lengths decide.
    String tricky = "line\nContainer: fake on x\nLogType:stderr\nLogLength:3\nLogContents:\n é";
    String all = block("container_1_0001_01_000002", "stdout", tricky, 1000)
        + block("container_1_0001_01_000002", "stderr", "", 1000)
        + block("container_1_0001_01_000003", "stdout", "two\n", 1000);
    Map<String, Map<String, AggregatedLogs.LogFile>> logs = parse(all, 1000);
    assertEquals(2, logs.size());
    assertEquals(tricky, logs.get("container_1_0001_01_000002").get("stdout").text);
    assertEquals("", logs.get("container_1_0001_01_000002").get("stderr").text);
    assertEquals("two\n", logs.get("container_1_0001_01_000003").get("stdout").text);
  }

  @Test
  public void keepsTheTailAndTheWholeLength() {
    String big = "0123456789abcdefghij";
    Map<String, Map<String, AggregatedLogs.LogFile>> logs = parse(block("c_1", "stdout", big, 5), 5);
    assertEquals("fghij", logs.get("c_1").get("stdout").text);
    assertEquals(20, logs.get("c_1").get("stdout").length);
  }

  @Test
  public void leavesOutSkippedFiles() {
    String all = block("c_1", "launch_container.sh", "export X=1\n", 100) + block("c_1", "stdout", "out", 100);
    Map<String, AggregatedLogs.LogFile> files = parse(all, 100, "launch_container.sh").get("c_1");
    assertFalse(files.containsKey("launch_container.sh"));
    assertEquals("out", files.get("stdout").text);
    assertEquals(Collections.singleton("stdout"), files.keySet());
  }
}
