package org.knit.am;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.knit.common.ContainerFiles;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.SpecException;

/** The container's launch script, run by a real bash the way launch_container.sh runs the container's command. */
public class LaunchScriptTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  private byte[] run(ApplicationSpec spec, Map<String, String> secrets) throws Exception {
    File logs = tmp.newFolder("logs");
    File cwd = tmp.getRoot();
    File dir = new File(cwd, ContainerFiles.DIR);
    assertTrue(dir.mkdirs());
    Files.write(new File(cwd, ContainerFiles.LAUNCH_SCRIPT).toPath(), LaunchScript.bytes(spec, !secrets.isEmpty()));
    if (!secrets.isEmpty()) {
      Files.write(new File(cwd, ContainerFiles.SECRETS).toPath(), LaunchScript.secretsFile(secrets));
    }
    // launch_container.sh's own line, after the NodeManager's expansion of <LOG_DIR>: exec /bin/bash -c "<command>"
    String command = LaunchScript.command().replace("<LOG_DIR>", logs.getPath());
    File launch = new File(cwd, "launch_container.sh");
    Files.write(launch.toPath(), ("exec /bin/bash -c \"" + command + "\"\n").getBytes(StandardCharsets.UTF_8));
    int rc = new ProcessBuilder("/bin/bash", launch.getPath()).directory(cwd).start().waitFor();
    assertEquals(new String(Files.readAllBytes(new File(logs, "stderr").toPath()), StandardCharsets.UTF_8), 0, rc);
    return Files.readAllBytes(new File(logs, "stdout").toPath());
  }

  private String runText(ApplicationSpec spec) throws Exception {
    return new String(run(spec, Collections.<String, String>emptyMap()), StandardCharsets.UTF_8);
  }

  private static ApplicationSpec spec(String command, Map<String, String> envvars) {
    JsonObject o = new JsonObject();
    o.addProperty("command", command);
    JsonObject env = new JsonObject();
    envvars.forEach(env::addProperty);
    o.add("envvars", env);
    return ApplicationSpec.fromJson(o.toString());
  }

  @Test
  public void commandAndVariablesReachBashByteForByte() throws Exception {
    String tricky = "print({'a': {'b': 1}}) <LOG_DIR> <CPS> {{x}} }} \"dq\" 'sq' $HOME `date` \\ \n"
        + "2nd line é 漢 🙂";
    String value = "x{{(echo INJECTED)}}y " + tricky;
    // printf writes its arguments as they are: what the script received.
    ApplicationSpec spec = spec("printf '%s|%s' " + LaunchScript.quote(tricky) + " \"$V\"",
        Collections.singletonMap("V", value));
    assertEquals(tricky + "|" + value, runText(spec));
  }

  @Test
  public void aOneMegabyteArgumentIsNoProblem() throws Exception {
    StringBuilder big = new StringBuilder();
    while (big.length() < (1 << 20)) {
      big.append("0123456789abcdef{{}}<LOG_DIR>$`\"'");
    }
    String arg = big.toString();
    ApplicationSpec spec = spec("printf '%s' " + LaunchScript.quote(arg), Collections.<String, String>emptyMap());
    assertArrayEquals(arg.getBytes(StandardCharsets.UTF_8), run(spec, Collections.<String, String>emptyMap()));
  }

  @Test
  public void tooLargeIsASpecErrorNamingTheLimit() {
    char[] c = new char[LaunchScript.MAX_BYTES];
    java.util.Arrays.fill(c, 'x');
    ApplicationSpec spec = spec("echo " + new String(c), Collections.<String, String>emptyMap());
    try {
      LaunchScript.bytes(spec, false);
      fail("a script over the limit was accepted");
    } catch (SpecException e) {
      assertEquals("command", e.field());
      assertTrue(e.getMessage(), e.getMessage().contains(Integer.toString(LaunchScript.MAX_BYTES)));
    }
  }

  @Test
  public void secretsAreSourcedFromTheirFileAndNotInTheScript() throws Exception {
    ApplicationSpec spec = spec("printf '%s' \"$TOKEN\"", Collections.<String, String>emptyMap());
    String secret = "s3cr3t 'quoted' $x";
    byte[] out = run(spec, Collections.singletonMap("TOKEN", secret));
    assertEquals(secret, new String(out, StandardCharsets.UTF_8));
    String script = new String(LaunchScript.bytes(spec, true), StandardCharsets.UTF_8);
    assertFalse(script.contains("s3cr3t"));
    assertTrue(script.contains(". ./" + ContainerFiles.SECRETS));
  }

  @Test
  public void aliasedResourcesAreLinkedUnderTheirOwnNames() throws Exception {
    JsonObject o = new JsonObject();
    o.addProperty("command", "cat '2024-01-01T00:00.csv' 'we\"ird$name.txt' 'plain.txt'");
    JsonArray files = new JsonArray();
    for (String name : new String[] {"2024-01-01T00:00.csv", "we\"ird$name.txt", "plain.txt"}) {
      JsonObject f = new JsonObject();
      f.addProperty("source", "/local/" + name);
      f.addProperty("name", name);
      files.add(f);
    }
    o.add("files", files);
    ApplicationSpec spec = ApplicationSpec.fromJson(o.toString());
    // What the NodeManager would have linked: aliases for the names it cannot take, the plain name as it is.
    File dir = new File(tmp.getRoot(), ContainerFiles.DIR);
    assertTrue(dir.mkdirs());
    Files.write(new File(tmp.getRoot(), ContainerFiles.alias(0)).toPath(), "a\n".getBytes(StandardCharsets.UTF_8));
    Files.write(new File(tmp.getRoot(), ContainerFiles.alias(1)).toPath(), "b\n".getBytes(StandardCharsets.UTF_8));
    Files.write(new File(tmp.getRoot(), "plain.txt").toPath(), "c\n".getBytes(StandardCharsets.UTF_8));
    assertEquals("plain.txt", ContainerFiles.yarnLinkName(2, "plain.txt"));
    assertEquals("a\nb\nc\n", runTextIn(spec));
  }

  private String runTextIn(ApplicationSpec spec) throws Exception {
    File logs = tmp.newFolder("logs");
    Files.write(new File(tmp.getRoot(), ContainerFiles.LAUNCH_SCRIPT).toPath(), LaunchScript.bytes(spec, false));
    String command = LaunchScript.command().replace("<LOG_DIR>", logs.getPath());
    Process p = new ProcessBuilder("/bin/bash", "-c", command).directory(tmp.getRoot()).start();
    assertEquals(0, p.waitFor());
    return new String(Files.readAllBytes(new File(logs, "stdout").toPath()), StandardCharsets.UTF_8);
  }

  @Test
  public void exportsCondaPrefixAndPythonBin() throws Exception {
    File bin = new File(tmp.getRoot(), "dev/dev/bin");
    assertTrue(bin.mkdirs());
    File python = new File(bin, "python");
    Files.write(python.toPath(), "#!/bin/sh\necho fake-python\n".getBytes(StandardCharsets.UTF_8));
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"echo $CONDA_PREFIX; $PYTHON_BIN\","
        + " \"env\": {\"source\": \"/x/dev.zip\", \"name\": \"dev\", \"root\": \"dev\", \"python\": \"bin/python\"}}");
    String out = runText(spec);
    assertEquals(tmp.getRoot().getCanonicalPath() + "/dev/dev\nfake-python\n", out);
    assertTrue("exec bit restored", python.canExecute());
  }

  @Test
  public void findsTheRootWhenUnknown() throws Exception {
    assertTrue(new File(tmp.getRoot(), "env/inner/bin").mkdirs());
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"echo $CONDA_PREFIX\","
        + " \"env\": {\"source\": \"hdfs:///e.zip\", \"name\": \"env\", \"root\": null}}");
    assertEquals(tmp.getRoot().getCanonicalPath() + "/env/inner\n", runText(spec));
  }
}
