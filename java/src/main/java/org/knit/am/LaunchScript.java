package org.knit.am;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.yarn.api.ApplicationConstants;
import org.knit.common.ContainerFiles;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.EnvResource;
import org.knit.spec.Localized;
import org.knit.spec.SpecException;

/**
 * A worker container's launch script, a file the client writes into the application's staging dir and every
 * container localizes as {@value ContainerFiles#LAUNCH_SCRIPT}: export the locale and the user's variables, source
 * the secret ones, link aliased resources under their names, set up the environment's {@code CONDA_PREFIX} /
 * {@code PYTHON_BIN}, then run the user's command (its exit code is the container's).
 *
 * <p>A file, not the container's command: the NodeManager rewrites a launch context's commands and environment
 * values ({@code ContainerLaunch.expandEnvironment}: {@code {{}} → {@code $}, {@code }}} dropped, {@code <LOG_DIR>},
 * {@code <CPS>} replaced) and writes the command as one {@code bash -c} argument, which Linux caps at 128 KiB
 * (MAX_ARG_STRLEN; skein#253). In a file every byte reaches bash as written; values are single-quoted.
 */
public final class LaunchScript {
  /**
   * The largest script, in UTF-8 bytes: the AM holds the command and envvars several times over while it reads
   * spec.json, and 4 MiB of them fit in the smallest master's heap.
   */
  public static final int MAX_BYTES = 4 << 20;

  private LaunchScript() {}

  /** The container's command: run the script, its output into the container log dir. */
  static String command() {
    String log = ApplicationConstants.LOG_DIR_EXPANSION_VAR;
    return "exec /bin/bash " + ContainerFiles.LAUNCH_SCRIPT + " 1>'" + log + "/stdout' 2>'" + log + "/stderr'";
  }

  /**
   * The script for {@code spec}, as UTF-8.
   *
   * @param withSecrets source {@value ContainerFiles#SECRETS}
   * @throws SpecException if it is larger than {@link #MAX_BYTES}
   */
  public static byte[] bytes(ApplicationSpec spec, boolean withSecrets) {
    byte[] b = script(spec, withSecrets).getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_BYTES) {
      throw new SpecException("command", "the command and envvars make a launch script of " + b.length
          + " bytes; the limit is " + MAX_BYTES + " (ship large data as files= instead)");
    }
    return b;
  }

  static String script(ApplicationSpec spec, boolean withSecrets) {
    StringBuilder s = new StringBuilder();
    s.append("export LANG=").append(quote(spec.lang)).append(" LC_ALL=").append(quote(spec.lang)).append('\n');
    exports(s, spec.envvars);
    if (withSecrets) {
      s.append(". ./").append(ContainerFiles.SECRETS).append('\n');
    }
    List<Localized> resources = spec.resources();
    for (int i = 0; i < resources.size(); i++) {
      String name = resources.get(i).name;
      if (!ContainerFiles.yarnLinkName(i, name).equals(name)) {
        s.append("ln -sfn -- ").append(quote(ContainerFiles.alias(i))).append(' ').append(quote(name)).append('\n');
      }
    }
    if (spec.env != null) {
      appendEnv(s, spec.env);
    }
    s.append(spec.command).append('\n');
    return s.toString();
  }

  /** The secret envvars' file, sourced by the script: never part of the spec or the script. */
  public static byte[] secretsFile(Map<String, String> secrets) {
    StringBuilder s = new StringBuilder();
    exports(s, secrets);
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void exports(StringBuilder s, Map<String, String> vars) {
    for (Map.Entry<String, String> e : vars.entrySet()) {
      s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append('\n');
    }
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

  /** Single-quotes a value for bash: every byte stays as it is. */
  static String quote(String value) {
    return "'" + value.replace("'", "'\"'\"'") + "'";
  }
}
