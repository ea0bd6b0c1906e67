package org.knit.client;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ConfDirsFirstTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void aDirectorysResourceWinsOverAJarsAndBothAreListedOnce() throws IOException {
    File dir = tmp.newFolder("conf");
    Files.write(new File(dir, "core-site.xml").toPath(), "dir".getBytes(StandardCharsets.UTF_8));
    File jar = jarWith("core-site.xml", "jar", "only-in-jar.txt", "jar");
    // The parent sees the jar first and the directory after it, as the client JVM's classpath has them.
    try (URLClassLoader parent = new URLClassLoader(new URL[] {jar.toURI().toURL(), dir.toURI().toURL()}, null)) {
      assertEquals("jar", read(parent.getResource("core-site.xml"))); // the order being corrected
      ConfDirsFirst loader = new ConfDirsFirst(parent, Collections.singletonList(dir));
      assertEquals("dir", read(loader.getResource("core-site.xml")));
      assertEquals("dir", new String(readAll(loader.getResourceAsStream("core-site.xml")), StandardCharsets.UTF_8));
      assertEquals("jar", read(loader.getResource("only-in-jar.txt")));
      List<String> all = new ArrayList<>();
      for (URL url : Collections.list(loader.getResources("core-site.xml"))) {
        all.add(read(url));
      }
      assertEquals(Arrays.asList("dir", "jar"), all);
    }
  }

  @Test
  public void directoriesAreTheClasspathsDirectoryEntriesInOrder() throws IOException {
    File a = tmp.newFolder("a");
    File b = tmp.newFolder("b");
    File jar = tmp.newFile("x.jar");
    String cp = String.join(File.pathSeparator, jar.getPath(), b.getPath(), "", a.getPath(), "/no/such/dir/*");
    assertEquals(Arrays.asList(b, a), ConfDirsFirst.directories(cp));
  }

  private File jarWith(String... namesAndContents) throws IOException {
    File jar = tmp.newFile("r.jar");
    try (JarOutputStream out = new JarOutputStream(new FileOutputStream(jar))) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        out.putNextEntry(new ZipEntry(namesAndContents[i]));
        out.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }

  private static String read(URL url) throws IOException {
    try (InputStream in = url.openStream()) {
      return new String(readAll(in), StandardCharsets.UTF_8);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
    }
    in.close();
    return out.toByteArray();
  }
}
