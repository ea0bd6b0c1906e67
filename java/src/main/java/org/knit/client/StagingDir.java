package org.knit.client;

import org.knit.am.LaunchScript;
import org.knit.common.Background;
import org.knit.common.GatewayKeys;
import org.knit.common.Knit;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.knit.spec.ApplicationSpec;

/**
 * An application's staging dir, {@code <home>/.knit/<app_id>} (0700, its files 0600): the resolved spec, the AM
 * gateway secret and TLS certificate, the workers' launch script, the secret envvars (when there are any) and the path of the knit
 * JAR its AM localizes. The AM removes it when the application ends; whoever sees an ended application whose AM
 * could not (killed, crashed) removes it too.
 */
final class StagingDir {
  private StagingDir() {}

  static Path root(FileSystem fs) {
    return new Path(fs.getHomeDirectory(), Knit.STAGING_ROOT);
  }

  static Path of(FileSystem fs, String appId) {
    return new Path(root(fs), appId);
  }

  /** The staging dir of {@code owner}'s application: under that user's home, as HDFS names homes. */
  static Path of(FileSystem fs, String owner, String appId) {
    Path home = fs.makeQualified(new Path(fs.getHomeDirectory().getParent(), owner));
    return new Path(new Path(home, Knit.STAGING_ROOT), appId);
  }

  /**
   * Checks, before anything is uploaded, that the staging root is the user's: secrets are written under it, and
   * anyone who could write it could plant an application's dir before it exists.
   */
  static void checkRoot(FileSystem fs) throws IOException {
    FileStatus st = DepsFiles.statOrNull(fs, root(fs));
    if (st != null) {
      Trust.requireOwn(st, Trust.user(), "the staging dir", "`hdfs dfs -chmod 700` it if it is yours");
    }
  }

  /**
   * Creates the application's dir (and the root, 0700) and writes what the AM and the workers read from it, all
   * files at once: each small file's close waits for its block report, five in a row were ~0.2 s of a start.
   */
  static Path write(FileSystem fs, Path dir, ApplicationSpec spec, byte[] launchScript,
      Map<String, String> secretEnvvars, GatewayKeys gateway, FileStatus jar) throws IOException {
    Stager.mkdirsPrivate(fs, dir.getParent());
    Stager.mkdirsPrivate(fs, dir);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(Knit.SPEC_FILE, utf8(spec.toJson()));
    files.put(Knit.SECRET_FILE, utf8(gateway.secret));
    files.put(Knit.CERT_FILE, utf8(GatewayKeys.pem(gateway.certificate)));
    files.put(Knit.LAUNCH_SCRIPT_FILE, launchScript);
    if (!secretEnvvars.isEmpty()) {
      files.put(Knit.SECRETS_FILE, LaunchScript.secretsFile(secretEnvvars));
    }
    files.put(Knit.JAR_PATH_FILE, utf8(jar.getPath().toString()));
    writeAll(fs, dir, files);
    return new Path(dir, Knit.SPEC_FILE);
  }

  /** Writes every file at once; on a failure, after the others have ended (the caller then removes the dir). */
  private static void writeAll(FileSystem fs, Path dir, Map<String, byte[]> files) throws IOException {
    List<Background<Void>> writes = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      writes.add(Background.start("knit-staging-write",
          () -> writePrivate(fs, new Path(dir, f.getKey()), f.getValue())));
    }
    IOException failed = null;
    for (Background<Void> w : writes) {
      try {
        w.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while writing the staging dir " + dir);
      } catch (Exception e) {
        if (failed == null) {
          failed = e instanceof IOException ? (IOException) e : new IOException(e);
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes a 0600 file in one create call: the mode goes with the create (the NameNode applies the umask, which
   * leaves 0600 as it is unless it takes the owner's own bits; then it is set after, as FileSystem.create does).
   */
  private static Void writePrivate(FileSystem fs, Path path, byte[] content) throws IOException {
    FsPermission masked = Stager.PRIVATE_FILE.applyUMask(FsPermission.getUMask(fs.getConf()));
    try (OutputStream out = masked.equals(Stager.PRIVATE_FILE)
        ? fs.create(path, Stager.PRIVATE_FILE, false, 1 << 12, fs.getDefaultReplication(path),
            fs.getDefaultBlockSize(path), null)
        : FileSystem.create(fs, path, Stager.PRIVATE_FILE)) {
      out.write(content);
    }
    return null;
  }

  /** Removes an application's staging dir, if there is one (its AM could not: killed, crashed). */
  static void remove(Configuration conf, String appId) throws IOException {
    FileSystem fs = FileSystem.get(conf);
    Path dir = of(fs, appId);
    if (fs.exists(dir)) {
      fs.delete(dir, true);
    }
  }
}
