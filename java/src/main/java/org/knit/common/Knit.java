package org.knit.common;

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
  /** The resolved spec in the staging dir, localized to the AM under the same name. */
  public static final String SPEC_FILE = "spec.json";
  /** The AM gateway secret in the staging dir (0600), read by {@code masterAddress}. */
  public static final String SECRET_FILE = "secret";
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
}
