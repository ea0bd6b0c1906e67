package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** After a failed submission, a failure to clean up is attached to the error that ended it, never in its place. */
public class SubmitterCleanupTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void cleanupFailuresAreSuppressedOnTheOriginalError() throws IOException {
    Configuration conf = new Configuration();
    FileSystem failing = new LocalFileSystem() {
      @Override
      public boolean delete(Path p, boolean recursive) throws IOException {
        throw new IOException("cannot delete " + p);
      }
    };
    failing.initialize(URI.create("file:///"), conf);
    Stager stager = new Stager(conf, new Path(tmp.getRoot().toURI().toString(), "deps"), 1, false);
    IllegalStateException original = new IllegalStateException("the RM refused the application");
    Submitter.removeStaged(failing, new Path(tmp.getRoot().toURI().toString(), "staging"), stager, original);
    assertEquals(1, original.getSuppressed().length);
    assertTrue(original.getSuppressed()[0].getMessage().startsWith("cannot delete "));
    assertSame(IOException.class, original.getSuppressed()[0].getClass());
  }
}
