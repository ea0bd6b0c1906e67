package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.apache.hadoop.security.Credentials;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.knit.client.SelfSignedCertificate;
import py4j.GatewayServer;

/** The AM's gateway as Py4jServers.startTls serves it, over real loopback sockets. */
public class GatewayTlsTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private GatewayKeys keys;
  private GatewayServer server;
  private int port;

  @Before
  public void serve() throws Exception {
    SelfSignedCertificate c = SelfSignedCertificate.create("knit-am.test", 1);
    keys = new GatewayKeys(SECRET, c.keys.getPrivate(), c.certificate);
    server = Py4jServers.startTls(new Wire.Secretive(), InetAddress.getLoopbackAddress(), keys);
    port = server.getListeningPort();
  }

  @After
  public void stop() {
    server.shutdown();
  }

  @Test
  public void aTlsClientWithTheSecretIsServed() throws Exception {
    SSLSocket s = Wire.tls(Wire.trusting(keys.certificate), port);
    String protocol = s.getSession().getProtocol();
    assertTrue(protocol, protocol.equals("TLSv1.3") || protocol.equals("TLSv1.2"));
    String answer = Wire.exchange(s, 2, "A", SECRET, "c", "t", "containers", "e");
    assertEquals("!yv\n!yscontainer_secret\n", answer);
  }

  @Test
  public void aPlainClientWithTheSecretGetsNothing() throws Exception {
    String answer = Wire.exchange(Wire.plain(port), 2, "A", SECRET, "c", "t", "containers", "e");
    assertFalse(answer, answer.contains("container_secret"));
    assertFalse(answer, answer.contains("!yv"));
  }

  @Test
  public void aTlsClientWithoutTheSecretGetsNothing() throws Exception {
    SSLContext trusting = Wire.trusting(keys.certificate);
    String noAuth = Wire.exchange(Wire.tls(trusting, port), 1, "c", "t", "containers", "e");
    assertEquals("!xsAuthentication error: unexpected command.\n", noAuth);
    String wrong = Wire.exchange(Wire.tls(trusting, port), 2, "A", "not-the-secret-00000000000000000", "c", "t",
        "containers", "e");
    assertEquals("!xsAuthentication error: bad auth token received.\n", wrong);
    // The control: the same exchange with the secret does reach the entry point, so "nothing" above means refused.
    String right = Wire.exchange(Wire.tls(trusting, port), 2, "A", SECRET, "c", "t", "containers", "e");
    assertTrue(right, right.contains("container_secret"));
  }

  @Test
  public void aClientTrustingAnotherCertificateFailsTheHandshake() throws Exception {
    SelfSignedCertificate other = SelfSignedCertificate.create("knit-am.other", 1);
    try {
      Wire.tls(Wire.trusting(other.certificate), port).close();
      fail("the handshake succeeded with a certificate the client does not trust");
    } catch (SSLException expected) {
      // PKIX path building failed: the server's certificate is not the pinned one
    }
  }

  @Test
  public void keysTravelInCredentials() throws Exception {
    Credentials creds = new Credentials();
    keys.addTo(creds);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    creds.writeTokenStorageToStream(new DataOutputStream(bytes));
    Credentials read = new Credentials();
    read.readTokenStorageStream(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    GatewayKeys back = GatewayKeys.fromCredentials(read);
    assertEquals(SECRET, back.secret);
    assertEquals(keys.certificate, back.certificate);
    assertEquals(keys.key, back.key);
    GatewayServer again = Py4jServers.startTls(new Wire.Secretive(), InetAddress.getLoopbackAddress(), back);
    try {
      String answer = Wire.exchange(Wire.tls(Wire.trusting(keys.certificate), again.getListeningPort()), 2, "A",
          SECRET, "c", "t", "containers", "e");
      assertTrue(answer, answer.contains("container_secret"));
    } finally {
      again.shutdown();
    }
  }

  @Test(expected = IllegalStateException.class)
  public void credentialsWithoutTheKeyAreAClearError() throws Exception {
    Credentials creds = new Credentials();
    creds.addSecretKey(Knit.SECRET_ALIAS, SECRET.getBytes("UTF-8"));
    GatewayKeys.fromCredentials(creds);
  }

  @Test
  public void theServerClosesAPlainClientAtOnce() throws Exception {
    try (Socket s = Wire.plain(port)) {
      s.getOutputStream().write(("A\n" + SECRET + "\n").getBytes("UTF-8"));
      assertTrue("a plain client's bytes are not a TLS ClientHello", Wire.closedByPeer(s));
    }
  }
}
