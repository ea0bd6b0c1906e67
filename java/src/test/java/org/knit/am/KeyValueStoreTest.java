package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import org.junit.Test;

public class KeyValueStoreTest {
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
