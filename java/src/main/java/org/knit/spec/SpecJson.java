package org.knit.spec;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** JSON as the spec reads and writes it: strict parsing (what Python's json module accepts), canonical output. */
public final class SpecJson {
  static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final Gson PRETTY = new GsonBuilder().serializeNulls().disableHtmlEscaping().setPrettyPrinting()
      .create();

  private SpecJson() {}

  /**
   * Parses one JSON document strictly: no comments, unquoted names, single quotes, NaN or trailing data, which
   * Gson's default lenient mode would accept and Python would not.
   *
   * @throws SpecException naming no field when {@code text} is not JSON
   */
  public static JsonElement parse(String text) {
    if (text == null || text.trim().isEmpty()) {
      throw new SpecException("the application spec is empty");
    }
    try {
      JsonReader reader = new JsonReader(new StringReader(text));
      reader.setStrictness(Strictness.STRICT);
      JsonElement tree = JsonParser.parseReader(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new JsonParseException("trailing data after the JSON document");
      }
      return tree;
    } catch (JsonParseException | IOException | IllegalStateException e) {
      throw new SpecException("spec is not valid JSON: " + e.getMessage());
    }
  }

  /** The same JSON with every object's members sorted by name: what two writers are compared on. */
  public static JsonElement sorted(JsonElement e) {
    if (e.isJsonObject()) {
      List<String> names = new ArrayList<>(e.getAsJsonObject().keySet());
      Collections.sort(names);
      JsonObject out = new JsonObject();
      for (String n : names) {
        out.add(n, sorted(e.getAsJsonObject().get(n)));
      }
      return out;
    }
    if (e.isJsonArray()) {
      JsonArray out = new JsonArray();
      for (JsonElement item : e.getAsJsonArray()) {
        out.add(sorted(item));
      }
      return out;
    }
    return e;
  }

  /** Sorted, indented JSON (what {@code --dry-run} prints). */
  public static String pretty(JsonElement e) {
    return PRETTY.toJson(sorted(e));
  }

  static String compact(JsonElement e) {
    return GSON.toJson(e);
  }
}
