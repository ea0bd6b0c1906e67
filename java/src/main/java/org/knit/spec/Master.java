package org.knit.spec;

/** The ApplicationMaster's container: memory (MB) and virtual cores. */
public final class Master {
  public int memory = 256;
  public int vcores = 1;
}
