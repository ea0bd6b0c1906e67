package org.knit.spec;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.knit.common.SharedFiles;

/**
 * The JSON Schema subset spec/schema.json uses, applied at run time to the schema packaged in knit.jar
 * ({@code /org/knit/shared/schema.json}, through {@link SharedFiles}). Mirrors {@code knit/schema.py} keyword for
 * keyword and in the same order, so both sides refuse the same documents and name the same field; the keywords
 * and the two readings stricter than JSON Schema (integer literals, a final {@code $}) are listed in the schema's
 * {@code $comment}.
 */
public final class Schema {
  static final String FILE = "schema.json";
  private static final int REPR_MAX = 100;
  private static final Pattern INTEGER_LITERAL = Pattern.compile("-?[0-9]+");
  private static volatile Schema spec;

  private final JsonObject doc;
  private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

  Schema(JsonObject doc) {
    this.doc = doc;
  }

  /** The application spec's schema, read once from knit.jar. */
  public static Schema spec() {
    if (spec == null) {
      spec = new Schema(SharedFiles.json(FILE));
    }
    return spec;
  }

  public JsonObject doc() {
    return doc;
  }

  /** The schema at a local JSON pointer such as {@code #/properties/files/items}. */
  public JsonObject node(String pointer) {
    if (!pointer.startsWith("#")) {
      throw new IllegalArgumentException("only local references are supported, not " + pointer);
    }
    JsonElement node = doc;
    for (String part : pointer.substring(1).split("/")) {
      if (!part.isEmpty()) {
        node = node.getAsJsonObject().get(part.replace("~1", "/").replace("~0", "~"));
        if (node == null) {
          throw new IllegalArgumentException("no " + pointer + " in the schema");
        }
      }
    }
    return node.getAsJsonObject();
  }

  /** Follows {@code $ref} chains to the first node that states a type. */
  public JsonObject resolve(JsonObject node) {
    while (node.has("$ref") && !node.has("type")) {
      node = node(node.get("$ref").getAsString());
    }
    return node;
  }

  /** Throws {@link SpecException} (field = spec path) for the first keyword {@code value} violates. */
  public void check(JsonElement value, String pointer, String path) {
    try {
      check(node(pointer), value, path, null);
    } catch (Failure f) {
      throw new SpecException(f.path.isEmpty() ? null : f.path, f.message());
    }
  }

  /**
   * {@code value} without the null members the schema does not allow (resolved fields not set yet): how a Java
   * object with unset fields is written, as Python leaves them out.
   */
  public JsonElement omitNulls(JsonElement value, String pointer) {
    omitNulls(node(pointer), value);
    return value;
  }

  private void omitNulls(JsonObject node, JsonElement value) {
    node = resolve(node);
    if (value.isJsonObject() && node.has("properties")) {
      JsonObject props = node.getAsJsonObject("properties");
      for (String name : new ArrayList<>(value.getAsJsonObject().keySet())) {
        JsonElement member = value.getAsJsonObject().get(name);
        if (!props.has(name)) {
          continue;
        }
        JsonObject sub = resolve(props.getAsJsonObject(name));
        if (member.isJsonNull() && !(sub.has("type") && strings(sub.get("type")).contains("null"))) {
          value.getAsJsonObject().remove(name);
        } else {
          omitNulls(sub, member);
        }
      }
    } else if (value.isJsonArray() && node.has("items")) {
      for (JsonElement item : value.getAsJsonArray()) {
        omitNulls(node.getAsJsonObject("items"), item);
      }
    }
  }

  boolean valid(JsonObject node, JsonElement value) {
    try {
      check(node, value, "", null);
      return true;
    } catch (Failure f) {
      return false;
    }
  }

  // -- checking ---------------------------------------------------------------------------------------------

