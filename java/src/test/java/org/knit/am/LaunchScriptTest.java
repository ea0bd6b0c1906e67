package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.knit.spec.ApplicationSpec;

/** The container script, run by a real bash the way launch_container.sh runs it. */
public class LaunchScriptTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  private String run(ApplicationSpec spec) throws Exception {
    File logs = tmp.newFolder("logs");
    File cwd = tmp.getRoot();
    String command = LaunchScript.command(spec).replace("<LOG_DIR>", logs.getPath());
    // launch_container.sh's own line: exec /bin/bash -c "<command>"
    File launch = new File(cwd, "launch.sh");
    Files.write(launch.toPath(), ("exec /bin/bash -c \"" + command + "\"\n").getBytes(StandardCharsets.UTF_8));
    Process p = new ProcessBuilder("/bin/bash", launch.getPath()).directory(cwd).start();
    assertEquals(0, p.waitFor());
    return new String(Files.readAllBytes(new File(logs, "stdout").toPath()), StandardCharsets.UTF_8);
  }

  @Test
  public void passesCommandAndVariablesThroughVerbatim() throws Exception {
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"echo \\\"$GREETING\\\" `echo $LC_ALL` 'q'\","
        + " \"envvars\": {\"GREETING\": \"it's $HOME \\\"quoted\\\" \\\\ `x`\"}, \"lang\": \"C.UTF-8\"}");
    assertEquals("it's $HOME \"quoted\" \\ `x` C.UTF-8 q\n", run(spec));
  }

  @Test
  public void exportsCondaPrefixAndPythonBin() throws Exception {
    File bin = new File(tmp.getRoot(), "dev/dev/bin");
    assertTrue(bin.mkdirs());
    File python = new File(bin, "python");
    Files.write(python.toPath(), "#!/bin/sh\necho fake-python\n".getBytes(StandardCharsets.UTF_8));
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"echo $CONDA_PREFIX; $PYTHON_BIN\","
        + " \"env\": {\"source\": \"/x/dev.zip\", \"name\": \"dev\", \"root\": \"dev\", \"python\": \"bin/python\"}}");
    String out = run(spec);
    assertEquals(tmp.getRoot().getCanonicalPath() + "/dev/dev\nfake-python\n", out);
    assertTrue("exec bit restored", python.canExecute());
  }

  @Test
  public void findsTheRootWhenUnknown() throws Exception {
    assertTrue(new File(tmp.getRoot(), "env/inner/bin").mkdirs());
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"echo $CONDA_PREFIX\","
        + " \"env\": {\"source\": \"hdfs:///e.zip\", \"name\": \"env\", \"root\": null}}");
    assertEquals(tmp.getRoot().getCanonicalPath() + "/env/inner\n", run(spec));
  }
}
