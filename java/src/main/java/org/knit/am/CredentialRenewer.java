package org.knit.am;

import java.io.File;
import java.io.IOException;
import java.security.PrivilegedExceptionAction;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.security.token.delegation.AbstractDelegationTokenIdentifier;
import org.knit.common.DelegationTokens;
import org.knit.common.KerberosException;
import org.knit.common.Knit;
import org.knit.spec.ApplicationSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the application's delegation tokens usable for as long as it runs.
 *
 * <p>The client's tokens are renewed by the RM, but only up to their maximum lifetime
 * ({@code dfs.namenode.delegation.token.max-lifetime}, 7 days by default). With the user's keytab (shipped by the
 * client as the AM's private resource {@value Knit#KEYTAB_FILE}) this class follows Spark's credential renewer
 * (HadoopDelegationTokenManager): log in from the keytab in a UGI of its own (a NameNode issues tokens only to a
 * Kerberos-authenticated caller, never to one holding a token), obtain new tokens for every file system of the
 * application, and do it again at 75 % of the shortest remaining life. New tokens go into the AM's own UGI and to
 * every container started after ({@link Sink}); the tokens given out earlier are renewed each round until their
 * maximum lifetime, so containers started with them keep working that long.
 *
 * <p>Without a keytab nothing can extend the tokens: once the first one passes its maximum lifetime,
 * {@link #checkUsable} refuses new containers with a diagnostic that says how to run longer.
 */
final class CredentialRenewer {
  private static final Logger LOG = LoggerFactory.getLogger(CredentialRenewer.class);
  /** Obtain new tokens when this fraction of the shortest remaining life has passed (Spark's ratio). */
  static final double RENEW_RATIO = 0.75;
  /** Never sooner than this after a round, nor a failed round retried sooner. */
  static final long MIN_DELAY_MS = 5_000;
  /** A failed round is retried after this (or sooner if the tokens die first). */
  static final long RETRY_DELAY_MS = 60_000;

  /** Where new tokens go: the containers started from now on. */
  interface Sink {
    void tokensRenewed(Credentials fresh) throws IOException;
  }

  private final Configuration conf;
  private final List<String> fileSystems;
  private final String principal;
  private final File keytab;
  private final Credentials initial;
  private final Sink sink;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "credential-renewer");
    t.setDaemon(true);
    return t;
  });
  /** Tokens this AM obtained and gave out, renewed each round until their maximum lifetime. */
  private final List<Credentials> issued = new ArrayList<>();
  private volatile String expired;

  CredentialRenewer(Configuration conf, ApplicationSpec spec, Credentials initial, Sink sink) {
    this.conf = conf;
    this.fileSystems = spec.fileSystemUris();
    this.initial = initial;
    this.sink = sink;
    String p = spec.conf.get(Knit.PRINCIPAL_CONF);
    File k = new File(Knit.KEYTAB_FILE);
    this.principal = p != null && k.isFile() ? p : null;
    this.keytab = this.principal != null ? k : null;
  }

  boolean hasKeytab() {
    return keytab != null;
  }

  /** Starts renewing (with a keytab) or watching for the end of the tokens' lifetime (without). */
  void start() {
    if (!UserGroupInformation.isSecurityEnabled()) {
      return;
    }
    if (keytab != null) {
      LOG.info("Renewing delegation tokens with the keytab of {}", principal);
      timer.execute(this::round);
      return;
    }
    AbstractDelegationTokenIdentifier first = DelegationTokens.firstToDie(initial);
    if (first != null) {
      long delay = first.getMaxDate() - System.currentTimeMillis();
      timer.schedule(() -> expire(first), Math.max(0, delay), TimeUnit.MILLISECONDS);
      LOG.info("No keytab: delegation tokens usable until their maximum lifetime, in {}",
          DelegationTokens.duration(delay));
    }
  }

  void stop() {
    timer.shutdownNow();
  }

  /** Refuses to start containers once the tokens are dead: they could not localize anything nor reach HDFS. */
  void checkUsable() {
    String why = expired;
    if (why != null) {
      throw new KerberosException(why);
    }
  }

  /** The diagnostic once the tokens have expired for good, else null. */
  String expired() {
    return expired;
  }

  private void expire(AbstractDelegationTokenIdentifier first) {
    expired = expiredMessage(first.getMaxDate() - first.getIssueDate());
    LOG.warn(expired);
  }

  static String expiredMessage(long lifetimeMillis) {
    return "delegation token expired; start with principal=/keytab= to run longer than "
        + DelegationTokens.duration(lifetimeMillis) + " (the cluster's maximum delegation token lifetime, "
        + "dfs.namenode.delegation.token.max-lifetime): no new container can start";
  }

  /** One round: renew what was given out, obtain new tokens, schedule the next round. */
  private void round() {
    long delay;
    try {
      UserGroupInformation kerberos = UserGroupInformation.loginUserFromKeytabAndReturnUGI(principal,
          keytab.getPath());
      Credentials fresh = new Credentials();
      long expiry;
      try {
        renewIssued(kerberos);
        expiry = kerberos.doAs((PrivilegedExceptionAction<Long>) () -> obtain(kerberos, fresh));
      } finally {
        FileSystem.closeAllForUGI(kerberos); // a new UGI each round: its file systems would pile up in the cache
      }
      UserGroupInformation.getCurrentUser().addCredentials(fresh);
      sink.tokensRenewed(fresh);
      synchronized (issued) {
        issued.add(fresh);
      }
      delay = Math.max(MIN_DELAY_MS, (long) (RENEW_RATIO * (expiry - System.currentTimeMillis())));
      LOG.info("New delegation tokens {}; next round in {}", DelegationTokens.describe(fresh.getAllTokens()),
          DelegationTokens.duration(delay));
    } catch (Exception e) {
      delay = RETRY_DELAY_MS;
      LOG.warn("Could not renew the delegation tokens (retrying in {}): {}", DelegationTokens.duration(delay),
          e.toString());
    }
    if (!timer.isShutdown()) {
      timer.schedule(this::round, delay, TimeUnit.MILLISECONDS);
    }
  }

  /** New tokens, renewable by us; returns when the first expires (renewing once tells, as Spark does). */
  private long obtain(UserGroupInformation kerberos, Credentials fresh) throws IOException, InterruptedException {
    DelegationTokens.obtain(conf, fileSystems, kerberos.getShortUserName(), fresh);
    long expiry = Long.MAX_VALUE;
    for (Token<?> t : fresh.getAllTokens()) {
      if (DelegationTokens.identifier(t) != null) {
        expiry = Math.min(expiry, t.renew(conf));
      }
    }
    return expiry == Long.MAX_VALUE ? System.currentTimeMillis() + RETRY_DELAY_MS : expiry;
  }

  /** Renews the tokens given out earlier (containers may still use them); drops those past their lifetime. */
  private void renewIssued(UserGroupInformation kerberos) throws IOException, InterruptedException {
    synchronized (issued) {
      for (Iterator<Credentials> it = issued.iterator(); it.hasNext();) {
        Credentials c = it.next();
        AbstractDelegationTokenIdentifier first = DelegationTokens.firstToDie(c);
        if (first == null || first.getMaxDate() <= System.currentTimeMillis()) {
          it.remove();
          continue;
        }
        kerberos.doAs((PrivilegedExceptionAction<Void>) () -> {
          for (Token<?> t : c.getAllTokens()) {
            renewQuietly(t);
          }
          return null;
        });
      }
    }
  }

  private void renewQuietly(Token<?> t) throws InterruptedException {
    try {
      t.renew(conf);
    } catch (IOException e) {
      LOG.info("Could not renew {} for {} (expired or cancelled): {}", t.getKind(), t.getService(), e.toString());
    }
  }
}
