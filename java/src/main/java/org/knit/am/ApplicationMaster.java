package org.knit.am;

import org.knit.common.Background;
import org.knit.common.Knit;
import org.knit.common.GatewayKeys;
import org.knit.common.HdfsWrites;
import org.knit.common.SecretFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.yarn.api.ApplicationConstants.Environment;
import org.apache.hadoop.yarn.api.protocolrecords.RegisterApplicationMasterResponse;
import org.apache.hadoop.yarn.api.records.AMCommand;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerId;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.client.api.AMRMClient;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.knit.spec.ApplicationSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import py4j.GatewayServer;

/**
 * The ApplicationMaster: main() and the application's lifecycle.
 *
 * <ol>
 *   <li>read the resolved spec (localized as spec.json) and the gateway secret, TLS key and certificate (from
 *       YARN credentials);</li>
 *   <li>serve {@link MasterEntryPoint} with Py4J over TLS, requiring the secret ({@link AmGateway});</li>
 *   <li>register with the RM, giving the gateway's host:port as the AM RPC address;</li>
 *   <li>attempt 1 requests every container of the spec at once (no round trip to Python first); a later attempt
 *       takes over the previous one's records and running containers instead ({@link Recovery});</li>
 *   <li>launch containers as they are allocated; when one ends, {@link ExitClassifier} decides: platform faults
 *       are replaced without using a restart, failures are restarted up to {@code max_restarts};</li>
 *   <li>with {@code keep_alive} and {@code idle_timeout}, watch for abandonment: no container alive and no
 *       client call for {@code idle_timeout} seconds;</li>
 *   <li>finish once: without {@code keep_alive}, when every container has ended on its own and none is left
 *       requested, allocated or running (SUCCEEDED if every one that ended on its own and was not replaced exited
 *       0, FAILED naming the failures otherwise); in any case on {@code MasterEntryPoint.shutdown()}, when the
 *       application was abandoned (FAILED, "abandoned"), or when something fails that it cannot go on from; then
 *       unregister and, only once that succeeded, remove the staging dir (a next attempt needs the spec and state
 *       in it) and stop the containers.</li>
 * </ol>
 *
 * <p>If the RM says the attempt is over (AM_SHUTDOWN/AM_RESYNC) it exits without unregistering and leaves the
 * containers running: the RM decides whether another attempt takes them over.
 */
public final class ApplicationMaster implements ContainerAllocator.Handler, ContainerLauncher.Events {
  private static final Logger LOG = LoggerFactory.getLogger(ApplicationMaster.class);
  /** Between attempts to reach an unreachable RM (a restart, a failover): YARN's default of 30 s stalls the AM. */
  static final long RM_RETRY_INTERVAL_MS = 1_000;
  /** NodeManager connections the AM keeps open (yarn.client.max-cached-nodemanagers-proxies). */
  static final long NM_PROXIES_CACHED = 256;

  private final ApplicationSpec spec;
  private final YarnConfiguration conf;
  private final int attempt;
  private final ContainerTracker tracker;
  private final AMRMClient<ContainerRequest> rm;
  private final ContainerAllocator allocator;
  private final ContainerLauncher launcher;
  /** Where this attempt leaves its records for the next one; null without a staging dir (unit tests). */
  private final AmState state;
  private final Path stagingDir;
  private final CredentialRenewer tokenRenewer;
  private final AtomicBoolean finished = new AtomicBoolean();
  /** Ended without unregistering (the RM ended the attempt, or unregistering failed): containers keep running. */
  private volatile boolean abandoned;
  private final CountDownLatch done = new CountDownLatch(1);
  private final KeyValueStore kv;
  /**
   * Open once registration has returned and the containers are requested (or taken over). The RM reports the app
   * RUNNING (so Python may connect) while our register call is still returning; gateway calls wait for this.
   */
  private final CountDownLatch ready = new CountDownLatch(1);
  /** The scheduler's maximum allocation: a bigger ask would make the RM reject every later heartbeat. */
  private volatile Resource maxCapability;

  ApplicationMaster(ApplicationSpec spec, YarnConfiguration conf, Credentials credentials) throws IOException {
    this(spec, conf, credentials, AMRMClient.<ContainerRequest>createAMRMClient(), attemptFromEnv(),
        stagingDirFromEnv());
  }

