package org.knit.am;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One piece of the AM's start-up on a thread of its own. A cold JVM spends its start-up loading classes, one
 * core's work; the pieces that do not need each other (reading the spec, logging in, connecting to HDFS) overlap
 * on a node's other cores (issue 15).
 */
final class Background<T> {
  private final FutureTask<T> task;

  private Background(Callable<T> work) {
    this.task = new FutureTask<>(work);
  }

  /** Starts {@code work} on a daemon thread named {@code name}. */
  static <T> Background<T> start(String name, Callable<T> work) {
    Background<T> b = new Background<>(work);
    Thread t = new Thread(b.task, name);
    t.setDaemon(true);
    t.start();
    return b;
  }

  /** The result, once there; what the work threw is thrown here, as it was. */
  T await() throws Exception {
    try {
      return task.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw (Error) cause;
    }
  }
}
