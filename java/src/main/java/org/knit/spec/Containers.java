package org.knit.spec;

import com.google.gson.JsonArray;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The containers that run the command: how many, each one's memory (MB) and virtual cores, and optionally their
 * names (each container is told its own, {@code KNIT_CONTAINER_NAME}, from the moment it is requested).
 */
public final class Containers {
  public int count = 1;
  public int memory = 128;
  public int vcores = 1;
  /** One name per container of the initial request, or null (left out of the document): unnamed. */
  public List<String> names;

  /** Each of {@code names} is a container name of the schema, and appears once. */
  public static void checkNames(List<String> names, String field) {
    JsonArray tree = new JsonArray();
    for (String n : names) {
      tree.add(n);
    }
    Schema.spec().check(tree, "#/properties/containers/properties/names", field);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      if (!seen.add(names.get(i))) {
        throw new SpecException(field + "[" + i + "]", field + ": '" + names.get(i) + "' is given twice");
      }
    }
  }
}
