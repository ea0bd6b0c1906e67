package org.knit.am;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
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
 * user with the same environment starts without downloading and unpacking it again; never PUBLIC), the {@link LaunchScript} command, and as tokens only the HDFS delegation tokens the AM was given —
 * never the AM-RM token (which would let a container act as the ApplicationMaster) nor the AM's gateway secret.
 */
final class ContainerLauncher extends NMClientAsync.AbstractCallbackHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerLauncher.class);

  /** Where launch results go (called on NMClientAsync threads). */
  interface Events {
    void started(ContainerTracker.Record r);

    void startFailed(ContainerTracker.Record r, Throwable t);

    void stopFailed(ContainerTracker.Record r, Throwable t);
  }

  private final ContainerTracker tracker;
  private final Map<String, LocalResource> resources;
  private final String command;
  private final ByteBuffer tokens;
  private final NMClientAsync nm;
  private Events events;
  /** Environment and resources every container also gets (the AM's URL, the container token); set before start. */
  private final Map<String, String> sharedEnv = new HashMap<>();

  ContainerLauncher(ApplicationSpec spec, Configuration conf, ContainerTracker tracker, Credentials amCredentials)
      throws IOException {
    this.tracker = tracker;
    this.resources = localResources(spec);
    this.command = LaunchScript.command(spec);
    this.tokens = containerTokens(amCredentials);
    this.nm = NMClientAsync.createNMClientAsync(this);
    nm.init(conf);
  }

  void start(Events events) {
    this.events = events;
    nm.start();
  }

  /** Stops the client, which stops every container it started that is still running. */
  void stop() {
    nm.stop();
  }

  /** Gives every container launched from now on {@code env} and, under {@code linkName}, {@code resource}. */
  void shareWithContainers(Map<String, String> env, String linkName, LocalResource resource) {
    sharedEnv.putAll(env);
    if (resource != null && !resources.containsKey(linkName)) {
      resources.put(linkName, resource);
    }
  }

  void launch(ContainerTracker.Record r) {
    // A fresh context per container: the records are not safe to share between concurrent launches.
    ContainerLaunchContext ctx = ContainerLaunchContext.newInstance(new HashMap<>(resources),
        environment(r, sharedEnv), Collections.singletonList(command), null, tokens.duplicate(), null);
    nm.startContainerAsync(r.container(), ctx);
  }

  /** {@link #environment(Container)} plus the request's id and name, and what every container shares. */
  static Map<String, String> environment(ContainerTracker.Record r, Map<String, String> shared) {
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

  static Map<String, LocalResource> localResources(ApplicationSpec spec) {
    Map<String, LocalResource> local = new HashMap<>();
    for (Localized f : spec.resources()) {
      if (!f.isResolved()) {
        throw new IllegalStateException("resource '" + f.name + "' was not resolved by the client");
      }
      LocalResourceType type = f.type() == Localized.Type.ARCHIVE ? LocalResourceType.ARCHIVE : LocalResourceType.FILE;
      local.put(f.name, LocalResource.newInstance(URL.fromPath(new Path(f.path)), type,
          LocalResourceVisibility.PRIVATE, f.size, f.timestamp));
    }
    return local;
  }

  /** The AM's tokens minus the AM-RM token; secret keys (our gateway secret) are not copied. */
  static ByteBuffer containerTokens(Credentials am) throws IOException {
    Credentials forContainers = new Credentials();
    for (Token<?> t : am.getAllTokens()) {
      if (!AMRMTokenIdentifier.KIND_NAME.equals(t.getKind())) {
        forContainers.addToken(t.getService(), t);
      }
    }
    DataOutputBuffer out = new DataOutputBuffer();
    forContainers.writeTokenStorageToStream(out);
    return ByteBuffer.wrap(out.getData(), 0, out.getLength());
  }

  private ContainerTracker.Record record(ContainerId id) {
    return tracker.byContainerId(id.toString());
  }

  @Override
  public void onContainerStarted(ContainerId id, Map<String, ByteBuffer> serviceData) {
    ContainerTracker.Record r = record(id);
    if (r != null) {
      events.started(r);
    }
  }

  @Override
  public void onStartContainerError(ContainerId id, Throwable t) {
    LOG.warn("Container {} failed to start", id, t);
    ContainerTracker.Record r = record(id);
    if (r != null) {
      events.startFailed(r, t);
    }
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
    ContainerTracker.Record r = record(id);
    if (r != null) {
      events.stopFailed(r, t);
    }
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
