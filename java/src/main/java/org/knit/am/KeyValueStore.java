package org.knit.am;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A small key-value store of the application, held by the ApplicationMaster for as long as it runs: how the parts
 * of an application find each other (a scheduler publishes its address, a web UI its URL). Python reads and
 * writes it through the gateway ({@link MasterEntryPoint#setKey}); containers through {@link WebServer} with the
 * container token. Bounded, so a runaway writer cannot exhaust the AM's small heap. Thread-safe.
 */
final class KeyValueStore {
  static final Pattern KEY = Pattern.compile("[A-Za-z0-9._/-]{1,256}");
  static final int MAX_VALUE_CHARS = 64 * 1024;
  static final int MAX_KEYS = 1024;

  private final Map<String, String> values = new HashMap<>();

  /** Sets {@code key} to {@code value}; a null value removes the key. */
  synchronized void put(String key, String value) {
    check(key);
    if (value == null) {
      values.remove(key);
      return;
    }
    if (value.length() > MAX_VALUE_CHARS) {
      throw new IllegalArgumentException("the value of '" + key + "' is longer than " + MAX_VALUE_CHARS + " characters");
    }
    if (!values.containsKey(key) && values.size() >= MAX_KEYS) {
      throw new IllegalArgumentException("the key-value store is full (" + MAX_KEYS + " keys)");
    }
    values.put(key, value);
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
