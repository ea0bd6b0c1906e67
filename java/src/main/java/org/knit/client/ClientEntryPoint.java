package org.knit.client;

import org.knit.am.ApplicationMaster;
import org.knit.common.GatewayKeys;
import org.knit.common.Json;
import org.knit.common.SecretFiles;
import org.knit.common.Knit;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.IOUtils;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.LogAggregationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.Localized;

/**
 * What Python may call on the client JVM (ARCHITECTURE.md, "Client JVM entry point"). One instance per JVM,
 * shared by every {@code Knit} of the Python process; thread-safe.
 *
 * <p>Every method taking an application id also has an overload taking {@code confJson} (the spec's
 * {@code conf} overrides as a JSON object) for applications of a cluster other than the default one; an
 * application submitted by this JVM always uses the configuration it was submitted with.
 */
public final class ClientEntryPoint {
  private static final long LOG_AGGREGATION_WAIT_MS = 60_000;
  private static final long LOG_AGGREGATION_START_WAIT_MS = 10_000;
  private static final EnumSet<LogAggregationStatus> AGGREGATION_DONE = EnumSet.of(LogAggregationStatus.SUCCEEDED,
      LogAggregationStatus.FAILED, LogAggregationStatus.TIME_OUT, LogAggregationStatus.DISABLED);

  /** A configuration and its started YarnClient. */
  private static final class Cluster {
    final YarnConfiguration conf;
    final YarnClient yarn;

    Cluster(Map<String, String> overrides) {
      conf = HadoopConf.load(overrides);
      yarn = YarnClient.createYarnClient();
      yarn.init(HadoopConf.forYarnClient(conf));
      yarn.start();
    }
  }

  private final Map<String, Cluster> clusters = new ConcurrentHashMap<>();
  private final Map<String, Cluster> clusterOfApp = new ConcurrentHashMap<>();
  /** Applications submitted here and not detached: killed when the JVM exits. */
  private final Set<String> attached = Collections.synchronizedSet(new LinkedHashSet<String>());

  private Cluster cluster(Map<String, String> overrides) {
    String key = new TreeMap<>(overrides).toString();
    return clusters.computeIfAbsent(key, k -> new Cluster(overrides));
  }

  private Cluster clusterFor(String appId, String confJson) {
    Cluster c = clusterOfApp.get(appId);
    return c != null ? c : cluster(Json.stringMap(confJson));
  }

  // -- submit ------------------------------------------------------------------------------------------------

  /** Validates, stages and submits; returns {@code {"app_id", "uploaded", "reused"}}. */
  public String submit(String specJson) throws IOException, YarnException {
    return submitWithFiles(specJson, null);
  }

  /**
   * As {@link #submit(String)}, with the application's secret files: {@code {"secret_files": {name: base64}}}
   * ({@link SecretFiles}: in every container's working directory, never in the spec).
   */
  public String submitWithFiles(String specJson, String secretFilesJson) throws IOException, YarnException {
    ApplicationSpec spec = ApplicationSpec.fromJson(specJson).validate();
    Set<String> taken = new HashSet<>();
    for (Localized r : spec.resources()) {
      taken.add(r.name);
    }
    Map<String, byte[]> files = SecretFiles.parse(secretFilesJson, taken);
    Cluster c = cluster(spec.conf);
    Submitter.Result result = new Submitter(c.conf, c.yarn).submit(spec, files);
    clusterOfApp.put(result.app_id, c);
    if (!spec.detached) {
      attached.add(result.app_id);
    }
    return Json.toJson(result);
  }

  /**
   * {@code [{name, done, total}]} (bytes) of the uploads this JVM is doing right now: poll it from another thread
   * during {@code submit} to show progress.
   */
  public String uploadProgress() {
    return Json.toJson(UploadProgress.snapshot());
  }

