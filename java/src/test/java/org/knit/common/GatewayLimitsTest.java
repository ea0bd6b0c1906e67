package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Test;
import py4j.GatewayServer;

/**
 * What strangers can do to a gateway before authenticating, with small limits (the shipped ones are in
 * knit/shared/gateway.json): they are cut off by time, by line length and by number, and an authenticated client
 * does not notice.
 */
public class GatewayLimitsTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private static final int AUTH_TIMEOUT_MS = 1500;
  private static final int MAX_LINE = 128;
  private static final int MAX_PENDING = 4;
  private GatewayServer server;

  private int serve() {
    server = Py4jServers.serve(new Wire.Secretive(), InetAddress.getLoopbackAddress(), SECRET, null,
        new GuardedServerSocket.Limits(AUTH_TIMEOUT_MS, MAX_LINE, MAX_PENDING));
    return server.getListeningPort();
  }

  @After
  public void stop() {
    if (server != null) {
      server.shutdown();
    }
  }

  @Test
  public void anEndlessFirstLineIsCutOff() throws Exception {
    int port = serve();
    long sent = 0;
    try (Socket s = Wire.plain(port)) {
      OutputStream out = s.getOutputStream();
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) 'x');
      try {
        for (; sent < 300L * 1024 * 1024; sent += chunk.length) {
          out.write(chunk);
        }
        fail("the server read 300 MB without a newline");
      } catch (IOException expected) {
        // reset by the server after MAX_LINE bytes (plus what the socket buffers held)
      }
    }
    assertTrue("sent " + sent, sent < 64L * 1024 * 1024);
    assertEquals("!yv\n!yscontainer_secret\n", authenticatedCall(port));
  }

  @Test
  public void aSilentConnectionIsClosedAfterTheAuthTimeout() throws Exception {
    int port = serve();
    try (Socket s = Wire.plain(port)) {
      s.setSoTimeout(AUTH_TIMEOUT_MS * 4);
      long t0 = System.nanoTime();
      assertEquals(-1, s.getInputStream().read());
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue("closed after " + ms + " ms", ms >= AUTH_TIMEOUT_MS - 100);
    }
  }

  @Test
  public void idleStrangersCannotLockAClientOut() throws Exception {
    int port = serve();
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 10 * MAX_PENDING; i++) {
        idle.add(Wire.plain(port));
      }
      // A new client evicts the oldest idle connection rather than being refused.
      assertEquals("!yv\n!yscontainer_secret\n", authenticatedCall(port));
      int closed = 0;
      for (Socket s : idle.subList(0, idle.size() - MAX_PENDING)) {
        closed += Wire.closedByPeer(s) ? 1 : 0;
      }
      assertEquals("the oldest idle connections were evicted", idle.size() - MAX_PENDING, closed);
    } finally {
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  @Test
  public void anAuthenticatedConnectionHasNoTimeout() throws Exception {
    int port = serve();
    try (Socket s = Wire.plain(port)) {
      s.setSoTimeout(AUTH_TIMEOUT_MS * 4);
      OutputStream out = s.getOutputStream();
      out.write(("A\n" + SECRET + "\n").getBytes("UTF-8"));
      out.flush();
      assertEquals("!yv\n", readAnswer(s));
      Thread.sleep(AUTH_TIMEOUT_MS * 2L); // an unauthenticated connection would be closed by now
      out.write("c\nt\ncontainers\ne\n".getBytes("UTF-8"));
      out.flush();
      assertEquals("!yscontainer_secret\n", readAnswer(s));
    }
  }

  private static String authenticatedCall(int port) throws IOException {
    return Wire.exchange(Wire.plain(port), 2, "A", SECRET, "c", "t", "containers", "e");
  }

  private static String readAnswer(Socket s) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = s.getInputStream().read(); c >= 0; c = s.getInputStream().read()) {
      b.append((char) c);
      if (c == '\n') {
        break;
      }
    }
    return b.toString();
  }
}
