package org.knit.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.knit.common.Json;
import org.knit.spec.SpecJson;

/**
 * {@code hadoop jar knit.jar} without {@code --detached}: waits for the application to end (killing it after
 * {@code --timeout}), then prints what {@code knit start} prints: {@code <id> <state> <final status>}, the
 * diagnostics, with {@code --logs} the containers' stdout and stderr; exit 0 only if it SUCCEEDED.
 */
final class Follow {
  private static final long POLL_MS = 500;

  private final ClientEntryPoint knit;
  private final String appId;
  private final Client.Run run;

  Follow(ClientEntryPoint knit, String appId, Client.Run run) {
    this.knit = knit;
    this.appId = appId;
    this.run = run;
  }

  int await() throws Exception {
    if (!run.flag("json")) {
      run.err.println(appId + " submitted; waiting for it to finish (Ctrl-C kills it)");
    }
    String timeout = run.value("timeout");
    long deadline = timeout == null ? Long.MAX_VALUE
        : System.currentTimeMillis() + (long) (Double.parseDouble(timeout) * 1000);
    JsonObject report = report();
    while (!AppReports.FINISHED.contains(YarnApplicationState.valueOf(report.get("state").getAsString()))) {
      if (System.currentTimeMillis() > deadline) {
        knit.kill(appId);
        throw new IllegalStateException(appId + " did not finish within --timeout " + timeout + " s; killed it");
      }
      Thread.sleep(POLL_MS);
      report = report();
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("app_id", appId);
    data.put("state", report.get("state").getAsString());
    data.put("final_status", text(report.get("final_status")));
    data.put("diagnostics", text(report.get("diagnostics")));
    StringBuilder out = new StringBuilder(appId + " " + data.get("state") + " " + data.get("final_status"));
    String diagnostics = (String) data.get("diagnostics");
    if (diagnostics != null && !diagnostics.isEmpty()) {
      out.append('\n').append(diagnostics);
    }
    if (run.flag("logs")) {
      JsonObject logs = SpecJson.parse(knit.logs(appId, null)).getAsJsonObject();
      data.put("logs", logs);
      out.append('\n').append(logsText(logs));
    }
    run.print(Json.toJson(data), out.toString());
    return FinalApplicationStatus.SUCCEEDED.name().equals(data.get("final_status")) ? 0 : Client.FAILED;
  }

  private JsonObject report() throws Exception {
    return SpecJson.parse(knit.report(appId)).getAsJsonObject();
  }

  private static String text(JsonElement e) {
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  /** As {@code knit start --logs}: each container's stdout and stderr under a header. */
  static String logsText(JsonObject logs) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, JsonElement> c : new TreeMap<>(logs.asMap()).entrySet()) {
      s.append("### ").append(c.getKey()).append(" ###\n");
      for (Map.Entry<String, JsonElement> f : c.getValue().getAsJsonObject().entrySet()) {
        if ((f.getKey().equals("stdout") || f.getKey().equals("stderr")) && f.getValue().isJsonPrimitive()) {
          s.append("## ").append(f.getKey()).append(" ##\n").append(f.getValue().getAsString().replaceAll("\\s+$", ""))
              .append('\n');
        }
      }
    }
    return s.toString().replaceAll("\n$", "");
  }
}