  /**
   * {@code {certificate, private_key}} (PEM): a new EC P-256 key and a self-signed certificate for it
   * ({@link SelfSignedCertificate}), e.g. for a Dask cluster's TLS. The answer carries a private key: Python's
   * py4j log redaction recognizes both the member name and the PEM block.
   */
  public String tlsIdentity(String commonName, int validDays) throws GeneralSecurityException {
    if (commonName == null || !commonName.matches("[A-Za-z0-9.-]{1,64}") || validDays < 1) {
      throw new IllegalArgumentException("tlsIdentity needs a DNS-style name (letters, digits, '.', '-') and a "
          + "positive number of days; got " + commonName + ", " + validDays);
    }
    SelfSignedCertificate c = SelfSignedCertificate.create(commonName, validDays);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("certificate", GatewayKeys.pem(c.certificate));
    m.put("private_key", GatewayKeys.pem(c.keys.getPrivate()));
    return Json.toJson(m);
  }

  // -- report / kill -----------------------------------------------------------------------------------------

  public String report(String appId) throws IOException, YarnException {
    return report(appId, null);
  }

  public String report(String appId, String confJson) throws IOException, YarnException {
    Cluster c = clusterFor(appId, confJson);
    ApplicationReport r = c.yarn.getApplicationReport(ApplicationId.fromString(appId));
    if (AppReports.isFinished(r)) {
      // An AM that died (or was killed) could not remove its staging dir; whoever sees the end does.
      removeStagingDir(c, appId);
      attached.remove(appId);
    }
    return Json.toJson(AppReports.toMap(r));
  }

  public void kill(String appId) throws IOException, YarnException {
    kill(appId, null);
  }

  public void kill(String appId, String confJson) throws IOException, YarnException {
    Cluster c = clusterFor(appId, confJson);
    ApplicationId id = ApplicationId.fromString(appId);
    if (!AppReports.isFinished(c.yarn.getApplicationReport(id))) {
      c.yarn.killApplication(id);
    }
    removeStagingDir(c, appId);
    attached.remove(appId);
  }

  private static void removeStagingDir(Cluster c, String appId) throws IOException {
    Submitter.removeStagingDir(c.conf, appId);
  }

  // -- the AM's gateway --------------------------------------------------------------------------------------

  /**
   * {@code {host, port, secret, certificate}} of the application's AM gateway: the secret and the gateway's TLS
   * certificate (PEM, for Python to pin) are read from the staging dir (0600), so this works from any process of
   * the submitting user.
   *
   * @throws IllegalStateException if the application is not RUNNING (its AM has not registered yet, or it ended)
   */
  public String masterAddress(String appId) throws IOException, YarnException {
    return masterAddress(appId, null);
  }

