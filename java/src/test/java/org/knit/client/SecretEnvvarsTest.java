package org.knit.client;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Collections;
import org.junit.Test;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.SpecException;

/** Secret envvars are checked like envvars, and no message ever holds a value. */
public class SecretEnvvarsTest {
  private static void refused(String key, String value, String why) {
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"true\", \"envvars\": {\"PLAIN\": \"x\"}}");
    try {
      SecretEnvvars.check(Collections.singletonMap(key, value), spec);
      fail("accepted " + key);
    } catch (SpecException e) {
      assertTrue(e.getMessage(), e.getMessage().contains(why));
      assertFalse(e.getMessage(), value != null && !value.isEmpty() && e.getMessage().contains(value));
    }
  }

  @Test
  public void badNamesDuplicatesAndNulsAreRefusedWithoutTheValue() {
    refused("1BAD", "hunter2", "not a valid environment variable name");
    refused("A-B", "hunter2", "not a valid environment variable name");
    refused("PLAIN", "hunter2", "also in envvars");
    refused("TOKEN", "hun\0ter2", "NUL");
  }

  @Test
  public void anyOtherValueIsFine() {
    ApplicationSpec spec = ApplicationSpec.fromJson("{\"command\": \"true\"}");
    SecretEnvvars.check(Collections.singletonMap("TOKEN", "{{x}} $y `z` 'q' \"w\"\né"), spec);
  }
}
