package org.knit.am;

import org.knit.common.Knit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.io.DataInputByteBuffer;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.junit.Test;

/** What a worker container is handed: HDFS delegation tokens only. */
public class ContainerTokensTest {
  @Test
  public void containersNeverGetTheAmRmTokenNorTheGatewaySecret() throws IOException {
    Credentials am = new Credentials();
    am.addToken(new Text("rm"), new Token<>(new byte[] {1}, new byte[] {2}, AMRMTokenIdentifier.KIND_NAME,
        new Text("rm:8030")));
    Text hdfsService = new Text("nn:8020");
    am.addToken(hdfsService, new Token<>(new byte[] {3}, new byte[] {4}, new Text("HDFS_DELEGATION_TOKEN"),
        hdfsService));
    am.addSecretKey(Knit.SECRET_ALIAS, "secret".getBytes(StandardCharsets.UTF_8));

    ByteBuffer tokens = ContainerLauncher.containerTokens(am);
    DataInputByteBuffer in = new DataInputByteBuffer();
    in.reset(tokens);
    Credentials got = new Credentials();
    got.readTokenStorageStream(new DataInputStream(in));

    assertEquals(1, got.numberOfTokens());
    assertEquals(new Text("HDFS_DELEGATION_TOKEN"), got.getToken(hdfsService).getKind());
    assertEquals(0, got.numberOfSecretKeys());
    assertNull(got.getSecretKey(Knit.SECRET_ALIAS));
  }

  @Test
  public void renewedTokensReplaceTheirEldersAndNeverBringAnAmRmToken() {
    Text hdfs = new Text("nn:8020");
    Credentials current = ContainerLauncher.forContainers(new Credentials());
    current.addToken(hdfs, new Token<>(new byte[] {1}, new byte[] {1}, new Text("HDFS_DELEGATION_TOKEN"), hdfs));
    Credentials fresh = new Credentials();
    fresh.addToken(hdfs, new Token<>(new byte[] {2}, new byte[] {2}, new Text("HDFS_DELEGATION_TOKEN"), hdfs));
    fresh.addToken(new Text("rm"), new Token<>(new byte[] {3}, new byte[] {3}, AMRMTokenIdentifier.KIND_NAME,
        new Text("rm:8030")));
    fresh.addSecretKey(Knit.SECRET_ALIAS, "secret".getBytes(StandardCharsets.UTF_8));

    Credentials got = ContainerLauncher.renew(current, fresh);
    assertEquals(1, got.numberOfTokens());
    assertEquals(2, got.getToken(hdfs).getIdentifier()[0]);
    assertEquals(0, got.numberOfSecretKeys());
  }
}
