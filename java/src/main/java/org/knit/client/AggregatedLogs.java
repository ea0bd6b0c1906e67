package org.knit.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.logaggregation.ContainerLogsRequest;
import org.apache.hadoop.yarn.logaggregation.filecontroller.LogAggregationFileController;
import org.apache.hadoop.yarn.logaggregation.filecontroller.LogAggregationFileControllerFactory;

/**
 * Reads a finished application's aggregated logs (what {@code yarn logs} reads) through Hadoop's
 * {@link LogAggregationFileControllerFactory}, so TFile and IndexedFile formats both work.
 *
 * <p>The controller writes each log file as Hadoop's documented per-file block (LogToolUtils): a header ending
 * in {@code LogLength:<n>} and {@code LogContents:}, then exactly n bytes. We take the n bytes.
 */
final class AggregatedLogs {
  private static final String CONTAINER = "Container: ";
  private static final String LOG_TYPE = "\nLogType:";
  private static final String LOG_LENGTH = "\nLogLength:";
  private static final String CONTENTS = "\nLogContents:\n";

  private AggregatedLogs() {}

  /** {@code {containerId: {fileName: contents}}}, for one container when {@code containerId} is non-null. */
  static Map<String, Map<String, String>> read(Configuration conf, ApplicationId appId, String owner,
      String containerId) throws IOException {
    LogAggregationFileController controller =
        new LogAggregationFileControllerFactory(conf).getFileControllerForRead(appId, owner);
    ContainerLogsRequest request = new ContainerLogsRequest();
    request.setAppId(appId);
    request.setAppOwner(owner);
    request.setAppFinished(true);
    request.setContainerId(containerId);
    request.setBytes(Long.MAX_VALUE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    controller.readAggregatedLogs(request, out);
    return parse(out.toByteArray());
  }

  /** Splits the controller's output into files per container. */
  static Map<String, Map<String, String>> parse(byte[] data) {
    // ISO-8859-1 maps bytes 1:1 to chars, so string offsets are byte offsets.
    String s = new String(data, StandardCharsets.ISO_8859_1);
    Map<String, Map<String, String>> logs = new LinkedHashMap<>();
    int pos = 0;
    while (true) {
      int c = s.indexOf(CONTAINER, pos);
      if (c < 0) {
        break;
      }
      int end = s.indexOf(' ', c + CONTAINER.length());
      String container = s.substring(c + CONTAINER.length(), end);
      int type = s.indexOf(LOG_TYPE, end);
      int length = s.indexOf(LOG_LENGTH, type);
      int contents = s.indexOf(CONTENTS, length);
      if (type < 0 || length < 0 || contents < 0) {
        throw new IllegalStateException("unexpected aggregated log format near byte " + c);
      }
      String file = s.substring(type + LOG_TYPE.length(), s.indexOf('\n', type + 1));
      long n = Long.parseLong(s.substring(length + LOG_LENGTH.length(), s.indexOf('\n', length + 1)).trim());
      int start = contents + CONTENTS.length();
      int stop = (int) Math.min(s.length(), start + n);
      String text = new String(data, start, stop - start, StandardCharsets.UTF_8);
      logs.computeIfAbsent(container, k -> new LinkedHashMap<>()).put(file, text);
      pos = stop;
    }
    return logs;
  }
}
