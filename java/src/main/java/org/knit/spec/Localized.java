package org.knit.spec;

/**
 * A file or archive YARN localizes into every container's working directory under {@code name}: one of the spec's
 * {@code files} ({@link FileResource}) or its {@code env} ({@link EnvResource}).
 *
 * <p>{@code path}, {@code size} and {@code timestamp} are filled in by the client when it resolves the spec: the
 * HDFS copy YARN localizes from. Left out of the JSON until then.
 */
public abstract class Localized {
  /** How YARN localizes it: FILE as is, ARCHIVE unpacked into a directory called {@code name}. */
  public enum Type { FILE, ARCHIVE }

  public String source;
  public String name;

  /** Resolved HDFS path (set by the client). */
  public String path;
  public Long size;
  public Long timestamp;

  public abstract Type type();

  public boolean isResolved() {
    return path != null && size != null && timestamp != null;
  }
}
