package org.knit.client;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.yarn.api.records.ApplicationAccessType;
import org.apache.hadoop.yarn.client.util.YarnClientUtils;
import org.knit.common.DelegationTokens;
import org.knit.common.GatewayKeys;
import org.knit.common.Knit;
import org.knit.spec.ApplicationSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the ApplicationMaster gets to act for the user: its YARN credentials (the gateway secret, and on a
 * Kerberos cluster delegation tokens for every file system the application reaches), its ACLs, and the user's
 * keytab when the client logged in from one.
 */
final class AmCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(AmCredentials.class);
  /** Owner read only: the keytab's copy in the (0700) staging dir. */
  private static final FsPermission KEYTAB_PERMISSION = new FsPermission((short) 0400);

  private AmCredentials() {}

  /**
   * The AM's credentials: the gateway secret, TLS key and certificate as secret keys (they reach the AM through
   * YARN, never env or argv),
   * and on a Kerberos cluster a delegation token of each file system of {@link ApplicationSpec#fileSystemUris} and
   * of the default one, renewable by the RM, which renews them while the application runs (up to their maximum
   * lifetime).
   */
  static ByteBuffer tokens(Configuration conf, ApplicationSpec spec, GatewayKeys keys) throws IOException {
    Credentials creds = new Credentials();
    keys.addTo(creds);
    if (UserGroupInformation.isSecurityEnabled()) {
      List<Token<?>> tokens = DelegationTokens.obtain(conf, spec.fileSystemUris(), rmPrincipal(conf), creds);
      LOG.info("Delegation tokens for the application: {}", DelegationTokens.describe(tokens));
    }
    DataOutputBuffer out = new DataOutputBuffer();
    creds.writeTokenStorageToStream(out);
    return ByteBuffer.wrap(out.getData(), 0, out.getLength());
  }

  /**
   * The RM's principal, the renewer of the application's tokens. {@code YarnClientUtils.getRmPrincipal} resolves
   * {@code _HOST} with the RM's own host name, RM HA included (yarn.resourcemanager.address is often unset then).
   */
  static String rmPrincipal(Configuration conf) throws IOException {
    String principal = YarnClientUtils.getRmPrincipal(conf);
    if (principal == null || principal.isEmpty()) {
      throw new IllegalStateException("yarn.resourcemanager.principal is not set in the client configuration: "
          + "it names the ResourceManager, the renewer of the application's delegation tokens");
    }
    return principal;
  }

  /** The application's ACLs ({@link ApplicationSpec#applicationAcls}) as YARN takes them. */
  static Map<ApplicationAccessType, String> acls(ApplicationSpec spec) {
    Map<ApplicationAccessType, String> acls = new EnumMap<>(ApplicationAccessType.class);
    for (Map.Entry<String, String> e : spec.applicationAcls().entrySet()) {
      acls.put(ApplicationAccessType.valueOf(e.getKey()), e.getValue());
    }
    return acls;
  }

  /**
   * Copies the keytab into the staging dir (0700) as a 0400 file: the AM's private APPLICATION resource, removed
   * with the staging dir. Its bytes go nowhere else: not in argv, the environment, the spec or a log.
   */
  static FileStatus stageKeytab(FileSystem fs, File keytab, Path stagingDir) throws IOException {
    Path dst = new Path(stagingDir, Knit.KEYTAB_FILE);
    try (OutputStream out = FileSystem.create(fs, dst, KEYTAB_PERMISSION)) {
      out.write(Files.readAllBytes(keytab.toPath()));
    }
    return fs.getFileStatus(dst);
  }
}
