package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.apache.hadoop.fs.Path;
import org.junit.Test;

/** Which names the NodeManager passes through, and sources read literally. */
public class ContainerFilesTest {
  @Test
  public void namesTheNodeManagerWouldMangleGetAnAlias() {
    // ':' reads as a URI scheme in new Path(name); " $ ` \ are live in launch_container.sh's double quotes;
    // "*" links a whole directory.
    for (String bad : new String[] {"2024-01-01T00:00.csv", "we\"ird$name.txt", "a`b`", "back\\slash", "*",
        "new\nline"}) {
      assertFalse(bad, ContainerFiles.passesThroughNodeManager(bad));
      assertEquals(ContainerFiles.alias(3), ContainerFiles.yarnLinkName(3, bad));
    }
    for (String ok : new String[] {"a b#1%.txt", "a%41.txt", "données.csv", "[x] (1).txt", "it's.txt", "plain.zip"}) {
      assertTrue(ok, ContainerFiles.passesThroughNodeManager(ok));
      assertEquals(ok, ContainerFiles.yarnLinkName(0, ok));
    }
  }

  @Test
  public void sourcesAreReadLiterally() {
    Path p = ContainerFiles.hadoopPath("hdfs://nn:8020/data/a b#1%.txt");
    assertEquals("hdfs", p.toUri().getScheme());
    assertEquals("nn:8020", p.toUri().getAuthority());
    assertEquals("/data/a b#1%.txt", p.toUri().getPath());
    assertEquals("/x/a%41[1].txt", ContainerFiles.hadoopPath("hdfs:///x/a%41[1].txt").toUri().getPath());
    assertEquals(null, ContainerFiles.hadoopPath("hdfs:///x").toUri().getAuthority());
    assertTrue(ContainerFiles.isUri("file:///tmp/x"));
    assertFalse(ContainerFiles.isUri("/tmp/2024-01-01T00:00.csv"));
  }

  @Test
  public void whatYarnCanLocalizeInPlace() {
    assertTrue(ContainerFiles.localizableInPlace(ContainerFiles.hadoopPath("hdfs://nn/d/a b#1%.txt")));
    assertTrue(ContainerFiles.localizableInPlace(ContainerFiles.hadoopPath("hdfs://nn/d/données.csv")));
    assertFalse(ContainerFiles.localizableInPlace(ContainerFiles.hadoopPath("hdfs://nn/d/we\"ird$name.txt")));
    assertTrue(ContainerFiles.localizableInPlace(ContainerFiles.hadoopPath("hdfs://nn/d/a%41.txt")));
  }
}
