package org.knit.common;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  /** What an AM's entry point does for {@code containers()} with two containers: records to JSON, per call. */
  public static final class EntryPoint {
    public String containers() {
      List<Map<String, Object>> records = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", "container_1796165540544_0006_01_00000" + (i + 2));
        r.put("state", "RUNNING");
        r.put("request_id", 0);
        r.put("node_id", "localhost:4123" + i);
        r.put("node_http_address", "localhost:804" + i);
        r.put("vcores", 1);
        r.put("memory", 128);
        r.put("exit_status", null);
        r.put("diagnostics", "");
        r.put("restarts", 0);
        r.put("start_time", System.currentTimeMillis());
        r.put("finish_time", 0);
        records.add(r);
      }
      return Json.toJson(records);
    }

    /** The cheapest call there is: what Py4J and the transport cost alone. */
    public int ping() {
      return 1;
    }
  }

  public static void main(String[] args) throws Exception {
    EntryPoint entryPoint = new EntryPoint();
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
