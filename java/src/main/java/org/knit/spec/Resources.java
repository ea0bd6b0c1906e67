package org.knit.spec;

/** Memory (MB) and virtual cores of one container, and for {@code containers} also how many. */
public final class Resources {
  public int count = 1;
  public int memory = 128;
  public int vcores = 1;

  public Resources() {}

  public Resources(int count, int memory, int vcores) {
    this.count = count;
    this.memory = memory;
    this.vcores = vcores;
  }

  void validate(String field, boolean withCount) {
    if (withCount && count < 1) {
      throw new SpecException(field + ".count must be a positive integer, got " + count);
    }
    if (memory < 1) {
      throw new SpecException(field + ".memory must be a positive number of MB, got " + memory);
    }
    if (vcores < 1) {
      throw new SpecException(field + ".vcores must be a positive integer, got " + vcores);
    }
  }
}
