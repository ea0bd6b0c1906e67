package org.knit.client;

import org.knit.am.ApplicationMaster;
import org.knit.common.Knit;

import java.io.File;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.EnvResource;
import org.knit.spec.FileResource;
import org.knit.spec.SpecException;

/**
 * {@code hadoop jar knit.jar --command CMD ...}: submits the same spec as Python's {@code Knit.start}, without
 * Python. Prints the application id; with {@code --wait}, exits 0 only if the application SUCCEEDED.
 * Usage errors exit {@value #USAGE} before anything is uploaded or submitted.
 */
public final class Client {
  static final int USAGE = 2;
  static final int FAILED = 1;

  private static final String HELP = String.join("\n",
      "usage: hadoop jar knit.jar --command CMD [options]",
      "",
      "Run CMD in YARN containers through a Knit ApplicationMaster; prints the application id.",
      "",
      "  --command CMD          shell command each container runs (required)",
      "  --num-containers N     number of containers (default 1)",
      "  --memory MB            memory per container in MB (default 128)",
      "  --vcores V             virtual cores per container (default 1)",
      "  --files A,B            comma-separated local or hdfs:// files, each readable by its base name in every",
      "                         container's working directory; .zip/.tar.gz/.tgz files are unpacked under their name",
      "  --env ENV              environment archive (.zip, .tar.gz, .tgz; local or hdfs://); sets $CONDA_PREFIX",
      "                         and $PYTHON_BIN in every container",
      "  --name NAME            application name (default knit)",
      "  --queue Q              YARN queue (default default)",
      "  --env-var K=V          environment variable for the command; repeat for more",
      "  --max-restarts N       restart a failing container up to N times (default 0)",
      "  --max-attempts N       ApplicationMaster attempts (default 2; a new attempt adopts the containers)",
      "  --master-memory MB     ApplicationMaster memory in MB (default 256)",
      "  --wait                 wait for the application to end; exit 0 only if it SUCCEEDED",
      "  --help                 show this help and exit",
      "",
      "Exit codes: 0 submitted (or, with --wait, SUCCEEDED); 1 failed; 2 usage error (nothing submitted).");

  /** A usage error: message printed with a hint, exit code 2. */
  static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  /** Parsed command line. */
  static final class Options {
    ApplicationSpec spec = new ApplicationSpec();
    boolean wait;
    boolean help;
  }

