package org.knit.am;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** When a keep-alive application counts as abandoned by its client. */
public class AbandonmentTest {
  @Test
  public void onlyWithNothingAliveAndNoCallForTheWholeTimeout() {
    assertTrue(ApplicationMaster.abandoned(false, 300_000, 300));
    assertFalse("a client called recently", ApplicationMaster.abandoned(false, 299_999, 300));
    assertFalse("a container still runs", ApplicationMaster.abandoned(true, 3_600_000, 300));
    assertFalse("0 means never", ApplicationMaster.abandoned(false, Long.MAX_VALUE, 0));
  }
}
