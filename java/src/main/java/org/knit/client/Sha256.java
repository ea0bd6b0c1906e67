package org.knit.client;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * SHA-256 of local files, remembered per (path, size, mtime in ns, inode): for the life of the JVM, and across
 * processes in a private memo directory (the system property {@value #MEMO_PROPERTY}, which Python sets to
 * {@code <cache>/sha256}): a second {@code start()} with the same 200 MB environment, in this process or a new
 * one, costs a stat and a small read, not a re-hash (issue 15). A file rewritten in place changes its mtime, one
 * replaced by another its inode.
 */
final class Sha256 {
  static final String MEMO_PROPERTY = "knit.sha256.memo";
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private Sha256() {}

  static String of(File file) throws IOException {
    String key = key(file);
    String cached = CACHE.get(key);
    if (cached == null) {
      cached = HashMemo.read(key);
    }
    if (cached == null) {
      cached = hash(file);
      HashMemo.write(key, cached);
    }
    CACHE.put(key, cached);
    return cached;
  }

  /** Tests: forget what this JVM remembered (as a new process would). */
  static void forgetInProcess() {
    CACHE.clear();
  }

  static String key(File file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file.toPath(), BasicFileAttributes.class);
    return file.getAbsolutePath() + '\0' + a.size() + '\0' + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + '\0'
        + a.fileKey();
  }

  private static String hash(File file) throws IOException {
    MessageDigest md = newDigest();
    byte[] buf = new byte[1 << 16];
    try (InputStream in = new FileInputStream(file)) {
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return hex(md.digest());
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
