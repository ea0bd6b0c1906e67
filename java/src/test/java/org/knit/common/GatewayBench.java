package org.knit.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.knit.client.SelfSignedCertificate;
import py4j.GatewayServer;

/**
 * For benchmarks/gateway_tls.py: one entry point served by a plain and a TLS gateway of {@link Py4jServers}
 * (the same guarded accept loop as the AM's), so the two differ by TLS alone. Prints their ports, the secret and
 * the certificate as one JSON line, then serves until stdin closes.
 */
public final class GatewayBench {
  private GatewayBench() {}

  /** An answer the size of an AM's {@code containers()} for two containers. */
  public static final class EntryPoint {
    private final String answer;

    EntryPoint(String answer) {
      this.answer = answer;
    }

    public String containers() {
      return answer;
    }
  }

  public static void main(String[] args) throws Exception {
    StringBuilder json = new StringBuilder("[");
    for (int i = 0; i < 2; i++) {
      json.append(i == 0 ? "" : ",").append("{\"id\":\"container_1796165540544_0006_01_00000").append(i + 2)
          .append("\",\"state\":\"RUNNING\",\"request_id\":0,\"node_id\":\"localhost:41234\",")
          .append("\"node_http_address\":\"localhost:8042\",\"vcores\":1,\"memory\":128,\"exit_status\":null,")
          .append("\"diagnostics\":\"\",\"restarts\":0,\"start_time\":1796165541000,\"finish_time\":0}");
    }
    EntryPoint entryPoint = new EntryPoint(json.append("]").toString());
    String secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    SelfSignedCertificate c = SelfSignedCertificate.create("knit-am.bench", 1);
    GatewayKeys keys = new GatewayKeys(secret, c.keys.getPrivate(), c.certificate);
    InetAddress loopback = InetAddress.getLoopbackAddress();
    GatewayServer plain = Py4jServers.start(entryPoint, loopback, secret);
    GatewayServer tls = Py4jServers.startTls(entryPoint, loopback, keys);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("plain_port", plain.getListeningPort());
    out.put("tls_port", tls.getListeningPort());
    out.put("secret", secret);
    out.put("certificate", GatewayKeys.pem(c.certificate));
    System.out.println(Json.toJson(out));
    System.out.flush();
    waitForEof(System.in);
    plain.shutdown();
    tls.shutdown();
  }

  private static void waitForEof(InputStream in) throws IOException {
    byte[] buf = new byte[256];
    while (in.read(buf) >= 0) {
      // until the benchmark closes our stdin
    }
  }
}
