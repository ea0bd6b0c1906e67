package org.knit.localcluster;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The control channel: only a client holding the 0600 key is obeyed, and each MAC is good for one nonce. */
public class ControlServerTest {

  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  private final List<String> executed = new ArrayList<>();

  private ControlServer start(File key) throws Exception {
    return ControlServer.start(key, (command, arg) -> {
      executed.add(command + " " + arg);
      if ("boom".equals(command)) {
        throw new IllegalArgumentException("no such fault");
      }
      return "done " + arg;
    });
  }

  /** One request; {@code macFor} says which nonce/key the MAC is computed with (null: the server's own). */
  private JsonObject ask(int port, byte[] key, String request, String forcedNonce) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String nonce = new Gson().fromJson(in.readLine(), JsonObject.class).get("nonce").getAsString();
      String mac = ControlServer.hex(ControlServer.hmac(key,
          ((forcedNonce == null ? nonce : forcedNonce) + request).getBytes(StandardCharsets.UTF_8)));
      OutputStream out = s.getOutputStream();
      out.write((mac + "\n" + request + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      return new Gson().fromJson(in.readLine(), JsonObject.class);
    }
  }

  @Test
  public void obeysTheKeyHolderOnlyAndAnswersErrors() throws Exception {
    File keyFile = new File(tmp.getRoot(), "control.key");
    try (ControlServer server = start(keyFile)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile.toPath())));
      byte[] key = ControlServer.unhex(new String(Files.readAllBytes(keyFile.toPath()), StandardCharsets.US_ASCII));
      assertEquals(32, key.length);

      JsonObject ok = ask(server.port(), key, "{\"command\": \"stop_node\", \"arg\": \"1\"}", null);
      assertTrue(ok.toString(), ok.get("ok").getAsBoolean());
      assertEquals("done 1", ok.get("result").getAsString());

      JsonObject err = ask(server.port(), key, "{\"command\": \"boom\"}", null);
      assertFalse(err.get("ok").getAsBoolean());
      assertEquals("no such fault", err.get("error").getAsString());

      byte[] wrong = key.clone();
      wrong[0] ^= 1;
      JsonObject refused = ask(server.port(), wrong, "{\"command\": \"stop_node\", \"arg\": \"0\"}", null);
      assertFalse(refused.get("ok").getAsBoolean());
      assertTrue(refused.get("error").getAsString().contains("not authorized"));

      // a MAC made for another nonce (a replayed request) is refused too
      JsonObject replay = ask(server.port(), key, "{\"command\": \"stop_node\", \"arg\": \"0\"}", "00ff");
      assertFalse(replay.get("ok").getAsBoolean());

      assertEquals(2, executed.size());  // only the two authorized requests ran
    }
  }

  @Test
  public void malformedMacsMatchNothing() throws Exception {
    try (ControlServer server = start(new File(tmp.getRoot(), "k"))) {
      assertFalse(server.verify("n", "r", "zz"));
      assertFalse(server.verify("n", "r", "abc"));
      assertFalse(server.verify("n", "r", ""));
    }
  }
}
