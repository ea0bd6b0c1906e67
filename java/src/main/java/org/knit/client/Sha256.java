package org.knit.client;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 of local files, remembered per (path, size, mtime) for the life of the JVM: a second {@code start()}
 * with the same 100 MB environment in one process costs a stat, not a re-hash.
 */
final class Sha256 {
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private Sha256() {}

  static String of(File file) throws IOException {
    String key = file.getAbsolutePath() + '\0' + file.length() + '\0' + file.lastModified();
    String cached = CACHE.get(key);
    if (cached != null) {
      return cached;
    }
    MessageDigest md = newDigest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = new FileInputStream(file)) {
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    String hex = hex(md.digest());
    CACHE.put(key, hex);
    return hex;
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
    }
    return sb.toString();
  }
}
