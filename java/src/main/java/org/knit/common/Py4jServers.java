package org.knit.common;

import java.net.InetAddress;
import py4j.GatewayServer;

/** Py4J servers as Knit runs them: an ephemeral port, a required auth token, no callback server. */
public final class Py4jServers {
  private Py4jServers() {}

  /**
   * Starts serving {@code entryPoint} on {@code address}. Py4J closes any connection whose first command is not
   * the auth command with {@code token}, so a client without the secret gets nothing.
   */
  public static GatewayServer start(Object entryPoint, InetAddress address, String token) {
    if (token == null || token.length() < 16) {
      throw new IllegalArgumentException("a gateway needs a secret of at least 16 characters");
    }
    GatewayServer.turnLoggingOff();
    GatewayServer server = new GatewayServer.GatewayServerBuilder(entryPoint)
        .javaAddress(address)
        .javaPort(0)
        .authToken(token)
        .build();
    server.start(true);
    return server;
  }
}