  private void check(JsonObject node, JsonElement value, String path, String keyword) throws Failure {
    keyword = node.has("x-keyword") ? node.get("x-keyword").getAsString() : keyword;
    if (node.has("$ref")) {
      check(node(node.get("$ref").getAsString()), value, path, keyword);
    }
    if (node.has("type")) {
      List<String> kinds = strings(node.get("type"));
      boolean ok = false;
      for (String k : kinds) {
        ok |= is(k, value);
      }
      if (!ok) {
        throw new Failure(path, keyword, typeProblem(node, kinds), value);
      }
    }
    if (node.has("enum") && !node.getAsJsonArray("enum").contains(value)) {
      throw new Failure(path, keyword, message(node, "must be one of " + node.get("enum")), value);
    }
    if (is("number", value)) {
      checkNumber(node, value, path, keyword);
    }
    if (is("string", value)) {
      checkString(node, value.getAsString(), value, path, keyword);
    }
    if (node.has("not") && valid(node.getAsJsonObject("not"), value)) {
      throw new Failure(path, keyword, message(node, "is not allowed"), value);
    }
    if (node.has("allOf")) {
      for (JsonElement sub : node.getAsJsonArray("allOf")) {
        check(sub.getAsJsonObject(), value, path, keyword);
      }
    }
    if (value.isJsonObject()) {
      checkObject(node, value.getAsJsonObject(), path, keyword);
    }
    if (value.isJsonArray()) {
      checkArray(node, value.getAsJsonArray(), path, keyword);
    }
  }

  private static void checkNumber(JsonObject node, JsonElement value, String path, String keyword) throws Failure {
    BigDecimal v = value.getAsBigDecimal();
    if (node.has("minimum") && v.compareTo(node.get("minimum").getAsBigDecimal()) < 0) {
      String low = node.get("minimum").toString();
      throw new Failure(path, keyword, "must be " + (low.equals("1") ? "a positive integer" : "an integer >= " + low),
          value);
    }
    if (node.has("maximum") && v.compareTo(node.get("maximum").getAsBigDecimal()) > 0) {
      throw new Failure(path, keyword, "must be at most " + node.get("maximum"), value);
    }
  }

  private void checkString(JsonObject node, String s, JsonElement value, String path, String keyword)
      throws Failure {
    if (node.has("maxLength") && s.codePointCount(0, s.length()) > node.get("maxLength").getAsInt()) {
      throw new Failure(path, keyword, "must be at most " + node.get("maxLength") + " characters long", value);
    }
    if (node.has("pattern") && !regex(node.get("pattern").getAsString()).matcher(s).find()) {
      throw new Failure(path, keyword, message(node, "must match '" + node.get("pattern").getAsString() + "'"), value);
    }
  }

  private void checkObject(JsonObject node, JsonObject value, String path, String keyword) throws Failure {
    JsonObject props = node.has("properties") ? node.getAsJsonObject("properties") : new JsonObject();
    JsonElement extra = node.get("additionalProperties");
    if (extra != null && extra.isJsonPrimitive() && !extra.getAsBoolean()) {
      List<String> unknown = new ArrayList<>();
      for (String k : value.keySet()) {
        if (!props.has(k)) {
          unknown.add(k);
        }
      }
      if (!unknown.isEmpty()) {
        Collections.sort(unknown);
        throw Failure.text(child(path, unknown.get(0)), label(path, null) + ": unknown field(s) " + pyList(unknown));
      }
    }
    if (node.has("required")) {
      for (String name : strings(node.get("required"))) {
        if (!value.has(name)) {
          JsonObject p = props.has(name) ? props.getAsJsonObject(name) : new JsonObject();
          throw new Failure(child(path, name), p.has("x-keyword") ? p.get("x-keyword").getAsString() : null,
              "is required", null);
        }
      }
    }
    if (node.has("propertyNames")) {
      for (String key : value.keySet()) {
        checkName(node.getAsJsonObject("propertyNames"), key, path, keyword);
      }
    }
    for (Map.Entry<String, JsonElement> p : props.entrySet()) {
      if (value.has(p.getKey())) {
        check(p.getValue().getAsJsonObject(), value.get(p.getKey()), child(path, p.getKey()), null);
      }
    }
    if (extra != null && extra.isJsonObject()) {
      for (Map.Entry<String, JsonElement> e : value.entrySet()) {
        if (!props.has(e.getKey())) {
          check(extra.getAsJsonObject(), e.getValue(), entry(path, e.getKey()), keyword);
        }
      }
    }
  }

  private void checkName(JsonObject node, String key, String path, String keyword) throws Failure {
    try {
      check(node, new JsonPrimitive(key), entry(path, key), null);
    } catch (Failure f) {
      throw Failure.text(f.path, label(path, keyword) + ": '" + key + "' " + f.problem);
    }
  }

