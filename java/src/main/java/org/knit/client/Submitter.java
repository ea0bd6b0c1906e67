package org.knit.client;

import org.knit.am.ApplicationMaster;
import org.knit.am.LaunchScript;
import org.knit.common.ContainerFiles;
import org.knit.common.GatewayKeys;
import org.knit.common.JvmOptions;
import org.knit.common.SecretFiles;
import org.knit.common.Knit;

import java.io.File;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.api.ApplicationConstants;
import org.apache.hadoop.yarn.api.ApplicationConstants.Environment;
import org.apache.hadoop.yarn.api.protocolrecords.GetNewApplicationResponse;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationSubmissionContext;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.LocalResourceType;
import org.apache.hadoop.yarn.api.records.LocalResourceVisibility;
import org.apache.hadoop.yarn.api.records.QueueInfo;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.URL;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.client.api.YarnClientApplication;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.Localized;
import org.knit.spec.SpecException;

/**
 * Submits one application: validate → pre-flight against the RM → stage → build the AM launch context → submit.
 * Nothing is uploaded before every check that can fail has passed; a failure after uploading removes what was
 * staged.
 */
final class Submitter {
  /** The result of a submission, as returned to Python. */
  static final class Result {
    final String app_id;
    final List<String> uploaded;
    final List<String> reused;

    Result(String appId, List<String> uploaded, List<String> reused) {
      this.app_id = appId;
      this.uploaded = uploaded;
      this.reused = reused;
    }
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  /** The AM certificate's validity: longer than any application runs (Python checks it). */
  private static final int CERT_DAYS = 3650;

  private final YarnConfiguration conf;
  private final YarnClient yarn;
  /** The keytab the client logged in from, shipped to the AM so it can renew tokens; null: none. */
  private final File keytab;

  Submitter(YarnConfiguration conf, YarnClient yarn, File keytab) {
    this.conf = conf;
    this.yarn = yarn;
    this.keytab = keytab;
  }

  Result submit(ApplicationSpec spec) throws IOException, YarnException {
    return submit(spec, Collections.<String, String>emptyMap(), Collections.<String, byte[]>emptyMap());
  }

  /**
   * Submits {@code spec} with {@code secretEnvvars} (name to value; see {@link SecretEnvvars}) and the
   * application's secret files (name to content; see {@link SecretFiles}).
   */
  Result submit(ApplicationSpec spec, Map<String, String> secretEnvvars, Map<String, byte[]> secretFiles)
      throws IOException, YarnException {
    spec.validate();
    SecretEnvvars.check(secretEnvvars, spec);
    byte[] launchScript = LaunchScript.bytes(spec, !secretEnvvars.isEmpty());
    File jar = KnitJar.jarFile();
    if (jar == null) {
      throw new IllegalStateException("org.knit classes are not running from knit.jar, so there is no JAR to "
          + "ship to the ApplicationMaster (build it with `mvn package`)");
    }
    FileSystem fs = FileSystem.get(conf);
    Path depsDir = depsDir(fs, spec);
    Stager stager = new Stager(conf, depsDir, spec.staging.replication, spec.staging.uploadAlways);
    List<Localized> resources = spec.resources();
    stager.check(resources, jar);
    StagingDir.checkRoot(fs);

    YarnClientApplication app = newApplication();
    checkCapacity(spec, app.getNewApplicationResponse());
    checkQueue(spec.queue);
    ApplicationId appId = app.getNewApplicationResponse().getApplicationId();

    Path stagingDir = StagingDir.of(fs, appId.toString());
    try {
      stager.stage(resources);
      // Content-addressed like every upload: a rebuilt JAR never replaces one a running AM may still localize.
      FileStatus jarStatus = stager.upload(jar, "knit-" + KnitJar.version() + ".jar");
      spec.staging.depsDir = depsDir.toString();
      GatewayKeys keys = newGatewayKeys(appId.toString());
      Path specPath = StagingDir.write(fs, stagingDir, spec, launchScript, secretEnvvars, keys, jarStatus);
      SecretFiles.write(fs, stagingDir, secretFiles);
      FileStatus keytabStatus = keytab == null ? null : AmCredentials.stageKeytab(fs, keytab, stagingDir);
      ApplicationSubmissionContext ctx = app.getApplicationSubmissionContext();
      ctx.setApplicationName(spec.name);
      ctx.setQueue(spec.queue);
      ctx.setApplicationType(spec.applicationType);
      ctx.setApplicationTags(new HashSet<>(spec.tags));
      ctx.setMaxAppAttempts(spec.maxAttempts);
      // Work-preserving AM restart: the next attempt adopts the running containers (YARN-1489).
      ctx.setKeepContainersAcrossApplicationAttempts(true);
      ctx.setResource(Resource.newInstance(spec.master.memory, spec.master.vcores));
      ContainerLaunchContext am = amContext(spec, jarStatus, fs.getFileStatus(specPath), stagingDir);
      if (keytabStatus != null) {
        am.getLocalResources().put(Knit.KEYTAB_FILE,
            resource(keytabStatus, LocalResourceType.FILE, LocalResourceVisibility.APPLICATION));
      }
      am.setTokens(AmCredentials.tokens(conf, spec, keys));
      am.setApplicationACLs(AmCredentials.acls(spec));
      ctx.setAMContainerSpec(am);
      yarn.submitApplication(ctx);
      return new Result(appId.toString(), new ArrayList<>(stager.uploaded()), new ArrayList<>(stager.reused()));
    } catch (Throwable t) {
      removeStaged(fs, stagingDir, stager, t);
      throw t;
    }
  }

