package org.knit.common;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.apache.hadoop.hdfs.security.token.delegation.DelegationTokenIdentifier;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.security.AMRMTokenIdentifier;
import org.junit.Test;

/** Which delegation token dies first, and lifetimes said for people (the expiry diagnostic names one). */
public class DelegationTokensTest {
  private static Token<DelegationTokenIdentifier> hdfs(long issue, long max, String service) {
    DelegationTokenIdentifier id = new DelegationTokenIdentifier(new Text("alice"), new Text("rm"), new Text("alice"));
    id.setIssueDate(issue);
    id.setMaxDate(max);
    return new Token<>(id.getBytes(), new byte[] {1}, id.getKind(), new Text(service));
  }

  @Test
  public void theFirstToDieIsTheEarliestMaximumDateAndOnlyDelegationTokensCount() {
    Credentials creds = new Credentials();
    creds.addToken(new Text("a"), hdfs(1_000, 91_000, "nn1:8020"));
    creds.addToken(new Text("b"), hdfs(2_000, 50_000, "nn2:8020"));
    creds.addToken(new Text("rm"), new Token<>(new byte[] {9}, new byte[] {9}, AMRMTokenIdentifier.KIND_NAME,
        new Text("rm:8030")));
    assertEquals(50_000, DelegationTokens.firstToDie(creds).getMaxDate());
    assertEquals(48_000, DelegationTokens.firstToDie(creds).getMaxDate()
        - DelegationTokens.firstToDie(creds).getIssueDate());
    assertNull(DelegationTokens.firstToDie(new Credentials()));
  }

  @Test
  public void durationsForPeople() {
    assertEquals("90 s", DelegationTokens.duration(90_000));
    assertEquals("25 min", DelegationTokens.duration(25 * 60_000));
    assertEquals("24 h", DelegationTokens.duration(86_400_000L));
    assertEquals("7 days", DelegationTokens.duration(7 * 86_400_000L));
  }
}
