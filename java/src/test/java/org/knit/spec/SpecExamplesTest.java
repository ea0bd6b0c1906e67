package org.knit.spec;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/**
 * Every example of spec/examples against Java's reader; tests/unit/test_spec_examples.py runs the same files
 * against Python's. Valid ones parse and write back the same JSON (the schema's defaults filled in), invalid ones
 * are refused naming the field the example states.
 */
public class SpecExamplesTest {
  static final File EXAMPLES = new File("spec/examples");

  static List<File> examples(String kind) {
    File[] files = new File(EXAMPLES, kind).listFiles((d, n) -> n.endsWith(".json"));
    assertTrue("no " + kind + " examples in " + EXAMPLES.getAbsolutePath(), files != null);
    List<File> out = new ArrayList<>(Arrays.asList(files));
    out.sort(null);
    return out;
  }

  static String read(File f) throws IOException {
    return new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8);
  }

  static String canonical(JsonElement e) {
    return SpecJson.compact(SpecJson.sorted(e));
  }

  /** {@code value} with every field it leaves out set to the schema's default (objects filled recursively). */
  static JsonElement withDefaults(JsonObject node, JsonElement value) {
    Schema schema = Schema.spec();
    node = schema.resolve(node);
    if (value.isJsonObject() && node.has("properties")) {
      JsonObject out = new JsonObject();
      JsonArray required = node.has("required") ? node.getAsJsonArray("required") : new JsonArray();
      for (Map.Entry<String, JsonElement> p : node.getAsJsonObject("properties").entrySet()) {
        JsonObject sub = p.getValue().getAsJsonObject();
        JsonElement given = value.getAsJsonObject().get(p.getKey());
        if (given != null) {
          out.add(p.getKey(), withDefaults(sub, given));
        } else if (sub.has("default")) {
          out.add(p.getKey(), withDefaults(sub, sub.get("default").deepCopy()));
        } else if (schema.resolve(sub).has("properties") && !required.contains(new com.google.gson.JsonPrimitive(
            p.getKey()))) {
          out.add(p.getKey(), withDefaults(sub, new JsonObject()));
        }
      }
      return out;
    }
    if (value.isJsonArray() && node.has("items")) {
      JsonArray out = new JsonArray();
      for (JsonElement item : value.getAsJsonArray()) {
        out.add(withDefaults(node.getAsJsonObject("items"), item));
      }
      return out;
    }
    return value;
  }

  @Test
  public void thereAreEnoughExamples() {
    assertTrue(examples("valid").size() >= 15);
    assertTrue(examples("invalid").size() >= 25);
  }

  @Test
  public void everyValidExampleParsesAndRoundTrips() throws IOException {
    for (File f : examples("valid")) {
      String text = read(f);
      ApplicationSpec spec = ApplicationSpec.fromJson(text).validate();
      String expected = canonical(withDefaults(Schema.spec().doc(), SpecJson.parse(text)));
      assertEquals(f.getName(), expected, canonical(spec.toTree()));
      assertEquals(f.getName(), expected, canonical(ApplicationSpec.fromJson(spec.toJson()).validate().toTree()));
    }
  }

  @Test
  public void everyInvalidExampleIsRefusedNamingItsField() throws IOException {
    for (File f : examples("invalid")) {
      JsonObject c = SpecJson.parse(read(f)).getAsJsonObject();
      assertTrue(f.getName() + " states no reason", !c.get("reason").getAsString().isEmpty());
      String text = c.has("text") ? c.get("text").getAsString() : SpecJson.compact(c.get("spec"));
      String field = c.get("field").isJsonNull() ? null : c.get("field").getAsString();
      try {
        ApplicationSpec.fromJson(text).validate();
        fail(f.getName() + " was accepted: " + text);
      } catch (SpecException e) {
        assertEquals(f.getName() + ": " + e.getMessage(), field, e.field());
        if (field != null) {
          String leaf = field.substring(field.lastIndexOf('.') + 1).split("\\[", 2)[0];
          assertTrue(f.getName() + ": " + e.getMessage(), e.getMessage().contains(leaf));
        }
      }
    }
  }
}
