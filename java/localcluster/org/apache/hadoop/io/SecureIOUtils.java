package org.apache.hadoop.io;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local cluster's stand-in for Hadoop's {@code SecureIOUtils} (test-cluster code only: it is packed into
 * knit-localcluster.jar, which comes before Hadoop's jars on the cluster JVM's classpath, and never into knit.jar).
 *
 * <p>On a secure cluster the NodeManager opens every container log through this class — for log aggregation and
 * for its container-log web service — and Hadoop's own version checks the file's owner with {@code fstat} from the
 * native libhadoop. Maven Central ships no native library, so on the secure local cluster every log read failed
 * with {@code UnsatisfiedLinkError}. This version keeps the contract (same methods, same
 * {@link AlreadyExistsException}) and checks the owner with Java's POSIX file attributes instead. With the
 * DefaultContainerExecutor, which MiniYARNCluster uses, container files belong to the NodeManager's own OS user,
 * not to the application's user, so that owner is accepted too: the check could not tell them apart here anyway.
 */
public final class SecureIOUtils {
  private static final String OS_USER = System.getProperty("user.name");

  private SecureIOUtils() {}

  /** {@link RandomAccessFile} on {@code f}, after checking its owner. */
  public static RandomAccessFile openForRandomRead(File f, String mode, String expectedOwner, String expectedGroup)
      throws IOException {
    checkOwner(f, expectedOwner);
    return new RandomAccessFile(f, mode);
  }

  /** An {@link FSDataInputStream} of the raw local file system on {@code file}, after checking its owner. */
  public static FSDataInputStream openFSDataInputStream(File file, String expectedOwner, String expectedGroup)
      throws IOException {
    checkOwner(file, expectedOwner);
    RawLocalFileSystem raw = new RawLocalFileSystem();
    raw.initialize(new File("/").toURI(), new Configuration(false));
    return raw.open(new Path(file.getAbsolutePath()));
  }

  /** {@link FileInputStream} on {@code f}, after checking its owner. */
  public static FileInputStream openForRead(File f, String expectedOwner, String expectedGroup) throws IOException {
    checkOwner(f, expectedOwner);
    return new FileInputStream(f);
  }

  /** A new file (never an existing one: that is an {@link AlreadyExistsException}) with the given permissions. */
  public static FileOutputStream createForWrite(File f, int permissions) throws IOException {
    try {
      Files.newByteChannel(f.toPath(), EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)).close();
    } catch (FileAlreadyExistsException e) {
      throw new AlreadyExistsException("File " + f + " already exists");
    }
    Files.setPosixFilePermissions(f.toPath(), permissionsOf(permissions));
    return new FileOutputStream(f);
  }

  private static void checkOwner(File f, String expectedOwner) throws IOException {
    String owner = Files.getOwner(f.toPath(), LinkOption.NOFOLLOW_LINKS).getName();
    if (expectedOwner != null && !expectedOwner.equals(owner) && !owner.equals(OS_USER)) {
      throw new IOException("Owner '" + owner + "' for path " + f + " did not match expected owner '"
          + expectedOwner + "'");
    }
  }

  private static Set<PosixFilePermission> permissionsOf(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE, high bit first
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (1 << (bits.length - 1 - i))) != 0) {
        set.add(bits[i]);
      }
    }
    return set;
  }

  /** A file to be created already exists (Hadoop's name and constructors: NativeIO refers to it). */
  public static class AlreadyExistsException extends IOException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String msg) {
      super(msg);
    }

    public AlreadyExistsException(Throwable cause) {
      super(cause);
    }
  }
}
