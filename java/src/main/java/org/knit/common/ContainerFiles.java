package org.knit.common;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.api.records.URL;

/**
 * What a worker container's working directory holds besides the user's files, and how each resource gets there
 * under its own name.
 *
 * <p>Knit's own files sit under {@value #DIR}/ (a link name the spec refuses for files, spec/schema.json
 * {@code link_name}): {@value #LAUNCH_SCRIPT} and, with secret envvars, {@value #SECRETS}, both localized from the
 * application's staging dir as APPLICATION resources.
 *
 * <p>The NodeManager (Hadoop 3.4 {@code ContainerLaunch}) turns every link name into a Hadoop {@link Path} — a
 * {@code :} before any {@code /} reads as a URI scheme ("Relative path in absolute URI"), a lone {@code *} links a
 * whole directory — and writes {@code ln -sf -- "<localized path>" "<link name>"} into
 * launch_container.sh without escaping either, so {@code "} {@code $} {@code `} {@code \} are live there. A name
 * the NodeManager would not pass through intact is localized under an alias, {@value #DIR}/r&lt;i&gt;, and the launch
 * script links it under its real name with bash quoting of its own.
 */
public final class ContainerFiles {
  private ContainerFiles() {}

  /** Knit's directory in a container's working directory. */
  public static final String DIR = ".knit";
  /** The launch script's link name; the container runs {@code bash} on it. */
  public static final String LAUNCH_SCRIPT = DIR + "/launch.sh";
  /** The secret envvars' link name; the launch script sources it. */
  public static final String SECRETS = DIR + "/secrets.sh";

  private static final Pattern URI_FORM = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*)://([^/]*)(/.*)?",
      Pattern.DOTALL);

  /** The link name YARN gets for resource {@code index} (files, then the env) named {@code name}. */
  public static String yarnLinkName(int index, String name) {
    return passesThroughNodeManager(name) ? name : alias(index);
  }

  /** Where resource {@code index} is localized when its own name cannot be used. */
  public static String alias(int index) {
    return DIR + "/r" + index;
  }

  /** Whether the NodeManager writes this link name into launch_container.sh unchanged and inert. */
  public static boolean passesThroughNodeManager(String name) {
    if (name.equals("*") || !inertInDoubleQuotes(name)) {
      return false;
    }
    try {
      return new Path(name).toString().equals(name);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Whether an HDFS file can be localized from where it is: its name — which the localized copy keeps, inside
   * launch_container.sh's double quotes — is inert there, and YARN's {@link URL} round trip keeps its path.
   */
  public static boolean localizableInPlace(Path path) {
    if (!inertInDoubleQuotes(path.getName())) {
      return false;
    }
    try {
      return URL.fromPath(path).toPath().toUri().getPath().equals(path.toUri().getPath());
    } catch (URISyntaxException | IllegalArgumentException e) {
      return false;
    }
  }

  /** No character that bash interprets between double quotes, no control character. */
  static boolean inertInDoubleQuotes(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '$' || c == '`' || c == '\\' || c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  /**
   * The Hadoop path a spec source or resolved path names, read literally: {@code scheme://authority/path} with
   * every character of the path its own ({@code %} is a percent sign, {@code #} and {@code ?} are part of the
   * name), so any name a user has works.
   *
   * @throws IllegalArgumentException if {@code text} is not of the form {@code scheme://authority/path}
   */
  public static Path hadoopPath(String text) {
    Matcher m = URI_FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a URI of the form scheme://authority/path");
    }
    String authority = m.group(2).isEmpty() ? null : m.group(2);
    String path = m.group(3) == null ? "/" : m.group(3);
    try {
      // The multi-argument URI constructor quotes every character a URI path cannot hold, % included.
      return new Path(new URI(m.group(1), authority, path, null, null));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + text + "' is not a valid URI: " + e.getMessage(), e);
    }
  }

  /** Whether a spec source names a URI (hdfs://, s3a://, file://...) rather than a local path. */
  public static boolean isUri(String source) {
    return URI_FORM.matcher(source).matches();
  }
}
