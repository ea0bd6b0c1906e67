package org.knit.am;

import static org.junit.Assert.assertEquals;

import java.util.Map;
import org.junit.Test;

/** A container is told the resources it was granted, not only those it asked for. */
public class ContainerEnvironmentTest {
  @Test
  public void exportsTheGrantedMemoryAndVcores() {
    Map<String, String> env = ContainerLauncher.environment(ContainerTrackerTest.container(2, 7, 512, 2));
    assertEquals("512", env.get("KNIT_CONTAINER_MEMORY"));
    assertEquals("2", env.get("KNIT_CONTAINER_VCORES"));
  }
}
