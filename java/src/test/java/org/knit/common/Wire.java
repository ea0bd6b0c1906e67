package org.knit.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Raw Py4J exchanges with a gateway over plain TCP or TLS, for tests: what a stranger's client sees. */
public final class Wire {
  private Wire() {}

  /** Something worth protecting: a call that answers with data. */
  public static final class Secretive {
    public String containers() {
      return "container_secret";
    }
  }

  /** A TLS client context trusting exactly {@code cert}. */
  public static SSLContext trusting(X509Certificate cert) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("pinned", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  public static Socket plain(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(5000);
    return s;
  }

  public static SSLSocket tls(SSLContext ctx, int port) throws IOException {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(5000);
    s.startHandshake();
    return s;
  }

  /** Sends {@code lines} and reads until {@code answers} answer lines came, the peer closed, or 5 s passed. */
  public static String exchange(Socket s, int answers, String... lines) throws IOException {
    try {
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
      } catch (SocketTimeoutException | SocketException e) {
        // the server closed or stayed silent: what it sent so far is the answer
      }
      return got.toString("UTF-8");
    } finally {
      s.close();
    }
  }

  /** Whether the server closes {@code s} (EOF or reset) within 5 s; what it sent first (a TLS alert) is skipped. */
  public static boolean closedByPeer(Socket s) throws IOException {
    s.setSoTimeout(5000);
    try {
      InputStream in = s.getInputStream();
      while (in.read() >= 0) {
        // skip
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset, or TLS alert
    }
  }
}