  private Client() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o;
    try {
      o = parse(args);
      if (o.help) {
        out.println(HELP);
        return 0;
      }
      o.spec.validate();
    } catch (UsageException | SpecException e) {
      err.println("knit: error: " + e.getMessage() + "\n(see --help)");
      return USAGE;
    }
    YarnConfiguration conf = HadoopConf.load(o.spec.conf);
    YarnClient yarn = YarnClient.createYarnClient();
    yarn.init(HadoopConf.forYarnClient(conf));
    yarn.start();
    try {
      Submitter.Result result;
      try {
        result = new Submitter(conf, yarn).submit(o.spec);
      } catch (SpecException e) {
        err.println("knit: error: " + e.getMessage());
        return USAGE;
      }
      out.println(result.app_id);
      out.flush();
      if (!o.wait) {
        return 0;
      }
      int code = waitFor(yarn, ApplicationId.fromString(result.app_id), err);
      Submitter.removeStagingDir(conf, result.app_id); // in case its AM could not (killed)
      return code;
    } catch (Exception e) {
      err.println("knit: " + e.getMessage());
      return FAILED;
    } finally {
      yarn.stop();
    }
  }

  private static int waitFor(YarnClient yarn, ApplicationId id, PrintStream err) throws Exception {
    while (true) {
      ApplicationReport r = yarn.getApplicationReport(id);
      if (AppReports.isFinished(r)) {
        err.println("knit: " + id + " " + r.getYarnApplicationState() + " " + r.getFinalApplicationStatus()
            + (r.getDiagnostics() == null || r.getDiagnostics().isEmpty() ? "" : ": " + r.getDiagnostics()));
        return r.getYarnApplicationState() == YarnApplicationState.FINISHED
            && r.getFinalApplicationStatus() == FinalApplicationStatus.SUCCEEDED ? 0 : FAILED;
      }
      Thread.sleep(500);
    }
  }

  static Options parse(String[] args) throws UsageException {
    Options o = new Options();
    ApplicationSpec s = o.spec;
    s.command = null;
    List<String> files = new ArrayList<>();
    String env = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      switch (flag) {
        case "--help":
        case "-h":
          o.help = true;
          return o;
        case "--wait":
          o.wait = true;
          continue;
        default:
          break;
      }
      if (i + 1 >= args.length) {
        throw new UsageException(flag.startsWith("--") ? flag + " needs a value" : "unexpected argument '" + flag + "'");
      }
      String v = args[++i];
      switch (flag) {
        case "--command": s.command = v; break;
        case "--num-containers": s.containers.count = positive(flag, v); break;
        case "--memory": s.containers.memory = positive(flag, v); break;
        case "--vcores": s.containers.vcores = positive(flag, v); break;
        case "--files": files.addAll(Arrays.asList(v.split(","))); break;
        case "--env": env = v; break;
        case "--name": s.name = v; break;
        case "--queue": s.queue = v; break;
        case "--max-restarts": s.maxRestarts = nonNegative(flag, v); break;
        case "--max-attempts": s.maxAttempts = positive(flag, v); break;
        case "--master-memory": s.master.memory = positive(flag, v); break;
        case "--env-var": {
          int eq = v.indexOf('=');
          if (eq <= 0) {
            throw new UsageException("--env-var needs KEY=VALUE, got '" + v + "'");
          }
          s.envvars.put(v.substring(0, eq), v.substring(eq + 1));
          break;
        }
        default:
          throw new UsageException("unknown option '" + flag + "'");
      }
    }
    if (s.command == null || s.command.trim().isEmpty()) {
      throw new UsageException("--command is required and must not be empty");
    }
    for (String f : files) {
      if (!f.trim().isEmpty()) {
        s.files.add(fileResource(f.trim()));
      }
    }
    if (env != null) {
      s.env = envResource(env);
    }
    return o;
  }

  private static FileResource fileResource(String source) throws UsageException {
    FileResource f = new FileResource();
    f.source = source;
    f.name = new File(source.replaceAll("/+$", "")).getName();
    f.type = ArchiveRoot.isArchive(f.name) ? FileResource.Type.ARCHIVE : FileResource.Type.FILE;
    if (!Stager.isRemote(source)) {
      File local = Stager.localFile(source);
      if (!local.isFile()) {
        throw new UsageException("--files: '" + source + "' is not a file");
      }
    }
    return f;
  }

  private static EnvResource envResource(String source) throws UsageException {
    String base = new File(source.replaceAll("/+$", "")).getName();
    if (!ArchiveRoot.isArchive(base)) {
      throw new UsageException("--env must be a .zip, .tar.gz or .tgz archive (local or hdfs://), got '" + source + "'");
    }
    EnvResource e = new EnvResource();
    e.source = source;
    e.name = ArchiveRoot.stem(base);
    if (Stager.isRemote(source)) {
      e.root = null; // not inspected remotely: the launch script finds the directory holding bin/
    } else {
      File local = Stager.localFile(source);
      if (!local.isFile()) {
        throw new UsageException("--env: '" + source + "' is not a file");
      }
      e.root = ArchiveRoot.root(local);
    }
    return e;
  }

  private static int positive(String flag, String v) throws UsageException {
    int n = integer(flag, v);
    if (n < 1) {
      throw new UsageException(flag + " must be a positive integer, got " + v);
    }
    return n;
  }

  private static int nonNegative(String flag, String v) throws UsageException {
    int n = integer(flag, v);
    if (n < 0) {
      throw new UsageException(flag + " must be 0 or more, got " + v);
    }
    return n;
  }

  private static int integer(String flag, String v) throws UsageException {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException(flag + " must be an integer, got '" + v + "'");
    }
  }
}
