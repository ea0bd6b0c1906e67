package org.knit.am;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small key-value store of the application, held by the ApplicationMaster for as long as it runs: how the parts
 * of an application find each other (a scheduler publishes its address, a web UI its URL). Python reads and
 * writes it through the gateway ({@link MasterEntryPoint#setKey}); containers through {@link WebServer} with the
 * container token. Bounded, so a runaway writer cannot exhaust the AM's small heap. Thread-safe.
 *
 * <p>With a {@link Sink} every change is written through before {@code put} returns (in the order made), so a next
 * AM attempt starts with what the previous one held: a remote Dask scheduler publishes its address once, and the
 * workers a later attempt starts (and every attached client) must still find it.
 */
final class KeyValueStore {
  private static final Logger LOG = LoggerFactory.getLogger(KeyValueStore.class);

  /** Where the store is kept for a next attempt. */
  interface Sink {
    void save(Map<String, String> values) throws IOException;
  }

  static final Pattern KEY = Pattern.compile("[A-Za-z0-9._/-]{1,256}");
  static final int MAX_VALUE_CHARS = 64 * 1024;
  static final int MAX_KEYS = 1024;

  private final Map<String, String> values = new HashMap<>();
  private final Sink sink;

  KeyValueStore() {
    this(null);
  }

  KeyValueStore(Sink sink) {
    this.sink = sink;
  }

  /** A previous attempt's values (checked as any put), before anyone reads or writes this store. */
  synchronized void restore(Map<String, String> previous) {
    for (Map.Entry<String, String> e : previous.entrySet()) {
      check(e.getKey());
      values.put(e.getKey(), e.getValue());
    }
  }

  /** Sets {@code key} to {@code value}; a null value removes the key. */
  synchronized void put(String key, String value) {
    check(key);
    if (value == null) {
      if (values.remove(key) != null) {
        persist();
      }
      return;
    }
    if (value.length() > MAX_VALUE_CHARS) {
      throw new IllegalArgumentException("the value of '" + key + "' is longer than " + MAX_VALUE_CHARS + " characters");
    }
    if (!values.containsKey(key) && values.size() >= MAX_KEYS) {
      throw new IllegalArgumentException("the key-value store is full (" + MAX_KEYS + " keys)");
    }
    values.put(key, value);
    persist();
  }

  /** Under the lock, so writes land in the order of the changes; a failure is logged (HDFS may come back). */
  private void persist() {
    if (sink == null) {
      return;
    }
    try {
      sink.save(new TreeMap<>(values));
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not keep the key-value store for a next attempt: {}", e.toString());
    }
  }

  /** The value of {@code key}, or null. */
  synchronized String get(String key) {
    check(key);
    return values.get(key);
  }

  private static void check(String key) {
    if (key == null || !KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("'" + key + "' is not a key (1 to 256 of A-Z a-z 0-9 . _ / -)");
    }
  }
}
