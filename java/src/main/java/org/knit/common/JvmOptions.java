package org.knit.common;

import java.util.Arrays;
import java.util.List;

/**
 * JVM options for the ApplicationMaster. Hadoop 3.4 on Java 17 needs add-opens (HADOOP-19310); a site usually
 * supplies them through {@code JDK_JAVA_OPTIONS} in the NodeManagers' admin-env, and we pass them too so a Java 17
 * cluster without that setting works. The list is {@code knit/shared/java17-options.txt}, which Python reads too.
 */
public final class JvmOptions {
  private JvmOptions() {}

  /** The add-opens / add-exports, led by {@code -XX:+IgnoreUnrecognizedVMOptions} so Java 8 skips them. */
  public static List<String> java17Compat() {
    return SharedFiles.lines("java17-options.txt");
  }

  /**
   * Start-up over peak speed: the AM mostly waits on RPCs, so C1-compiled code is plenty, and skipping C2 saves
   * CPU while Hadoop's classes load; a serial collector suits its small heap and keeps GC threads off busy nodes.
   */
  public static List<String> quickStart() {
    return Arrays.asList("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
  }

  /** About 75% of the container for the heap, leaving room for metaspace, threads and direct buffers. */
  public static int heapMb(int containerMb) {
    return Math.max(32, containerMb * 3 / 4);
  }
}
