package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.fail;

import org.apache.hadoop.security.AccessControlException;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.junit.Test;

/** The RM's ACL refusal arrives as text inside a YarnException: Knit raises its first line, typed. */
public class RefusalTest {
  @Test
  public void anAclRefusalBecomesAnAccessControlExceptionOfItsFirstLine() throws Exception {
    YarnException e = new YarnException("java.security.AccessControlException: User bob cannot perform operation "
        + "MODIFY_APP on application_1_0001\n\tat org.apache.hadoop.yarn.server.resourcemanager.ClientRMService");
    try {
      ClientEntryPoint.refusal(e);
      fail("no exception");
    } catch (AccessControlException got) {
      assertEquals("User bob cannot perform operation MODIFY_APP on application_1_0001", got.getMessage());
    }
  }

  @Test
  public void anyOtherYarnExceptionIsLeftAsItIs() throws Exception {
    YarnException e = new YarnException("queue is full");
    assertSame(e, ClientEntryPoint.refusal(e));
  }
}
