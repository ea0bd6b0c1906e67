package org.knit.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.knit.common.Json;
import org.knit.common.Knit;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.SpecException;
import org.knit.spec.SpecJson;

/**
 * {@code hadoop jar knit.jar [CMD] [options]}: the same command line as {@code knit start}, without Python. Its
 * options are the shared table of {@link CliOptions}; the spec is built as {@code knit start} builds it (the
 * {@code --spec} file, each flag over it, one validation) and submitted through {@link ClientEntryPoint}, the
 * entry point Python uses, so both submit the same application. Usage errors exit {@value #USAGE} before anything
 * is uploaded or submitted.
 */
public final class Client {
  static final int USAGE = 2;
  static final int FAILED = 1;
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern NUMBER = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  /** A usage error: message printed with a hint, exit code 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private Client() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    CliOptions cli = CliOptions.load();
    CliOptions.Parsed p;
    ApplicationSpec spec;
    try {
      p = cli.parse(args, err);
      if (p.help) {
        out.println(cli.help());
        return 0;
      }
      spec = buildSpec(cli, p);
    } catch (UsageException | SpecException e) {
      err.println("knit: error: " + e.getMessage() + "\n(see --help)");
      return USAGE;
    }
    Run r = new Run(cli, p, out, err);
    if (r.flag("conf_dir")) {
      HadoopConf.setConfDir(new File(r.value("conf_dir")));
    }
    try {
      return r.flag("dry_run") ? dryRun(spec, out) : r.submit(spec);
    } catch (SpecException e) {
      return r.fail(e, USAGE);
    } catch (Exception e) {
      return r.fail(e, FAILED);
    }
  }

  /** What {@code --dry-run} prints: the spec as it would be submitted, its deps dir resolved. */
  private static int dryRun(ApplicationSpec spec, PrintStream out) throws IOException {
    FileSystem fs = FileSystem.get(HadoopConf.load(spec.conf));
    spec.staging.depsDir = Submitter.depsDir(fs, spec).toString();
    out.println(SpecJson.pretty(spec.validate().toTree()));
    return 0;
  }

  // -- the spec a command line asks for --------------------------------------------------------------------------

  /** The {@code --spec} file, then each flag over it, then one validation (which names the flag it blames). */
  static ApplicationSpec buildSpec(CliOptions cli, CliOptions.Parsed p) throws UsageException {
    String file = p.last(cli.option("--spec"));
    JsonObject doc = file == null ? new JsonObject() : readSpecFile(file);
    Map<String, String> setBy = new LinkedHashMap<>();
    for (CliOptions.Option o : cli.options()) {
      String path = o.get("spec");
      if (path == null) {
        continue;
      }
      if (o.row.has("positional") && p.positional != null) {
        if (!p.of(o).isEmpty()) {
          throw new UsageException("give " + o.get("metavar") + " once: as an argument or with " + o.flag);
        }
        p.values.put(o, Collections.singletonList(p.positional));
      }
      if (!p.of(o).isEmpty()) {
        setBy.put(path, o.flag);
        apply(doc, o, path, p);
      }
    }
    try {
      return ApplicationSpec.fromTree(doc);
    } catch (SpecException e) {
      for (Map.Entry<String, String> s : setBy.entrySet()) {
        String f = e.field();
        if (f != null && (f.equals(s.getKey()) || f.startsWith(s.getKey() + ".") || f.startsWith(s.getKey() + "["))) {
          throw new SpecException(e.field(), s.getValue() + ": " + e.getMessage());
        }
      }
      throw e;
    }
  }

