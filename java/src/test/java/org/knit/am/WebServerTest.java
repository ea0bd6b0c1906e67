package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.knit.common.Knit;

/** The AM's HTTP server on loopback: the tracking URL's redirect and the containers' signed store. */
public class WebServerTest {
  private final KeyValueStore kv = new KeyValueStore();
  private final ContainerToken token = new ContainerToken("the gateway secret of this application");
  private WebServer web;

  @Before
  public void setUp() throws IOException {
    web = new WebServer(kv, token, () -> System.currentTimeMillis() - 42_000);
  }

  @After
  public void tearDown() {
    web.stop();
  }

  private HttpURLConnection open(String method, String path, String body, boolean sign) throws IOException {
    HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + web.port() + path).openConnection();
    c.setInstanceFollowRedirects(false);
    c.setRequestMethod(method);
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    if (sign) {
      long now = System.currentTimeMillis() / 1000;
      c.setRequestProperty(ContainerToken.HEADER, now + ":" + ContainerToken.sign(token.bytes(), method, path, now, bytes));
    }
    if (body != null) {
      c.setDoOutput(true);
      try (OutputStream out = c.getOutputStream()) {
        out.write(bytes);
      }
    }
    return c;
  }

  private static String read(HttpURLConnection c) throws IOException {
    try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
      return in == null ? "" : new String(readAll(in), StandardCharsets.UTF_8);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) > 0; ) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  @Test
  public void redirectsTheTrackingUrlToThePublishedWebUi() throws IOException {
    assertEquals(503, open("GET", "/status", null, false).getResponseCode());
    kv.put(Knit.WEB_TARGET_KEY, "http://dashboard:8787/");
    HttpURLConnection c = open("GET", "/info/main/workers.html?x=1", null, false);
    assertEquals(302, c.getResponseCode());
    assertEquals("http://dashboard:8787/info/main/workers.html?x=1", c.getHeaderField("Location"));
    assertEquals(405, open("PUT", "/status", "x", false).getResponseCode());
  }

  @Test
  public void containersReadAndWriteTheStoreWithSignedRequestsOnly() throws IOException {
    assertEquals(403, open("PUT", "/knit/kv/dask.scheduler-address", "tcp://evil:1", false).getResponseCode());
    assertNull(kv.get("dask.scheduler-address"));
    assertEquals(404, open("GET", "/knit/kv/dask.scheduler-address", null, true).getResponseCode());
    assertEquals(204, open("PUT", "/knit/kv/dask.scheduler-address", "tcp://s:1", true).getResponseCode());
    assertEquals("tcp://s:1", kv.get("dask.scheduler-address"));
    HttpURLConnection get = open("GET", "/knit/kv/dask.scheduler-address", null, true);
    assertEquals(200, get.getResponseCode());
    assertEquals("tcp://s:1", read(get));
    assertEquals(403, open("GET", "/knit/kv/dask.scheduler-address", null, false).getResponseCode());
    assertEquals(400, open("PUT", "/knit/kv/bad%20key", "x", true).getResponseCode());
    HttpURLConnection idle = open("GET", "/knit/idle", null, true);
    assertEquals(200, idle.getResponseCode());
    assertEquals("{\"seconds_since_client_call\": 42}", read(idle));
  }
}
