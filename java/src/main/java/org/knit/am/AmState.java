package org.knit.am;

import org.knit.common.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * What one ApplicationMaster attempt leaves for the next: every kept container record and the totals, as JSON in
 * the staging dir ({@value #FILE}, mode 0600). Written atomically — to a temporary file renamed over the old one
 * (HDFS renames atomically) — so the next attempt reads either the previous or the new state, never half of one.
 *
 * <p>Written synchronously when a call from Python changed the records (an add or a removal is durable before
 * the call returns), and by the heartbeat before each allocate call (the call that acknowledges the completions
 * of the previous response, YARN-1372: an attempt that dies before it only loses what the next one is told
 * again).
 *
 * <p>The application's key-value store ({@link KeyValueStore}) is kept beside it, in {@value #KEYS_FILE}, written
 * the same way on every change.
 */
final class AmState {
  static final String FILE = "am-state.json";
  static final String KEYS_FILE = "am-keys.json";

  private static final FsPermission PRIVATE = new FsPermission((short) 0600);

  /** A consistent copy of the tracker, taken under its lock. */
  static final class Snapshot {
    final long version;
    final List<ContainerRecord> records;
    final ContainerCounts counts;

    Snapshot(long version, List<ContainerRecord> records, ContainerCounts counts) {
      this.version = version;
      this.records = records;
      this.counts = counts;
    }
  }

  /** The persisted document. */
  static final class Doc {
    int attempt;
    List<ContainerRecord> records;
    ContainerCounts counts;
  }

  private final Configuration conf;
  /** Made on first use ({@link #connect}): the AM connects in the background while it starts (issue 15). */
  private FileContext fc;
  private final Path dir;
  private final Path file;
  private final Path tmp;
  private final int attempt;
  /** How long the heartbeat may leave allocations and starts unwritten (ends are written before the next one). */
  static final long LAZY_MS = 1_000;
  private long savedVersion = -1;
  private long savedEndVersion = -1;
  private long savedAt;

  AmState(Configuration conf, Path stagingDir, int attempt) {
    this.conf = conf;
    this.dir = stagingDir;
    this.file = new Path(stagingDir, FILE);
    this.tmp = new Path(stagingDir, "." + FILE + ".tmp");
    this.attempt = attempt;
  }

  /** The staging dir's file system, connected on the first call (a DFSClient's first use loads ~700 classes). */
  synchronized FileContext connect() throws IOException {
    if (fc == null) {
      fc = FileContext.getFileContext(dir.toUri(), conf);
    }
    return fc;
  }

  /**
   * The heartbeat's write, before each allocate call: at once if a container ended since the last write (that
   * call acknowledges the end, YARN-1372), else at most every {@value #LAZY_MS} ms. Allocations and starts not
   * yet written are what {@link Recovery} already handles (an unknown handed-over container is matched by its
   * allocation request id; a record still ALLOCATED is resolved): writing the whole state every 200 ms heartbeat
   * while 1000 containers start costs the AM and the NameNode more than that saves.
   */
  synchronized void saveIfDue(ContainerTracker tracker, long now) throws IOException {
    if (tracker.endVersion() == savedEndVersion && now - savedAt < LAZY_MS) {
      return;
    }
    save(tracker);
    savedAt = now;
  }

  /** Writes the tracker's state if it changed since the last write. */
  synchronized void save(ContainerTracker tracker) throws IOException {
    if (tracker.version() <= savedVersion) {
      return; // nothing to copy: checked before the export, which copies every record
    }
    long ends = tracker.endVersion();
    Snapshot s = tracker.export();
    Doc doc = new Doc();
    doc.attempt = attempt;
    doc.records = s.records;
    doc.counts = s.counts;
    write(file, tmp, Json.toJson(doc));
    savedVersion = s.version;
    savedEndVersion = ends;
  }

  /** Writes the key-value store (the caller orders the writes: {@link KeyValueStore} holds its lock). */
  void saveKeys(Map<String, String> values) throws IOException {
    write(new Path(dir, KEYS_FILE), new Path(dir, "." + KEYS_FILE + ".tmp"), Json.toJson(values));
  }

  /** The key-value store a previous attempt kept (empty if none). */
  Map<String, String> loadKeys() throws IOException {
    return Json.stringMap(read(new Path(dir, KEYS_FILE)));
  }

  /** The previous attempt's state, or null if it left none. */
  Doc load() throws IOException {
    String json = read(file);
    return json == null ? null : Json.fromJson(json, Doc.class);
  }

  private void write(Path target, Path partial, String json) throws IOException {
    FileContext fc = connect();
    try (OutputStream out = fc.create(partial, EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE),
        Options.CreateOpts.perms(PRIVATE), Options.CreateOpts.createParent())) {
      out.write(json.getBytes(StandardCharsets.UTF_8));
    }
    fc.rename(partial, target, Options.Rename.OVERWRITE);
  }

  private String read(Path path) throws IOException {
    FileContext fc = connect();
    if (!fc.util().exists(path)) {
      return null;
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (InputStream in = fc.open(path)) {
      byte[] b = new byte[65536];
      for (int n; (n = in.read(b)) > 0; ) {
        buf.write(b, 0, n);
      }
    }
    return new String(buf.toByteArray(), StandardCharsets.UTF_8);
  }
}