  /** The application's staging dir, which the client names in the AM's environment (the launch script is there). */
  private static String stagingDirFromEnv() {
    String dir = System.getenv(Knit.ENV_STAGING_DIR);
    if (dir == null) {
      throw new IllegalStateException(Knit.ENV_STAGING_DIR + " is not set: this AM was not submitted by Knit");
    }
    return dir;
  }

  ApplicationMaster(ApplicationSpec spec, YarnConfiguration conf, Credentials credentials,
                    AMRMClient<ContainerRequest> rm, int attempt, String stagingDir) throws IOException {
    this.spec = spec;
    this.conf = conf;
    this.attempt = attempt;
    long idBase = ((long) (attempt - 1)) << 32;
    this.tracker = new ContainerTracker(spec.maxRestarts, idBase, ContainerTracker.DEFAULT_KEEP_ENDED);
    this.rm = rm;
    this.allocator = new ContainerAllocator(rm, tracker, idBase);
    this.stagingDir = stagingDir == null ? null : new Path(stagingDir);
    this.launcher = new ContainerLauncher(spec, conf, tracker, credentials);
    this.state = stagingDir == null ? null : new AmState(conf, this.stagingDir, attempt);
    this.kv = new KeyValueStore(state == null ? null : state::saveKeys);
    this.tokenRenewer = new CredentialRenewer(conf, spec, credentials, launcher::tokensRenewed);
  }

  public static void main(String[] args) {
    int code;
    try {
      // The spec's parser (Gson) loads while Hadoop logs in and reads its configuration.
      Background<ApplicationSpec> spec = Background.start("knit-spec", () -> ApplicationSpec.fromJson(
          new String(Files.readAllBytes(Paths.get(Knit.SPEC_FILE)), StandardCharsets.UTF_8)));
      Credentials credentials = UserGroupInformation.getCurrentUser().getCredentials();
      GatewayKeys keys = GatewayKeys.fromCredentials(credentials);
      YarnConfiguration conf = amConf();
      code = new ApplicationMaster(spec.await(), conf, credentials).run(keys);
    } catch (Throwable t) {
      LOG.error("ApplicationMaster failed", t);
      code = 1;
    }
    System.exit(code);
  }

  /**
   * The cluster's configuration, with two defaults of our own unless the site sets them: retry an unreachable RM
   * every second, and keep NodeManager connections open between container starts.
   */
  static YarnConfiguration amConf() {
    YarnConfiguration conf = new YarnConfiguration();
    defaultUnlessSet(conf, YarnConfiguration.RESOURCEMANAGER_CONNECT_RETRY_INTERVAL_MS, RM_RETRY_INTERVAL_MS);
    // YARN's default 0 opens a new connection (and SASL handshake with the NM token) for every container it
    // starts: at 1000 containers on 4 nodes, 1000 handshakes on each side instead of 4 (issue 15). Idle cached
    // connections still close after ipc.client.connection.maxidletime.
    defaultUnlessSet(conf, YarnConfiguration.NM_CLIENT_MAX_NM_PROXIES, NM_PROXIES_CACHED);
    HdfsWrites.tune(conf); // its state file is rewritten while containers start
    return conf;
  }

  private static void defaultUnlessSet(YarnConfiguration conf, String key, long value) {
    String[] sources = conf.getPropertySources(key);
    if (sources == null || (sources.length == 1 && sources[0].equals("yarn-default.xml"))) {
      conf.setLong(key, value);
    }
  }

  /** This attempt's number (1 for the first), from the AM container's id. */
  static int attemptFromEnv() {
    String id = System.getenv(Environment.CONTAINER_ID.name());
    return id == null ? 1 : ContainerId.fromString(id).getApplicationAttemptId().getAttemptId();
  }