  private void checkArray(JsonObject node, JsonArray value, String path, String keyword) throws Failure {
    if (node.has("maxItems") && value.size() > node.get("maxItems").getAsInt()) {
      throw new Failure(path, keyword, "must have at most " + node.get("maxItems") + " items", value);
    }
    if (node.has("items")) {
      for (int i = 0; i < value.size(); i++) {
        check(node.getAsJsonObject("items"), value.get(i), path + "[" + i + "]", keyword);
      }
    }
  }

  private static boolean is(String kind, JsonElement v) {
    switch (kind) {
      case "integer":
        return is("number", v) && INTEGER_LITERAL.matcher(v.getAsJsonPrimitive().getAsNumber().toString()).matches();
      case "number":
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber();
      case "string":
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isString();
      case "boolean":
        return v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean();
      case "null":
        return v.isJsonNull();
      case "object":
        return v.isJsonObject();
      case "array":
        return v.isJsonArray();
      default:
        throw new IllegalArgumentException("schema type '" + kind + "' is not in the subset Knit reads");
    }
  }

  /** JSON Schema patterns are ECMA-262: a final "$" is the end of the string, never before a final newline. */
  private Pattern regex(String pattern) {
    return patterns.computeIfAbsent(pattern, p -> Pattern.compile(
        p.endsWith("$") && !p.endsWith("\\$") ? p.substring(0, p.length() - 1) + "\\z" : p));
  }

  // -- messages -----------------------------------------------------------------------------------------------

  private String typeProblem(JsonObject node, List<String> kinds) {
    List<String> names = new ArrayList<>();
    for (String k : kinds) {
      names.add(kindName(node, k));
    }
    return "must be " + String.join(" or ", names);
  }

  private String kindName(JsonObject node, String kind) {
    switch (kind) {
      case "array": {
        JsonObject items = node.has("items") ? resolve(node.getAsJsonObject("items")) : new JsonObject();
        return isType(items, "string") ? "a list of strings" : "a list";
      }
      case "object": {
        JsonElement extra = node.get("additionalProperties");
        return extra != null && extra.isJsonObject() && isType(resolve(extra.getAsJsonObject()), "string")
            ? "a dict of str -> str" : "a JSON object";
      }
      case "integer": return "an integer";
      case "number": return "a number";
      case "string": return "a string";
      case "boolean": return "True or False";
      default: return kind;
    }
  }

  private static boolean isType(JsonObject node, String kind) {
    return node.has("type") && node.get("type").isJsonPrimitive() && node.get("type").getAsString().equals(kind);
  }

  private static String message(JsonObject node, String fallback) {
    return node.has("x-message") ? node.get("x-message").getAsString() : fallback;
  }

  /** {@code memory (spec field containers.memory)} when a keyword sets the field, else the spec path. */
  public static String label(String path, String keyword) {
    String p = path.isEmpty() ? "spec" : path;
    return keyword != null && !keyword.equals(p) ? keyword + " (spec field " + p + ")" : p;
  }

  static String child(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  static String entry(String path, String key) {
    return path + "[" + SpecJson.compact(new JsonPrimitive(key)) + "]";
  }

  private static List<String> strings(JsonElement e) {
    List<String> out = new ArrayList<>();
    if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        out.add(x.getAsString());
      }
    } else {
      out.add(e.getAsString());
    }
    return out;
  }

  private static String pyList(List<String> names) {
    return "['" + String.join("', '", names) + "']";
  }

  /** One violated keyword; becomes a SpecException (message + field) in {@link #check}. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final String path;
    final String keyword;
    final String problem;
    final transient JsonElement value;
    final String text;

    Failure(String path, String keyword, String problem, JsonElement value) {
      this(path, keyword, problem, value, null);
    }

    private Failure(String path, String keyword, String problem, JsonElement value, String text) {
      super(problem, null, false, false);
      this.path = path;
      this.keyword = keyword;
      this.problem = problem;
      this.value = value;
      this.text = text;
    }

    static Failure text(String path, String text) {
      return new Failure(path, null, text, null, text);
    }

    String message() {
      if (text != null) {
        return text;
      }
      String got = value == null ? "" : "; got " + shortRepr(value);
      return label(path, keyword) + " " + problem + got;
    }

    private static String shortRepr(JsonElement v) {
      String s = SpecJson.compact(v);
      return s.length() <= REPR_MAX ? s : s.substring(0, REPR_MAX) + "...";
    }
  }
}
