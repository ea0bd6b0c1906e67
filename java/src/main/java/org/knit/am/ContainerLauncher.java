package org.knit.am;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.api.records.ApplicationAccessType;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerLaunchContext;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.LocalResourceType;
import org.apache.hadoop.yarn.api.records.LocalResourceVisibility;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.URL;
import org.apache.hadoop.yarn.client.api.async.NMClientAsync;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.knit.common.ContainerFiles;
import org.knit.common.Knit;
import org.knit.spec.ApplicationSpec;
import org.knit.spec.Localized;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops worker containers through NMClientAsync (its thread pool launches many at once).
 *
 * <p>Every container gets the same launch context: the spec's files and environment as PRIVATE resources (the
 * NodeManager keeps them in the user's own cache, keyed by path and timestamp, so the next application of the same
 * user with the same environment starts without downloading and unpacking it again; never PUBLIC), the
 * {@link LaunchScript} (and the secret envvars' file) as APPLICATION resources, the command that runs it, and as
 * tokens only the HDFS delegation tokens the AM was given — never the AM-RM token (which would let a container act
 * as the ApplicationMaster) nor the AM's gateway secret. The launch context's environment holds only what Knit
 * sets per container (sizes): the NodeManager rewrites environment values ({@code {{}} and the like), so the
 * user's envvars are in the script.
 */
final class ContainerLauncher extends NMClientAsync.AbstractCallbackHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerLauncher.class);

  /**
   * Where launch results go (called on NMClientAsync threads, which log and swallow whatever a callback throws:
   * so each callback here catches it and reports it to {@link #fatal}).
   */
  interface Events {
    void started(ContainerRecord r);

    void startFailed(ContainerRecord r, Throwable t);

    void stopFailed(ContainerRecord r, Throwable t);

    /** Handling a launch result threw: the application cannot go on. */
    void fatal(String why, Throwable cause);
  }

  private final ContainerTracker tracker;
  private final Map<String, LocalResource> resources;
  /** The application's ACLs, on every container: a NodeManager takes them from the first it starts. */
  private final Map<ApplicationAccessType, String> acls = new EnumMap<>(ApplicationAccessType.class);
  private final String command;
  /** What containers get: the AM's tokens minus the AM-RM token, with renewed ones replacing their elders. */
  private final Credentials containerCredentials;
  private volatile ByteBuffer tokens;
  /** Without Kerberos, the user containers act as in HDFS (HDFS believes HADOOP_USER_NAME); null with Kerberos. */
  private final String hadoopUser;
  private final NMClientAsync nm;
  /** Containers this attempt started through {@link #nm} (only those can be stopped through it). */
  private final Set<String> launched = ConcurrentHashMap.newKeySet();
  private Events events;
  /** Environment and resources every container also gets (the AM's URL, the container token); set before start. */
  private final Map<String, String> sharedEnv = new HashMap<>();

  ContainerLauncher(ApplicationSpec spec, Configuration conf, ContainerTracker tracker, Credentials amCredentials)
      throws IOException {
    this.tracker = tracker;
    this.resources = localResources(spec);
    for (Map.Entry<String, String> e : spec.applicationAcls().entrySet()) {
      acls.put(ApplicationAccessType.valueOf(e.getKey()), e.getValue());
    }
    this.command = LaunchScript.command();
    this.containerCredentials = forContainers(amCredentials);
    this.tokens = serialize(containerCredentials);
    this.hadoopUser = UserGroupInformation.isSecurityEnabled() ? null
        : UserGroupInformation.getCurrentUser().getShortUserName();
    this.nm = NMClientAsync.createNMClientAsync(this);
    nm.init(conf);
  }

  void start(Events events) {
    this.events = events;
    nm.start();
  }

  /**
   * Stops the client. With {@code stopContainers} it stops every container it started that still runs (the
   * application is over); without, they keep running for the next ApplicationMaster attempt to adopt.
   */
  void stop(boolean stopContainers) {
    nm.getClient().cleanupRunningContainersOnStop(stopContainers);
    nm.stop();
  }

  /** Gives every container launched from now on {@code env} and, under {@code linkName}, {@code resource}. */
  void shareWithContainers(Map<String, String> env, String linkName, LocalResource resource) {
    sharedEnv.putAll(env);
    if (resource != null && !resources.containsKey(linkName)) {
      resources.put(linkName, resource);
    }
  }

  /** Whether this attempt started the container (an adopted one was started by a previous attempt). */
  boolean launchedHere(ContainerRecord r) {
    return r.containerId() != null && launched.contains(r.containerId());
  }

  void launch(ContainerRecord r) {
    launched.add(r.containerId());
    tracker.launching(r);
    // A fresh context per container: the records are not safe to share between concurrent launches.
    Map<String, String> env = environment(r, sharedEnv);
    if (hadoopUser != null) {
      env.put("HADOOP_USER_NAME", hadoopUser);
    }
    ContainerLaunchContext ctx = ContainerLaunchContext.newInstance(new HashMap<>(resources), env,
        Collections.singletonList(command), null, tokens.duplicate(), new EnumMap<>(acls));
    nm.startContainerAsync(r.container(), ctx);
  }

  /** {@link #environment(Container)} plus the request's id and name, and what every container shares. */
  static Map<String, String> environment(ContainerRecord r, Map<String, String> shared) {
    Map<String, String> env = new HashMap<>(shared);
    env.putAll(environment(r.container()));
    env.put(Knit.ENV_REQUEST_ID, Long.toString(r.requestId));
    if (r.name != null) {
      env.put(Knit.ENV_CONTAINER_NAME, r.name);
    }
    return env;
  }

  /**
   * What the container was actually granted (the scheduler rounds memory up to its increment), so a command can
   * size itself: a Dask worker's memory limit, a JVM's heap.
   */
  static Map<String, String> environment(Container c) {
    Map<String, String> env = new HashMap<>();
    env.put("KNIT_CONTAINER_MEMORY", Long.toString(c.getResource().getMemorySize()));
    env.put("KNIT_CONTAINER_VCORES", Integer.toString(c.getResource().getVirtualCores()));
    return env;
  }

  void stopContainer(Container c) {
    nm.stopContainerAsync(c.getId(), c.getNodeId());
  }

  /** The spec's files and env, each under the link name {@link ContainerFiles#yarnLinkName} gives it. */
  static Map<String, LocalResource> localResources(ApplicationSpec spec) {
    Map<String, LocalResource> local = new HashMap<>();
    List<Localized> all = spec.resources();
    for (int i = 0; i < all.size(); i++) {
      Localized f = all.get(i);
      if (!f.isResolved()) {
        throw new IllegalStateException("resource '" + f.name + "' was not resolved by the client");
      }
      LocalResourceType type = f.type() == Localized.Type.ARCHIVE ? LocalResourceType.ARCHIVE : LocalResourceType.FILE;
      local.put(ContainerFiles.yarnLinkName(i, f.name), LocalResource.newInstance(
          URL.fromPath(ContainerFiles.hadoopPath(f.path)), type, LocalResourceVisibility.PRIVATE, f.size,
          f.timestamp));
    }
    return local;
  }

  /**
   * The launch script and, when there are secret envvars, their file, from the staging dir. APPLICATION: the
   * NodeManager keeps them in the application's own cache (files mode 0500, the user's) and deletes them with it.
   */
  static Map<String, LocalResource> stagedResources(FileSystem fs, Path stagingDir) throws IOException {
    Map<String, LocalResource> local = new HashMap<>();
    local.put(ContainerFiles.LAUNCH_SCRIPT, applicationFile(fs.getFileStatus(
        new Path(stagingDir, Knit.LAUNCH_SCRIPT_FILE))));
    Path secrets = new Path(stagingDir, Knit.SECRETS_FILE);
    if (fs.exists(secrets)) {
      local.put(ContainerFiles.SECRETS, applicationFile(fs.getFileStatus(secrets)));
    }
    return local;
  }

  private static LocalResource applicationFile(FileStatus st) {
    return LocalResource.newInstance(URL.fromPath(st.getPath()), LocalResourceType.FILE,
        LocalResourceVisibility.APPLICATION, st.getLen(), st.getModificationTime());
  }

  /** The AM's tokens minus the AM-RM token; secret keys (our gateway secret) are not copied. */
  static ByteBuffer containerTokens(Credentials am) throws IOException {
    return serialize(forContainers(am));
  }

  static Credentials forContainers(Credentials am) {
    Credentials forContainers = new Credentials();
    for (Token<?> t : am.getAllTokens()) {
      if (!AMRMTokenIdentifier.KIND_NAME.equals(t.getKind())) {
        forContainers.addToken(t.getService(), t);
      }
    }
    return forContainers;
  }

  private static ByteBuffer serialize(Credentials creds) throws IOException {
    DataOutputBuffer out = new DataOutputBuffer();
    creds.writeTokenStorageToStream(out);
    return ByteBuffer.wrap(out.getData(), 0, out.getLength());
  }

  /**
   * Containers started from now on get {@code fresh} tokens (renewed delegation tokens) in place of those for the
   * same services; never an AM-RM token or a secret key, whatever {@code fresh} holds.
   */
  synchronized void tokensRenewed(Credentials fresh) throws IOException {
    renew(containerCredentials, fresh);
    tokens = serialize(containerCredentials);
  }

  /** {@code current} with {@code fresh}'s delegation tokens in place of those for the same services. */
  static Credentials renew(Credentials current, Credentials fresh) {
    current.addAll(forContainers(fresh));
    return current;
  }

  private ContainerRecord record(ContainerId id) {
    return tracker.byContainerId(id.toString());
  }

  /** Runs one callback's handling; what it throws is reported, naming the container, never swallowed. */
  private void handle(ContainerId id, java.util.function.Consumer<ContainerRecord> event) {
    try {
      ContainerRecord r = record(id);
      if (r != null) {
        event.accept(r);
      }
    } catch (RuntimeException | Error e) {
      events.fatal("internal error while handling a NodeManager event of container " + id + ": " + e, e);
    }
  }

  @Override
  public void onContainerStarted(ContainerId id, Map<String, ByteBuffer> serviceData) {
    handle(id, events::started);
  }

  @Override
  public void onStartContainerError(ContainerId id, Throwable t) {
    LOG.warn("Container {} failed to start", id, t);
    handle(id, r -> events.startFailed(r, t));
  }

  @Override
  public void onContainerStatusReceived(ContainerId id, ContainerStatus status) {}

  @Override
  public void onContainerStopped(ContainerId id) {}

  @Override
  public void onGetContainerStatusError(ContainerId id, Throwable t) {}

  @Override
  public void onStopContainerError(ContainerId id, Throwable t) {
    LOG.warn("Could not stop container {} through its NodeManager: {}", id, t.toString());
    handle(id, r -> events.stopFailed(r, t));
  }

  @Override
  public void onContainerResourceIncreased(ContainerId id, Resource resource) {}

  @Override
  public void onContainerResourceUpdated(ContainerId id, Resource resource) {}

  @Override
  public void onIncreaseContainerResourceError(ContainerId id, Throwable t) {}

  @Override
  public void onUpdateContainerResourceError(ContainerId id, Throwable t) {}
}
