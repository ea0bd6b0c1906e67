package org.knit.client;

import org.knit.common.Py4jServers;
import org.knit.common.Wire;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import py4j.GatewayServer;

/** The Py4J server as Knit runs it (the same code as the AM's gateway), over a real loopback socket. */
public class GatewayTest {
  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void callsWithoutTheSecretGetNothing() throws Exception {
    String token = "0123456789abcdef0123456789abcdef";
    GatewayServer server = Py4jServers.start(new Wire.Secretive(), InetAddress.getLoopbackAddress(), token);
    try {
      int port = server.getListeningPort();
      // Py4J call protocol: c (call), target t (the entry point), method, e (end).
      String unauthenticated = Wire.exchange(Wire.plain(port), 1, "c", "t", "containers", "e");
      assertFalse(unauthenticated, unauthenticated.contains("container_secret"));
      String wrongToken = Wire.exchange(Wire.plain(port), 2, "A", "not-the-token-at-all-00000000000", "c", "t",
          "containers", "e");
      assertFalse(wrongToken, wrongToken.contains("container_secret"));
      String authenticated = Wire.exchange(Wire.plain(port), 2, "A", token, "c", "t", "containers", "e");
      assertTrue(authenticated, authenticated.contains("container_secret"));
    } finally {
      server.shutdown();
    }
  }

  @Test(expected = IllegalArgumentException.class)
  public void refusesAWeakSecret() {
    Py4jServers.start(new Wire.Secretive(), InetAddress.getLoopbackAddress(), "short");
  }

  @Test
  public void connectionFileIsPrivateAndAtomic() throws Exception {
    File conn = new File(tmp.getRoot(), "gateway.json");
    Gateway.writeConnectionFile(conn, 4242);
    assertEquals("{\"port\":4242}", new String(Files.readAllBytes(conn.toPath()), StandardCharsets.UTF_8));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(conn.toPath())));
    assertFalse(new File(conn.getPath() + ".tmp").exists());
  }
}
