package org.knit.am;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;

/**
 * The one place that decides what a container's end means, from its YARN exit status (the model is Spark's
 * {@code YarnAllocator.processCompletedContainers}).
 *
 * <ul>
 *   <li>{@link ExitClass#REMOVED}: we asked for it (a user's removal), or the status is −105
 *       KILLED_BY_APPMASTER, which only an ApplicationMaster's own stop request produces (a stop sent by a previous
 *       attempt, say) — never a fault, never replaced.</li>
 *   <li>{@link ExitClass#PLATFORM}: the cluster took the container away — −100 ABORTED (its node was lost),
 *       −101 DISKS_FAILED, −102 PREEMPTED, −106 KILLED_BY_RESOURCEMANAGER, −107 KILLED_AFTER_APP_COMPLETION,
 *       −108 KILLED_BY_CONTAINER_SCHEDULER. Not the command's fault (SPARK-8167: preemption is resource sharing):
 *       replaced without using a restart, and never fails the application.</li>
 *   <li>{@link ExitClass#MEMORY}: −104 / −103, killed by the NodeManager for exceeding its physical / virtual
 *       memory. The command's fault (it counts against {@code max_restarts}), with a diagnostic naming the memory
 *       granted and the setting to raise.</li>
 *   <li>{@link ExitClass#USER}: any other non-zero status, the command's own exit code included (and −109
 *       KILLED_FOR_EXCESS_LOGS, which the command's output caused); counts against {@code max_restarts}.</li>
 *   <li>{@link ExitClass#SUCCESS}: exit code 0.</li>
 * </ul>
 * {@link ExitClass#LOST} is not a YARN status: a container that ended while no ApplicationMaster attempt was
 * running and whose end no attempt was told of (see {@code ApplicationMaster}).
 */
final class ExitClassifier {
  private ExitClassifier() {}

  /** What a container's end means for the application. Serialized lower-case in {@code containers()}. */
  enum ExitClass {
    SUCCESS, USER, MEMORY, PLATFORM, REMOVED, LOST;

    String json() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether a replacement of this end spends one of the application's {@code max_restarts}. */
    boolean spendsRestart() {
      return this == USER || this == MEMORY;
    }
  }

  /** A classification and the diagnostics to record with it. */
  static final class Verdict {
    final ExitClass exitClass;
    final String diagnostics;

    Verdict(ExitClass exitClass, String diagnostics) {
      this.exitClass = exitClass;
      this.diagnostics = diagnostics;
    }
  }

  /** "1.1 GB of 1 GB physical memory used": the usage figures of the NodeManager's kill message. */
  private static final Pattern USAGE = Pattern.compile("[0-9.]+ [KMGT]?B of [0-9.]+ [KMGT]?B (physical|virtual) "
      + "memory used");

  /**
   * Classifies one end.
   *
   * @param exitStatus      the container's exit status (YARN's negative codes or the command's exit code)
   * @param diagnostics     YARN's diagnostics for it (may be null)
   * @param removeRequested whether the user asked to remove this container
   * @param grantedMemory   the memory (MB) the container was granted, named in memory-kill diagnostics
   */
  static Verdict classify(int exitStatus, String diagnostics, boolean removeRequested, long grantedMemory) {
    String diag = diagnostics == null ? "" : diagnostics.trim();
    if (removeRequested || exitStatus == ContainerExitStatus.KILLED_BY_APPMASTER) {
      return new Verdict(ExitClass.REMOVED, diag);
    }
    switch (exitStatus) {
      case ContainerExitStatus.SUCCESS:
        return new Verdict(ExitClass.SUCCESS, diag);
      case ContainerExitStatus.ABORTED:
      case ContainerExitStatus.DISKS_FAILED:
      case ContainerExitStatus.PREEMPTED:
      case ContainerExitStatus.KILLED_BY_RESOURCEMANAGER:
      case ContainerExitStatus.KILLED_AFTER_APP_COMPLETION:
      case ContainerExitStatus.KILLED_BY_CONTAINER_SCHEDULER:
        return new Verdict(ExitClass.PLATFORM, platformReason(exitStatus) + (diag.isEmpty() ? "" : ": " + diag));
      case ContainerExitStatus.KILLED_EXCEEDED_PMEM:
        return new Verdict(ExitClass.MEMORY, memoryKill("physical", grantedMemory, "", diag));
      case ContainerExitStatus.KILLED_EXCEEDED_VMEM:
        return new Verdict(ExitClass.MEMORY, memoryKill("virtual", grantedMemory, " (or have the cluster raise "
            + "yarn.nodemanager.vmem-pmem-ratio or turn off yarn.nodemanager.vmem-check-enabled, YARN-4714)", diag));
      default:
        return new Verdict(ExitClass.USER, diag);
    }
  }

  private static String platformReason(int exitStatus) {
    switch (exitStatus) {
      case ContainerExitStatus.ABORTED:
        return "lost by the cluster (its node was lost or it was released), not the command's fault";
      case ContainerExitStatus.DISKS_FAILED:
        return "its NodeManager's disks failed, not the command's fault";
      case ContainerExitStatus.PREEMPTED:
        return "preempted by the scheduler for another queue, not the command's fault";
      case ContainerExitStatus.KILLED_BY_RESOURCEMANAGER:
        return "killed by the ResourceManager, not the command's fault";
      case ContainerExitStatus.KILLED_AFTER_APP_COMPLETION:
        return "killed after the application completed";
      default:
        return "killed by the NodeManager's container scheduler to make room, not the command's fault";
    }
  }

  private static String memoryKill(String kind, long grantedMemory, String alternative, String diag) {
    Matcher m = USAGE.matcher(diag);
    String usage = m.find() ? " (" + m.group() + ")" : "";
    return "killed by YARN for exceeding its " + kind + " memory limit" + usage + ": the container was granted "
        + grantedMemory + " MB; ask for more with memory= (Knit.start, add_containers) or yarn.worker.memory "
        + "(Dask)" + alternative + (diag.isEmpty() ? "" : ". YARN said: " + diag);
  }
}
