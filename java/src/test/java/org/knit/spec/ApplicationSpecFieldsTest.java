package org.knit.spec;

import static org.junit.Assert.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.annotations.SerializedName;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.TreeSet;
import org.junit.Test;

/** ApplicationSpec and its parts have exactly the schema's fields: a field added on one side only fails here. */
public class ApplicationSpecFieldsTest {
  static TreeSet<String> classPaths(Class<?> c, String prefix) {
    TreeSet<String> out = new TreeSet<>();
    for (Field f : c.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) || Modifier.isTransient(f.getModifiers())) {
        continue;
      }
      SerializedName sn = f.getAnnotation(SerializedName.class);
      String name = prefix + (sn != null ? sn.value() : f.getName());
      Class<?> type = f.getType();
      if (java.util.List.class.isAssignableFrom(type)) {
        Type arg = ((ParameterizedType) f.getGenericType()).getActualTypeArguments()[0];
        if (isPart((Class<?>) arg)) {
          out.addAll(classPaths((Class<?>) arg, name + "[]."));
          continue;
        }
      }
      if (isPart(type)) {
        out.addAll(classPaths(type, name + "."));
      } else {
        out.add(name);
      }
    }
    return out;
  }

  private static boolean isPart(Class<?> c) {
    return c.getPackage() != null && c.getPackage().getName().equals("org.knit.spec") && !c.isEnum();
  }

  static TreeSet<String> schemaPaths(JsonObject node, String prefix) {
    Schema schema = Schema.spec();
    TreeSet<String> out = new TreeSet<>();
    JsonObject props = schema.resolve(node).getAsJsonObject("properties");
    for (Map.Entry<String, JsonElement> p : props.entrySet()) {
      JsonObject target = schema.resolve(p.getValue().getAsJsonObject());
      JsonObject items = target.has("items") ? schema.resolve(target.getAsJsonObject("items")) : new JsonObject();
      if (target.has("properties")) {
        out.addAll(schemaPaths(target, prefix + p.getKey() + "."));
      } else if (items.has("properties")) {
        out.addAll(schemaPaths(items, prefix + p.getKey() + "[]."));
      } else {
        out.add(prefix + p.getKey());
      }
    }
    return out;
  }

  @Test
  public void theClassesHaveTheSchemasFields() {
    assertEquals(schemaPaths(Schema.spec().doc(), ""), classPaths(ApplicationSpec.class, ""));
  }
}
