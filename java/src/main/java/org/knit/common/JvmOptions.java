package org.knit.common;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * JVM options for the ApplicationMaster. Hadoop 3.4 on Java 17 needs these add-opens; a site usually supplies
 * them through {@code JDK_JAVA_OPTIONS} in the NodeManagers' admin-env, and we pass them too so a Java 17 cluster
 * without that setting works. {@code IgnoreUnrecognizedVMOptions} makes a Java 8 JVM skip them (as Spark does).
 * The list matches knit/hadoop_jvm.py.
 */
public final class JvmOptions {
  private static final List<String> OPENS = Arrays.asList(
      "java.lang", "java.io", "java.lang.reflect", "java.math", "java.net", "java.text", "java.util",
      "java.util.concurrent", "java.util.zip", "java.nio", "sun.nio.ch", "sun.security.util", "sun.security.x509");
  private static final List<String> EXPORTS = Arrays.asList("sun.net.dns", "sun.net.util");

  private JvmOptions() {}

  public static List<String> java17Compat() {
    List<String> opts = new ArrayList<>();
    opts.add("-XX:+IgnoreUnrecognizedVMOptions");
    for (String p : OPENS) {
      opts.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
    }
    for (String p : EXPORTS) {
      opts.add("--add-exports=java.base/" + p + "=ALL-UNNAMED");
    }
    return opts;
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
