package org.knit.client;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;

/** Application reports as the JSON objects Python reads (ARCHITECTURE.md, {@code report}). */
final class AppReports {
  static final EnumSet<YarnApplicationState> FINISHED =
      EnumSet.of(YarnApplicationState.FINISHED, YarnApplicationState.FAILED, YarnApplicationState.KILLED);

  private AppReports() {}

  static Map<String, Object> toMap(ApplicationReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", r.getApplicationId().toString());
    m.put("name", r.getName());
    m.put("queue", r.getQueue());
    m.put("user", r.getUser());
    m.put("state", r.getYarnApplicationState().name());
    m.put("final_status", r.getFinalApplicationStatus().name());
    m.put("diagnostics", r.getDiagnostics());
    m.put("progress", r.getProgress());
    m.put("am_host", r.getHost());
    m.put("am_rpc_port", r.getRpcPort());
    m.put("tracking_url", r.getTrackingUrl());
    m.put("original_tracking_url", r.getOriginalTrackingUrl()); // what the AM registered (its web server)
    m.put("start_time", r.getStartTime());
    m.put("finish_time", r.getFinishTime());
    m.put("log_aggregation_status",
        r.getLogAggregationStatus() == null ? null : r.getLogAggregationStatus().name());
    return m;
  }

  static boolean isFinished(ApplicationReport r) {
    return FINISHED.contains(r.getYarnApplicationState());
  }
}
