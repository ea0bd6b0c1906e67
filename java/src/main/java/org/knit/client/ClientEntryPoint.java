package org.knit.client;

import org.knit.am.ApplicationMaster;
import org.knit.common.ContainerFiles;
import org.knit.common.GatewayKeys;
import org.knit.common.Json;
import org.knit.common.SecretFiles;
import org.knit.common.Knit;

import java.io.FileNotFoundException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivilegedExceptionAction;
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
import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.security.UserGroupInformation;
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

  /** A configuration, the identity it logs in as, and its started YarnClient (which acts as that identity). */
  private static final class Cluster {
    final YarnConfiguration conf;
    final Identity identity;
    final YarnClient yarn;

    Cluster(Map<String, String> overrides) {
      conf = HadoopConf.load(overrides);
      try {
        identity = Identity.login(conf);
        yarn = identity.run(() -> {
          YarnClient y = YarnClient.createYarnClient();
          y.init(HadoopConf.forYarnClient(conf));
          y.start();
          return y;
        });
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException("cannot start a YARN client: " + e, e);
      }
    }

    /** Runs {@code action} as this cluster's identity (HDFS and YARN see that user). */
    <T> T as(PrivilegedExceptionAction<T> action) throws IOException, YarnException {
      try {
        return identity.run(action);
      } catch (IOException | YarnException | RuntimeException e) {
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } catch (Exception e) {
        throw new IOException(e);
      }
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
    return submit(specJson, null, null);
  }

  /** {@link #submit(String, String, String)} without secret files. */
  public String submit(String specJson, String secretsJson) throws IOException, YarnException {
    return submit(specJson, secretsJson, null);
  }

  /**
   * {@link #submit(String)} with secret envvars and secret files: {@code secretsJson} is a JSON object of names to
   * values (or null), delivered to the containers apart from the spec (SecretEnvvars); {@code secretFilesJson} is
   * {@code {"secret_files": {name: base64}}} or null ({@link SecretFiles}: in every container's working directory,
   * never in the spec).
   */
  public String submit(String specJson, String secretsJson, String secretFilesJson) throws IOException, YarnException {
    ApplicationSpec spec = ApplicationSpec.fromJson(specJson).validate();
    Map<String, String> secrets = secretsJson == null ? Collections.<String, String>emptyMap()
        : Json.stringMap(secretsJson);
    Set<String> taken = new HashSet<>();
    for (Localized r : spec.resources()) {
      taken.add(r.name);
    }
    Map<String, byte[]> files = SecretFiles.parse(secretFilesJson, taken);
    Cluster c = cluster(spec.conf);
    Submitter.Result result = c.as(() -> new Submitter(c.conf, c.yarn, c.identity.keytab).submit(spec, secrets,
        files));
    clusterOfApp.put(result.app_id, c);
    if (!spec.detached) {
      attached.add(result.app_id);
    }
    return Json.toJson(result);
  }

  /**
   * {@code {user, principal, keytab, kerberos}}: who this client acts as on the cluster {@code confJson} selects
   * (principal null with a ticket cache, keytab true when logged in from one).
   *
   * @throws org.knit.common.KerberosException on a Kerberos cluster with neither a ticket nor a keytab
   */
  public String identity(String confJson) {
    Identity id = cluster(Json.stringMap(confJson)).identity;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("user", id.user());
    m.put("principal", id.principal != null ? id.principal : id.ugi.getUserName());
    m.put("keytab", id.keytab != null);
    m.put("kerberos", UserGroupInformation.isSecurityEnabled());
    return Json.toJson(m);
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
    if (AppReports.isFinished(r) && c.identity.user().equals(r.getUser())) {
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
      try {
        c.yarn.killApplication(id);
      } catch (YarnException e) {
        throw refusal(e);
      }
    }
    removeStagingDir(c, appId);
    attached.remove(appId);
  }

  /**
   * The RM's ACL refusal, which arrives as a YarnException carrying an AccessControlException's text and stack:
   * its first line ("User bob cannot perform operation MODIFY_APP on application_...") as an
   * AccessControlException; any other YarnException as it is.
   */
  static YarnException refusal(YarnException e) throws AccessControlException {
    String m = String.valueOf(e.getMessage());
    int at = m.indexOf("AccessControlException: ");
    if (at < 0) {
      return e;
    }
    String first = m.substring(at + "AccessControlException: ".length()).split("\n")[0].trim();
    throw new AccessControlException(first);
  }

  private static void removeStagingDir(Cluster c, String appId) throws IOException, YarnException {
    c.as(() -> {
      StagingDir.remove(c.conf, appId);
      return null;
    });
  }

  /**
   * Whether this client may see {@code appId}: its owner always may, another user only if the application's
   * VIEW_APP ACL names him (YARN's check: the RM lists the attempts of an application only to those).
   *
   * @throws AccessControlException naming the user, the owner and the ACL, when he may not
   */
  public void checkView(String appId, String confJson) throws IOException, YarnException {
    Cluster c = clusterFor(appId, confJson);
    ApplicationId id = ApplicationId.fromString(appId);
    String owner = c.yarn.getApplicationReport(id).getUser();
    if (c.identity.user().equals(owner)) {
      return;
    }
    try {
      c.yarn.getApplicationAttempts(id);
    } catch (YarnException e) {
      if (String.valueOf(e.getMessage()).contains("does not have privilege")) {
        throw new AccessControlException("User " + c.identity.user() + " cannot view " + appId + " of " + owner
            + ": its VIEW_APP ACL does not include " + c.identity.user() + " (" + owner + " can start it with "
            + "acls={'VIEW_APP': '" + c.identity.user() + "'})");
      }
      throw e;
    }
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
    // The secret first: a user who may not read it learns that at once, rather than waiting for an address that
    // YARN never shows him (the RM hides the AM's host and port from those without VIEW_APP).
    String secret = c.as(() -> readSecret(c, appId, r.getUser()));
    if (r.getYarnApplicationState() != YarnApplicationState.RUNNING || r.getRpcPort() <= 0) {
      throw new IllegalStateException("application " + appId + " is " + r.getYarnApplicationState()
          + (AppReports.isFinished(r) ? "; it has ended" : "; its ApplicationMaster has not registered yet"));
    }
    // Only once there is an address to give: callers poll this until the AM registers.
    String certificate = c.as(() -> readStaged(c, appId, r.getUser(), Knit.CERT_FILE));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", r.getHost());
    m.put("port", r.getRpcPort());
    m.put("secret", secret);
    m.put("certificate", certificate);
    return Json.toJson(m);
  }

  /** The AM's gateway secret, from the owner's staging dir (0700): only the owner (and HDFS superusers) read it. */
  private static String readSecret(Cluster c, String appId, String owner) throws IOException {
    return readStaged(c, appId, owner, Knit.SECRET_FILE).trim();
  }

  /** A small private file of the owner's staging dir (the secret, the certificate), as text. */
  private static String readStaged(Cluster c, String appId, String owner, String name) throws IOException {
    FileSystem fs = FileSystem.get(c.conf);
    Path secretFile = new Path(StagingDir.of(fs, owner, appId), name);
    try (FSDataInputStream in = fs.open(secretFile)) {
      byte[] buf = new byte[(int) fs.getFileStatus(secretFile).getLen()];
      IOUtils.readFully(in, buf, 0, buf.length);
      return new String(buf, StandardCharsets.UTF_8);
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("application " + appId + " has no " + name + " in its Knit staging dir ("
          + secretFile.getParent() + "): it was not started by this version of Knit, or it has ended", e);
    } catch (AccessControlException e) {
      throw new AccessControlException("User " + c.identity.user() + " cannot connect to " + appId + " of "
          + owner + ": its ApplicationMaster's secret is in " + owner + "'s private staging dir "
          + secretFile.getParent() + " (only " + owner + " can read it; the application's VIEW_APP and MODIFY_APP "
          + "ACLs let other users see and kill it through YARN, not drive its containers). HDFS said: "
          + e.getMessage().split("\n")[0]);
    }
  }

  /**
   * One of a running application's secret files (base64), from its staging dir: another process of the user
   * joining what the application serves (a Dask cluster's TLS identity). The answer is a secret: Python keeps it
   * out of py4j's log.
   */
  public String secretFile(String appId, String name, String confJson) throws IOException, YarnException {
    Cluster c = clusterFor(appId, confJson);
    try {
      return Json.toJson(Collections.singletonMap("secret_file", c.as(() -> {
        FileSystem fs = FileSystem.get(c.conf);
        return SecretFiles.read(fs, StagingDir.of(fs, appId), name);
      })));
    } catch (FileNotFoundException e) {
      throw new IllegalStateException("application " + appId + " has no secret file " + name, e);
    }
  }

  // -- logs / listDir ----------------------------------------------------------------------------------------

  /**
   * {@code {container_id: {file: text}}} from the aggregated logs of a finished application: the last {@code tail}
   * bytes of each file, after a note when that is not all of it; without the NodeManager's debug files
   * ({@link Knit#DEBUG_LOG_FILES}) unless {@code includeDebug}. Waits (up to a minute) for the NodeManagers to
   * finish aggregating.
   *
   * @throws IllegalStateException if the application is still running or log aggregation is disabled
   */
  public String logs(String appId, String containerIdOrNull, String confJson, int tail, boolean includeDebug)
      throws IOException, YarnException, InterruptedException {
    if (tail < 1) {
      throw new IllegalArgumentException("tail must be a positive number of bytes, got " + tail);
    }
    Cluster c = clusterFor(appId, confJson);
    ApplicationId id = ApplicationId.fromString(appId);
    ApplicationReport r = awaitAggregation(c, id);
    String container = containerIdOrNull == null || containerIdOrNull.isEmpty() ? null : containerIdOrNull;
    Set<String> skip = includeDebug ? Collections.<String>emptySet() : Knit.DEBUG_LOG_FILES;
    try {
      ApplicationReport report = r;
      return Json.toJson(c.as(() -> AggregatedLogs.texts(
          AggregatedLogs.read(c.conf, id, report.getUser(), container, tail, skip))));
    } catch (IOException e) {
      throw new IllegalStateException("no aggregated logs found for " + appId + " (log aggregation "
          + r.getLogAggregationStatus() + "): " + e.getMessage().trim(), e);
    }
  }

  private static ApplicationReport awaitAggregation(Cluster c, ApplicationId id) throws IOException, YarnException,
      InterruptedException {
    ApplicationReport r = c.yarn.getApplicationReport(id);
    if (!AppReports.isFinished(r)) {
      throw new IllegalStateException("application " + id + " is " + r.getYarnApplicationState()
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
    return r;
  }

  /**
   * Removes the copies in {@code depsDir} that no live application of this user references and that were not
   * uploaded or reused for {@code olderThanMs} (DepsPrune); returns {@code {"removed": [names], "kept": [names]}}.
   */
  public String pruneDeps(String depsDir, long olderThanMs, String confJson) throws IOException, YarnException {
    if (olderThanMs < 0) {
      throw new IllegalArgumentException("older_than must be 0 or more, got " + olderThanMs + " ms");
    }
    Cluster c = cluster(Json.stringMap(confJson));
    Path dir = ContainerFiles.isUri(depsDir) ? ContainerFiles.hadoopPath(depsDir) : new Path(null, null, depsDir);
    return Json.toJson(c.as(() -> {
      FileSystem fs = dir.getFileSystem(c.conf);
      return new DepsPrune(fs, c.yarn).prune(fs.makeQualified(dir), olderThanMs);
    }));
  }

  /**
   * The copy of local file {@code localPath} in {@code depsDir} that a submission would reuse, as {@code {name,
   * path, size, sha256}}, or JSON null: the file's hash (remembered, {@link Sha256}) names the one copy to look
   * at, so the answer costs one stat and one xattr read, whatever the deps dir holds (issue 15).
   */
  public String depsCopy(String depsDir, String localPath, String confJson) throws IOException, YarnException {
    Cluster c = cluster(Json.stringMap(confJson));
    Path dir = ContainerFiles.isUri(depsDir) ? ContainerFiles.hadoopPath(depsDir) : new Path(null, null, depsDir);
    File local = new File(localPath);
    return Json.toJson(c.as(() -> DepsFiles.copyOf(dir.getFileSystem(c.conf), dir, local)));
  }

  /** The files in {@code path} as {@code [{name, path, size, modification_time, sha256}]}; [] if it is absent. */
  public String listDir(String path) throws IOException {
    return listDir(path, null);
  }

  public String listDir(String path, String confJson) throws IOException {
    Cluster c = cluster(Json.stringMap(confJson));
    try {
      return c.as(() -> listDir(c, new Path(path)));
    } catch (YarnException e) {
      throw new IOException(e);
    }
  }

  private static String listDir(Cluster c, Path dir) throws IOException {
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
      m.put("sha256", DepsFiles.readSha256(fs, st.getPath()));
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
