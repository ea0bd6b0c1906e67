package org.knit.spec;

/**
 * A file (or an archive YARN unpacks) localized into every container's working directory under {@code name}.
 *
 * <p>{@code path}, {@code size} and {@code timestamp} are filled in by the client when it resolves the spec:
 * the HDFS copy YARN localizes from.
 */
public class FileResource {
  public enum Type { FILE, ARCHIVE }

  public String source;
  public String name;
  public Type type = Type.FILE;

  /** Resolved HDFS path (set by the client). */
  public String path;
  public Long size;
  public Long timestamp;

  public boolean isResolved() {
    return path != null && size != null && timestamp != null;
  }

  void validate(String field) {
    if (source == null || source.trim().isEmpty()) {
      throw new SpecException(field + ".source must be a non-empty path");
    }
    if (name == null || name.isEmpty()) {
      throw new SpecException(field + ".name must be a non-empty file name");
    }
    // The link name lands in the container's working directory: a plain name, nothing that escapes it.
    if (name.contains("/") || name.equals(".") || name.equals("..")) {
      throw new SpecException(field + ".name must be a plain file name, got '" + name + "'");
    }
    if (type == null) {
      throw new SpecException(field + ".type must be FILE or ARCHIVE");
    }
  }
}
