package org.knit.common;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.hadoop.security.Credentials;

/**
 * What an ApplicationMaster's gateway proves itself and checks its clients with: the application's secret (the
 * Py4J auth token), and its TLS key and self-signed certificate. The client creates them at submission and puts
 * all three in the AM's YARN Credentials as secret keys (never a file others can read, argv or the environment);
 * the certificate also goes to the staging dir, where {@code masterAddress} reads it for Python to pin.
 */
public final class GatewayKeys {
  /** TLS 1.2 and 1.3 only. */
  public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  /** The key store lives in memory only; PKCS12 on Java 8 refuses an empty password. */
  private static final char[] STORE_PASSWORD = "in-memory".toCharArray();

  public final String secret;
  public final PrivateKey key;
  public final X509Certificate certificate;

  public GatewayKeys(String secret, PrivateKey key, X509Certificate certificate) {
    this.secret = secret;
    this.key = key;
    this.certificate = certificate;
  }

  /** Adds the three to an AM's credentials (the key as PKCS#8 DER, the certificate as DER). */
  public void addTo(Credentials credentials) {
    credentials.addSecretKey(Knit.SECRET_ALIAS, secret.getBytes(StandardCharsets.UTF_8));
    credentials.addSecretKey(Knit.TLS_KEY_ALIAS, key.getEncoded());
    credentials.addSecretKey(Knit.TLS_CERT_ALIAS, der(certificate));
  }

  /**
   * The AM's side: the three from its credentials.
   *
   * @throws IllegalStateException if any is missing (submitted by a client of another Knit version)
   */
  public static GatewayKeys fromCredentials(Credentials credentials) throws GeneralSecurityException {
    byte[] secret = credentials.getSecretKey(Knit.SECRET_ALIAS);
    byte[] key = credentials.getSecretKey(Knit.TLS_KEY_ALIAS);
    byte[] cert = credentials.getSecretKey(Knit.TLS_CERT_ALIAS);
    if (secret == null || key == null || cert == null) {
      throw new IllegalStateException("the AM's credentials lack its gateway secret or TLS key (submitted by a "
          + "client of another Knit version?)");
    }
    X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(cert));
    PrivateKey privateKey = KeyFactory.getInstance(certificate.getPublicKey().getAlgorithm())
        .generatePrivate(new PKCS8EncodedKeySpec(key));
    return new GatewayKeys(new String(secret, StandardCharsets.UTF_8), privateKey, certificate);
  }

  /** A server-side TLS context presenting this key and certificate (held in memory only). */
  public SSLContext serverContext() throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException("cannot create an empty key store", e);
    }
    store.setKeyEntry("gateway", key, STORE_PASSWORD, new Certificate[] {certificate});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, STORE_PASSWORD);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  /** The certificate in PEM, as Python's {@code ssl} loads it. */
  public static String pem(X509Certificate certificate) {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der(certificate))
        + "\n-----END CERTIFICATE-----\n";
  }

  private static byte[] der(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) { // it was parsed from DER, so it has one
      throw new IllegalStateException(e);
    }
  }

  /** A PKCS#8 private key in PEM. */
  public static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }
}
