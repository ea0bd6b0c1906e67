package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** {@link DepsFiles#copyOf}: the content-addressed copy is reused only for the same size and recorded hash. */
public class DepsCopyTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void findsOnlyTheCopyWithTheSameContent() throws Exception {
    File local = tmp.newFile("dev.zip");
    Files.write(local.toPath(), "content".getBytes(StandardCharsets.UTF_8));
    String sha = Sha256.of(local);
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path deps = new Path(tmp.newFolder("deps").toURI());
    assertNull("nothing stored yet", DepsFiles.copyOf(fs, deps, local));

    Path copy = new Path(deps, DepsFiles.name(sha, "dev.zip"));
    Files.write(new File(copy.toUri()).toPath(), "content".getBytes(StandardCharsets.UTF_8));
    assertNull("no hash recorded", DepsFiles.copyOf(fs, deps, local));

    DepsFiles.writeSha256(fs, copy, copy, sha); // LocalFileSystem has no xattrs: the sidecar
    Map<String, Object> found = DepsFiles.copyOf(fs, deps, local);
    assertEquals(sha, found.get("sha256"));
    assertEquals(7L, found.get("size"));

    DepsFiles.writeSha256(fs, copy, copy, sha.replace(sha.charAt(20), sha.charAt(20) == 'a' ? 'b' : 'a'));
    assertNull("another hash recorded", DepsFiles.copyOf(fs, deps, local));
    DepsFiles.writeSha256(fs, copy, copy, sha);
    Files.write(new File(copy.toUri()).toPath(), "content!".getBytes(StandardCharsets.UTF_8));
    assertNull("another size", DepsFiles.copyOf(fs, deps, local));
  }
}
