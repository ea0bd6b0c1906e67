package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import java.io.File;
import java.util.Collections;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class KeyValueStoreTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  /** Attempt 2 starts with what attempt 1 held, through a real AmState file (local file system), 0600. */
  @Test
  public void aNextAttemptStartsWithThePreviousOnesValues() throws Exception {
    Path dir = new Path(tmp.getRoot().toURI());
    AmState one = new AmState(new YarnConfiguration(), dir, 1);
    KeyValueStore first = new KeyValueStore(one::saveKeys);
    first.put("dask.scheduler-address", "tls://h:1");
    first.put("knit.web-target", "http://h:2");
    first.put("gone", "soon");
    first.put("gone", null);

    AmState two = new AmState(new YarnConfiguration(), dir, 2);
    KeyValueStore second = new KeyValueStore(two::saveKeys);
    second.restore(two.loadKeys());
    assertEquals("tls://h:1", second.get("dask.scheduler-address"));
    assertEquals("http://h:2", second.get("knit.web-target"));
    assertNull(second.get("gone"));
    File f = new File(tmp.getRoot(), AmState.KEYS_FILE);
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
        java.nio.file.Files.getPosixFilePermissions(f.toPath())));
    assertEquals(Collections.emptyMap(), new AmState(new YarnConfiguration(), new Path(tmp.newFolder().toURI()), 2)
        .loadKeys());
  }

  @Test
  public void setsGetsAndRemoves() {
    KeyValueStore kv = new KeyValueStore();
    assertNull(kv.get("a"));
    kv.put("dask/scheduler.address-1", "tcp://h:1");
    assertEquals("tcp://h:1", kv.get("dask/scheduler.address-1"));
    kv.put("dask/scheduler.address-1", null);
    assertNull(kv.get("dask/scheduler.address-1"));
  }

  @Test
  public void isBoundedSoAWriterCannotExhaustTheAm() {
    KeyValueStore kv = new KeyValueStore();
    StringBuilder big = new StringBuilder();
    for (int i = 0; i <= KeyValueStore.MAX_VALUE_CHARS; i++) {
      big.append('x');
    }
    expectRefused(kv, "k", big.toString());
    expectRefused(kv, "bad key", "v");
    expectRefused(kv, "", "v");
    for (int i = 0; i < KeyValueStore.MAX_KEYS; i++) {
      kv.put("k" + i, "v");
    }
    expectRefused(kv, "one-more", "v");
    kv.put("k0", "replaced"); // an existing key may still change
    assertEquals("replaced", kv.get("k0"));
  }

  private static void expectRefused(KeyValueStore kv, String key, String value) {
    try {
      kv.put(key, value);
      fail("accepted " + key);
    } catch (IllegalArgumentException expected) {
      // refused, with a message
    }
  }
}