  private static JsonObject readSpecFile(String file) throws UsageException {
    String text;
    try {
      text = new String(Files.readAllBytes(new File(file).toPath()), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("--spec " + file + ": " + e.getMessage());
    }
    JsonElement doc = SpecJson.parse(text);
    if (!doc.isJsonObject()) {
      throw new UsageException("--spec " + file + " must hold a JSON object (an application spec)");
    }
    return doc.getAsJsonObject();
  }

  /** Sets {@code o}'s values at {@code path}; a file's value of the wrong type is left for validation to name. */
  private static void apply(JsonObject doc, CliOptions.Option o, String path, CliOptions.Parsed p)
      throws UsageException {
    String[] parts = path.split("\\.");
    JsonObject parent = doc;
    for (int i = 0; i < parts.length - 1; i++) {
      if (!parent.has(parts[i])) {
        parent.add(parts[i], new JsonObject());
      }
      if (!parent.get(parts[i]).isJsonObject()) {
        return;
      }
      parent = parent.getAsJsonObject(parts[i]);
    }
    String last = parts[parts.length - 1];
    String entry = o.get("entry");
    if ("env".equals(entry)) {
      parent.add(last, Entries.env(p.last(o)));
    } else if ("file".equals(entry) || o.kind.equals("array")) {
      JsonElement list = parent.has(last) ? parent.get(last) : new JsonArray();
      parent.add(last, list);
      for (String v : p.of(o)) {
        if (list.isJsonArray()) {
          list.getAsJsonArray().add("file".equals(entry) ? Entries.file(v) : new JsonPrimitive(v));
        }
      }
    } else if (o.kind.equals("object")) {
      JsonElement map = parent.has(last) ? parent.get(last) : new JsonObject();
      parent.add(last, map);
      for (String v : p.of(o)) {
        int eq = v.indexOf('=');
        if (eq <= 0) {
          throw new UsageException(o.flag + " '" + v + "': expected KEY=VALUE");
        }
        if (map.isJsonObject()) {
          map.getAsJsonObject().addProperty(v.substring(0, eq), v.substring(eq + 1));
        }
      }
    } else {
      parent.add(last, scalar(o, p.last(o)));
    }
  }

  static JsonPrimitive scalar(CliOptions.Option o, String v) throws UsageException {
    switch (o.kind) {
      case "integer":
        if (!INTEGER.matcher(v).matches()) {
          throw new UsageException(o.flag + " must be an integer; got '" + v + "'");
        }
        return new JsonPrimitive(new BigInteger(v));
      case "number":
        if (!NUMBER.matcher(v).matches()) {
          throw new UsageException(o.flag + " must be a number; got '" + v + "'");
        }
        return new JsonPrimitive(Double.parseDouble(v));
      case "boolean":
        return new JsonPrimitive(Boolean.parseBoolean(v));
      default:
        return new JsonPrimitive(v);
    }
  }

  /** One run of the command line after parsing: submit, follow, report; output as {@code knit start} gives it. */
  static final class Run {
    final CliOptions cli;
    final CliOptions.Parsed p;
    final PrintStream out;
    final PrintStream err;

    Run(CliOptions cli, CliOptions.Parsed p, PrintStream out, PrintStream err) {
      this.cli = cli;
      this.p = p;
      this.out = out;
      this.err = err;
    }

    CliOptions.Option byClient(String name) {
      for (CliOptions.Option o : cli.options()) {
        if (name.equals(o.get("client"))) {
          return o;
        }
      }
      throw new IllegalArgumentException("no client option " + name);
    }

    boolean flag(String name) {
      String v = p.last(byClient(name));
      return v != null && !v.equals("false");
    }

    String value(String name) {
      return p.last(byClient(name));
    }

    int submit(ApplicationSpec spec) throws Exception {
      // --principal/--keytab: the client logs in from the keytab (Identity), as Knit(principal=, keytab=) does.
      if (value("principal") != null || value("keytab") != null) {
        spec.conf.put(Knit.PRINCIPAL_CONF, value("principal") == null ? "" : value("principal"));
        spec.conf.put(Knit.KEYTAB_CONF, value("keytab") == null ? "" : new File(value("keytab")).getAbsolutePath());
      }
      ClientEntryPoint knit = new ClientEntryPoint();
      // Ctrl-C or SIGTERM while we wait: an application that is not detached goes with us, as with knit start.
      Runtime.getRuntime().addShutdownHook(new Thread(knit::killAttached, "knit-cli-shutdown"));
      JsonObject result = SpecJson.parse(knit.submit(spec.toJson(), Json.toJson(secretEnvvars()), secretFiles()))
          .getAsJsonObject();
      String appId = result.get("app_id").getAsString();
      if (flag("verbose")) {
        err.println("knit: submitted " + appId + " (uploaded " + result.get("uploaded") + ", reused "
            + result.get("reused") + ")");
      }
      if (spec.detached) {
        print(Json.toJson(Collections.singletonMap("app_id", appId)), appId);
        return 0;
      }
      return new Follow(knit, appId, this).await();
    }

    /**
     * {@code --secret-envvar KEY}: each KEY's value from this process's environment, else one line of stdin (read
     * without echo on a console) — never from argv, as {@code knit start} reads them.
     */
    Map<String, String> secretEnvvars() throws IOException {
      Map<String, String> out = new LinkedHashMap<>();
      BufferedReader stdin = null;
      for (String name : p.of(byClient("secret_envvars"))) {
        String value = System.getenv(name);
        if (value == null && System.console() != null) {
          char[] typed = System.console().readPassword("%s: ", name);
          value = typed == null ? null : new String(typed);
        } else if (value == null) {
          stdin = stdin != null ? stdin : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
          value = stdin.readLine();
        }
        if (value == null) {
          throw new SpecException("secret_envvars", "--secret-envvar " + name + ": no value (set " + name
              + " in the environment or give it as a line on stdin)");
        }
        out.put(name, value);
      }
      return out;
    }

    /**
     * {@code --secret-file NAME=PATH}: each NAME's content from local file PATH, as {@code submit} takes them
     * ({@code {"secret_files": {name: base64}}}), or null when there are none.
     */
    String secretFiles() throws IOException {
      Map<String, String> files = new LinkedHashMap<>();
      for (String option : p.of(byClient("secret_files"))) {
        int eq = option.indexOf('=');
        if (eq <= 0 || eq == option.length() - 1) {
          throw new SpecException("secret_files", "--secret-file takes NAME=PATH (a file name in the containers, "
              + "a local file); got " + option);
        }
        byte[] content;
        try {
          content = Files.readAllBytes(Paths.get(option.substring(eq + 1)));
        } catch (IOException e) {
          throw new SpecException("secret_files", "--secret-file " + option.substring(0, eq) + ": cannot read "
              + option.substring(eq + 1) + ": " + e);
        }
        files.put(option.substring(0, eq), Base64.getEncoder().encodeToString(content));
      }
      return files.isEmpty() ? null : Json.toJson(Collections.singletonMap("secret_files", files));
    }

    void print(String json, String text) {
      out.println(flag("json") ? json : text);
      out.flush();
    }

    int fail(Exception e, int code) {
      if (flag("json")) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("error", e.getMessage());
        m.put("type", e.getClass().getSimpleName());
        out.println(Json.toJson(m));
      }
      err.println("knit: " + (code == USAGE ? "error: " : "") + e.getMessage());
      return code;
    }
  }
}
