package org.knit.client;

import static org.junit.Assert.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.knit.common.GatewayKeys;
import org.knit.common.Knit;
import org.knit.spec.ApplicationSpec;

/** The staging dir's files, written all at once: each one there, with its content, 0600 whatever the umask. */
public class StagingDirTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void everyFileIsPrivateUnderAnyUmask() throws Exception {
    for (String umask : Arrays.asList("022", "077", "277", "000")) {
      Configuration conf = new Configuration();
      conf.set("fs.permissions.umask-mode", umask);
      conf.setBoolean("fs.file.impl.disable.cache", true); // this umask, not a cached file system's
      FileSystem fs = FileSystem.getLocal(conf).getRaw();
      Path dir = new Path(tmp.newFolder().toURI().toString(), "app_1");
      GatewayKeys keys = Submitter.newGatewayKeys("application_1_0001");
      FileStatus jar = new FileStatus(1, false, 1, 1, 1, new Path("hdfs://nn/deps/knit.jar"));
      Path spec = StagingDir.write(fs, dir, ApplicationSpec.fromJson("{\"command\": \"true\"}"),
          "echo hi\n".getBytes(StandardCharsets.UTF_8), Collections.singletonMap("S", "v"), keys, jar);

      assertEquals(new Path(dir, Knit.SPEC_FILE), spec);
      Set<String> names = new HashSet<>();
      for (FileStatus st : fs.listStatus(dir)) {
        names.add(st.getPath().getName());
        assertEquals(umask + " " + st.getPath(), new FsPermission((short) 0600), st.getPermission());
      }
      assertEquals(umask, new HashSet<>(Arrays.asList(Knit.SPEC_FILE, Knit.SECRET_FILE, Knit.CERT_FILE,
          Knit.LAUNCH_SCRIPT_FILE, Knit.SECRETS_FILE, Knit.JAR_PATH_FILE)), names);
      assertEquals(new FsPermission((short) 0700), fs.getFileStatus(dir).getPermission());
      File local = new File(new Path(dir, Knit.LAUNCH_SCRIPT_FILE).toUri());
      assertEquals("echo hi\n", new String(Files.readAllBytes(local.toPath()), StandardCharsets.UTF_8));
      assertEquals("hdfs://nn/deps/knit.jar", new String(Files.readAllBytes(
          new File(new Path(dir, Knit.JAR_PATH_FILE).toUri()).toPath()), StandardCharsets.UTF_8));
      assertEquals(keys.secret, new String(Files.readAllBytes(
          new File(new Path(dir, Knit.SECRET_FILE).toUri()).toPath()), StandardCharsets.UTF_8));
    }
  }
}
