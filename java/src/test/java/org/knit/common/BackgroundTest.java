package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.fail;

import java.io.IOException;
import org.junit.Test;

/** A start-up piece on its own thread: its result, or exactly what it threw. */
public class BackgroundTest {

  @Test
  public void runsOnItsOwnThreadAndGivesItsResult() throws Exception {
    Thread caller = Thread.currentThread();
    Background<Thread> b = Background.start("knit-test", Thread::currentThread);
    Thread ran = b.await();
    assertNotEquals(caller, ran);
    assertEquals("knit-test", ran.getName());
  }

  @Test
  public void throwsWhatTheWorkThrew() throws Exception {
    IOException refused = new IOException("HDFS refused");
    Background<Object> b = Background.start("knit-test", () -> {
      throw refused;
    });
    try {
      b.await();
      fail("no exception");
    } catch (IOException e) {
      assertSame(refused, e);
    }
    AssertionError error = new AssertionError("an Error stays an Error");
    try {
      Background.start("knit-test", () -> {
        throw error;
      }).await();
      fail("no error");
    } catch (AssertionError e) {
      assertSame(error, e);
    }
  }
}
