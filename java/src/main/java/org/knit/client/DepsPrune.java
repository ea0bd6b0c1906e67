package org.knit.client;

import org.knit.common.ContainerFiles;
import org.knit.common.Knit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.exceptions.ApplicationNotFoundException;
import org.apache.hadoop.yarn.exceptions.YarnException;

/**
 * Removes the deps-dir copies that no live application of the user references and that were not used (uploaded
 * or reused) for a while.
 *
 * <p>What an application references is in its staging dir: the resolved spec's {@code files[].path} and
 * {@code env.path}, and {@value Knit#JAR_PATH_FILE}. A staging dir is live while the RM reports its application
 * not finished, or does not know it yet (a submission between writing it and submitting; for an hour). A staging
 * dir with no spec yet is a submission staging now: every copy used since it was made is kept. A copy is checked
 * once more just before it goes: a submission that reused it since this prune began ({@value Knit#USED_XATTR})
 * keeps it, and one that finds it gone uploads it again (DepsFiles#markUsed).
 */
final class DepsPrune {
  /** A staging dir without a spec older than this is what a crashed client left. */
  static final long STAGING_MS = 24 * 3600_000L;
  /** How long a staging dir whose application the RM does not know counts as a submission in flight. */
  static final long UNKNOWN_APP_MS = 3600_000L;

  private final FileSystem fs;
  private final YarnClient yarn;
  private final long start = System.currentTimeMillis();
  private final Set<String> references = new HashSet<>();
  private long stagingSince = Long.MAX_VALUE;

  DepsPrune(FileSystem fs, YarnClient yarn) {
    this.fs = fs;
    this.yarn = yarn;
  }

  /** {@code {"removed": [names], "kept": [names]}} of the files in {@code depsDir}. */
  Map<String, List<String>> prune(Path depsDir, long olderThanMs) throws IOException, YarnException {
    Map<String, List<String>> out = new LinkedHashMap<>();
    out.put("removed", new ArrayList<>());
    out.put("kept", new ArrayList<>());
    FileStatus dir = DepsFiles.statOrNull(fs, depsDir);
    if (dir == null) {
      return out;
    }
    Trust.requireOwn(dir, Trust.user(), "the deps dir", "Knit prunes only a deps dir of your own");
    readReferences();
    for (FileStatus st : fs.listStatus(depsDir)) {
      String name = st.getPath().getName();
      if (!st.isFile() || name.endsWith(Knit.SHA256_SIDECAR)) {
        continue; // a sidecar goes with its file
      }
      boolean tmp = name.startsWith(".");
      boolean remove = tmp ? start - st.getModificationTime() > STAGING_MS : removable(st, olderThanMs);
      if (remove && (tmp || DepsFiles.lastUsed(fs, fs.getFileStatus(st.getPath())) < start)) {
        fs.delete(st.getPath(), false);
        fs.delete(DepsFiles.sidecar(st.getPath()), false);
        out.get("removed").add(name);
      } else if (!tmp) {
        out.get("kept").add(name);
      }
    }
    return out;
  }

  private boolean removable(FileStatus st, long olderThanMs) throws IOException {
    if (references.contains(st.getPath().toUri().getPath())) {
      return false;
    }
    long used = DepsFiles.lastUsed(fs, st);
    return used < stagingSince && start - used >= olderThanMs;
  }

  private void readReferences() throws IOException, YarnException {
    Path root = StagingDir.root(fs);
    if (!fs.exists(root)) {
      return;
    }
    for (FileStatus d : fs.listStatus(root)) {
      Path spec = new Path(d.getPath(), Knit.SPEC_FILE);
      if (!d.isDirectory()) {
        continue;
      }
      if (!fs.exists(spec)) {
        if (start - d.getModificationTime() < STAGING_MS) {
          stagingSince = Math.min(stagingSince, d.getModificationTime());
        }
      } else if (live(d)) {
        addSpecPaths(read(spec));
        Path jar = new Path(d.getPath(), Knit.JAR_PATH_FILE);
        if (fs.exists(jar)) {
          references.add(ContainerFiles.hadoopPath(read(jar).trim()).toUri().getPath());
        }
      }
    }
  }

  private boolean live(FileStatus stagingDir) throws IOException, YarnException {
    ApplicationId id;
    try {
      id = ApplicationId.fromString(stagingDir.getPath().getName());
    } catch (IllegalArgumentException e) {
      return false; // not an application's dir
    }
    try {
      return !AppReports.isFinished(yarn.getApplicationReport(id));
    } catch (ApplicationNotFoundException e) {
      return start - stagingDir.getModificationTime() < UNKNOWN_APP_MS;
    }
  }

  /** The resolved paths of a spec, read loosely: a spec of another Knit version still names what it uses. */
  private void addSpecPaths(String specJson) {
    JsonObject spec = JsonParser.parseString(specJson).getAsJsonObject();
    List<JsonElement> resources = new ArrayList<>();
    if (spec.has("files") && spec.get("files").isJsonArray()) {
      spec.getAsJsonArray("files").forEach(resources::add);
    }
    resources.add(spec.get("env"));
    for (JsonElement r : resources) {
      if (r != null && r.isJsonObject() && r.getAsJsonObject().has("path")) {
        String path = r.getAsJsonObject().get("path").getAsString();
        references.add(ContainerFiles.isUri(path) ? ContainerFiles.hadoopPath(path).toUri().getPath() : path);
      }
    }
  }

  private String read(Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      byte[] buf = new byte[(int) fs.getFileStatus(file).getLen()];
      IOUtils.readFully(in, buf, 0, buf.length);
      return new String(buf, StandardCharsets.UTF_8);
    }
  }
}
