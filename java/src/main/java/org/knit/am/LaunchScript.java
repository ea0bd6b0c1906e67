package org.knit.am;

import java.util.Map;
import org.apache.hadoop.yarn.api.ApplicationConstants;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.EnvResource;

/**
 * The shell command a worker container runs: redirect output to the container log dir, export the locale, the
 * user's variables and the environment's {@code CONDA_PREFIX}/{@code PYTHON_BIN}, then run the user's command
 * (its exit code is the container's).
 *
 * <p>The NodeManager writes our command into launch_container.sh as {@code exec /bin/bash -c "<command>"}, so
 * the script is escaped for a double-quoted bash string; values inside it are single-quoted so the user's
 * variables reach the command verbatim.
 */
final class LaunchScript {
  private LaunchScript() {}

  /** The script, before escaping (what bash finally runs). */
  static String script(ApplicationSpec spec) {
    String log = ApplicationConstants.LOG_DIR_EXPANSION_VAR;
    StringBuilder s = new StringBuilder();
    s.append("exec 1>").append(log).append("/stdout 2>").append(log).append("/stderr\n");
    s.append("export LANG=").append(quote(spec.lang)).append(" LC_ALL=").append(quote(spec.lang)).append('\n');
    for (Map.Entry<String, String> e : spec.envvars.entrySet()) {
      s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
    }
    if (spec.env != null) {
      appendEnv(s, spec.env);
    }
    s.append(spec.command).append('\n');
    return s.toString();
  }

  private static void appendEnv(StringBuilder s, EnvResource env) {
    String base = "\"$PWD\"/" + quote(env.name);
    if (env.root == null) {
      // Root unknown (an hdfs:// env given to the CLI): the archive's top, or its one directory holding bin/.
      s.append("CONDA_PREFIX=").append(base).append('\n');
      s.append("if [ ! -d \"$CONDA_PREFIX/bin\" ]; then for d in \"$CONDA_PREFIX\"/*/; do ")
          .append("if [ -d \"${d}bin\" ]; then CONDA_PREFIX=\"${d%/}\"; break; fi; done; fi\n");
      s.append("export CONDA_PREFIX\n");
    } else if (env.root.isEmpty()) {
      s.append("export CONDA_PREFIX=").append(base).append('\n');
    } else {
      s.append("export CONDA_PREFIX=").append(base).append('/').append(quote(env.root)).append('\n');
    }
    s.append("export PYTHON_BIN=\"$CONDA_PREFIX\"/").append(quote(env.python)).append('\n');
    s.append("export PATH=\"$CONDA_PREFIX/bin:$PATH\"\n");
    // Zips unpacked by YARN before HADOOP-18145 lose the exec bit.
    s.append("chmod u+x \"$CONDA_PREFIX\"/bin/* 2>/dev/null || true\n");
    // conda-pack's relocation, once per node: containers of one application on one node share the unpacked
    // archive, so the first one runs it under a lock and leaves a marker.
    s.append("if [ -f \"$CONDA_PREFIX/bin/conda-unpack\" ] && [ ! -e \"$CONDA_PREFIX/.knit-unpacked\" ]; then\n")
        .append("  ( if command -v flock >/dev/null; then flock 9; fi\n")
        .append("    if [ ! -e \"$CONDA_PREFIX/.knit-unpacked\" ]; then\n")
        .append("      \"$PYTHON_BIN\" \"$CONDA_PREFIX/bin/conda-unpack\" && touch \"$CONDA_PREFIX/.knit-unpacked\"\n")
        .append("    fi ) 9>\"$CONDA_PREFIX/.knit-unpack.lock\"\n")
        .append("fi\n");
  }

  /** The container's command: the script escaped for launch_container.sh's double quotes. */
  static String command(ApplicationSpec spec) {
    return escapeForDoubleQuotes(script(spec));
  }

  /** Single-quotes a value for bash. */
  static String quote(String value) {
    return "'" + value.replace("'", "'\"'\"'") + "'";
  }

  /** Inside bash double quotes only \ " $ and ` are special; escaping them passes the text through intact. */
  static String escapeForDoubleQuotes(String text) {
    StringBuilder sb = new StringBuilder(text.length() + 16);
    for (char c : text.toCharArray()) {
      if (c == '\\' || c == '"' || c == '$' || c == '`') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }
}
