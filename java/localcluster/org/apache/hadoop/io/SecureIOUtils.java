package org.apache.hadoop.io;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The secure local cluster's stand-in for Hadoop's class of this name; it is in the local cluster's JAR only,
 * ahead of hadoop-common on that JVM's classpath, never in knit.jar.
 *
 * <p>On a Kerberos cluster Hadoop's version checks, before a NodeManager reads a container's log file (its log web
 * service, log aggregation), that the file belongs to the application's user, with {@code fstat} from Hadoop's
 * native library. Maven ships no native library, so every such read fails with an UnsatisfiedLinkError: no live
 * logs, no aggregated logs. The check could tell nothing apart here anyway: with the DefaultContainerExecutor
 * (the local cluster has no OS accounts for alice and bob) every container file belongs to the NodeManager's own
 * OS user. So this one opens the file as asked and checks nothing; the same signatures as Hadoop 3.4's.
 */
public class SecureIOUtils {

  /** A file {@link #createForWrite} was asked to create exists already. */
  public static class AlreadyExistsException extends IOException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String msg) {
      super(msg);
    }

    public AlreadyExistsException(Throwable cause) {
      super(cause);
    }
  }

  public static RandomAccessFile openForRandomRead(File f, String mode, String expectedOwner, String expectedGroup)
      throws IOException {
    return new RandomAccessFile(f, mode);
  }

  public static FSDataInputStream openFSDataInputStream(File file, String expectedOwner, String expectedGroup)
      throws IOException {
    return FileSystem.getLocal(new Configuration()).getRaw().open(new Path(file.getAbsolutePath()));
  }

  public static FileInputStream openForRead(File f, String expectedOwner, String expectedGroup) throws IOException {
    return new FileInputStream(f);
  }

  /** Creates {@code f}, which must not exist, with the given permission bits, and opens it for writing. */
  public static FileOutputStream createForWrite(File f, int permissions) throws IOException {
    try {
      Files.createFile(f.toPath());
    } catch (FileAlreadyExistsException e) {
      throw new AlreadyExistsException(e);
    }
    Files.setPosixFilePermissions(f.toPath(), posix(permissions));
    return new FileOutputStream(f);
  }

  private static Set<PosixFilePermission> posix(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE: 0400 .. 0001
    for (int i = 0; i < bits.length; i++) {
      if ((mode & (0400 >> i)) != 0) {
        out.add(bits[i]);
      }
    }
    return out;
  }
}
