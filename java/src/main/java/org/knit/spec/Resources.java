package org.knit.spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Memory (MB) and virtual cores of one container, and for {@code containers} also how many and, optionally, their
 * names (each container is told its name, {@code KNIT_CONTAINER_NAME}, from the moment it is requested).
 */
public final class Resources {
  /** A container name: starts with a letter, so it is never mistaken for a request id. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

  public int count = 1;
  public int memory = 128;
  public int vcores = 1;
  /** Empty, or one name per container of the initial request. */
  public List<String> names = new ArrayList<>();

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
    if (names != null && !names.isEmpty()) {
      if (names.size() != count) {
        throw new SpecException(field + ".names must name all " + count + " containers, got " + names.size());
      }
      validateNames(names, field + ".names");
    }
  }

  /** Each name matches {@link #NAME} and appears once. */
  public static void validateNames(List<String> names, String field) {
    Set<String> seen = new HashSet<>();
    for (String n : names) {
      if (n == null || !NAME.matcher(n).matches()) {
        throw new SpecException(field + ": '" + n + "' is not a container name (a letter, then up to 63 letters, "
            + "digits, '.', '_' or '-')");
      }
      if (!seen.add(n)) {
        throw new SpecException(field + ": '" + n + "' is given twice");
      }
    }
  }
}
