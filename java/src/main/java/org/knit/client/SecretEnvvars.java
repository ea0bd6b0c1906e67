package org.knit.client;

import java.util.Map;
import java.util.regex.Pattern;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.Schema;
import org.knit.spec.SpecException;

/**
 * Checks a submission's secret envvars (values never in a message). They are not part of the spec: the client
 * writes them into the staging dir only ({@code secrets.sh}, mode 0600 in a 0700 dir), every container localizes
 * that file as an APPLICATION resource, and the launch script sources it — so they never appear in
 * launch_container.sh, which the NodeManager copies into the container log dir
 * (yarn.nodemanager.log-container-debug-info.enabled), nor in the spec, the RM's records or any argv.
 */
final class SecretEnvvars {
  /** The rule for the spec's envvars names (spec/schema.json), which secret ones follow too. */
  private static final Pattern NAME = Pattern.compile(
      Schema.spec().node("#/properties/envvars/propertyNames").get("pattern").getAsString());

  private SecretEnvvars() {}

  static void check(Map<String, String> secrets, ApplicationSpec spec) {
    for (Map.Entry<String, String> e : secrets.entrySet()) {
      String key = e.getKey();
      if (key == null || !NAME.matcher(key).find()) {
        throw new SpecException("secret_envvars", "secret_envvars: '" + key + "' is not a valid environment "
            + "variable name (letters, digits and _, not starting with a digit)");
      }
      if (spec.envvars.containsKey(key)) {
        throw new SpecException("secret_envvars", "secret_envvars: " + key + " is also in envvars; give it once");
      }
      if (e.getValue() == null || e.getValue().indexOf('\0') >= 0) {
        throw new SpecException("secret_envvars", "secret_envvars: the value of " + key
            + (e.getValue() == null ? " is null" : " contains a NUL character"));
      }
    }
  }
}
