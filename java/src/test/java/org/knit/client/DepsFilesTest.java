package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Content-addressed deps-dir names. */
public class DepsFilesTest {
  private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @Test
  public void hashPrefixAndAPlainVersionOfTheName() {
    assertEquals("0123456789abcdef-dev.zip", DepsFiles.name(SHA, "dev.zip"));
    assertEquals("0123456789abcdef-2024-01-01T00_00.csv", DepsFiles.name(SHA, "2024-01-01T00:00.csv"));
    assertEquals("0123456789abcdef-we_ird_name.txt", DepsFiles.name(SHA, "we\"ird$name.txt"));
    assertEquals("0123456789abcdef-donn_es.csv", DepsFiles.name(SHA, "données.csv"));
  }

  @Test
  public void longNamesKeepTheirExtension() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      b.append('x');
    }
    String name = DepsFiles.name(SHA, b + ".tar.gz");
    assertTrue(name, name.endsWith("x.tar.gz"));
    assertTrue(name.length() <= 255);
  }
}
