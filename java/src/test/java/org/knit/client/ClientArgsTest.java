package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.knit.spec.ApplicationSpec;

/**
 * The hadoop-jar CLI's argument handling: the shared options table (cli.json), the spec it builds, and usage
 * errors that exit 2 before anything touches a cluster.
 */
public class ClientArgsTest {
  private static final CliOptions CLI = CliOptions.load();

  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    return Client.run(args, new PrintStream(out), new PrintStream(err));
  }

  static ApplicationSpec spec(ByteArrayOutputStream err, String... args) throws Exception {
    return Client.buildSpec(CLI, CLI.parse(args, new PrintStream(err)));
  }

  static ApplicationSpec spec(String... args) throws Exception {
    return spec(new ByteArrayOutputStream(), args);
  }

  /** The options a help text lists: every "-x"/"--name" at the start of an entry. */
  static Set<String> listed(String help) {
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^  (-[-a-z0-9]+)(?:[ A-Z=.\\[\\]]*, (--[-a-z0-9]+))?").matcher(help);
    while (m.find()) {
      out.add(m.group(1));
      if (m.group(2) != null) {
        out.add(m.group(2));
      }
    }
    return out;
  }

  @Test
  public void helpListsEveryOptionOfTheTableAndNoAlias() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, run(out, new ByteArrayOutputStream(), "--help"));
    Set<String> expected = new TreeSet<>();
    expected.add("-h");
    expected.add("--help");
    for (CliOptions.Option o : CLI.options()) {
      expected.add(o.flag);
      if (o.get("short") != null) {
        expected.add(o.get("short"));
      }
    }
    assertEquals(expected, listed(out.toString()));
    assertTrue(out.toString().contains("memory per container in MB (default: 128)"));
    assertFalse(out.toString().contains("--env-var"));
  }

  @Test
  public void usageErrorsExit2() {
    String[][] bad = {
        {"--num-containers", "2"},
        {"--command", ""},
        {"--command", "x", "--memory", "0"},
        {"--command", "x", "--vcores", "two"},
        {"--command", "x", "--num-containers", "-1"},
        {"--command", "x", "--env-var", "NOEQUALS"},
        {"--command", "x", "--bogus", "1"},
        {"--command", "x", "--files", "/no/such/file"},
        {"--command", "x", "--env", "/tmp/not-an-archive.txt"},
        {"--command", "x", "--env-var", "1X=y"},
        {"--command"},
        {"x", "--command", "y"},
        {"x", "y"},
        {"x", "--keep-alive=yes"},
        {"x", "--tag", "t".concat(new String(new char[100]).replace('\0', 't'))},
        {"x", "--file", "/tmp/launch_container.sh"},
        {"x", "--spec", "/no/such/spec.json"},
        {"x", "--timeout", "soon"},
        {"x", "--memory", "1_000"},
    };
    for (String[] args : bad) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertEquals(String.join(" ", args), Client.USAGE, run(new ByteArrayOutputStream(), err, args));
      assertTrue(err.toString(), err.toString().contains("knit: error: "));
    }
  }

  @Test
  public void anErrorNamesTheFlagAndTheSpecField() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    run(new ByteArrayOutputStream(), err, "x", "--memory", "0");
    assertTrue(err.toString(), err.toString().contains(
        "--memory: memory (spec field containers.memory) must be a positive integer; got 0"));
  }

  @Test
  public void buildsTheSpec() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ApplicationSpec s = spec(err, "echo hi", "--num-containers", "3", "--memory", "256", "--vcores", "2",
        "--name", "n", "--queue", "q", "--env-var", "A=1=2", "--envvar", "B=", "--wait",
        "--files", "hdfs:///data/a.csv,hdfs:///data/b.zip", "--file", "hdfs:///c.txt", "hdfs:///d.txt",
        "--env", "hdfs:///envs/dev.tar.gz", "--tag", "t1", "--tag", "t2", "--keep-alive", "--idle-timeout", "60",
        "--master-memory", "512", "--master-vcores", "2", "--max-attempts", "2", "--max-restarts", "1",
        "--lang", "en_US.UTF-8", "--conf", "a.b=c", "--deps-dir", "/user/u/deps", "--replication", "1",
        "--upload-always");
    assertEquals("echo hi", s.command);
    assertFalse(s.detached);
    assertEquals(3, s.containers.count);
    assertEquals(256, s.containers.memory);
    assertEquals(2, s.containers.vcores);
    assertEquals("1=2", s.envvars.get("A"));
    assertEquals("", s.envvars.get("B"));
    assertEquals(4, s.files.size());
    assertEquals("a.csv", s.files.get(0).name);
    assertEquals("ARCHIVE", s.files.get(1).type.name());
    assertEquals("d.txt", s.files.get(3).name);
    assertEquals("dev", s.env.name);
    assertEquals(null, s.env.root);
    assertEquals("[t1, t2]", s.tags.toString());
    assertTrue(s.keepAlive && s.staging.uploadAlways);
    assertEquals(60, s.idleTimeout);
    assertEquals(512, s.master.memory);
    assertEquals(2, s.master.vcores);
    assertEquals(2, s.maxAttempts);
    assertEquals(1, s.maxRestarts);
    assertEquals("en_US.UTF-8", s.lang);
    assertEquals("c", s.conf.get("a.b"));
    assertEquals("/user/u/deps", s.staging.depsDir);
    assertEquals(1, s.staging.replication);
    s.validate();
    for (String old : new String[] {"--env-var", "--wait", "--files"}) {
      assertTrue(err.toString(), err.toString().contains("knit: " + old + " is deprecated; use --"));
    }
  }

  @Test
  public void parsesAsArgparseDoes() throws Exception {
    assertEquals(4, spec("x", "-n4").containers.count);
    assertEquals(4, spec("x", "-n", "4").containers.count);
    assertEquals(5, spec("x", "--memory=5").containers.memory);
    assertEquals("-c", spec("x", "--envvar", "A=-c").envvars.get("A"));
    assertEquals("--not-a-flag", spec("--", "--not-a-flag").command);
    assertTrue(spec("x", "--detach").detached);
    assertTrue(spec("x", "--detached").detached);
    assertEquals("x", spec("--command", "x").command);
  }
}
