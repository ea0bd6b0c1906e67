package org.knit.am;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.LocalResourceType;
import org.apache.hadoop.yarn.api.records.LocalResourceVisibility;
import org.apache.hadoop.yarn.api.records.URL;

/**
 * What a container proves itself with to the AM's HTTP endpoints ({@link WebServer}).
 *
 * <p>The token is derived from the gateway secret (HMAC), so every attempt of the AM derives the same one and the
 * gateway secret itself never leaves the AM. It reaches containers as a file (0600 in the staging dir, localized
 * with APPLICATION visibility) rather than an environment variable, which launch_container.sh — copied into the
 * container logs — would show. A request carries {@code X-Knit-Auth: <unix seconds>:<hex HMAC-SHA256(token,
 * METHOD \n path \n seconds \n body)>}: the token never crosses the network, and a captured request is good for
 * {@value #WINDOW_SECONDS} s only, for the same method, path and body.
 */
final class ContainerToken {
  static final String LINK_NAME = ".knit_am_token";
  static final String FILE_NAME = "container-token";
  static final String HEADER = "X-Knit-Auth";
  static final long WINDOW_SECONDS = 300;
  private static final String MAC = "HmacSHA256";

  private final byte[] token;

  ContainerToken(String gatewaySecret) {
    this.token = hex(hmac(gatewaySecret.getBytes(StandardCharsets.UTF_8),
        "knit-container-token".getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.US_ASCII);
  }

  /** Writes the token into {@code dir} (0600) and returns it as a resource to localize into every container. */
  LocalResource publish(FileSystem fs, Path dir) throws IOException {
    Path file = new Path(dir, FILE_NAME);
    try (OutputStream out = fs.create(file, new FsPermission((short) 0600), true, 4096,
        fs.getDefaultReplication(file), fs.getDefaultBlockSize(file), null)) {
      out.write(token);
    }
    FileStatus st = fs.getFileStatus(file);
    return LocalResource.newInstance(URL.fromPath(fs.makeQualified(file)), LocalResourceType.FILE,
        LocalResourceVisibility.APPLICATION, st.getLen(), st.getModificationTime());
  }

  /** True if {@code header} signs this request with the token, within the time window. */
  boolean verify(String method, String path, String header, byte[] body, long nowSeconds) {
    if (header == null) {
      return false;
    }
    int colon = header.indexOf(':');
    long ts;
    try {
      ts = Long.parseLong(header.substring(0, Math.max(colon, 0)));
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(nowSeconds - ts) > WINDOW_SECONDS) {
      return false;
    }
    byte[] expected = sign(token, method, path, ts, body).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, header.substring(colon + 1).getBytes(StandardCharsets.US_ASCII));
  }

  static String sign(byte[] token, String method, String path, long ts, byte[] body) {
    byte[] head = (method + "\n" + path + "\n" + ts + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] message = new byte[head.length + body.length];
    System.arraycopy(head, 0, message, 0, head.length);
    System.arraycopy(body, 0, message, head.length, body.length);
    return hex(hmac(token, message));
  }

  byte[] bytes() {
    return token.clone();
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(new SecretKeySpec(key, MAC));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no " + MAC + " in this JVM", e);
    }
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }
}
