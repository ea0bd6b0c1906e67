package org.knit.localcluster;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.junit.Test;

/** What the lean local cluster turns off per container, against YARN's own defaults (issue 15). */
public class YarnSettingsTest {

  @Test
  public void leanClusterTurnsOffWhatYarnHasOnByDefault() throws Exception {
    Configuration yarnDefaults = new YarnConfiguration();
    assertTrue(yarnDefaults.getBoolean(YarnConfiguration.NM_LOG_CONTAINER_DEBUG_INFO,
        YarnConfiguration.DEFAULT_NM_LOG_CONTAINER_DEBUG_INFO));
    assertTrue(yarnDefaults.getBoolean(YarnConfiguration.NM_CONTAINER_METRICS_ENABLE,
        YarnConfiguration.DEFAULT_NM_CONTAINER_METRICS_ENABLE));

    Configuration conf = new YarnConfiguration();
    YarnSettings.apply(conf, Options.parse(new String[] {"--dir", "/tmp/x"}), new File("/tmp/x"));
    assertFalse(conf.getBoolean(YarnConfiguration.NM_LOG_CONTAINER_DEBUG_INFO, true));
    assertFalse(conf.getBoolean(YarnConfiguration.NM_CONTAINER_METRICS_ENABLE, true));
    assertTrue(conf.getBoolean("yarn.scheduler.capacity.schedule-asynchronously.enable", false));
  }
}
