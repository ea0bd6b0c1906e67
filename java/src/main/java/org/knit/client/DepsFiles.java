package org.knit.client;

import org.knit.common.Knit;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.XAttrSetFlag;

/**
 * The files of a deps dir: content-addressed names and what is recorded with each (its SHA-256, when a submission
 * last reused it).
 *
 * <p>A copy is stored as {@code <sha256[:16]>-<name>}: a new version of a file gets a new name, so it never
 * replaces a copy that a running application still localizes (YARN checks the modification time and fails the
 * container, "changed on src filesystem"). The name keeps only {@code [A-Za-z0-9._+-]} of the original (others
 * become {@code _}): HDFS refuses {@code :} in names, and the NodeManager writes the localized copy's path into
 * launch_container.sh unescaped. It keeps the extension, by which YARN decides how to unpack an ARCHIVE.
 */
final class DepsFiles {
  private static final Pattern NOT_KEPT = Pattern.compile("[^A-Za-z0-9._+-]");
  /** HDFS allows 255 per path component (dfs.namenode.fs-limits.max-component-length). */
  private static final int NAME_MAX = 200;
  static final int HASH_PREFIX = 16;

  private DepsFiles() {}

  /** The deps-dir name of content {@code sha256} (hex) that the user calls {@code name}. */
  static String name(String sha256, String name) {
    String kept = NOT_KEPT.matcher(name).replaceAll("_");
    if (kept.length() > NAME_MAX) {
      String ext = extension(kept);
      kept = kept.substring(0, NAME_MAX - ext.length()) + ext;
    }
    return sha256.substring(0, HASH_PREFIX) + "-" + kept;
  }

  private static String extension(String name) {
    String lower = name.toLowerCase();
    if (lower.endsWith(".tar.gz")) {
      return name.substring(name.length() - 7);
    }
    int dot = name.lastIndexOf('.');
    return dot >= 0 && name.length() - dot <= 16 ? name.substring(dot) : "";
  }

  /** The recorded SHA-256 of a deps-dir file, or null when none is recorded. */
  static String readSha256(FileSystem fs, Path file) throws IOException {
    try {
      byte[] v = fs.getXAttrs(file).get(Knit.SHA256_XATTR);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    } catch (UnsupportedOperationException e) {
      Path sidecar = sidecar(file);
      if (!fs.exists(sidecar)) {
        return null;
      }
      try (FSDataInputStream in = fs.open(sidecar)) {
        byte[] buf = new byte[64];
        in.readFully(0, buf);
        return new String(buf, StandardCharsets.US_ASCII);
      }
    }
  }

  /** Records {@code sha} for {@code tmp}, which will be renamed to {@code dst} (the sidecar is named for it). */
  static void writeSha256(FileSystem fs, Path tmp, Path dst, String sha) throws IOException {
    try {
      fs.setXAttr(tmp, Knit.SHA256_XATTR, sha.getBytes(StandardCharsets.UTF_8));
    } catch (UnsupportedOperationException e) {
      try (OutputStream out = fs.create(sidecar(dst), true)) {
        out.write(sha.getBytes(StandardCharsets.US_ASCII));
      }
    }
  }

  static Path sidecar(Path file) {
    return new Path(file.getParent(), file.getName() + Knit.SHA256_SIDECAR);
  }

  /**
   * Records that a submission uses {@code file} now ({@value Knit#USED_XATTR}); false if it is gone (pruned
   * meanwhile). Setting an xattr leaves the modification time, which YARN checks, as it is.
   */
  static boolean markUsed(FileSystem fs, Path file, long now) throws IOException {
    try {
      fs.setXAttr(file, Knit.USED_XATTR, Long.toString(now).getBytes(StandardCharsets.US_ASCII),
          EnumSet.of(XAttrSetFlag.CREATE, XAttrSetFlag.REPLACE));
      return true;
    } catch (FileNotFoundException e) {
      return false;
    } catch (UnsupportedOperationException e) {
      return fs.exists(file);
    }
  }

  /** When {@code st} was last uploaded or reused (epoch ms). */
  static long lastUsed(FileSystem fs, FileStatus st) throws IOException {
    long used = st.getModificationTime();
    try {
      byte[] v = fs.getXAttrs(st.getPath()).get(Knit.USED_XATTR);
      if (v != null) {
        used = Math.max(used, Long.parseLong(new String(v, StandardCharsets.US_ASCII)));
      }
    } catch (UnsupportedOperationException | NumberFormatException e) {
      // no xattrs here (or one we did not write): the modification time is all there is
    }
    return used;
  }

  /** {@code {name, path, size, sha256}} of the deps-dir copy of {@code local} holding its content, else null. */
  static Map<String, Object> copyOf(FileSystem fs, Path depsDir, File local) throws IOException {
    String sha = Sha256.of(local);
    Path dst = new Path(depsDir, name(sha, local.getName()));
    FileStatus st = statOrNull(fs, dst);
    if (st == null || st.getLen() != local.length() || !sha.equals(readSha256(fs, dst))) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", dst.getName());
    m.put("path", st.getPath().toString());
    m.put("size", st.getLen());
    m.put("sha256", sha);
    return m;
  }

  static FileStatus statOrNull(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }
}
