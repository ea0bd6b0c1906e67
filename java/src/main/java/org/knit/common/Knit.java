package org.knit.common;

import com.google.gson.JsonElement;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.hadoop.io.Text;

/** Names shared by the client and the ApplicationMaster: one place for each. */
public final class Knit {
  private Knit() {}

  /** Per-application staging dir: {@code <home>/.knit/<appId>} (0700). */
  public static final String STAGING_ROOT = ".knit";
  /**
   * Shared, cached uploads: {@code <home>/<DEPS_DIR>} (0700) unless the spec says otherwise; the name is
   * {@code deps_dir} in {@code knit/shared/names.json}, which Python reads too.
   */
  public static final String DEPS_DIR = SharedFiles.json("names.json").get("deps_dir").getAsString();
  /**
   * Log files the NodeManager adds to a container's logs for debugging (the launch script, the working directory's
   * listing; yarn.nodemanager.log-container-debug-info.enabled), left out of {@code logs} unless asked:
   * {@code debug_log_files} in {@code knit/shared/names.json}.
   */
  public static final Set<String> DEBUG_LOG_FILES = debugLogFiles();
  /**
   * Configuration entries (the spec's {@code conf}, the client's overrides) naming the Kerberos identity a client
   * logs in with; in {@code knit/shared/names.json}, which Python reads too.
   */
  public static final String PRINCIPAL_CONF = SharedFiles.json("names.json").get("principal_conf").getAsString();
  public static final String KEYTAB_CONF = SharedFiles.json("names.json").get("keytab_conf").getAsString();
  /**
   * The keytab's copy in the staging dir (0400) and its link name in the AM's working directory (an APPLICATION
   * resource of the AM only; never given to the application's containers).
   */
  public static final String KEYTAB_FILE = "keytab";
  /** The resolved spec in the staging dir, localized to the AM under the same name. */
  public static final String SPEC_FILE = "spec.json";
  /** The AM gateway secret in the staging dir (0600), read by {@code masterAddress}. */
  public static final String SECRET_FILE = "secret";
  /** The workers' launch script in the staging dir (0600), localized by every worker (ContainerFiles). */
  public static final String LAUNCH_SCRIPT_FILE = "launch.sh";
  /** The secret envvars in the staging dir (0600), there only when the spec has some. */
  public static final String SECRETS_FILE = "secrets.sh";
  /** The deps-dir path of the knit JAR the AM localizes, in the staging dir: what {@code pruneDeps} keeps. */
  public static final String JAR_PATH_FILE = "jar.path";
  /** The knit JAR's link name in the AM's working directory. */
  public static final String JAR_LINK = "knit.jar";
  /** Alias of the AM gateway secret in the AM's YARN Credentials. */
  public static final Text SECRET_ALIAS = new Text("knit.am.secret");
  /** The AM gateway's TLS private key (PKCS#8 DER) in the AM's YARN Credentials. */
  public static final Text TLS_KEY_ALIAS = new Text("knit.am.tls.key");
  /** The AM gateway's self-signed TLS certificate (DER) in the AM's YARN Credentials. */
  public static final Text TLS_CERT_ALIAS = new Text("knit.am.tls.cert");
  /**
   * Seconds a gateway call may wait for the AM to finish registering ({@code ready_wait_s} in
   * {@code knit/shared/gateway.json}; Python's default control timeout is a little more).
   */
  public static final int READY_WAIT_S = SharedFiles.json("gateway.json").get("ready_wait_s").getAsInt();
  /** The AM gateway's certificate (PEM) in the staging dir (0600), read by {@code masterAddress} for pinning. */
  public static final String CERT_FILE = "gateway.crt";
  /** AM environment: where its staging dir is, so it can remove it when the application ends. */
  public static final String ENV_STAGING_DIR = "KNIT_STAGING_DIR";
  /** The HDFS xattr holding an upload's SHA-256 (hex), the content half of the upload-cache key. */
  public static final String SHA256_XATTR = "user.knit.sha256";
  /**
   * The HDFS xattr holding when a submission last decided to reuse a deps-dir file (epoch ms), so that
   * {@code pruneDeps} never removes what a submission in flight is about to localize. Unlike the file's own
   * times it can change without YARN seeing the file as changed (localization checks the modification time).
   */
  public static final String USED_XATTR = "user.knit.used";
  /** Container environment: the name given with its request (absent for unnamed requests). */
  public static final String ENV_CONTAINER_NAME = "KNIT_CONTAINER_NAME";
  /** Container environment: the AM's id for the container's request. */
  public static final String ENV_REQUEST_ID = "KNIT_REQUEST_ID";
  /** Container environment: the AM's HTTP server ({@code http://host:port}), for the key-value store. */
  public static final String ENV_AM_URL = "KNIT_AM_URL";
  /** Key-value store key: the URL the application's tracking URL redirects to (its web UI). */
  public static final String WEB_TARGET_KEY = "knit.web-target";
  /** Sidecar suffix used instead of the xattr on file systems without xattrs. */
  public static final String SHA256_SIDECAR = ".knit-sha256";

  private static Set<String> debugLogFiles() {
    Set<String> names = new LinkedHashSet<>();
    for (JsonElement e : SharedFiles.json("names.json").getAsJsonArray("debug_log_files")) {
      names.add(e.getAsString());
    }
    return Collections.unmodifiableSet(names);
  }
}
