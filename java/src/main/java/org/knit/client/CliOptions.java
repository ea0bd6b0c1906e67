package org.knit.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.knit.common.SharedFiles;
import org.knit.spec.Schema;

/**
 * The options table {@code hadoop jar knit.jar} shares with {@code knit start} (knit/shared/{@value #FILE},
 * spec/cli.json in the source tree): parsed the way Python's argparse parses it, help written from it. An option
 * that sets a spec field takes its help, default and value type from the spec's schema.
 */
final class CliOptions {
  static final String FILE = "cli.json";
  private static final Pattern NEGATIVE_NUMBER = Pattern.compile("-[0-9]+(\\.[0-9]*)?|-\\.[0-9]+");

  /** One row of the table. */
  static final class Option {
    final JsonObject row;
    final String flag;
    final String kind;

    Option(JsonObject row) {
      this.row = row;
      this.flag = row.get("flag").getAsString();
      this.kind = kindOf(row);
    }

    String get(String key) {
      return row.has(key) && !row.get(key).isJsonNull() ? row.get(key).getAsString() : null;
    }

    boolean takesValue() {
      return !kind.equals("boolean");
    }

    boolean many() {
      return "+".equals(get("nargs"));
    }
  }

  /** What one command line said: each given option's values, in order. */
  static final class Parsed {
    final Map<Option, List<String>> values = new LinkedHashMap<>();
    String positional;
    boolean help;

    List<String> of(Option o) {
      return values.getOrDefault(o, Collections.<String>emptyList());
    }

    String last(Option o) {
      List<String> v = of(o);
      return v.isEmpty() ? null : v.get(v.size() - 1);
    }
  }

  private final JsonObject table;
  private final List<Option> options = new ArrayList<>();
  private final Map<String, Option> byFlag = new LinkedHashMap<>();
  private final Map<String, JsonObject> aliases = new LinkedHashMap<>();

  CliOptions(JsonObject table) {
    this.table = table;
    for (JsonElement e : table.getAsJsonArray("options")) {
      Option o = new Option(e.getAsJsonObject());
      options.add(o);
      byFlag.put(o.flag, o);
      if (o.get("short") != null) {
        byFlag.put(o.get("short"), o);
      }
      if (o.row.has("aliases")) {
        for (JsonElement a : o.row.getAsJsonArray("aliases")) {
          byFlag.put(a.getAsJsonObject().get("flag").getAsString(), o);
          aliases.put(a.getAsJsonObject().get("flag").getAsString(), a.getAsJsonObject());
        }
      }
    }
  }

  static CliOptions load() {
    return new CliOptions(SharedFiles.json(FILE));
  }

  List<Option> options() {
    return options;
  }

  Option option(String flag) {
    return byFlag.get(flag);
  }

  // -- parsing ------------------------------------------------------------------------------------------------

