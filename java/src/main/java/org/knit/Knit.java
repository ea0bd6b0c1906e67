package org.knit;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.apache.hadoop.io.Text;

/** Names shared by the client and the ApplicationMaster: one place for each. */
public final class Knit {
  private Knit() {}

  /** Per-application staging dir: {@code <home>/.knit/<appId>} (0700). */
  public static final String STAGING_ROOT = ".knit";
  /** Shared, cached uploads: {@code <home>/.knitDeps} (0700) unless the spec says otherwise. */
  public static final String DEPS_DIR = ".knitDeps";
  /** The resolved spec in the staging dir, localized to the AM under the same name. */
  public static final String SPEC_FILE = "spec.json";
  /** The AM gateway secret in the staging dir (0600), read by {@code masterAddress}. */
  public static final String SECRET_FILE = "secret";
  /** The knit JAR's link name in the AM's working directory. */
  public static final String JAR_LINK = "knit.jar";
  /** Alias of the AM gateway secret in the AM's YARN Credentials. */
  public static final Text SECRET_ALIAS = new Text("knit.am.secret");
  /** AM environment: where its staging dir is, so it can remove it when the application ends. */
  public static final String ENV_STAGING_DIR = "KNIT_STAGING_DIR";
  /** The HDFS xattr holding an upload's SHA-256 (hex), the content half of the upload-cache key. */
  public static final String SHA256_XATTR = "user.knit.sha256";
  /** Sidecar suffix used instead of the xattr on file systems without xattrs. */
  public static final String SHA256_SIDECAR = ".knit-sha256";

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
      File f = new File(Knit.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (isKnitJar(f)) {
        return f;
      }
    } catch (URISyntaxException | SecurityException | NullPointerException | IllegalArgumentException e) {
      // not loaded from a file: look elsewhere
    }
    List<File> candidates = new ArrayList<>();
    ClassLoader cl = Knit.class.getClassLoader();
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
      return jf.getEntry("org/knit/ApplicationMaster.class") != null;
    } catch (IOException e) {
      return false;
    }
  }
}
