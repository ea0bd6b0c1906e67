package org.knit.am;

import static org.junit.Assert.assertTrue;

import org.junit.Test;

/** Without a keytab, the end of the tokens' lifetime is said in words that tell the user what to do. */
public class CredentialRenewerTest {
  @Test
  public void theExpiryDiagnosticNamesTheLifetimeAndTheKeywords() {
    String m = CredentialRenewer.expiredMessage(90_000);
    assertTrue(m, m.startsWith("delegation token expired; start with principal=/keytab= to run longer than 90 s"));
    assertTrue(m, m.contains("dfs.namenode.delegation.token.max-lifetime"));
  }

  @Test
  public void renewalComesAtThreeQuartersOfTheRemainingLife() {
    assertTrue(CredentialRenewer.RENEW_RATIO == 0.75);
    assertTrue(CredentialRenewer.MIN_DELAY_MS < 30_000 * CredentialRenewer.RENEW_RATIO);
  }
}