  int run(GatewayKeys keys) throws Exception {
    ContainerToken token = new ContainerToken(keys.secret);
    // HDFS while the RM client, the gateway and the web server start: the AM's first DFSClient costs as much as
    // all of those together (~700 classes; AM JVM start to registration 1.7 s at 2 containers, issue 15).
    Background<Map<String, LocalResource>> files = Background.start("knit-staging-files",
        () -> containerFiles(token));
    rm.init(conf);
    rm.start();
    launcher.start(this);
    tokenRenewer.start();
    MasterEntryPoint entryPoint = new MasterEntryPoint(this, tracker);
    GatewayServer gateway = AmGateway.start(entryPoint, keys);
    String host = System.getenv(Environment.NM_HOST.name());
    if (attempt > 1 && state != null) {
      kv.restore(state.loadKeys());  // before anyone can read it: the gateway waits for ready, the web server is not up
    }
    WebServer web = new WebServer(kv, token, entryPoint::lastCall);
    String webUrl = "http://" + host + ":" + web.port();
    launcher.shareWithContainers(Collections.singletonMap(Knit.ENV_AM_URL, webUrl), null, null);
    for (Map.Entry<String, LocalResource> f : files.await().entrySet()) {
      launcher.shareWithContainers(Collections.<String, String>emptyMap(), f.getKey(), f.getValue());
    }
    RegisterApplicationMasterResponse registration = rm.registerApplicationMaster(host,
        gateway.getListeningPort(), webUrl + "/");
    maxCapability = registration.getMaximumResourceCapability();
    LOG.info("Attempt {} registered; gateway on {}:{}, web on {}; maximum allocation {}", attempt, host,
        gateway.getListeningPort(), webUrl, maxCapability);

    startContainers(registration.getContainersFromPreviousAttempts());
    ready.countDown();
    allocator.start(this);
    if (spec.keepAlive && spec.idleTimeout > 0) {
      watchForAbandonment(entryPoint);
    }
    done.await();

    launcher.stop(!abandoned);
    awaitReplies(entryPoint);
    gateway.shutdown();
    web.stop();
    return abandoned ? 1 : 0;
  }

  private List<String> initialNames() {
    List<String> names = spec.containers.names;
    return names == null || names.isEmpty() ? Collections.<String>nCopies(spec.containers.count, null) : names;
  }

  /**
   * What every container localizes from the staging dir besides the spec's files: the launch script (and the
   * secret envvars' file), the container token (written now, so containers can use the key-value store; if HDFS
   * refuses, containers go without it) and the application's secret files ({@link SecretFiles}). Connects the
   * state store too. Empty without a staging dir (unit tests).
   */
  private Map<String, LocalResource> containerFiles(ContainerToken token) throws IOException {
    Map<String, LocalResource> files = new LinkedHashMap<>();
    if (stagingDir == null) {
      return files;
    }
    FileSystem fs = stagingDir.getFileSystem(conf);
    files.putAll(ContainerLauncher.stagedResources(fs, stagingDir));
    try {
      files.put(ContainerToken.LINK_NAME, token.publish(fs, stagingDir));
    } catch (IOException e) {
      LOG.warn("Could not write the container token into {}: {}", stagingDir, e.toString());
    }
    files.putAll(SecretFiles.resources(fs, stagingDir));
    state.connect();
    return files;
  }

  KeyValueStore kv() {
    return kv;
  }

  // -- lifecycle ---------------------------------------------------------------------------------------------

  /** Attempt 1 (or a later one the previous left nothing to) asks for the spec's containers; others recover. */
  private void startContainers(List<Container> handedOver) throws IOException {
    AmState.Doc previous = attempt > 1 && state != null ? state.load() : null;
    if (previous == null) {
      for (Container c : handedOver) { // a previous attempt that wrote nothing cannot have asked for these
        allocator.release(c.getId());
      }
      allocator.request(initialNames(), spec.containers.memory, spec.containers.vcores, 0, null);
    } else {
      recover(previous, handedOver);
    }
    saveState();
  }

