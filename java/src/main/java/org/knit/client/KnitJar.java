package org.knit.client;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** The knit.jar the client ships to every ApplicationMaster, and its version. */
final class KnitJar {
  private KnitJar() {}

  /** The version in knit.jar's manifest ({@code Knit-Version}), or "dev" when not running from the JAR. */
  public static String version() {
    File jar = jarFile();
    if (jar != null) {
      try (JarFile jf = new JarFile(jar)) {
        Manifest m = jf.getManifest();
        String v = m == null ? null : m.getMainAttributes().getValue("Knit-Version");
        if (v != null) {
          return v;
        }
      } catch (IOException e) {
        // fall through: not a readable JAR, so this is a development run
      }
    }
    return "dev";
  }

  /**
   * The knit.jar these classes were loaded from, or null (e.g. unit tests run from target/classes).
   * {@code hadoop jar} (RunJar) unpacks the JAR and loads classes from the unpacked copy, so we also look for
   * the JAR among the class loader's URLs and the classpath.
   */
  public static File jarFile() {
    try {
      File f = new File(KnitJar.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (isKnitJar(f)) {
        return f;
      }
    } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
      // not loaded from a file: look elsewhere
    }
    List<File> candidates = new ArrayList<>();
    ClassLoader cl = KnitJar.class.getClassLoader();
    if (cl instanceof URLClassLoader) {
      for (URL u : ((URLClassLoader) cl).getURLs()) {
        if ("file".equals(u.getProtocol())) {
          candidates.add(new File(u.getPath()));
        }
      }
    }
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      candidates.add(new File(entry));
    }
    for (File f : candidates) {
      if (isKnitJar(f)) {
        return f;
      }
    }
    return null;
  }

  private static boolean isKnitJar(File f) {
    if (!f.isFile() || !f.getName().endsWith(".jar")) {
      return false;
    }
    try (JarFile jf = new JarFile(f)) {
      return jf.getEntry("org/knit/am/ApplicationMaster.class") != null;
    } catch (IOException e) {
      return false;
    }
  }
}
