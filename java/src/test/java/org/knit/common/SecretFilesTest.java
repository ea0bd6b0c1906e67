package org.knit.common;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Map;
import org.junit.Test;

/** The names a secret file may have, and what {@code submit} hands the client. */
public class SecretFilesTest {
  @Test
  public void plainNamesAndTheirContent() {
    Map<String, byte[]> files = SecretFiles.parse(
        "{\"secret_files\": {\"dask-worker.key\": \"c2VjcmV0\", \"a_b.1\": \"\"}}", Collections.<String>emptySet());
    assertEquals(Arrays.asList("dask-worker.key", "a_b.1"), Arrays.asList(files.keySet().toArray()));
    assertArrayEquals("secret".getBytes(), files.get("dask-worker.key"));
    assertEquals(0, files.get("a_b.1").length);
    assertTrue(SecretFiles.parse(null, Collections.<String>emptySet()).isEmpty());
  }

  @Test
  public void pathsHiddenNamesAndClashesAreRefused() {
    for (String name : new String[] {"../x", "a/b", ".knit_am_token", "", "x y", "é"}) {
      try {
        SecretFiles.parse("{\"secret_files\": {\"" + name + "\": \"\"}}", Collections.<String>emptySet());
        fail(name);
      } catch (IllegalArgumentException expected) {
        assertTrue(expected.getMessage(), expected.getMessage().contains("not a plain file name"));
      }
    }
    try {
      SecretFiles.parse("{\"secret_files\": {\"data.csv\": \"\"}}", new HashSet<>(Arrays.asList("data.csv")));
      fail("a name of the spec's files");
    } catch (IllegalArgumentException expected) {
      assertTrue(expected.getMessage().contains("give each name once"));
    }
  }
}
