package org.knit.common;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.util.Map;

/** The one Gson instance for the JSON strings returned to Python. */
public final class Json {
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  private Json() {}

  public static String toJson(Object o) {
    return GSON.toJson(o);
  }

  /** A JSON list of strings; null or empty means none. */
  public static java.util.List<String> stringList(String json) {
    if (json == null || json.trim().isEmpty()) {
      return java.util.Collections.emptyList();
    }
    java.util.List<String> l = GSON.fromJson(json, new TypeToken<java.util.List<String>>() {}.getType());
    return l == null ? java.util.Collections.<String>emptyList() : l;
  }

  /** A JSON object of strings (for {@code conf} overrides); null or empty means none. */
  public static Map<String, String> stringMap(String json) {
    if (json == null || json.trim().isEmpty()) {
      return java.util.Collections.emptyMap();
    }
    Map<String, String> m = GSON.fromJson(json, new TypeToken<Map<String, String>>() {}.getType());
    return m == null ? java.util.Collections.<String, String>emptyMap() : m;
  }
}
