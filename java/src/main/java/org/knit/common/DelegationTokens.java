package org.knit.common;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.Credentials;
import org.apache.hadoop.security.token.Token;
import org.apache.hadoop.security.token.TokenIdentifier;
import org.apache.hadoop.security.token.delegation.AbstractDelegationTokenIdentifier;

/**
 * File system delegation tokens: what an application needs on a Kerberos cluster to reach HDFS from its
 * containers, where it has no Kerberos credentials. The client gets them at submission (renewable by the RM,
 * which renews them up to their maximum lifetime); an ApplicationMaster with a keytab gets new ones before they
 * expire ({@code org.knit.am.CredentialRenewer}).
 */
public final class DelegationTokens {
  private DelegationTokens() {}

  /**
   * Adds to {@code creds} a delegation token of every file system that {@code paths} (URIs or paths, qualified
   * against the default file system) name, and of the default file system, unless {@code creds} already holds
   * one for it. File systems that issue no tokens (the local one) add nothing.
   *
   * @return the tokens added
   */
  public static List<Token<?>> obtain(Configuration conf, Collection<String> paths, String renewer,
      Credentials creds) throws IOException {
    List<Token<?>> added = new ArrayList<>();
    for (FileSystem fs : fileSystems(conf, paths)) {
      Token<?>[] tokens = fs.addDelegationTokens(renewer, creds);
      if (tokens != null) {
        for (Token<?> t : tokens) {
          added.add(t);
        }
      }
    }
    return added;
  }

  /** The distinct file systems of {@code paths} plus the default one, default first. */
  static Set<FileSystem> fileSystems(Configuration conf, Collection<String> paths) throws IOException {
    Set<FileSystem> out = new LinkedHashSet<>();
    out.add(FileSystem.get(conf));
    for (String p : paths) {
      out.add(new Path(p).getFileSystem(conf));
    }
    return out;
  }

  /** The token's delegation identifier, or null when it is not a delegation token (AM-RM, secret keys...). */
  public static AbstractDelegationTokenIdentifier identifier(Token<?> token) {
    try {
      TokenIdentifier id = token.decodeIdentifier();
      return id instanceof AbstractDelegationTokenIdentifier ? (AbstractDelegationTokenIdentifier) id : null;
    } catch (IOException | RuntimeException e) {
      return null; // an identifier class not on our classpath: not one of ours to watch
    }
  }

  /** The delegation token of {@code creds} whose maximum lifetime ends first, or null if it holds none. */
  public static AbstractDelegationTokenIdentifier firstToDie(Credentials creds) {
    AbstractDelegationTokenIdentifier first = null;
    for (Token<?> t : creds.getAllTokens()) {
      AbstractDelegationTokenIdentifier id = identifier(t);
      if (id != null && id.getMaxDate() > 0 && (first == null || id.getMaxDate() < first.getMaxDate())) {
        first = id;
      }
    }
    return first;
  }

  /** "90 s", "25 min", "7 days": a lifetime for people. */
  public static String duration(long millis) {
    long s = Math.max(0, millis) / 1000;
    if (s < 120) {
      return s + " s";
    }
    if (s < 2 * 3600) {
      return (s / 60) + " min";
    }
    if (s < 2 * 86400) {
      return (s / 3600) + " h";
    }
    return (s / 86400) + " days";
  }

  /** Token kinds and services, for logs: never the token's bytes. */
  public static String describe(Collection<Token<?>> tokens) {
    List<String> out = new ArrayList<>();
    for (Token<?> t : tokens) {
      out.add(t.getKind() + " for " + t.getService());
    }
    return out.toString();
  }
}