  public String masterAddress(String appId, String confJson) throws IOException, YarnException {
    Cluster c = clusterFor(appId, confJson);
    ApplicationReport r = c.yarn.getApplicationReport(ApplicationId.fromString(appId));
    if (r.getYarnApplicationState() != YarnApplicationState.RUNNING || r.getRpcPort() <= 0) {
      throw new IllegalStateException("application " + appId + " is " + r.getYarnApplicationState()
          + (AppReports.isFinished(r) ? "; it has ended" : "; its ApplicationMaster has not registered yet"));
    }
    FileSystem fs = FileSystem.get(c.conf);
    Path stagingDir = Submitter.stagingDir(fs, appId);
    String secret;
    String certificate;
    try {
      secret = readSmall(fs, new Path(stagingDir, Knit.SECRET_FILE)).trim();
      certificate = readSmall(fs, new Path(stagingDir, Knit.CERT_FILE));
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("application " + appId + " has no Knit staging dir (or no gateway "
          + "certificate) under " + fs.getHomeDirectory() + "; was it started by this version of Knit, as this "
          + "user?", e);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", r.getHost());
    m.put("port", r.getRpcPort());
    m.put("secret", secret);
    m.put("certificate", certificate);
    return Json.toJson(m);
  }

  /**
   * One of a running application's secret files (base64), from its staging dir: another process of the user
   * joining what the application serves (a Dask cluster's TLS identity). The answer is a secret: Python keeps it
   * out of py4j's log.
   */
  public String secretFile(String appId, String name, String confJson) throws IOException {
    Cluster c = clusterFor(appId, confJson);
    FileSystem fs = FileSystem.get(c.conf);
    try {
      return Json.toJson(Collections.singletonMap("secret_file", SecretFiles.read(fs,
          Submitter.stagingDir(fs, appId), name)));
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("application " + appId + " has no secret file " + name, e);
    }
  }

  /** A small private file of the staging dir (the secret, the certificate), as text. */
  private static String readSmall(FileSystem fs, Path file) throws IOException {
    try (FSDataInputStream in = fs.open(file)) {
      byte[] buf = new byte[(int) fs.getFileStatus(file).getLen()];
      IOUtils.readFully(in, buf, 0, buf.length);
      return new String(buf, StandardCharsets.UTF_8);
    }
  }

  // -- logs / listDir ----------------------------------------------------------------------------------------

  /**
   * {@code {container_id: {"stdout": ..., "stderr": ..., <other file>: ...}}} from the aggregated logs of a
   * finished application; waits (up to a minute) for the NodeManagers to finish aggregating.
   *
   * @throws IllegalStateException if the application is still running or log aggregation is disabled
   */
  public String logs(String appId, String containerIdOrNull) throws IOException, YarnException,
      InterruptedException {
    return logs(appId, containerIdOrNull, null);
  }

  public String logs(String appId, String containerIdOrNull, String confJson) throws IOException,
      YarnException, InterruptedException {
    Cluster c = clusterFor(appId, confJson);
    ApplicationId id = ApplicationId.fromString(appId);
    ApplicationReport r = c.yarn.getApplicationReport(id);
    if (!AppReports.isFinished(r)) {
      throw new IllegalStateException("application " + appId + " is " + r.getYarnApplicationState()
          + "; aggregated logs exist once it has finished (read live logs from the NodeManagers)");
    }
    long start = System.currentTimeMillis();
    while (!AGGREGATION_DONE.contains(r.getLogAggregationStatus())) {
      long waited = System.currentTimeMillis() - start;
      // NOT_START can last forever for an app that never ran a container: give it less time than RUNNING.
      boolean started = r.getLogAggregationStatus() != LogAggregationStatus.NOT_START;
      if (waited > (started ? LOG_AGGREGATION_WAIT_MS : LOG_AGGREGATION_START_WAIT_MS)) {
        break;
      }
      Thread.sleep(250);
      r = c.yarn.getApplicationReport(id);
    }
    if (r.getLogAggregationStatus() == LogAggregationStatus.DISABLED) {
      throw new IllegalStateException("log aggregation is disabled on this cluster (yarn.log-aggregation-enable)");
    }
    String container = containerIdOrNull == null || containerIdOrNull.isEmpty() ? null : containerIdOrNull;
    try {
      return Json.toJson(AggregatedLogs.read(c.conf, id, r.getUser(), container));
    } catch (IOException e) {
      throw new IllegalStateException("no aggregated logs found for " + appId + " (log aggregation "
          + r.getLogAggregationStatus() + "): " + e.getMessage().trim(), e);
    }
  }

  /** The files in {@code path} as {@code [{name, path, size, modification_time, sha256}]}; [] if it is absent. */
  public String listDir(String path) throws IOException {
    return listDir(path, null);
  }

  public String listDir(String path, String confJson) throws IOException {
    Cluster c = cluster(Json.stringMap(confJson));
    Path dir = new Path(path);
    FileSystem fs = dir.getFileSystem(c.conf);
    List<Map<String, Object>> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return Json.toJson(out);
    }
    for (FileStatus st : fs.listStatus(dir)) {
      String name = st.getPath().getName();
      // Skip in-flight uploads and checksum sidecars: not resources.
      if (!st.isFile() || name.startsWith(".") || name.endsWith(Knit.SHA256_SIDECAR)) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("path", st.getPath().toString());
      m.put("size", st.getLen());
      m.put("modification_time", st.getModificationTime());
      m.put("sha256", Stager.readSha256(fs, st.getPath()));
      out.add(m);
    }
    return Json.toJson(out);
  }

  // -- end of the JVM ----------------------------------------------------------------------------------------

  /** Kills the applications submitted here that were not detached (the JVM is exiting). Never throws. */
  void killAttached() {
    List<String> apps;
    synchronized (attached) {
      apps = new ArrayList<>(attached);
    }
    for (String app : apps) {
      try {
        kill(app);
      } catch (IOException | YarnException | RuntimeException e) {
        System.err.println("knit: could not kill " + app + " on exit: " + e);
      }
    }
    for (Cluster c : clusters.values()) {
      c.yarn.stop();
    }
  }
}
