package org.knit.localcluster;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

/**
 * The control channel of a running local cluster: a loopback socket on which another process of the same user
 * (Python's {@code LocalCluster}, {@code knit cluster node stop}) asks for a fault.
 *
 * <p>Authentication: a random key in {@code <dir>/control.key}, created with mode 0600 (so only the cluster's
 * user can read it). Each connection gets a fresh nonce; the client proves it knows the key by sending
 * HMAC-SHA256(key, nonce || request) before the request, so the key never crosses the socket and a recorded
 * request cannot be replayed. One request per connection:
 * <pre>
 *   server: {"nonce": "&lt;hex&gt;"}\n
 *   client: &lt;hex mac&gt;\n{"command": "stop_node", "arg": "1"}\n
 *   server: {"ok": true, "result": ...}\n   or   {"ok": false, "error": "..."}\n
 * </pre>
 */
final class ControlServer implements Closeable {

  /** Executes one request; throws to answer with an error. */
  interface Handler {
    Object handle(String command, String arg) throws Exception;
  }

  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] key;
  private final Handler handler;
  private final ServerSocket server;

  private ControlServer(byte[] key, Handler handler) throws IOException {
    this.key = key;
    this.handler = handler;
    this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
  }

  /** Writes a new key to {@code keyFile} (0600) and starts serving on an ephemeral loopback port. */
  static ControlServer start(File keyFile, Handler handler) throws IOException {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    SiteFiles.createPrivate(keyFile);
    Files.write(keyFile.toPath(), hex(key).getBytes(StandardCharsets.US_ASCII));
    ControlServer s = new ControlServer(key, handler);
    Thread t = new Thread(s::serve, "local-cluster-control");
    t.setDaemon(true);
    t.start();
    return s;
  }

  int port() {
    return ((InetSocketAddress) server.getLocalSocketAddress()).getPort();
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        s.setSoTimeout(10_000);  // the request must come promptly; the answer may take long
        answer(s);
      } catch (SocketException e) {
        // closed: the cluster is stopping (or the client went away)
      } catch (IOException | RuntimeException e) {
        System.err.println("local cluster control: " + e);
      }
    }
  }

  private void answer(Socket s) throws IOException {
    String nonce = hex(randomBytes(16));
    OutputStream out = s.getOutputStream();
    send(out, "{\"nonce\": \"" + nonce + "\"}");
    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    String mac = in.readLine();
    String request = in.readLine();
    Map<String, Object> reply = new LinkedHashMap<>();
    if (mac == null || request == null || !verify(nonce, request, mac)) {
      reply.put("ok", false);
      reply.put("error", "not authorized: the request must carry the HMAC of the cluster's control.key");
    } else {
      s.setSoTimeout(0);
      reply = execute(request);
    }
    send(out, GSON.toJson(reply));
  }

  private Map<String, Object> execute(String request) {
    Map<String, Object> reply = new LinkedHashMap<>();
    try {
      JsonObject r = GSON.fromJson(request, JsonObject.class);
      String command = r.get("command").getAsString();
      String arg = r.has("arg") && !r.get("arg").isJsonNull() ? r.get("arg").getAsString() : null;
      Object result = handler.handle(command, arg);
      reply.put("ok", true);
      reply.put("result", result);
    } catch (Exception e) {
      // Every failure goes back to the caller, who raises it; the cluster keeps serving.
      reply.put("ok", false);
      reply.put("error", e.getMessage() == null ? e.toString() : e.getMessage());
      if (!(e instanceof IllegalArgumentException)) {
        e.printStackTrace();
      }
    }
    return reply;
  }

  /** Constant-time check of the client's HMAC over nonce || request. */
  boolean verify(String nonce, String request, String macHex) {
    byte[] expected = hmac(key, (nonce + request).getBytes(StandardCharsets.UTF_8));
    return MessageDigest.isEqual(expected, unhex(macHex.trim()));
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
    }
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x & 0xff));
    }
    return sb.toString();
  }

  /** The bytes of a hex string; empty if it is not one (which then matches no MAC). */
  static byte[] unhex(String s) {
    if (s.length() % 2 != 0) {
      return new byte[0];
    }
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        return new byte[0];
      }
      b[i] = (byte) (hi << 4 | lo);
    }
    return b;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
