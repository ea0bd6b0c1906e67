package org.knit.localcluster;

import org.apache.hadoop.fs.LocalFileSystem;

/**
 * Hadoop's checksummed {@link LocalFileSystem} (what {@code file://} is) over {@link ForklessRawLocalFileSystem}:
 * the cluster JVM's {@code fs.file.impl}.
 */
public class ForklessLocalFileSystem extends LocalFileSystem {
  public ForklessLocalFileSystem() {
    super(new ForklessRawLocalFileSystem());
  }
}
