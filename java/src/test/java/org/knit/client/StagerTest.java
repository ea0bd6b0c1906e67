package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.knit.spec.Localized;
import org.knit.spec.SpecException;

/**
 * Staging into a deps dir on the local file system (no xattrs there: the sidecar records the SHA-256). HDFS itself,
 * owners of other users and the trust checks against them are in tests/integration/test_staging.py.
 */
public class StagerTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  private final Configuration conf = new Configuration();
  private FileSystem fs;
  private Path deps;

  @Before
  public void setUp() throws IOException {
    fs = FileSystem.getLocal(conf);
    deps = new Path(tmp.getRoot().toURI().toString(), "deps");
  }

  private File local(String name, String content) throws IOException {
    File f = new File(tmp.getRoot(), name);
    Files.write(f.toPath(), content.getBytes(StandardCharsets.UTF_8));
    return f;
  }

  private static String sha(String content) {
    return Sha256.hex(Sha256.newDigest().digest(content.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  public void sameContentIsStoredOnceUnderItsHash() throws IOException {
    File f = local("data.csv", "a,b\n");
    Stager first = new Stager(conf, deps, 1, false);
    FileStatus one = first.upload(f, "data.csv");
    assertEquals(DepsFiles.name(sha("a,b\n"), "data.csv"), one.getPath().getName());
    assertEquals(sha("a,b\n"), DepsFiles.readSha256(fs, one.getPath()));
    Stager second = new Stager(conf, deps, 1, false);
    FileStatus two = second.upload(f, "data.csv");
    assertEquals(one.getPath(), two.getPath());
    assertEquals(one.getModificationTime(), two.getModificationTime());
    assertEquals(Collections.singletonList(two.getPath().getName()), second.reused());
    assertTrue(second.uploaded().isEmpty());
  }

  @Test
  public void aNewVersionIsANewCopyAndTheOldOneStays() throws IOException {
    File f = local("data.csv", "v1\n");
    FileStatus v1 = new Stager(conf, deps, 1, false).upload(f, "data.csv");
    Files.write(f.toPath(), "version 2\n".getBytes(StandardCharsets.UTF_8));
    FileStatus v2 = new Stager(conf, deps, 1, false).upload(f, "data.csv");
    assertNotEquals(v1.getPath(), v2.getPath());
    assertEquals(v1.getModificationTime(), fs.getFileStatus(v1.getPath()).getModificationTime());
  }

  @Test
  public void theRecordedHashIsTheOneOfTheBytesStored() throws IOException {
    File f = local("data.csv", "before\n");
    long mtime = f.lastModified();
    assertEquals(sha("before\n"), Sha256.of(f)); // remembered for (path, size, mtime)
    // The file changes between hashing and upload, keeping its size and mtime: the remembered hash is stale.
    Files.write(f.toPath(), "after!\n".getBytes(StandardCharsets.UTF_8));
    assertTrue(f.setLastModified(mtime));
    FileStatus st = new Stager(conf, deps, 1, false).upload(f, "data.csv");
    assertEquals(DepsFiles.name(sha("after!\n"), "data.csv"), st.getPath().getName());
    assertEquals(sha("after!\n"), DepsFiles.readSha256(fs, st.getPath()));
  }

  @Test
  public void uploadAlwaysNeverReplacesACopy() throws IOException {
    File f = local("data.csv", "same\n");
    FileStatus cached = new Stager(conf, deps, 1, false).upload(f, "data.csv");
    FileStatus again = new Stager(conf, deps, 1, true).upload(f, "data.csv");
    assertNotEquals(cached.getPath(), again.getPath());
    assertTrue(again.getPath().getName().endsWith("-data.csv"));
    assertEquals(cached.getModificationTime(), fs.getFileStatus(cached.getPath()).getModificationTime());
  }

  @Test
  public void aDepsDirOthersCanWriteIsRefusedBeforeUpload() throws IOException {
    File f = local("data.csv", "x\n");
    fs.mkdirs(deps);
    fs.setPermission(deps, new FsPermission((short) 0777));
    Localized r = new org.knit.spec.FileResource();
    r.source = f.getPath();
    r.name = "data.csv";
    try {
      new Stager(conf, deps, 1, false).check(Collections.singletonList(r));
      fail("a world-writable deps dir was trusted");
    } catch (SpecException e) {
      assertTrue(e.getMessage(), e.getMessage().contains(deps.toUri().getPath()));
      assertTrue(e.getMessage(), e.getMessage().contains("writable by its group and others"));
    }
    new Stager(conf, deps, 1, true).check(Collections.singletonList(r)); // upload_always trusts nothing there
    assertFalse(fs.listFiles(deps, false).hasNext());
  }
}