  private void recover(AmState.Doc previous, List<Container> handedOver) {
    Recovery.Plan plan = Recovery.restore(tracker, previous, handedOver);
    LOG.info("Took over attempt {}'s records: {} container(s) adopted, {} to ask for again, {} released, {} whose "
        + "end is not known yet", previous.attempt, plan.adopted, plan.rerequest.size(), plan.release.size(),
        plan.unresolved.size());
    for (ContainerId id : plan.release) {
      allocator.release(id);
    }
    allocator.rerequest(plan.rerequest);
    if (plan.unresolved.isEmpty()) {
      checkOutcome();
      return;
    }
    Thread t = new Thread(() -> {
      try {
        Thread.sleep(Recovery.GRACE_MS);
        List<ContainerTracker.Completion> ends = Recovery.resolve(tracker, plan.unresolved);
        for (int i = 0; i < ends.size(); i++) {
          afterEnd(plan.unresolved.get(i), ends.get(i));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        fatal("internal error while resolving the previous attempt's containers: " + e, e);
      }
    }, "knit-recovery");
    t.setDaemon(true);
    t.start();
  }

  /**
   * A keep-alive application that runs nothing and that no client has called for {@code idleTimeout} seconds
   * has been abandoned: its client died without killing it (a client that lives polls its containers).
   */
  static boolean abandoned(boolean anyLive, long millisSinceLastCall, int idleTimeoutSeconds) {
    return idleTimeoutSeconds > 0 && !anyLive && millisSinceLastCall >= idleTimeoutSeconds * 1000L;
  }

  private void watchForAbandonment(MasterEntryPoint entryPoint) {
    Thread t = new Thread(() -> {
      try {
        while (!finished.get()) {
          Thread.sleep(1000);
          if (abandoned(tracker.anyLive(), System.currentTimeMillis() - entryPoint.lastCall(), spec.idleTimeout)) {
            finish(FinalApplicationStatus.FAILED, "abandoned: no container alive and no client call for "
                + spec.idleTimeout + " s (idle_timeout)");
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "abandonment-watch");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Ends the application, exactly once: stop the heartbeat, unregister, then remove the staging dir (only after
   * unregistering succeeded: if it did not, the RM starts another attempt, which needs the spec and state).
   */
  void finish(FinalApplicationStatus status, String diagnostics) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    LOG.info("Finishing: {} {}", status, diagnostics);
    tokenRenewer.stop();
    try {
      allocator.stop();
      rm.unregisterApplicationMaster(status, diagnostics, null);
      removeStagingDir();
    } catch (Exception e) {
      // The RM will start another attempt (if any is left): leave it the containers, the spec and the state.
      LOG.error("Could not unregister from the ResourceManager", e);
      abandoned = true;
    } finally {
      done.countDown();
    }
  }

  /** Ends this attempt without unregistering: the RM ended it, and decides whether another takes over. */
  private void abandonAttempt(String why) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    LOG.error("{}; exiting without unregistering, leaving the containers running", why);
    abandoned = true;
    try {
      allocator.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      done.countDown();
    }
  }

  /** What follows a container's end: its replacement, or (nothing left) the application's end. */
  private void afterEnd(ContainerRecord r, ContainerTracker.Completion c) {
    if (!c.changed) {
      return;
    }
    LOG.info("{} ended {} (exit status {}, {}): {}", r.label(), r.state(), r.exitStatus, c.exitClass.json(),
        r.diagnostics);
    if (c.replace && tokenRenewer.expired() != null) {
      finish(FinalApplicationStatus.FAILED, r.label() + " ended and cannot be replaced: " + tokenRenewer.expired());
    } else if (c.replace) {
      LOG.info("Replacing {} ({}; restarts used {} of {})", r.label(), c.exitClass.json(), c.replacementRestarts,
          spec.maxRestarts);
      allocator.request(Collections.singletonList(r.name), r.memory, r.vcores, c.replacementRestarts, r.label());
    } else if (tracker.isRemoved(r)) {
      return; // a user's removal never ends the application
    } else if (spec.finishesWith(r.name)) {
      finishWith(r);
    } else {
      checkOutcome();
    }
  }

  /** Ends the application if nothing is left to run (unless the spec keeps it alive: then only kill ends it). */
  private void checkOutcome() {
    ContainerTracker.Outcome outcome = spec.keepAlive ? null : tracker.outcome();
    if (outcome != null) {
      finish(outcome.succeeded ? FinalApplicationStatus.SUCCEEDED : FinalApplicationStatus.FAILED,
          outcome.diagnostics);
    }
  }

  /** A container of {@code finish_with} ended on its own: the application ends with its outcome. */
  private void finishWith(ContainerRecord r) {
    boolean ok = r.state() == ContainerTracker.State.SUCCEEDED;
    finish(ok ? FinalApplicationStatus.SUCCEEDED : FinalApplicationStatus.FAILED, r.name + " (" + r.containerId()
        + ") exited with code " + r.exitStatus + (ok ? "" : ": " + r.diagnostics));
  }

  /** Writes the records for a next attempt; a failure to write is logged, not fatal (HDFS may come back). */
  private void saveState() {
    saveState(false);
  }

  /** {@code lazy}: the heartbeat's write, which may wait for a container's end or a second ({@link AmState}). */
  private void saveState(boolean lazy) {
    if (state == null || finished.get()) {
      return;
    }
    try {
      if (lazy) {
        state.saveIfDue(tracker, System.currentTimeMillis());
      } else {
        state.save(tracker);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not write the ApplicationMaster state to {}: {}", stagingDir, e.toString());
    }
  }

  /** Blocks a gateway call until the AM has registered and made its first requests. */
  void awaitReady() {
    try {
      if (!ready.await(Knit.READY_WAIT_S, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the ApplicationMaster is still starting; try again");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the ApplicationMaster was starting", e);
    }
  }

  /** Asks for more containers on Python's behalf, after checking the size against the scheduler's maximum. */
  List<ContainerRecord> add(int n, int memory, int vcores) {
    return addNamed(Collections.<String>nCopies(n, null), memory, vcores);
  }

  /** Asks for one container per name (null: unnamed); a name may not be that of a container still live. */
  List<ContainerRecord> addNamed(List<String> names, int memory, int vcores) {
    List<String> given = new ArrayList<>();
    for (String n : names) {
      if (n != null) {
        given.add(n);
      }
    }
    if (!given.isEmpty()) {
      org.knit.spec.Containers.checkNames(given, "names");
    }
    for (String n : given) {
      if (tracker.liveByName(n) != null) {
        throw new IllegalArgumentException("a container named '" + n + "' is already requested or running");
      }
    }
    checkSize(memory, vcores);
    List<ContainerRecord> records = allocator.request(names, memory, vcores, 0, null);
    saveState(); // durable before the call returns: a next attempt knows what was added
    return records;
  }

  private void checkSize(int memory, int vcores) {
    tokenRenewer.checkUsable(); // dead tokens: no container could localize anything nor reach HDFS
    Resource max = maxCapability;
    if (max != null && (memory > max.getMemorySize() || vcores > max.getVirtualCores())) {
      throw new IllegalArgumentException("a container of " + memory + " MB and " + vcores + " vcores is more than the "
          + "scheduler's maximum allocation of " + max.getMemorySize() + " MB and " + max.getVirtualCores()
          + " vcores (yarn.scheduler.maximum-allocation-mb/-vcores)");
    }
  }

  /** Removes a container at the user's request; never ends the application. */
  boolean remove(ContainerRecord r) {
    if (allocator.cancel(r)) {
      saveState();
      return true;
    }
    if (!tracker.markRemoved(r)) {
      return false;
    }
    saveState(); // durable before the kill: a next attempt does not take the kill for a fault
    if (r.state() == ContainerTracker.State.RUNNING && launcher.launchedHere(r)) {
      launcher.stopContainer(r.container());
    } else {
      allocator.release(ContainerId.fromString(r.containerId())); // the RM kills it (adopted or not started)
    }
    return true;
  }

  // -- allocator events (heartbeat thread) -------------------------------------------------------------------

  @Override
  public void beforeHeartbeat() {
    saveState(true);
  }

  @Override
  public void allocated(ContainerRecord r) {
    launcher.launch(r);
  }

  @Override
  public void completed(ContainerStatus status) {
    ContainerRecord r = tracker.byContainerId(status.getContainerId().toString());
    if (r == null) {
      return; // a surplus container we released, or one dropped long after it ended
    }
    afterEnd(r, tracker.complete(r, status.getExitStatus(), status.getDiagnostics()));
  }

  @Override
  public void rmCommand(AMCommand command) {
    abandonAttempt("the ResourceManager sent " + command + " (this attempt is over)");
  }

  @Override
  public void fatal(String why, Throwable cause) {
    LOG.error(why, cause);
    finish(FinalApplicationStatus.FAILED, why);
  }

  // -- launcher events (NMClientAsync threads) ---------------------------------------------------------------

  @Override
  public void started(ContainerRecord r) {
    if (tracker.started(r)) {
      launcher.stopContainer(r.container()); // removed while its launch was in flight
    }
  }

  @Override
  public void startFailed(ContainerRecord r, Throwable t) {
    allocator.release(r.container().getId());
    afterEnd(r, tracker.startFailed(r, "failed to start: " + t));
  }

  @Override
  public void stopFailed(ContainerRecord r, Throwable t) {
    allocator.release(r.container().getId()); // the RM tells the NodeManager to kill it
  }

  // -- shutdown helpers --------------------------------------------------------------------------------------

  /** Lets in-flight gateway calls (e.g. the {@code shutdown()} that ended us) return before closing it. */
  private static void awaitReplies(MasterEntryPoint entryPoint) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (entryPoint.inFlight() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    Thread.sleep(100); // the reply is written after the method returns
  }

  private void removeStagingDir() {
    if (stagingDir == null) {
      return;
    }
    try {
      stagingDir.getFileSystem(conf).delete(stagingDir, true);
    } catch (IOException e) {
      LOG.warn("Could not remove the staging dir {}: {}", stagingDir, e.toString());
    }
  }
}