  /** Parses {@code args}; deprecated spellings are accepted with a warning on {@code err}. */
  Parsed parse(String[] args, PrintStream err) throws Client.UsageException {
    Parsed p = new Parsed();
    boolean onlyPositional = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!onlyPositional && a.equals("--")) {
        onlyPositional = true;
      } else if (!onlyPositional && (a.equals("-h") || a.equals("--help"))) {
        p.help = true;
      } else if (!onlyPositional && looksLikeOption(a)) {
        i = option(args, i, p, err);
      } else if (p.positional != null) {
        throw new Client.UsageException("unexpected argument '" + a + "' (CMD is already '" + p.positional + "')");
      } else {
        p.positional = a;
      }
    }
    return p;
  }

  /** Reads the option at {@code args[i]} and its values; returns the index of the last argument it used. */
  private int option(String[] args, int i, Parsed p, PrintStream err) throws Client.UsageException {
    String a = args[i];
    int eq = a.startsWith("--") ? a.indexOf('=') : -1;
    if (!a.startsWith("--") && a.length() > 2 && byFlag.containsKey(a.substring(0, 2))) {
      a = a.substring(0, 2) + "=" + a.substring(2); // "-n3", as argparse reads it
      eq = 2;
    }
    String name = eq > 0 ? a.substring(0, eq) : a;
    Option o = byFlag.get(name);
    if (o == null) {
      throw new Client.UsageException("unknown option '" + name + "'");
    }
    JsonObject alias = aliases.get(name);
    if (alias != null) {
      String note = alias.has("note") ? " (" + alias.get("note").getAsString() + ")" : "";
      err.println("knit: " + name + " is deprecated; use " + o.flag + note);
    }
    List<String> values = new ArrayList<>();
    if (!o.takesValue()) {
      if (eq > 0) {
        throw new Client.UsageException(name + " takes no value");
      }
      values.add(alias != null && alias.has("value") ? alias.get("value").toString() : "true");
    } else if (eq > 0) {
      values.add(a.substring(eq + 1));
    } else {
      int j = i + 1;
      while (j < args.length && !looksLikeOption(args[j]) && (values.isEmpty() || (o.many() && alias == null))) {
        values.add(args[j++]);
      }
      if (values.isEmpty()) {
        throw new Client.UsageException(name + " needs a value (" + o.get("metavar") + ")");
      }
      i = j - 1;
    }
    if (o.get("client") != null && o.takesValue()) {
      for (String v : values) {
        Client.scalar(o, v); // a client option's number is checked here, as argparse checks it
      }
    }
    List<String> all = p.values.computeIfAbsent(o, k -> new ArrayList<>());
    for (String v : values) {
      if (alias != null && alias.has("split")) {
        for (String part : v.split(Pattern.quote(alias.get("split").getAsString()))) {
          if (!part.isEmpty()) {
            all.add(part);
          }
        }
      } else {
        all.add(v);
      }
    }
    return i;
  }

  /** As argparse: "-x..." is an option unless it is a negative number; a lone "-" is a value. */
  private static boolean looksLikeOption(String a) {
    return a.startsWith("-") && a.length() > 1 && !NEGATIVE_NUMBER.matcher(a).matches();
  }

  // -- help -----------------------------------------------------------------------------------------------------

  String help() {
    StringBuilder s = new StringBuilder("usage: hadoop jar knit.jar ").append(table.get("usage").getAsString())
        .append("\n\n").append(table.get("description").getAsString()).append("\n\n");
    s.append(row("-h, --help", "show this help and exit"));
    for (Option o : options) {
      String names = (o.get("short") != null ? o.get("short") + ", " : "") + o.flag
          + (o.takesValue() ? " " + o.get("metavar") + (o.many() ? " [" + o.get("metavar") + " ...]" : "") : "");
      s.append(row(names, helpText(o) + (o.row.has("positional") ? " (or as the first argument, CMD)" : "")));
    }
    return s.append('\n').append(table.get("epilog").getAsString()).toString();
  }

  private static String row(String names, String help) {
    String pad = names.length() < 28 ? String.format("%-28s", names) : names + "\n" + String.format("%-30s", "");
    return "  " + pad + help + "\n";
  }

  /** The option's help: its own, or the spec field's description and default. */
  static String helpText(Option o) {
    if (o.get("help") != null) {
      return o.get("help");
    }
    Schema schema = Schema.spec();
    JsonObject node = schema.node(pointer(o.get("spec")));
    JsonObject described = node.has("description") ? node : schema.resolve(node);
    String text = described.has("description") ? described.get("description").getAsString() : "";
    JsonElement d = node.get("default");
    boolean shown = d != null && !d.isJsonNull() && !(d.isJsonPrimitive() && d.getAsJsonPrimitive().isBoolean())
        && !d.toString().equals("\"\"") && !d.toString().equals("[]") && !d.toString().equals("{}");
    return shown ? text + " (default: " + (d.isJsonPrimitive() ? d.getAsString() : d.toString()) + ")" : text;
  }

  static String pointer(String specPath) {
    StringBuilder p = new StringBuilder("#");
    for (String part : specPath.split("\\.")) {
      p.append("/properties/").append(part);
    }
    return p.toString();
  }

  /** How an option's value is read: integer, number, string, boolean, array, object or entry. */
  static String kindOf(JsonObject row) {
    if (row.has("client")) {
      return row.get("type").getAsString();
    }
    if (row.has("entry")) {
      return "entry";
    }
    Schema schema = Schema.spec();
    JsonElement type = schema.resolve(schema.node(pointer(row.get("spec").getAsString()))).get("type");
    if (type.isJsonArray()) {
      for (JsonElement t : type.getAsJsonArray()) {
        if (!t.getAsString().equals("null")) {
          return t.getAsString();
        }
      }
    }
    return type.getAsString();
  }
}
