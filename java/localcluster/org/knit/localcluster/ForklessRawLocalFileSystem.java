package org.knit.localcluster;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * The local cluster's local file system: Hadoop's, except that {@link #setPermission} is a {@code chmod} system
 * call (Java's POSIX attributes) instead of a forked {@code chmod} process.
 *
 * <p>Why: Hadoop forks {@code chmod} for every permission change unless its native libhadoop is loaded, and Maven
 * Central ships none (a real cluster's nodes normally have it, and chmod in-process). The NodeManager sets the
 * permissions of every file and directory it unpacks from an ARCHIVE resource ({@code FSDownload.changePermissions}):
 * a 14,780-entry Python env (pandas, scikit-learn, dask) was 14,780 {@code chmod} processes per node, 85 of the
 * 116 s of its first start on this 2-core machine. Permissions beyond {@code rwxrwxrwx} (sticky, setuid), which
 * Java's POSIX attributes cannot express, still go to Hadoop's own code.
 */
public class ForklessRawLocalFileSystem extends RawLocalFileSystem {
  private static final PosixFilePermission[] BITS = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

  /** Makes {@code file://} this file system in {@code conf}, for {@code FileSystem} and {@code FileContext}. */
  static void install(Configuration conf) {
    conf.setClass("fs.file.impl", ForklessLocalFileSystem.class, FileSystem.class);
    conf.set("fs.AbstractFileSystem.file.impl", ForklessLocalFs.class.getName());
  }

  @Override
  public void setPermission(Path p, FsPermission permission) throws IOException {
    short mode = permission.toShort();
    if (NativeIO.isAvailable() || (mode & ~0777) != 0) {
      super.setPermission(p, permission);
      return;
    }
    try {
      Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(mode));
    } catch (NoSuchFileException e) {
      throw new FileNotFoundException("File " + p + " does not exist");
    }
  }

  /** The POSIX permissions of the low nine bits of {@code mode} ({@code 0750} -> rwxr-x---). */
  static Set<PosixFilePermission> posix(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (int bit = 0; bit < BITS.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(BITS[bit]);
      }
    }
    return set;
  }
}
