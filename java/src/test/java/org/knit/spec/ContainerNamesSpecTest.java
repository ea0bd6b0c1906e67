package org.knit.spec;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

/** containers.names and finish_with, as the Python side writes them. */
public class ContainerNamesSpecTest {
  private static ApplicationSpec spec(String extra) {
    return ApplicationSpec.fromJson("{\"command\": \"true\", \"staging\": {\"deps_dir\": \"/d\"}"
        + (extra.isEmpty() ? "" : ", " + extra) + "}");
  }

  @Test
  public void readsNamesAndFinishWith() {
    ApplicationSpec s = spec("\"containers\": {\"count\": 2, \"memory\": 256, \"vcores\": 1, "
        + "\"names\": [\"dask-scheduler\", \"dask-driver\"]}, \"finish_with\": [\"dask-driver\"]").validate();
    assertEquals("dask-driver", s.containers.names.get(1));
    assertTrue(s.finishesWith("dask-driver") && !s.finishesWith("dask-scheduler"));
    assertTrue(spec("").validate().containers.names == null);
    assertTrue(spec("").toJson(), !spec("").toJson().contains("names") && !spec("").toJson().contains("finish"));
  }

  @Test
  public void rejectsBadNames() {
    expect("\"containers\": {\"count\": 2, \"names\": [\"a\"]}", "must name all 2");
    expect("\"containers\": {\"count\": 2, \"names\": [\"a\", \"a\"]}", "given twice");
    expect("\"containers\": {\"count\": 1, \"names\": [\"7\"]}", "must be a container name");
    expect("\"finish_with\": [\"no spaces\"]", "finish_with");
  }

  private static void expect(String extra, String message) {
    try {
      spec(extra).validate();
      fail("accepted " + extra);
    } catch (SpecException e) {
      assertTrue(e.getMessage(), e.getMessage().contains(message));
    }
  }
}
