package org.knit.client;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Date;
import java.util.concurrent.TimeUnit;

/**
 * A new EC P-256 key pair and a self-signed X.509 v3 certificate for it, written with {@link Der} (no library):
 * the identity of one ApplicationMaster's gateway (Python pins the certificate) or of one Dask cluster.
 *
 * <p>The certificate is its own trust anchor, so it carries what strict verifiers (OpenSSL's X509_STRICT, the
 * default of Python 3.13's {@code ssl.create_default_context}) ask of one: basicConstraints CA (critical),
 * keyUsage digitalSignature + keyCertSign (critical), subject and authority key ids, and a DNS name.
 */
public final class SelfSignedCertificate {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String EC_SHA256 = "1.2.840.10045.4.3.2";
  private static final String COMMON_NAME = "2.5.4.3";
  private static final String SUBJECT_KEY_ID = "2.5.29.14";
  private static final String KEY_USAGE = "2.5.29.15";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";
  private static final String AUTHORITY_KEY_ID = "2.5.29.35";
  private static final int DIGITAL_SIGNATURE = 0;
  private static final int KEY_CERT_SIGN = 5;
  /** Before "now", so a node whose clock is a little behind the client's still accepts it. */
  private static final long SKEW_MS = TimeUnit.DAYS.toMillis(1);

  public final KeyPair keys;
  public final X509Certificate certificate;

  private SelfSignedCertificate(KeyPair keys, X509Certificate certificate) {
    this.keys = keys;
    this.certificate = certificate;
  }

  /**
   * A new key pair and certificate.
   *
   * @param commonName the subject's (and issuer's) CN, also its DNS subject alternative name
   * @param validDays how long it is valid from now
   */
  public static SelfSignedCertificate create(String commonName, int validDays) throws GeneralSecurityException {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    KeyPair keys = gen.generateKeyPair();
    long now = System.currentTimeMillis();
    byte[] tbs = tbsCertificate(keys, commonName, new Date(now - SKEW_MS),
        new Date(now + TimeUnit.DAYS.toMillis(validDays)));
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keys.getPrivate(), RANDOM);
    signer.update(tbs);
    byte[] der = Der.sequence(tbs, algorithm(), Der.bitString(signer.sign()));
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(der));
    cert.verify(keys.getPublic()); // what we wrote parses back and its signature holds
    return new SelfSignedCertificate(keys, cert);
  }

  private static byte[] tbsCertificate(KeyPair keys, String cn, Date notBefore, Date notAfter)
      throws GeneralSecurityException {
    byte[] name = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8String(cn))));
    byte[] spki = keys.getPublic().getEncoded(); // already a DER SubjectPublicKeyInfo
    byte[] keyId = Arrays.copyOf(MessageDigest.getInstance("SHA-1").digest(spki), 20);
    byte[] extensions = Der.sequence(
        extension(BASIC_CONSTRAINTS, true, Der.sequence(Der.bool(true))),
        extension(KEY_USAGE, true, Der.namedBits(DIGITAL_SIGNATURE, KEY_CERT_SIGN)),
        extension(SUBJECT_KEY_ID, false, Der.octetString(keyId)),
        extension(AUTHORITY_KEY_ID, false, Der.sequence(Der.tlv(0x80, keyId))),
        extension(SUBJECT_ALT_NAME, false, Der.sequence(Der.tlv(0x82, cn.getBytes(StandardCharsets.US_ASCII)))));
    return Der.sequence(
        Der.explicit(0, Der.integer(BigInteger.valueOf(2))), // v3
        Der.integer(serial()),
        algorithm(),
        name,
        Der.sequence(Der.time(notBefore), Der.time(notAfter)),
        name,
        spki,
        Der.explicit(3, extensions));
  }

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
        : Der.sequence(Der.oid(oid), Der.octetString(value));
  }

  private static byte[] algorithm() {
    return Der.sequence(Der.oid(EC_SHA256)); // ECDSA's AlgorithmIdentifier has no parameters (RFC 5758)
  }

  /** Positive, at most 20 bytes, unpredictable (RFC 5280, 4.1.2.2). */
  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).setBit(126);
  }
}
