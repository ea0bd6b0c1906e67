package org.knit.client;

import org.knit.common.Json;
import org.knit.common.Py4jServers;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicBoolean;
import py4j.GatewayServer;

/**
 * The client JVM Python starts: {@code java -cp knit.jar:<hadoop classpath> org.knit.client.Gateway <conn-file>}.
 *
 * <ol>
 *   <li>reads the auth token as the first line of stdin (never argv or the environment);</li>
 *   <li>serves {@link ClientEntryPoint} with Py4J on 127.0.0.1, an ephemeral port, requiring the token;</li>
 *   <li>writes {@code {"port": P}} to {@code <conn-file>.tmp} (0600) and renames it to {@code <conn-file>};</li>
 *   <li>reads stdin until EOF — the pipe closes when the Python process exits, however it exits — then kills
 *       the non-detached applications it submitted and exits.</li>
 * </ol>
 */
public final class Gateway {
  private Gateway() {}

  public static void main(String[] args) throws IOException {
    ConfDirsFirst.install(); // first: before anything reads a Hadoop or log4j resource
    if (args.length != 1) {
      System.err.println("usage: java -cp knit.jar:<hadoop classpath> org.knit.client.Gateway <conn-file>  "
          + "(the auth token is read from the first line of stdin)");
      System.exit(2);
    }
    InputStream stdin = System.in;
    String token = readLine(stdin);
    if (token == null || token.trim().isEmpty()) {
      System.err.println("knit gateway: no auth token on stdin");
      System.exit(2);
    }
    ClientEntryPoint entryPoint = new ClientEntryPoint();
    AtomicBoolean stopped = new AtomicBoolean();
    Runnable stop = () -> {
      if (stopped.compareAndSet(false, true)) {
        entryPoint.killAttached();
      }
    };
    // SIGTERM, or System.exit below: either way the attached applications go with us.
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "knit-gateway-shutdown"));
    GatewayServer server = Py4jServers.start(entryPoint, InetAddress.getLoopbackAddress(), token.trim());
    writeConnectionFile(new File(args[0]), server.getListeningPort());

    drain(stdin);
    stop.run();
    server.shutdown();
    System.exit(0);
  }

  /** Reads one line byte by byte, so nothing after it is buffered away from {@link #drain}. */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
      sb.append((char) b);
    }
    return sb.toString();
  }

  private static void drain(InputStream in) {
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) != -1) {
        // anything Python writes after the token is ignored; we only wait for EOF
      }
    } catch (IOException e) {
      // a broken pipe is the same news as EOF: our Python process is gone
    }
  }

  static void writeConnectionFile(File conn, int port) throws IOException {
    File tmp = new File(conn.getPath() + ".tmp");
    Files.deleteIfExists(tmp.toPath());
    Files.createFile(tmp.toPath(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer w = Files.newBufferedWriter(tmp.toPath(), StandardCharsets.UTF_8)) {
      w.write(Json.toJson(Collections.singletonMap("port", port)));
    }
    Files.move(tmp.toPath(), conn.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

}
