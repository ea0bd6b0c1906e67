package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** Signed requests from containers; the vector is the one tests/unit/test_dask_yarn.py checks the runner with. */
public class ContainerTokenTest {
  private static final byte[] TOKEN = "0123abcd".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] BODY = "v".getBytes(StandardCharsets.UTF_8);

  @Test
  public void signsAsTheContainersRunnerDoes() {
    assertEquals("7ab0588d2be1f9e9c57a8adafe2e1e1bf518d1327e0574ccea13c946a8780070",
        ContainerToken.sign(TOKEN, "PUT", "/knit/kv/k", 1700000000L, BODY));
  }

  @Test
  public void acceptsItsOwnSignatureOnlyForTheSameRequestWithinTheWindow() {
    ContainerToken token = new ContainerToken("the gateway secret of this application");
    String header = 1000 + ":" + ContainerToken.sign(token.bytes(), "PUT", "/knit/kv/k", 1000, BODY);
    assertTrue(token.verify("PUT", "/knit/kv/k", header, BODY, 1000 + ContainerToken.WINDOW_SECONDS));
    assertFalse("expired", token.verify("PUT", "/knit/kv/k", header, BODY, 1001 + ContainerToken.WINDOW_SECONDS));
    assertFalse("another key", token.verify("PUT", "/knit/kv/j", header, BODY, 1000));
    assertFalse("another value", token.verify("PUT", "/knit/kv/k", header, "w".getBytes(StandardCharsets.UTF_8), 1000));
    assertFalse("another method", token.verify("GET", "/knit/kv/k", header, BODY, 1000));
    assertFalse("unsigned", token.verify("PUT", "/knit/kv/k", null, BODY, 1000));
    assertFalse("garbage", token.verify("PUT", "/knit/kv/k", "x:y", BODY, 1000));
    ContainerToken other = new ContainerToken("another application's secret");
    assertFalse("another application's token", other.verify("PUT", "/knit/kv/k", header, BODY, 1000));
  }

  @Test
  public void isTheSameForEveryAttemptOfTheApplication() {
    assertEquals(new String(new ContainerToken("s3cret-s3cret-s3cret").bytes(), StandardCharsets.US_ASCII),
        new String(new ContainerToken("s3cret-s3cret-s3cret").bytes(), StandardCharsets.US_ASCII));
  }
}
