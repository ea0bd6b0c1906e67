package org.knit.spec;

/**
 * A Python environment archive, always localized as an ARCHIVE under {@code name}.
 *
 * <p>In each container {@code CONDA_PREFIX=$PWD/<name>/<root>} and {@code PYTHON_BIN=$CONDA_PREFIX/<python>}.
 * {@code root} is the directory inside the archive that holds {@code bin/} ("" for a flat archive); null means
 * "not known" (e.g. an hdfs:// env given to the CLI), and the launch script then looks for the one directory
 * holding {@code bin/}.
 */
public final class EnvResource extends Localized {
  public String root = "";
  public String python = "bin/python";

  @Override
  public Type type() {
    return Type.ARCHIVE;
  }
}
