package org.knit.client;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashSet;
import org.junit.Test;

public class ArchiveRootTest {
  private static String root(String... entries) {
    return ArchiveRoot.rootOf(new LinkedHashSet<>(Arrays.asList(entries)));
  }

  @Test
  public void findsTheDirectoryHoldingBin() {
    assertEquals("", root("bin/", "bin/python", "lib/x.py"));
    assertEquals("", root("./bin/python", "./lib/"));
    assertEquals("dev", root("dev/", "dev/bin/python", "dev/lib/x.py"));
    assertEquals("", root("a/bin/python", "b/lib/x.py"));
    assertEquals("dev", ArchiveRoot.stem("dev.zip"));
    assertEquals("env", ArchiveRoot.stem("env.tar.gz"));
    assertEquals("env", ArchiveRoot.stem("env.tgz"));
  }

  private static String python(String root, String... entries) {
    return ArchiveRoot.pythonOf(new LinkedHashSet<>(Arrays.asList(entries)), root);
  }

  /** As knit/env.py picks it, so both command lines write the same env entry. */
  @Test
  public void findsThePythonAsKnitStartDoes() {
    assertEquals("bin/python", python("", "bin/python3", "bin/python"));
    assertEquals("bin/python3", python("dev", "dev/bin/python3.12", "dev/bin/python3"));
    assertEquals("bin/python3.12", python("dev", "./dev/bin/python3.9", "dev/bin/python3.12", "dev/bin/pip"));
    assertEquals("", python("", "bin/pip", "lib/python3.12/os.py"));
  }
}
