package org.knit.client;

import java.io.File;
import java.io.IOException;
import java.security.PrivilegedExceptionAction;
import java.lang.reflect.UndeclaredThrowableException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;
import org.knit.common.KerberosException;
import org.knit.common.Knit;

/**
 * Who the client acts as on one cluster: the Kerberos principal of a keytab ({@code Knit(principal=, keytab=)},
 * the {@value Knit#PRINCIPAL_CONF} / {@value Knit#KEYTAB_CONF} entries of the configuration), else the process's
 * login user (a ticket cache after {@code kinit}; HADOOP_USER_NAME or the OS user without Kerberos). Every call of
 * the client for that cluster runs as it ({@link #run}), so one JVM can serve several identities.
 */
final class Identity {
  static final String NO_CREDENTIALS = "this cluster uses Kerberos (hadoop.security.authentication=kerberos) and "
      + "there is no Kerberos ticket: run `kinit <principal>` first (with KRB5CCNAME naming the ticket cache, "
      + "if not the default), or pass principal= and keytab= (Knit(principal='you@REALM', keytab='/path/you.keytab'); "
      + "--principal and --keytab on the command line)";

  final UserGroupInformation ugi;
  /** The keytab this identity logged in from, or null (a ticket cache, or no Kerberos). */
  final File keytab;
  final String principal;

  private Identity(UserGroupInformation ugi, String principal, File keytab) {
    this.ugi = ugi;
    this.principal = principal;
    this.keytab = keytab;
  }

  /**
   * Logs in as {@code conf} says; on a Kerberos cluster, raises {@link KerberosException} (before anything is
   * uploaded or submitted) when there is no credential at all.
   */
  static Identity login(Configuration conf) throws IOException {
    String principal = conf.getTrimmed(Knit.PRINCIPAL_CONF, "");
    String keytab = conf.getTrimmed(Knit.KEYTAB_CONF, "");
    if (principal.isEmpty() != keytab.isEmpty()) {
      throw new KerberosException("principal= and keytab= go together: got only "
          + (principal.isEmpty() ? "keytab=" + keytab : "principal=" + principal));
    }
    if (!UserGroupInformation.isSecurityEnabled()) {
      return new Identity(UserGroupInformation.getCurrentUser(), null, null);
    }
    if (!principal.isEmpty()) {
      return fromKeytab(principal, new File(keytab));
    }
    return new Identity(ticketCacheUser(), null, null);
  }

  private static Identity fromKeytab(String principal, File keytab) {
    if (!keytab.isFile() || !keytab.canRead()) {
      throw new KerberosException("keytab=" + keytab + " is not a readable file");
    }
    try {
      // Its own UGI rather than the JVM's login user: another Knit of the process may act as someone else.
      return new Identity(UserGroupInformation.loginUserFromKeytabAndReturnUGI(principal, keytab.getPath()),
          principal, keytab.getAbsoluteFile());
    } catch (IOException e) {
      throw new KerberosException("cannot log in as " + principal + " from keytab " + keytab + ": "
          + rootMessage(e) + " (is the principal in that keytab, and the KDC of its realm reachable?)", e);
    }
  }

  /**
   * The login user, with Kerberos credentials (a ticket cache) or delegation tokens (inside a YARN container).
   * Hadoop reads the ticket cache once, at the first login; a user who ran kinit after a failed call reads it
   * again here, so retrying in the same process works.
   */
  private static UserGroupInformation ticketCacheUser() throws IOException {
    UserGroupInformation u = UserGroupInformation.getLoginUser();
    if (!hasCredentials(u)) {
      UserGroupInformation.loginUserFromSubject(null);
      u = UserGroupInformation.getLoginUser();
    }
    if (!hasCredentials(u)) {
      throw new KerberosException(NO_CREDENTIALS);
    }
    return u;
  }

  private static boolean hasCredentials(UserGroupInformation u) {
    return u.hasKerberosCredentials() || u.getCredentials().numberOfTokens() > 0;
  }

  /** Runs {@code action} as this identity, renewing a keytab login first if its ticket is old. */
  <T> T run(PrivilegedExceptionAction<T> action) throws Exception {
    if (keytab != null) {
      ugi.checkTGTAndReloginFromKeytab();
    }
    try {
      return ugi.doAs(action);
    } catch (UndeclaredThrowableException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ? (Exception) cause : e;
    }
  }

  String user() {
    return ugi.getShortUserName();
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + c + ")";
  }
}
