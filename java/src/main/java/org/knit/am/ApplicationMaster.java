package org.knit.am;

import org.knit.common.Knit;
import org.knit.common.GatewayKeys;
import org.knit.common.SecretFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Collections;
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
import org.apache.hadoop.yarn.api.records.ContainerExitStatus;
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
 *   <li>request every container of the spec at once (no round trip to Python first), launch them as they are
 *       allocated, restart failed ones up to {@code max_restarts};</li>
 *   <li>with {@code keep_alive} and {@code idle_timeout}, watch for abandonment: no container alive and no
 *       client call for {@code idle_timeout} seconds;</li>
 *   <li>finish once: without {@code keep_alive}, when every container has ended on its own and none is left
 *       requested, allocated or running (SUCCEEDED if every one that ended on its own and was not replaced exited
 *       0, FAILED naming the failures otherwise); in any case on {@code MasterEntryPoint.shutdown()}, when the
 *       application was abandoned (FAILED, "abandoned"), or when the RM link fails; then remove the staging dir,
 *       unregister and stop the containers.</li>
 * </ol>
 */
public final class ApplicationMaster implements ContainerAllocator.Handler, ContainerLauncher.Events {
  private static final Logger LOG = LoggerFactory.getLogger(ApplicationMaster.class);

  private final ApplicationSpec spec;
  private final YarnConfiguration conf;
  private final ContainerTracker tracker = new ContainerTracker();
  private final AMRMClient<ContainerRequest> rm;
  private final ContainerAllocator allocator;
  private final ContainerLauncher launcher;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);
  private final KeyValueStore kv = new KeyValueStore();
  /**
   * Open once registration has returned and the spec's containers are requested. The RM reports the app RUNNING
   * (so Python may connect) while our register call is still returning; gateway calls wait for this.
   */
  private final CountDownLatch ready = new CountDownLatch(1);
  /** The scheduler's maximum allocation: a bigger ask would make the RM reject every later heartbeat. */
  private volatile Resource maxCapability;

  ApplicationMaster(ApplicationSpec spec, YarnConfiguration conf, Credentials credentials) throws IOException {
    this.spec = spec;
    this.conf = conf;
    this.rm = AMRMClient.createAMRMClient();
    this.allocator = new ContainerAllocator(rm, tracker);
    this.launcher = new ContainerLauncher(spec, conf, tracker, credentials);
  }

  public static void main(String[] args) {
    int code;
    try {
      ApplicationSpec spec = ApplicationSpec.fromJson(
          new String(Files.readAllBytes(Paths.get(Knit.SPEC_FILE)), StandardCharsets.UTF_8));
      Credentials credentials = UserGroupInformation.getCurrentUser().getCredentials();
      GatewayKeys keys = GatewayKeys.fromCredentials(credentials);
      code = new ApplicationMaster(spec, new YarnConfiguration(), credentials).run(keys);
    } catch (Throwable t) {
      LOG.error("ApplicationMaster failed", t);
      code = 1;
    }
    System.exit(code);
  }

  int run(GatewayKeys keys) throws Exception {
    rm.init(conf);
    rm.start();
    launcher.start(this);
    MasterEntryPoint entryPoint = new MasterEntryPoint(this, tracker);
    GatewayServer gateway = AmGateway.start(entryPoint, keys);
    String host = System.getenv(Environment.NM_HOST.name());
    ContainerToken token = new ContainerToken(keys.secret);
    WebServer web = new WebServer(kv, token, entryPoint::lastCall);
    String webUrl = "http://" + host + ":" + web.port();
    shareWithContainers(token, webUrl);
    shareSecretFiles();
    maxCapability = rm.registerApplicationMaster(host, gateway.getListeningPort(), webUrl + "/")
        .getMaximumResourceCapability();
    LOG.info("Registered; gateway on {}:{}, web on {}; maximum allocation {}", host, gateway.getListeningPort(),
        webUrl, maxCapability);

    allocator.request(initialNames(), spec.containers.memory, spec.containers.vcores, 0);
    ready.countDown();
    allocator.start(this);
    if (spec.keepAlive && spec.idleTimeout > 0) {
      watchForAbandonment(entryPoint);
    }
    done.await();

    launcher.stop();
    awaitReplies(entryPoint);
    gateway.shutdown();
    web.stop();
    return 0;
  }

  private List<String> initialNames() {
    List<String> names = spec.containers.names;
    return names == null || names.isEmpty() ? Collections.<String>nCopies(spec.containers.count, null) : names;
  }

  /**
   * Tells every container the AM's web address and gives it the container token (a file in the staging dir), so
   * it can use the key-value store. Without a staging dir (or if HDFS refuses) containers go without the token.
   */
  private void shareWithContainers(ContainerToken token, String webUrl) {
    String dir = System.getenv(Knit.ENV_STAGING_DIR);
    LocalResource resource = null;
    if (dir != null) {
      try {
        Path p = new Path(dir);
        resource = token.publish(p.getFileSystem(conf), p);
      } catch (IOException e) {
        LOG.warn("Could not write the container token into {}: {}", dir, e.toString());
      }
    }
    launcher.shareWithContainers(Collections.singletonMap(Knit.ENV_AM_URL, webUrl), ContainerToken.LINK_NAME,
        resource);
  }

  /** Every container gets the application's secret files ({@link SecretFiles}), from the staging dir. */
  private void shareSecretFiles() throws IOException {
    String dir = System.getenv(Knit.ENV_STAGING_DIR);
    if (dir == null) {
      return;
    }
    Path p = new Path(dir);
    for (Map.Entry<String, LocalResource> f : SecretFiles.resources(p.getFileSystem(conf), p).entrySet()) {
      launcher.shareWithContainers(Collections.<String, String>emptyMap(), f.getKey(), f.getValue());
    }
  }

  KeyValueStore kv() {
    return kv;
  }

  // -- lifecycle ---------------------------------------------------------------------------------------------

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

  /** Ends the application, exactly once: stop the heartbeat, unregister. Later calls do nothing. */
  void finish(FinalApplicationStatus status, String diagnostics) {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    LOG.info("Finishing: {} {}", status, diagnostics);
    try {
      allocator.stop();
      // Before unregistering: once the RM reports the end, nothing of the application is left in HDFS.
      removeStagingDir();
      rm.unregisterApplicationMaster(status, diagnostics, null);
    } catch (Exception e) {
      LOG.error("Could not unregister from the ResourceManager", e);
    } finally {
      done.countDown();
    }
  }

  /**
   * A container ended on its own (not removed): restart it, or end the app if nothing is left (unless the spec
   * keeps it alive: then only kill or shutdown ends it).
   */
  private void endedOnItsOwn(ContainerTracker.Record r) {
    if (r.state() == ContainerTracker.State.FAILED && r.restarts < spec.maxRestarts) {
      tracker.markReplaced(r);
      LOG.info("Restarting after {} failed (restart {} of {})", r.containerId(), r.restarts + 1, spec.maxRestarts);
      allocator.request(Collections.singletonList(r.name), r.memory, r.vcores, r.restarts + 1);
      return;
    }
    if (spec.finishesWith(r.name)) {
      finishWith(r);
      return;
    }
    ContainerTracker.Outcome outcome = spec.keepAlive ? null : tracker.outcome();
    if (outcome != null) {
      finish(outcome.succeeded ? FinalApplicationStatus.SUCCEEDED : FinalApplicationStatus.FAILED,
          outcome.diagnostics);
    }
  }

  /** A container of {@code finish_with} ended on its own: the application ends with its outcome. */
  private void finishWith(ContainerTracker.Record r) {
    boolean ok = r.state() == ContainerTracker.State.SUCCEEDED;
    finish(ok ? FinalApplicationStatus.SUCCEEDED : FinalApplicationStatus.FAILED, r.name + " (" + r.containerId()
        + ") exited with code " + r.exitStatus + (ok ? "" : ": " + r.diagnostics));
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
  List<ContainerTracker.Record> add(int n, int memory, int vcores) {
    checkSize(memory, vcores);
    return allocator.request(n, memory, vcores, 0);
  }

  private void checkSize(int memory, int vcores) {
    Resource max = maxCapability;
    if (max != null && (memory > max.getMemorySize() || vcores > max.getVirtualCores())) {
      throw new IllegalArgumentException("a container of " + memory + " MB and " + vcores + " vcores is more than the "
          + "scheduler's maximum allocation of " + max.getMemorySize() + " MB and " + max.getVirtualCores()
          + " vcores (yarn.scheduler.maximum-allocation-mb/-vcores)");
    }
  }

  /** Asks for one container per name; a name may not be that of a container still requested or running. */
  List<ContainerTracker.Record> addNamed(List<String> names, int memory, int vcores) {
    org.knit.spec.Containers.checkNames(names, "names");
    for (String n : names) {
      if (tracker.liveByName(n) != null) {
        throw new IllegalArgumentException("a container named '" + n + "' is already requested or running");
      }
    }
    checkSize(memory, vcores);
    return allocator.request(names, memory, vcores, 0);
  }

  /** Removes a container at the user's request; never ends the application. */
  boolean remove(ContainerTracker.Record r) {
    if (allocator.cancel(r)) {
      return true;
    }
    if (!tracker.markRemoved(r)) {
      return false;
    }
    if (r.state() == ContainerTracker.State.RUNNING) {
      launcher.stopContainer(r.container());
    } else {
      allocator.release(r.container());
    }
    return true;
  }

  // -- allocator events (heartbeat thread) -------------------------------------------------------------------

  @Override
  public void allocated(ContainerTracker.Record r) {
    launcher.launch(r);
  }

  @Override
  public void completed(ContainerStatus status) {
    ContainerTracker.Record r = tracker.byContainerId(status.getContainerId().toString());
    if (r == null) {
      return; // a surplus container we released
    }
    int exit = status.getExitStatus();
    boolean removed = tracker.isRemoved(r);
    ContainerTracker.State to;
    if (removed) {
      to = r.state() == ContainerTracker.State.ALLOCATED ? ContainerTracker.State.RELEASED
          : ContainerTracker.State.KILLED;
    } else {
      to = exit == ContainerExitStatus.SUCCESS ? ContainerTracker.State.SUCCEEDED : ContainerTracker.State.FAILED;
    }
    if (tracker.transition(r, to, exit, status.getDiagnostics()) && !removed) {
      endedOnItsOwn(r);
    }
  }

  @Override
  public void heartbeatFailed(String why, Throwable cause) {
    LOG.error(why, cause);
    finish(FinalApplicationStatus.FAILED, why);
  }

  // -- launcher events (NMClientAsync threads) ---------------------------------------------------------------

  @Override
  public void started(ContainerTracker.Record r) {
    tracker.transition(r, ContainerTracker.State.RUNNING, null, null);
    if (tracker.isRemoved(r)) {
      launcher.stopContainer(r.container()); // removed while its launch was in flight
    }
  }

  @Override
  public void startFailed(ContainerTracker.Record r, Throwable t) {
    allocator.release(r.container());
    boolean removed = tracker.isRemoved(r);
    ContainerTracker.State to = removed ? ContainerTracker.State.RELEASED : ContainerTracker.State.FAILED;
    if (tracker.transition(r, to, null, "failed to start: " + t) && !removed) {
      endedOnItsOwn(r);
    }
  }

  @Override
  public void stopFailed(ContainerTracker.Record r, Throwable t) {
    allocator.release(r.container()); // the RM tells the NodeManager to kill it
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
    String dir = System.getenv(Knit.ENV_STAGING_DIR);
    if (dir == null) {
      return;
    }
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(conf);
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("Could not remove the staging dir {}: {}", dir, e.toString());
    }
  }
}
