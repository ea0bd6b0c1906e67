package org.knit.common;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Work on a thread of its own, awaited later (issue 15). The AM's start-up: a cold JVM spends it loading classes,
 * one core's work, so the pieces that do not need each other (reading the spec, logging in, connecting to HDFS)
 * overlap on a node's other cores. The client's staging writes: each small file's close waits on its own.
 */
public final class Background<T> {
  private final FutureTask<T> task;

  private Background(Callable<T> work) {
    this.task = new FutureTask<>(work);
  }

  /** Starts {@code work} on a daemon thread named {@code name}. */
  public static <T> Background<T> start(String name, Callable<T> work) {
    Background<T> b = new Background<>(work);
    Thread t = new Thread(b.task, name);
    t.setDaemon(true);
    t.start();
    return b;
  }

  /** The result, once there; what the work threw is thrown here, as it was. */
  public T await() throws Exception {
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
