package org.knit.spec;

/**
 * A Python environment archive, localized as an ARCHIVE under {@code name}.
 *
 * <p>In each container {@code CONDA_PREFIX=$PWD/<name>/<root>} and {@code PYTHON_BIN=$CONDA_PREFIX/<python>}.
 * {@code root} is the directory inside the archive that holds {@code bin/} ("" for a flat archive); null means
 * "not known" (e.g. an hdfs:// env given to the CLI), and the launch script then looks for the one directory
 * holding {@code bin/}.
 */
public final class EnvResource extends FileResource {
  public String root = "";
  public String python = "bin/python";

  public EnvResource() {
    type = Type.ARCHIVE;
  }

  @Override
  void validate(String field) {
    super.validate(field);
    if (type != Type.ARCHIVE) {
      throw new SpecException(field + ".type must be ARCHIVE (an environment is unpacked by YARN)");
    }
    if (root != null && (root.startsWith("/") || root.contains(".."))) {
      throw new SpecException(field + ".root must be a relative directory inside the archive, got '" + root + "'");
    }
    if (python == null || python.isEmpty() || python.startsWith("/")) {
      throw new SpecException(field + ".python must be a path relative to the environment root, e.g. bin/python");
    }
  }
}
