package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.Test;

/** The hadoop-jar CLI's argument handling: usage errors exit 2 before anything touches a cluster. */
public class ClientArgsTest {
  private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
    return Client.run(args, new PrintStream(out), new PrintStream(err));
  }

  @Test
  public void helpDocumentsEveryFlag() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, run(out, new ByteArrayOutputStream(), "--help"));
    for (String flag : new String[] {"--command", "--num-containers", "--memory", "--vcores", "--files", "--env",
        "--name", "--queue", "--env-var", "--wait"}) {
      assertTrue(flag + " documented", out.toString().contains(flag));
    }
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
    };
    for (String[] args : bad) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      assertEquals(String.join(" ", args), Client.USAGE, run(new ByteArrayOutputStream(), err, args));
      assertTrue(err.toString(), err.toString().startsWith("knit: error: "));
    }
  }

  @Test
  public void buildsTheSpec() throws Exception {
    Client.Options o = Client.parse(new String[] {"--command", "echo hi", "--num-containers", "3", "--memory",
        "256", "--vcores", "2", "--name", "n", "--queue", "q", "--env-var", "A=1=2", "--env-var", "B=", "--wait",
        "--files", "hdfs:///data/a.csv,hdfs:///data/b.zip", "--env", "hdfs:///envs/dev.tar.gz"});
    assertTrue(o.wait);
    assertEquals(3, o.spec.containers.count);
    assertEquals(256, o.spec.containers.memory);
    assertEquals(2, o.spec.containers.vcores);
    assertEquals("1=2", o.spec.envvars.get("A"));
    assertEquals("", o.spec.envvars.get("B"));
    assertEquals("a.csv", o.spec.files.get(0).name);
    assertEquals("ARCHIVE", o.spec.files.get(1).type.name());
    assertEquals("dev", o.spec.env.name);
    o.spec.validate();
  }
}
