package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.LogAggregationStatus;
import org.apache.hadoop.yarn.api.records.NodeState;
import org.apache.hadoop.yarn.api.records.QueueState;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.junit.Test;
import org.knit.am.ContainerTracker;

/**
 * knit/shared/ is what Python reads instead of writing the facts itself: its state lists must be exactly the
 * enums they name (so a state added on one side only fails here), and the JVM options must be what Java uses.
 */
public class SharedFilesTest {
  private static final JsonObject STATES = SharedFiles.json("states.json");

  private static List<String> list(String family, String key) {
    List<String> out = new ArrayList<>();
    for (JsonElement e : (JsonArray) STATES.getAsJsonObject(family).get(key)) {
      out.add(e.getAsString());
    }
    return out;
  }

  private static <E extends Enum<E>> List<String> names(Class<E> cls) {
    List<String> out = new ArrayList<>();
    for (E e : cls.getEnumConstants()) {
      out.add(e.name());
    }
    return out;
  }

  private static void assertSubset(List<String> sub, List<String> all) {
    assertTrue(sub + " must all be among " + all, all.containsAll(sub));
    assertEquals("no repeats in " + sub, sub.size(), new LinkedHashSet<>(sub).size());
  }

  /** The family's full list is the enum's names in its order, and its named subset lies within it. */
  private static <E extends Enum<E>> void assertFamily(Class<E> cls, String family, String all, String subset) {
    assertEquals(names(cls), list(family, all));
    assertSubset(list(family, subset), list(family, all));
  }

  @Test
  public void yarnStatesAreYarnsInItsOrder() {
    assertFamily(YarnApplicationState.class, "application", "states", "finished");
    assertFamily(FinalApplicationStatus.class, "final_status", "values", "failed");
    assertFamily(LogAggregationStatus.class, "log_aggregation", "values", "settled");
  }

  @Test
  public void nodeAndQueueStatesAreYarns() {
    assertEquals(names(NodeState.class), list("node", "values"));
    assertEquals(names(QueueState.class), list("queue", "values"));
  }

  @Test
  public void containerStatesAreTheTrackersAndEndedIsItsTerminal() {
    assertEquals(names(ContainerTracker.State.class), list("container", "states"));
    Set<String> terminal = new LinkedHashSet<>();
    for (ContainerTracker.State s : EnumSet.allOf(ContainerTracker.State.class)) {
      if (s.isTerminal()) {
        terminal.add(s.name());
      }
    }
    assertEquals(terminal, new LinkedHashSet<>(list("container", "ended")));
    assertSubset(list("container", "launched"), list("container", "states"));
  }

  @Test
  public void java17OptionsLeadWithTheJava8EscapeAndOpenJavaLang() {
    List<String> opts = JvmOptions.java17Compat();
    assertEquals("-XX:+IgnoreUnrecognizedVMOptions", opts.get(0));
    assertTrue(opts.contains("--add-opens=java.base/java.lang=ALL-UNNAMED"));
    for (String o : opts) {
      assertTrue(o, o.startsWith("-XX:") || o.matches("--add-(opens|exports)=java\\.base/[\\w.]+=ALL-UNNAMED"));
    }
  }

  @Test
  public void depsDirNameComesFromTheSharedFile() {
    assertTrue(Knit.DEPS_DIR, Knit.DEPS_DIR.matches("\\.[\\w.-]+"));  // one hidden path component
  }
}
