package org.knit.am;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import org.junit.Test;

/** Where the AM's gateway listens: the NodeManager host's address when it is one of this machine's. */
public class AmGatewayTest {
  @Test
  public void withoutAKnownNonLoopbackAddressItListensEverywhere() {
    for (String host : new String[] {null, "", "localhost", "127.0.0.1", "0.0.0.0",
        "192.0.2.254" /* TEST-NET-1: no interface of a test machine has it */, "no-such-host.invalid"}) {
      assertTrue(host, AmGateway.bindAddress(host).isAnyLocalAddress());
    }
  }

  @Test
  public void aLocalAddressIsBoundExactly() throws Exception {
    int seen = 0;
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && nic.isUp()) {
          assertEquals(a, AmGateway.bindAddress(a.getHostAddress()));
          seen++;
        }
      }
    }
    // A machine without a non-loopback IPv4 address has only the cases of the test above.
    assertTrue(seen >= 0);
  }
}
