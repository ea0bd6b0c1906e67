package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
import org.apache.hadoop.yarn.api.records.ContainerState;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.junit.Test;
import org.knit.am.ExitClassifier.ExitClass;
import org.knit.am.ExitClassifier.Verdict;

/** Every exit status Hadoop 3.4 defines, as YARN reports it (fabricated ContainerStatus records). */
public class ExitClassifierTest {
  private static ContainerStatus status(int exit, String diagnostics) {
    return ContainerStatus.newInstance(ContainerTrackerTest.container(2, 1, 512, 1).getId(),
        ContainerState.COMPLETE, diagnostics, exit);
  }

  private static Verdict classify(ContainerStatus s) {
    return ExitClassifier.classify(s.getExitStatus(), s.getDiagnostics(), false, 512);
  }

  private static void assertClass(ExitClass expected, int exit) {
    assertEquals("exit status " + exit, expected, classify(status(exit, "YARN says why")).exitClass);
  }

  /** Python reads the class names from knit/shared/states.json: exactly these, in this order. */
  @Test
  public void theSharedFileNamesEveryClass() {
    java.util.List<String> ours = new java.util.ArrayList<>();
    for (ExitClass c : ExitClass.values()) {
      ours.add(c.json());
    }
    java.util.List<String> shared = new java.util.ArrayList<>();
    for (com.google.gson.JsonElement e : org.knit.common.SharedFiles.json("states.json")
        .getAsJsonObject("exit_class").getAsJsonArray("values")) {
      shared.add(e.getAsString());
    }
    assertEquals(ours, shared);
  }

  @Test
  public void success() {
    assertClass(ExitClass.SUCCESS, ContainerExitStatus.SUCCESS);
  }

  @Test
  public void platformFaultsAreNotTheCommandsFault() {
    for (int exit : new int[] {ContainerExitStatus.ABORTED, ContainerExitStatus.DISKS_FAILED,
        ContainerExitStatus.PREEMPTED, ContainerExitStatus.KILLED_BY_RESOURCEMANAGER,
        ContainerExitStatus.KILLED_AFTER_APP_COMPLETION, ContainerExitStatus.KILLED_BY_CONTAINER_SCHEDULER}) {
      assertClass(ExitClass.PLATFORM, exit);
      assertFalse(ExitClass.PLATFORM.spendsRestart());
    }
    Verdict v = classify(status(ContainerExitStatus.PREEMPTED, "Container preempted by scheduler"));
    assertTrue(v.diagnostics, v.diagnostics.startsWith("preempted by the scheduler"));
    assertTrue(v.diagnostics, v.diagnostics.endsWith("Container preempted by scheduler"));
  }

  /** −105 is what our own stop request produces: a removal, whoever (which attempt) sent it. */
  @Test
  public void killedByTheAppMasterIsARemoval() {
    assertClass(ExitClass.REMOVED, ContainerExitStatus.KILLED_BY_APPMASTER);
  }

  @Test
  public void anyEndOfARemovedContainerIsARemoval() {
    for (int exit : new int[] {0, 1, 143, ContainerExitStatus.ABORTED, ContainerExitStatus.KILLED_EXCEEDED_PMEM}) {
      assertEquals(ExitClass.REMOVED, ExitClassifier.classify(exit, "", true, 512).exitClass);
    }
  }

  @Test
  public void physicalMemoryKillNamesTheGrantAndTheKeyword() {
    Verdict v = classify(status(ContainerExitStatus.KILLED_EXCEEDED_PMEM, "Container [pid=1,containerID=c] is "
        + "running 12345B beyond the 'PHYSICAL' memory limit. Current usage: 600.5 MB of 512 MB physical memory "
        + "used; 2.1 GB of 1.0 GB virtual memory used. Killing container."));
    assertEquals(ExitClass.MEMORY, v.exitClass);
    assertTrue(ExitClass.MEMORY.spendsRestart());
    assertTrue(v.diagnostics, v.diagnostics.contains("granted 512 MB"));
    assertTrue(v.diagnostics, v.diagnostics.contains("memory="));
    assertTrue(v.diagnostics, v.diagnostics.contains("yarn.worker.memory"));
    assertTrue(v.diagnostics, v.diagnostics.contains("(600.5 MB of 512 MB physical memory used)"));
  }

  @Test
  public void virtualMemoryKillAlsoNamesTheClusterSettings() {
    Verdict v = classify(status(ContainerExitStatus.KILLED_EXCEEDED_VMEM, "2.2 GB of 1.0 GB virtual memory used"));
    assertEquals(ExitClass.MEMORY, v.exitClass);
    assertTrue(v.diagnostics, v.diagnostics.contains("granted 512 MB"));
    assertTrue(v.diagnostics, v.diagnostics.contains("memory="));
    assertTrue(v.diagnostics, v.diagnostics.contains("yarn.nodemanager.vmem-check-enabled"));
  }

  @Test
  public void everythingElseIsTheCommandsFailure() {
    for (int exit : new int[] {1, 2, 127, 137, 143, ContainerExitStatus.INVALID,
        ContainerExitStatus.KILLED_FOR_EXCESS_LOGS}) {
      assertClass(ExitClass.USER, exit);
    }
    assertTrue(ExitClass.USER.spendsRestart());
    assertEquals("YARN says why", classify(status(3, " YARN says why ")).diagnostics);
  }

  @Test
  public void jsonNamesAreLowerCase() {
    assertEquals("platform", ExitClass.PLATFORM.json());
    assertEquals("memory", ExitClass.MEMORY.json());
  }
}
