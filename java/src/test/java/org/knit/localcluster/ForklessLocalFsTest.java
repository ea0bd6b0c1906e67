package org.knit.localcluster;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The local cluster's {@code file://}: the same permissions as Hadoop's forked {@code chmod} sets, through both
 * the {@code FileSystem} and the {@code FileContext} the NodeManager localizes with, once installed in a conf.
 */
public class ForklessLocalFsTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  private static Configuration installed() {
    Configuration conf = new Configuration(false);
    ForklessRawLocalFileSystem.install(conf);
    conf.setBoolean("fs.file.impl.disable.cache", true); // not the JVM's cached plain LocalFileSystem
    return conf;
  }

  private static String mode(File f) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(f.toPath()));
  }

  @Test
  public void everyModeBitMapsToItsPosixPermission() {
    assertEquals("r-x------", PosixFilePermissions.toString(ForklessRawLocalFileSystem.posix(0500)));
    assertEquals("rwxr-x--x", PosixFilePermissions.toString(ForklessRawLocalFileSystem.posix(0751)));
    assertEquals("-w--w--w-", PosixFilePermissions.toString(ForklessRawLocalFileSystem.posix(0222)));
    assertEquals("---------", PosixFilePermissions.toString(ForklessRawLocalFileSystem.posix(0)));
  }

  @Test
  public void fileContextSetsWhatTheNodeManagerAsksFor() throws Exception {
    FileContext fc = FileContext.getLocalFSFileContext(installed());
    assertTrue(fc.getDefaultFileSystem() instanceof ForklessLocalFs);
    File dir = tmp.newFolder("env");
    File file = new File(dir, "python");
    assertTrue(file.createNewFile());
    fc.setPermission(new Path(file.getPath()), new FsPermission((short) 0500));
    fc.setPermission(new Path(dir.getPath()), new FsPermission((short) 0700));
    assertEquals("r-x------", mode(file));
    assertEquals("rwx------", mode(dir));
  }

  @Test
  public void fileSystemSetsModesAndKeepsHadoopsOwnPathForSpecialBits() throws Exception {
    FileSystem fs = FileSystem.get(new java.net.URI("file:///"), installed());
    assertTrue(fs instanceof ForklessLocalFileSystem);
    File file = tmp.newFile("token");
    fs.setPermission(new Path(file.getPath()), new FsPermission((short) 0640));
    assertEquals("rw-r-----", mode(file));
    File dir = tmp.newFolder("shared");
    fs.setPermission(new Path(dir.getPath()), new FsPermission((short) 01777)); // sticky: Hadoop's chmod
    assertEquals("rwxrwxrwx", mode(dir));
  }

  @Test(expected = FileNotFoundException.class)
  public void aMissingFileIsFileNotFound() throws Exception {
    FileContext fc = FileContext.getLocalFSFileContext(installed());
    fc.setPermission(new Path(new File(tmp.getRoot(), "gone").getPath()), new FsPermission((short) 0500));
  }
}