  /**
   * After a failed submission, removes what it staged; a failure to do so is attached to the error that ended the
   * submission (as suppressed), which is the one the caller sees.
   */
  static void removeStaged(FileSystem fs, Path stagingDir, Stager stager, Throwable cause) {
    try {
      fs.delete(stagingDir, true);
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
    try {
      stager.removeUploads();
    } catch (IOException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /** The spec's deps dir, qualified; {@code <home>/.knitDeps} when it names none. */
  static Path depsDir(FileSystem fs, ApplicationSpec spec) {
    String dir = spec.staging.depsDir;
    Path p = dir == null ? new Path(fs.getHomeDirectory(), Knit.DEPS_DIR)
        : ContainerFiles.isUri(dir) ? ContainerFiles.hadoopPath(dir) : new Path(null, null, dir);
    return fs.makeQualified(p);
  }

  private YarnClientApplication newApplication() throws IOException, YarnException {
    try {
      return yarn.createApplication();
    } catch (ConnectException e) {
      throw unreachable(e);
    } catch (IOException e) {
      if (e.getCause() instanceof ConnectException || String.valueOf(e.getMessage()).contains("Connection refused")) {
        throw unreachable(e);
      }
      throw e;
    }
  }

  private ConfigErrorException unreachable(Exception e) {
    String address = conf.getSocketAddr(YarnConfiguration.RM_ADDRESS, YarnConfiguration.DEFAULT_RM_ADDRESS,
        YarnConfiguration.DEFAULT_RM_PORT).toString();
    return new ConfigErrorException("cannot reach the YARN ResourceManager at " + address + " ("
        + HadoopConf.sourceOf(conf, YarnConfiguration.RM_ADDRESS) + "): " + e.getMessage(), e);
  }

  private static void checkCapacity(ApplicationSpec spec, GetNewApplicationResponse response) {
    Resource max = response.getMaximumResourceCapability();
    check("containers", spec.containers.memory, spec.containers.vcores, max);
    check("master", spec.master.memory, spec.master.vcores, max);
  }

  private static void check(String what, int memory, int vcores, Resource max) {
    if (memory > max.getMemorySize()) {
      throw new SpecException(what + ".memory " + memory + " MB is more than the scheduler's maximum allocation of "
          + max.getMemorySize() + " MB (yarn.scheduler.maximum-allocation-mb)");
    }
    if (vcores > max.getVirtualCores()) {
      throw new SpecException(what + ".vcores " + vcores + " is more than the scheduler's maximum allocation of "
          + max.getVirtualCores() + " vcores (yarn.scheduler.maximum-allocation-vcores)");
    }
  }

  private void checkQueue(String queue) throws IOException, YarnException {
    QueueInfo info;
    try {
      info = yarn.getQueueInfo(queue);
    } catch (IOException | YarnException e) {
      // The CapacityScheduler answers an unknown queue with an exception rather than null.
      if (String.valueOf(e.getMessage()).toLowerCase().contains("unknown queue")) {
        info = null;
      } else {
        throw e;
      }
    }
    if (info == null) {
      throw new SpecException("queue '" + queue + "' does not exist on this cluster");
    }
    List<QueueInfo> children = yarn.getChildQueueInfos(queue);
    if (children != null && !children.isEmpty()) {
      throw new SpecException("queue '" + queue + "' is a parent queue; applications go to a leaf queue such as '"
          + children.get(0).getQueueName() + "'");
    }
  }

  private ContainerLaunchContext amContext(ApplicationSpec spec, FileStatus jar, FileStatus specFile,
      Path stagingDir) throws IOException {
    Map<String, LocalResource> local = new HashMap<>();
    // The JAR is shared by every application of this version: PRIVATE, so each node localizes it once per user.
    local.put(Knit.JAR_LINK, resource(jar, LocalResourceType.FILE, LocalResourceVisibility.PRIVATE));
    local.put(Knit.SPEC_FILE, resource(specFile, LocalResourceType.FILE, LocalResourceVisibility.APPLICATION));

    Map<String, String> env = new HashMap<>();
    env.put(Environment.CLASSPATH.name(), classpath());
    env.put(Knit.ENV_STAGING_DIR, stagingDir.toString());
    if (!UserGroupInformation.isSecurityEnabled()) {
      // Without Kerberos, HDFS believes HADOOP_USER_NAME: the AM then acts as the submitting user (it must
      // remove the user's staging dir) even if NodeManagers run containers as another OS user.
      env.put("HADOOP_USER_NAME", UserGroupInformation.getCurrentUser().getShortUserName());
    }

    List<String> cmd = new ArrayList<>();
    cmd.add(Environment.JAVA_HOME.$$() + "/bin/java");
    cmd.add("-Xmx" + JvmOptions.heapMb(spec.master.memory) + "m");
    cmd.addAll(JvmOptions.quickStart());
    cmd.addAll(JvmOptions.java17Compat());
    // Our lifecycle at INFO on stderr through the site's log4j console appender (the site default is often WARN).
    cmd.add("-Dhadoop.root.logger=INFO,console");
    cmd.add(ApplicationMaster.class.getName());
    cmd.add("1>" + ApplicationConstants.LOG_DIR_EXPANSION_VAR + "/stdout");
    cmd.add("2>" + ApplicationConstants.LOG_DIR_EXPANSION_VAR + "/stderr");

    return ContainerLaunchContext.newInstance(local, env, Collections.singletonList(String.join(" ", cmd)), null,
        null, null);
  }

  /** {@code ./knit.jar}, the site's conf dir, then yarn.application.classpath (cross-platform form). */
  private String classpath() {
    StringBuilder cp = new StringBuilder("./" + Knit.JAR_LINK);
    cp.append(ApplicationConstants.CLASS_PATH_SEPARATOR).append(Environment.HADOOP_CONF_DIR.$$());
    String[] entries = conf.getStrings(YarnConfiguration.YARN_APPLICATION_CLASSPATH,
        YarnConfiguration.DEFAULT_YARN_CROSS_PLATFORM_APPLICATION_CLASSPATH);
    for (String e : entries) {
      cp.append(ApplicationConstants.CLASS_PATH_SEPARATOR).append(e.trim());
    }
    return cp.toString();
  }

  static LocalResource resource(FileStatus st, LocalResourceType type, LocalResourceVisibility visibility) {
    return LocalResource.newInstance(URL.fromPath(st.getPath()), type, visibility, st.getLen(),
        st.getModificationTime());
  }

  /** A new secret, and a key and certificate for the AM gateway's TLS (Python pins the certificate). */
  static GatewayKeys newGatewayKeys(String appId) {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    try {
      SelfSignedCertificate c = SelfSignedCertificate.create("knit-am." + appId.replace('_', '-'), CERT_DAYS);
      return new GatewayKeys(Sha256.hex(b), c.keys.getPrivate(), c.certificate);
    } catch (GeneralSecurityException e) { // EC P-256 and SHA256withECDSA are in every Java 8+ runtime
      throw new IllegalStateException("this Java runtime cannot create the AM's TLS key: " + e, e);
    }
  }
}
