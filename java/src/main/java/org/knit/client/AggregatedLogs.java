package org.knit.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.logaggregation.ContainerLogsRequest;
import org.apache.hadoop.yarn.logaggregation.filecontroller.LogAggregationFileController;
import org.apache.hadoop.yarn.logaggregation.filecontroller.LogAggregationFileControllerFactory;
import org.knit.common.SharedFiles;

/**
 * Reads a finished application's aggregated logs (what {@code yarn logs} reads) through Hadoop's
 * {@link LogAggregationFileControllerFactory}, so TFile and IndexedFile formats both work — the last {@code tail}
 * bytes of each file only, as a stream: a container that wrote 400 MB to stdout costs {@code tail} bytes of heap.
 *
 * <p>The controller writes each log file as Hadoop's documented per-file block (LogToolUtils): a header whose
 * {@code LogLength:<n>} is the whole file's length, {@code LogContents:}, then the file's last
 * {@code min(n, tail)} bytes (a negative {@code ContainerLogsRequest.bytes} asks for the end), then an
 * "End of LogType" trailer.
 */
final class AggregatedLogs {
  /** One log file: (the end of) its content, its whole length and how many bytes of it are here. */
  static final class LogFile {
    final String text;
    final long length;

    final long shown;

    LogFile(String text, long length, long shown) {
      this.text = text;
      this.length = length;
      this.shown = shown;
    }

    String withNote() {
      return shown >= length ? text : NOTE.replace("{omitted}", Long.toString(length - shown))
          .replace("{length}", Long.toString(length)) + text;
    }
  }

  /** Starts a log of which only the end is shown ({@code truncated_log_note} in knit/shared/names.json). */
  private static final String NOTE = SharedFiles.json("names.json").get("truncated_log_note").getAsString();

  private AggregatedLogs() {}

  /** The text of each file, starting with a note when only its end is there. */
  static Map<String, Map<String, String>> texts(Map<String, Map<String, LogFile>> logs) {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, Map<String, LogFile>> c : logs.entrySet()) {
      Map<String, String> files = out.computeIfAbsent(c.getKey(), k -> new LinkedHashMap<>());
      for (Map.Entry<String, LogFile> f : c.getValue().entrySet()) {
        files.put(f.getKey(), f.getValue().withNote());
      }
    }
    return out;
  }

  /**
   * {@code {containerId: {fileName: LogFile}}}, for one container when {@code containerId} is non-null, without
   * the files named in {@code skip}.
   */
  static Map<String, Map<String, LogFile>> read(Configuration conf, ApplicationId appId, String owner,
      String containerId, int tail, Set<String> skip) throws IOException {
    LogAggregationFileController controller =
        new LogAggregationFileControllerFactory(conf).getFileControllerForRead(appId, owner);
    ContainerLogsRequest request = new ContainerLogsRequest();
    request.setAppId(appId);
    request.setAppOwner(owner);
    request.setAppFinished(true);
    request.setContainerId(containerId);
    request.setBytes(-(long) tail);
    try (Parser parser = new Parser(tail, skip)) {
      controller.readAggregatedLogs(request, parser);
      return parser.logs;
    }
  }

  /** Splits the controller's output into files per container as it is written, keeping what is asked for. */
  static final class Parser extends OutputStream {
    private static final String CONTAINER = "Container: ";
    private static final String LOG_TYPE = "LogType:";
    private static final String LOG_LENGTH = "LogLength:";
    private static final String CONTENTS = "LogContents:";
    /** A header line longer than this is not one of Hadoop's. */
    private static final int MAX_LINE = 1 << 16;

    final Map<String, Map<String, LogFile>> logs = new LinkedHashMap<>();
    private final int tail;
    private final Set<String> skip;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private ByteArrayOutputStream content;
    private String container;
    private String file;
    private long length;
    /** Content bytes still to come of the current file; -1 while reading headers. */
    private long remaining = -1;

    Parser(int tail, Set<String> skip) {
      this.tail = tail;
      this.skip = skip;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      int end = off + len;
      while (off < end) {
        if (remaining >= 0) {
          int n = (int) Math.min(remaining, end - off);
          if (content != null) {
            content.write(b, off, n);
          }
          off += n;
          remaining -= n;
          if (remaining == 0) {
            endOfFile();
          }
        } else {
          byte c = b[off++];
          if (c == '\n') {
            headerLine(new String(line.toByteArray(), StandardCharsets.UTF_8));
            line.reset();
          } else if (line.size() < MAX_LINE) {
            line.write(c);
          } else {
            throw new IllegalStateException("unexpected aggregated log format: a header line over " + MAX_LINE
                + " bytes");
          }
        }
      }
    }

    private void headerLine(String s) {
      if (s.startsWith(CONTAINER)) {
        int space = s.indexOf(' ', CONTAINER.length());
        container = s.substring(CONTAINER.length(), space < 0 ? s.length() : space);
      } else if (s.startsWith(LOG_TYPE)) {
        file = s.substring(LOG_TYPE.length());
      } else if (s.startsWith(LOG_LENGTH)) {
        length = Long.parseLong(s.substring(LOG_LENGTH.length()).trim());
      } else if (s.equals(CONTENTS)) {
        if (container == null || file == null) {
          throw new IllegalStateException("unexpected aggregated log format: contents before their header");
        }
        content = skip.contains(file) ? null : new ByteArrayOutputStream((int) Math.min(length, tail));
        remaining = Math.min(length, tail);
        if (remaining == 0) {
          endOfFile();
        }
      }
      // Anything else (the type, the separator, the previous file's trailer) carries nothing we keep.
    }

    private void endOfFile() {
      if (content != null) {
        logs.computeIfAbsent(container, k -> new LinkedHashMap<>())
            .put(file, new LogFile(new String(content.toByteArray(), StandardCharsets.UTF_8), length,
                content.size()));
      }
      content = null;
      file = null;
      remaining = -1;
    }
  }
}
