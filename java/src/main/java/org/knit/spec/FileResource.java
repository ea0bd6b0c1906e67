package org.knit.spec;

/** One of the spec's {@code files}: localized as a FILE, or as an ARCHIVE YARN unpacks under {@code name}. */
public final class FileResource extends Localized {
  public Type type = Type.FILE;

  @Override
  public Type type() {
    return type;
  }
}
