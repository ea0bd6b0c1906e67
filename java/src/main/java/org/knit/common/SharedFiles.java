package org.knit.common;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The facts Python and Java must agree on, each written once in a file of {@code knit/shared/} (the Python
 * package), which Maven packs into this JAR under {@code /org/knit/shared/}. Python reads the same files.
 */
public final class SharedFiles {
  private static final String ROOT = "/org/knit/shared/";

  private SharedFiles() {}

  /** The content of one shared file; a missing one means a broken build, so it is an error, not a default. */
  public static String read(String name) {
    try (InputStream in = SharedFiles.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException(ROOT + name + " is missing from the knit JAR (a broken build)");
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
      }
      return new String(out.toByteArray(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + ROOT + name, e);
    }
  }

  /** The lines of a shared text file, without blank lines and {@code #} comments. */
  public static List<String> lines(String name) {
    List<String> out = new ArrayList<>();
    for (String line : read(name).split("\n")) {
      String s = line.trim();
      if (!s.isEmpty() && !s.startsWith("#")) {
        out.add(s);
      }
    }
    return out;
  }

  /** One shared JSON file, parsed. */
  public static JsonObject json(String name) {
    return JsonParser.parseString(read(name)).getAsJsonObject();
  }
}
