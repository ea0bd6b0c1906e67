package org.knit.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The cross-process memo of {@link Sha256}: one small file per key, named by the key's own SHA-256, holding the
 * file's hash, in a directory only the user can read or write (mode 0700: whoever could write there could make a
 * changed file pass for the uploaded one). Absent property, unreadable or malformed entry: no memo, the file is
 * hashed.
 */
final class HashMemo {
  private HashMemo() {}

  private static Path dir() {
    String d = System.getProperty(Sha256.MEMO_PROPERTY);
    return d == null || d.isEmpty() ? null : Paths.get(d);
  }

  /** Only a memo directory the user owns and nobody else may write is believed. */
  private static boolean trusted(Path dir) {
    try {
      return Files.getOwner(dir).getName().equals(System.getProperty("user.name"))
          && !Files.getPosixFilePermissions(dir).contains(PosixFilePermission.GROUP_WRITE)
          && !Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_WRITE);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static Path entry(Path dir, String key) {
    return dir.resolve(Sha256.hex(Sha256.newDigest().digest(key.getBytes(StandardCharsets.UTF_8))));
  }

  static String read(String key) {
    Path dir = dir();
    if (dir == null || !Files.isDirectory(dir) || !trusted(dir)) {
      return null;
    }
    try {
      String v = new String(Files.readAllBytes(entry(dir, key)), StandardCharsets.US_ASCII).trim();
      return v.matches("[0-9a-f]{64}") ? v : null;
    } catch (IOException e) {
      return null; // not remembered (or not readable): hash it
    }
  }

  static void write(String key, String sha) {
    Path dir = dir();
    if (dir == null) {
      return;
    }
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Path tmp = Files.createTempFile(dir, ".memo", ".tmp");
      Files.write(tmp, sha.getBytes(StandardCharsets.US_ASCII));
      Files.move(tmp, entry(dir, key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | UnsupportedOperationException e) {
      // A memo is an optimisation: the next process hashes the file again.
      System.err.println("knit: could not remember the SHA-256 in " + dir + ": " + e);
    }
  }

}
