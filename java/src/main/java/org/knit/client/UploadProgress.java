package org.knit.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Uploads in progress in this JVM, so Python can draw a progress bar while {@code submit} runs (it polls
 * {@code ClientEntryPoint.uploadProgress()} from another thread).
 */
final class UploadProgress {
  /** One upload: its deps-dir name, size, and bytes written so far. */
  static final class Entry {
    final String name;
    final long total;
    final AtomicLong done = new AtomicLong();

    Entry(String name, long total) {
      this.name = name;
      this.total = total;
    }

    void add(long n) {
      done.addAndGet(n);
    }
  }

  private static final Set<Entry> ACTIVE = ConcurrentHashMap.newKeySet();

  private UploadProgress() {}

  static Entry start(String name, long total) {
    Entry e = new Entry(name, total);
    ACTIVE.add(e);
    return e;
  }

  static void end(Entry e) {
    ACTIVE.remove(e);
  }

  /** {@code [{name, done, total}]} of the uploads running now. */
  static List<Map<String, Object>> snapshot() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Entry e : ACTIVE) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", e.name);
      m.put("done", e.done.get());
      m.put("total", e.total);
      out.add(m);
    }
    return out;
  }
}
