package org.knit.am;

import org.knit.common.GatewayKeys;
import org.knit.common.Py4jServers;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import org.apache.hadoop.yarn.api.ApplicationConstants.Environment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import py4j.GatewayServer;

/** The AM's gateway: TLS with the application's key, the secret required, bound where Python will connect. */
final class AmGateway {
  private static final Logger LOG = LoggerFactory.getLogger(AmGateway.class);

  private AmGateway() {}

  static GatewayServer start(Object entryPoint, GatewayKeys keys) throws GeneralSecurityException {
    InetAddress address = bindAddress(System.getenv(Environment.NM_HOST.name()));
    LOG.info("Gateway: TLS ({}), binding {}", String.join("/", GatewayKeys.PROTOCOLS), address);
    return Py4jServers.startTls(entryPoint, address, keys);
  }

  /**
   * The address to listen on: the NodeManager host's (the AM registers that host, so it is where Python
   * connects) when it resolves to an address of one of this machine's interfaces; all interfaces otherwise.
   * A host that resolves to loopback here (the 127.0.1.1 entry some distributions give the host name) may well
   * resolve to the node's real address on the edge node, so it gets all interfaces too.
   */
  static InetAddress bindAddress(String nmHost) {
    InetAddress any = wildcard();
    if (nmHost == null || nmHost.trim().isEmpty()) {
      return any;
    }
    try {
      InetAddress a = InetAddress.getByName(nmHost.trim());
      if (a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) == null) {
        return any;
      }
      return a;
    } catch (UnknownHostException | SocketException e) {
      LOG.warn("Cannot resolve the NodeManager host {} ({}); the gateway listens on all interfaces", nmHost,
          e.toString());
      return any;
    }
  }

  private static InetAddress wildcard() {
    try {
      return InetAddress.getByName("0.0.0.0");
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // a literal address is never looked up
    }
  }
}
