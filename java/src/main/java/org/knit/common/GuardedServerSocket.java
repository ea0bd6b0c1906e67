package org.knit.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import py4j.Protocol;

/**
 * The server socket under a Knit Py4J gateway: {@link #accept()} hands Py4J only connections that have completed
 * TLS (when configured) and Py4J's auth command with the secret, so Py4J's own code never reads a byte from a
 * stranger. Py4J's {@code GatewayServer} gives each connection a thread and reads its first line with no timeout
 * or length limit; here, before authentication:
 *
 * <ul>
 *   <li>a connection has {@link Limits#authTimeoutMs} in all (TLS handshake included) to authenticate;</li>
 *   <li>each of the two auth lines is at most {@link Limits#maxLineBytes};</li>
 *   <li>at most {@link Limits#maxUnauthenticated} connections wait at once: a new one evicts the oldest, so idle
 *       connections cannot lock a client out (it authenticates in a few round trips, long before it would be
 *       the oldest).</li>
 * </ul>
 *
 * Authenticated connections are Py4J's, with no limit (Py4J's own read timeout, 0 by default).
 */
final class GuardedServerSocket extends ServerSocket {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedServerSocket.class);
  private static final long REPORT_EVERY_MS = 60_000;
  /** Py4J binds with the JDK's default backlog of 50; a burst of connections should reach our accept loop. */
  private static final int BACKLOG = 512;

  /** The pre-authentication limits; {@link #shared()} reads them from {@code knit/shared/gateway.json}. */
  static final class Limits {
    final int authTimeoutMs;
    final int maxLineBytes;
    final int maxUnauthenticated;

    Limits(int authTimeoutMs, int maxLineBytes, int maxUnauthenticated) {
      this.authTimeoutMs = authTimeoutMs;
      this.maxLineBytes = maxLineBytes;
      this.maxUnauthenticated = maxUnauthenticated;
    }

    static Limits shared() {
      com.google.gson.JsonObject j = SharedFiles.json("gateway.json");
      return new Limits(j.get("auth_timeout_ms").getAsInt(), j.get("max_line_bytes").getAsInt(),
          j.get("max_unauthenticated").getAsInt());
    }
  }

  private final byte[] token;
  private final SSLContext tls;
  private final Limits limits;
  private final BlockingQueue<Socket> authenticated = new LinkedBlockingQueue<>();
  /** Raw sockets accepted and not yet authenticated, oldest first. */
  private final LinkedHashSet<Socket> pending = new LinkedHashSet<>();
  private final ThreadPoolExecutor authPool;
  private final ScheduledExecutorService timer;
  private final AtomicLong refused = new AtomicLong();

  GuardedServerSocket(String token, SSLContext tlsOrNull, Limits limits) throws IOException {
    super();
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.tls = tlsOrNull;
    this.limits = limits;
    // One thread per waiting connection at most. A burst evicts faster than evicted threads wake up to their
    // closed sockets, so a new connection's task may queue a moment; tasks of evicted connections end at once.
    this.authPool = new ThreadPoolExecutor(limits.maxUnauthenticated, limits.maxUnauthenticated, 30,
        TimeUnit.SECONDS, new LinkedBlockingQueue<Runnable>(), daemons("knit-gateway-auth"));
    this.authPool.allowCoreThreadTimeOut(true);
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemons("knit-gateway-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
  }

  @Override
  public void bind(SocketAddress endpoint, int backlog) throws IOException {
    super.bind(endpoint, backlog < 1 ? BACKLOG : backlog);
    Thread acceptor = daemons("knit-gateway-accept").newThread(this::acceptLoop);
    acceptor.start();
    timer.scheduleAtFixedRate(this::report, REPORT_EVERY_MS, REPORT_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  /** The next authenticated connection; blocks until there is one or the socket is closed. */
  @Override
  public Socket accept() throws IOException {
    while (!isClosed()) {
      try {
        Socket s = authenticated.poll(200, TimeUnit.MILLISECONDS);
        if (s != null) {
          return s;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SocketException("interrupted while waiting for a connection");
      }
    }
    throw new SocketException("Socket is closed");
  }

  @Override
  public void close() throws IOException {
    super.close();
    authPool.shutdownNow();
    timer.shutdownNow();
    synchronized (pending) {
      for (Socket s : pending) {
        quietClose(s);
      }
      pending.clear();
    }
    for (Socket s; (s = authenticated.poll()) != null; ) {
      quietClose(s);
    }
  }

  private void acceptLoop() {
    while (!isClosed()) {
      Socket raw;
      try {
        raw = super.accept();
      } catch (IOException e) {
        if (!isClosed()) {
          LOG.debug("accept failed: {}", e.toString());
        }
        continue;
      }
      try {
        admit(raw);
      } catch (IOException | RuntimeException e) {
        refused.incrementAndGet();
        quietClose(raw);
      }
    }
  }

  private void admit(Socket raw) throws IOException {
    raw.setKeepAlive(true); // a client that vanished (no FIN) frees its thread once TCP gives up on it
    raw.setTcpNoDelay(true);
    raw.setSoTimeout(limits.authTimeoutMs);
    Socket evicted = null;
    synchronized (pending) {
      if (pending.size() >= limits.maxUnauthenticated) {
        evicted = pending.iterator().next();
        pending.remove(evicted);
      }
      pending.add(raw);
    }
    if (evicted != null) {
      refused.incrementAndGet();
      quietClose(evicted);
    }
    ScheduledFuture<?> deadline = timer.schedule(() -> expire(raw), limits.authTimeoutMs, TimeUnit.MILLISECONDS);
    try {
      authPool.execute(() -> authenticate(raw, deadline));
    } catch (RejectedExecutionException e) {
      deadline.cancel(false);
      expire(raw);
    }
  }

  /** Closes a connection that is still unauthenticated (its deadline passed, or the pool is full). */
  private void expire(Socket raw) {
    boolean wasPending;
    synchronized (pending) {
      wasPending = pending.remove(raw);
    }
    if (wasPending) {
      refused.incrementAndGet();
      quietClose(raw);
    }
  }

  private void authenticate(Socket raw, ScheduledFuture<?> deadline) {
    Socket s = raw;
    boolean handedOver = false;
    try {
      if (raw.isClosed()) {
        return; // evicted or expired while its task waited for a thread
      }
      s = tls == null ? raw : handshake(raw);
      InputStream in = s.getInputStream();
      String command = readLine(in);
      String clientToken = Protocol.AUTH_COMMAND_NAME.equals(command) ? readLine(in) : null;
      OutputStream out = s.getOutputStream();
      if (clientToken == null || !MessageDigest.isEqual(token, clientToken.getBytes(StandardCharsets.UTF_8))) {
        // What Py4J's own AuthCommand answers, so a client with a wrong secret gets Py4J's error.
        out.write(Protocol.getOutputErrorCommand("Authentication error: "
            + (clientToken == null ? "unexpected command." : "bad auth token received."))
            .getBytes(StandardCharsets.UTF_8));
        out.flush();
        return;
      }
      synchronized (pending) {
        if (!pending.remove(raw)) {
          return; // evicted or expired while it authenticated
        }
      }
      deadline.cancel(false);
      out.write(Protocol.getOutputVoidCommand().getBytes(StandardCharsets.UTF_8));
      out.flush();
      s.setSoTimeout(0); // Py4J sets its own read timeout when it takes the connection
      handedOver = authenticated.offer(s);
    } catch (IOException | RuntimeException e) {
      LOG.debug("connection from {} dropped before authenticating: {}", raw.getRemoteSocketAddress(), e.toString());
    } finally {
      if (!handedOver) {
        expire(raw);
        quietClose(s);
      }
    }
  }

  private SSLSocket handshake(Socket raw) throws IOException {
    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
    ssl.setUseClientMode(false);
    ssl.setEnabledProtocols(GatewayKeys.PROTOCOLS);
    ssl.startHandshake();
    return ssl;
  }

  /** One line without its end (LF, or CRLF), at most {@code maxLineBytes}; read byte by byte, so nothing after
   * it is consumed (Py4J reads the rest). */
  private String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("closed before authenticating");
      }
      if (line.size() >= limits.maxLineBytes) {
        throw new IOException("an auth line longer than " + limits.maxLineBytes + " bytes");
      }
      line.write(b);
    }
    String s = new String(line.toByteArray(), StandardCharsets.UTF_8);
    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
  }

  private void report() {
    long n = refused.getAndSet(0);
    if (n > 0) {
      LOG.warn("{} connection(s) to the gateway closed before authenticating in the last {} s (wrong secret or "
          + "TLS, too slow, or evicted by newer ones)", n, REPORT_EVERY_MS / 1000);
    }
  }

  private static void quietClose(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing is all we wanted
    }
  }

  private static ThreadFactory daemons(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
