package org.knit.client;

import org.knit.common.Py4jServers;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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

  /** Something worth protecting: a call that would answer with data. */
  public static final class Secretive {
    public String containers() {
      return "container_secret";
    }
  }

  private static String exchange(int port, int answers, String... lines) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
          got.write(buf, 0, n);
          String text = got.toString("UTF-8");
          if (text.endsWith("\n") && text.split("\n").length >= answers) {
            break;
          }
        }
      } catch (SocketTimeoutException | java.net.SocketException e) {
        // the server closed or stayed silent: what it sent so far is the answer
      }
      return got.toString("UTF-8");
    }
  }

  @Test
  public void callsWithoutTheSecretGetNothing() throws Exception {
    String token = "0123456789abcdef0123456789abcdef";
    GatewayServer server = Py4jServers.start(new Secretive(), InetAddress.getLoopbackAddress(), token);
    try {
      int port = server.getListeningPort();
      // Py4J call protocol: c (call), target t (the entry point), method, e (end).
      String unauthenticated = exchange(port, 1, "c", "t", "containers", "e");
      assertFalse(unauthenticated, unauthenticated.contains("container_secret"));
      String wrongToken = exchange(port, 2, "A", "not-the-token-at-all-00000000000", "c", "t", "containers", "e");
      assertFalse(wrongToken, wrongToken.contains("container_secret"));
      String authenticated = exchange(port, 2, "A", token, "c", "t", "containers", "e");
      assertTrue(authenticated, authenticated.contains("container_secret"));
    } finally {
      server.shutdown();
    }
  }

  @Test(expected = IllegalArgumentException.class)
  public void refusesAWeakSecret() {
    Py4jServers.start(new Secretive(), InetAddress.getLoopbackAddress(), "short");
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
