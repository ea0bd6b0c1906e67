package org.knit.spec;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

public class ApplicationSpecTest {
  private static final String FULL = "{\"version\": 1, \"name\": \"job\", \"queue\": \"q\", \"tags\": [\"a\"],"
      + " \"application_type\": \"KNIT\", \"max_attempts\": 2, \"master\": {\"memory\": 512, \"vcores\": 2},"
      + " \"command\": \"python -c 'print(1)'\", \"containers\": {\"count\": 3, \"memory\": 256, \"vcores\": 1},"
      + " \"max_restarts\": 2, \"lang\": \"en_US.UTF-8\", \"envvars\": {\"KEY\": \"VALUE\"},"
      + " \"files\": [{\"source\": \"/tmp/data.csv\", \"name\": \"data.csv\", \"type\": \"FILE\"}],"
      + " \"env\": {\"source\": \"/tmp/dev.zip\", \"name\": \"dev\", \"root\": \"dev\", \"python\": \"bin/python\"},"
      + " \"staging\": {\"deps_dir\": \"hdfs://nn:8020/user/u/.knitDeps\", \"replication\": 1,"
      + " \"upload_always\": true}, \"detached\": true, \"keep_alive\": true, \"idle_timeout\": 300, \"conf\": {\"yarn.resourcemanager.address\": \"h:1\"}}";

  @Test
  public void parsesEveryField() {
    ApplicationSpec s = ApplicationSpec.fromJson(FULL).validate();
    assertEquals("job", s.name);
    assertEquals("q", s.queue);
    assertEquals(2, s.maxAttempts);
    assertEquals(512, s.master.memory);
    assertEquals(3, s.containers.count);
    assertEquals(2, s.maxRestarts);
    assertEquals("VALUE", s.envvars.get("KEY"));
    assertEquals(Localized.Type.FILE, s.files.get(0).type);
    assertEquals(Localized.Type.ARCHIVE, s.env.type());
    assertEquals("dev", s.env.root);
    assertEquals(1, s.staging.replication);
    assertTrue(s.staging.uploadAlways);
    assertTrue(s.detached);
    assertTrue(s.keepAlive);
    assertEquals(300, s.idleTimeout);
    assertEquals("h:1", s.conf.get("yarn.resourcemanager.address"));
  }

  @Test
  public void roundTripsThroughJson() {
    ApplicationSpec s = ApplicationSpec.fromJson(FULL);
    s.files.get(0).path = "hdfs://nn:8020/user/u/.knitDeps/data.csv";
    s.files.get(0).size = 10L;
    s.files.get(0).timestamp = 1234L;
    ApplicationSpec back = ApplicationSpec.fromJson(s.toJson()).validate();
    assertEquals(s.toJson(), back.toJson());
    assertTrue(back.files.get(0).isResolved());
    assertEquals(Long.valueOf(1234L), back.files.get(0).timestamp);
    assertTrue(s.toJson().contains("\"deps_dir\":"));
    assertTrue(s.toJson().contains("\"max_restarts\":2"));
  }

  @Test
  public void missingFieldsTakeDefaults() {
    ApplicationSpec s = ApplicationSpec.fromJson("{\"command\": \"true\", \"env\": null}")
        .validate();
    assertEquals("knit", s.name);
    assertEquals("default", s.queue);
    assertEquals("KNIT", s.applicationType);
    assertEquals("C.UTF-8", s.lang);
    assertEquals(1, s.containers.count);
    assertEquals(128, s.containers.memory);
    assertEquals(256, s.master.memory);
    assertEquals(0, s.maxRestarts);
    assertNull(s.env);
    assertTrue(s.tags.isEmpty());
  }

  private static void assertRejected(String json, String expectedMessagePart) {
    try {
      ApplicationSpec.fromJson(json).validate();
      fail("accepted " + json);
    } catch (SpecException e) {
      assertTrue("'" + e.getMessage() + "' should mention '" + expectedMessagePart + "'",
          e.getMessage().contains(expectedMessagePart));
    }
  }

  @Test
  public void rejectsBadInputWithSpecificMessages() {
    assertRejected("{\"command\": \"  \"}", "cmd (spec field command) must not be empty");
    assertRejected("{}", "cmd (spec field command) is required");
    assertRejected("{\"command\": \"x\", \"containers\": {\"count\": 0}}",
        "num_containers (spec field containers.count) must be a positive integer");
    assertRejected("{\"command\": \"x\", \"containers\": {\"memory\": -5}}",
        "memory (spec field containers.memory) must be a positive integer");
    assertRejected("{\"command\": \"x\", \"containers\": {\"vcores\": 0}}",
        "virtual_cores (spec field containers.vcores) must be a positive integer");
    assertRejected("{\"command\": \"x\", \"containers\": {\"memory\": \"lots\"}}",
        "memory (spec field containers.memory) must be an integer");
    assertRejected("{\"command\": \"x\", \"containers\": {\"memory\": 1.5}}",
        "memory (spec field containers.memory) must be an integer");
    assertRejected("{\"command\": \"x\", \"master\": {\"memory\": 0}}",
        "master_memory (spec field master.memory) must be a positive integer");
    assertRejected("{\"command\": \"x\", \"version\": 2}", "version must be 1");
    assertRejected("{\"command\": \"x\", \"max_attempts\": 0}", "max_attempts");
    assertRejected("{\"command\": \"x\", \"max_restarts\": -1}", "max_restarts");
    assertRejected("{\"command\": \"x\", \"queue\": \"\"}", "queue must not be empty");
    assertRejected("{\"command\": \"x\", \"envvars\": {\"1BAD\": \"v\"}}", "not a valid environment variable");
    assertRejected("{\"command\": \"x\", \"envvars\": {\"K\": null}}", "must be a string");
    assertRejected("{\"command\": \"x\", \"staging\": {\"replication\": 0}}", "staging.replication");
    assertRejected("{\"command\": \"x\", \"files\": [{\"source\": \"/a/x\", \"name\": \"x\"},"
        + " {\"source\": \"/b/x\", \"name\": \"x\"}]}", "two files would both appear as 'x'");
    assertRejected("{\"command\": \"x\", \"files\": [{\"source\": \"/a/x\", \"name\": \"../x\"}]}", "plain file name");
    assertRejected("{\"command\": \"x\", \"files\": [{\"source\": \"/a/x\", \"name\": \"x\", \"type\": \"DIR\"}]}",
        "must be one of ('FILE', 'ARCHIVE')");
    assertRejected("{\"command\": \"x\", \"env\": {\"source\": \"/a/dev.zip\", \"name\": \"dev\","
        + " \"python\": \"/usr/bin/python\"}}", "env.python");
    assertRejected("{\"command\": \"x\", \"env\": {\"source\": \"\", \"name\": \"dev\"}}", "env.source");
    assertRejected("", "empty");
    assertRejected("[1, 2]", "spec must be a JSON object");
    assertRejected("{command: x}", "not valid JSON");
  }
}
