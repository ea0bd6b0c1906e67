package org.knit.spec;

/** The containers that run the command: how many, and each one's memory (MB) and virtual cores. */
public final class Containers {
  public int count = 1;
  public int memory = 128;
  public int vcores = 1;
}
