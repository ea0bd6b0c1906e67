package org.knit.common;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.GeneralSecurityException;
import javax.net.ServerSocketFactory;
import javax.net.ssl.SSLContext;
import py4j.GatewayServer;

/**
 * Py4J servers as Knit runs them: an ephemeral port, no callback server, and a {@link GuardedServerSocket} that
 * authenticates every connection (the secret as Py4J's auth command, within time and size limits) before Py4J
 * sees it. The ApplicationMaster's gateway is TLS-only ({@link #startTls}); the client JVM's listens on
 * loopback without TLS ({@link #start}).
 */
public final class Py4jServers {
  private Py4jServers() {}

  /** Serves {@code entryPoint} on {@code address} without TLS (loopback only: the client JVM's gateway). */
  public static GatewayServer start(Object entryPoint, InetAddress address, String token) {
    return serve(entryPoint, address, token, null);
  }

  /**
   * Serves {@code entryPoint} on {@code address} over TLS 1.2+ with {@code keys}' certificate; a client must
   * complete the handshake and then present {@code keys.secret}. A plain-TCP client fails the handshake.
   */
  public static GatewayServer startTls(Object entryPoint, InetAddress address, GatewayKeys keys)
      throws GeneralSecurityException {
    return serve(entryPoint, address, keys.secret, keys.serverContext());
  }

  private static GatewayServer serve(Object entryPoint, InetAddress address, String token, SSLContext tls) {
    return serve(entryPoint, address, token, tls, GuardedServerSocket.Limits.shared());
  }

  static GatewayServer serve(Object entryPoint, InetAddress address, String token, SSLContext tls,
      GuardedServerSocket.Limits limits) {
    if (token == null || token.length() < 16) {
      throw new IllegalArgumentException("a gateway needs a secret of at least 16 characters");
    }
    GatewayServer.turnLoggingOff();
    // No authToken for Py4J: the guarded socket has checked it already, and Python's Py4J sends it only once.
    GatewayServer server = new GatewayServer.GatewayServerBuilder(entryPoint)
        .javaAddress(address)
        .javaPort(0)
        .serverSocketFactory(new Factory(token, tls, limits))
        .build();
    server.start(true);
    return server;
  }

  /** Py4J asks for an unbound socket ({@code createServerSocket()}) and binds it itself. */
  private static final class Factory extends ServerSocketFactory {
    private final String token;
    private final SSLContext tls;
    private final GuardedServerSocket.Limits limits;

    Factory(String token, SSLContext tls, GuardedServerSocket.Limits limits) {
      this.token = token;
      this.tls = tls;
      this.limits = limits;
    }

    @Override
    public ServerSocket createServerSocket() throws IOException {
      return new GuardedServerSocket(token, tls, limits);
    }

    @Override
    public ServerSocket createServerSocket(int port) throws IOException {
      return createServerSocket(port, 0, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return createServerSocket(port, backlog, null);
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress address) throws IOException {
      ServerSocket s = createServerSocket();
      try {
        s.bind(new InetSocketAddress(address, port), backlog);
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
      return s;
    }
  }
}
