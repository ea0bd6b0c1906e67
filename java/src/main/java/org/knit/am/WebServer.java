package org.knit.am;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.knit.common.Knit;

/**
 * The ApplicationMaster's HTTP server (JDK's {@code com.sun.net.httpserver}: no new dependency).
 *
 * <ul>
 *   <li>Its root is the application's tracking URL. The RM web proxy ({@code /proxy/<app>/...}) fetches it
 *       server-side and follows redirects (Hadoop's WebAppProxyServlet: Apache HttpClient, redirects on, GET and
 *       PUT only, a fixed list of request headers passed on), so a GET or HEAD under it is answered with a 302 to
 *       the same path under the URL stored at {@link Knit#WEB_TARGET_KEY} (a Dask dashboard), and the RM serves
 *       that page under its own address. Nothing published yet: 503.</li>
 *   <li>{@code /knit/kv/<key>} (GET, PUT) and {@code /knit/idle} (GET: seconds since a client last called the
 *       gateway) for the application's containers, signed with the {@link ContainerToken}; anything else there
 *       is 403.</li>
 * </ul>
 */
final class WebServer {
  private static final String KV = "/knit/kv/";
  private static final String IDLE = "/knit/idle";

  private final HttpServer server;
  private final ExecutorService pool;
  private final KeyValueStore kv;
  private final ContainerToken token;
  private final LongSupplier lastCall;

  WebServer(KeyValueStore kv, ContainerToken token, LongSupplier lastCall) throws IOException {
    this.kv = kv;
    this.token = token;
    this.lastCall = lastCall;
    // Every interface, as the gateway: the RM proxy and the containers connect from other hosts.
    server = HttpServer.create(new InetSocketAddress(0), 16);
    pool = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "knit-web");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void stop() {
    server.stop(0);
    pool.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getRawPath();
      if (path.startsWith("/knit/")) {
        signed(ex, path);
      } else {
        redirect(ex);
      }
    } catch (IllegalArgumentException e) {
      reply(ex, 400, e.getMessage());
    } finally {
      ex.close();
    }
  }

  private void redirect(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      reply(ex, 405, "only GET and HEAD are served here");
      return;
    }
    String target = kv.get(Knit.WEB_TARGET_KEY);
    if (target == null) {
      reply(ex, 503, "this application has published no web UI (yet)");
      return;
    }
    String query = ex.getRequestURI().getRawQuery();
    String base = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
    ex.getResponseHeaders().set("Location", base + ex.getRequestURI().getRawPath() + (query == null ? "" : "?" + query));
    ex.sendResponseHeaders(302, -1);
  }

  private void signed(HttpExchange ex, String path) throws IOException {
    String method = ex.getRequestMethod();
    byte[] body = readBody(ex.getRequestBody());
    if (!token.verify(method, path, ex.getRequestHeaders().getFirst(ContainerToken.HEADER), body,
        System.currentTimeMillis() / 1000)) {
      reply(ex, 403, "a signed request is required (" + ContainerToken.HEADER + ")");
      return;
    }
    if (path.equals(IDLE) && "GET".equals(method)) {
      long idle = (System.currentTimeMillis() - lastCall.getAsLong()) / 1000;
      reply(ex, 200, "{\"seconds_since_client_call\": " + idle + "}");
    } else if (path.startsWith(KV) && "GET".equals(method)) {
      String value = kv.get(path.substring(KV.length()));
      reply(ex, value == null ? 404 : 200, value == null ? "" : value);
    } else if (path.startsWith(KV) && "PUT".equals(method)) {
      kv.put(path.substring(KV.length()), new String(body, StandardCharsets.UTF_8));
      reply(ex, 204, null);
    } else {
      reply(ex, 404, "no such endpoint");
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) > 0) {
      out.write(buf, 0, n);
      if (out.size() > 4 * KeyValueStore.MAX_VALUE_CHARS) {
        throw new IllegalArgumentException("request body too large");
      }
    }
    return out.toByteArray();
  }

  private static void reply(HttpExchange ex, int code, String text) throws IOException {
    if (text == null || "HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(code, -1);
      return;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
