package org.knit.localcluster;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;

import org.apache.hadoop.conf.Configuration;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS for the secure cluster's HTTPS endpoints (HDFS requires HTTPS once DataNodes use SASL instead of privileged
 * ports): a CA made for this cluster, a server certificate it signs for {@code localhost} / {@code 127.0.0.1}, the
 * server keystore (0600), a truststore and the CA as PEM (for Python clients), and Hadoop's
 * {@code ssl-server.xml} / {@code ssl-client.xml}.
 *
 * <p>RSA 2048 and SHA-256, so that OpenSSL's default security level (Python's {@code requests}) accepts them. The
 * keystore password is random and only in {@code ssl-server.xml} (0600); the truststore holds nothing secret, so
 * {@code ssl-client.xml} names no password (Hadoop then loads it without an integrity check).
 */
final class Tls {

  private static final SecureRandom RANDOM = new SecureRandom();

  final File caPem;
  final File truststore;

  private Tls(File caPem, File truststore) {
    this.caPem = caPem;
    this.truststore = truststore;
  }

  /** Generates everything in {@code tlsDir}; writes ssl-server.xml and ssl-client.xml into {@code sslConfDirs}. */
  static Tls create(File tlsDir, File serverConfDir, File clientConfDir) throws Exception {
    Files.createDirectories(tlsDir.toPath());
    KeyPair caKeys = rsa();
    X509Certificate ca = certificate("CN=Knit local cluster CA", caKeys, "CN=Knit local cluster CA", caKeys, true);
    KeyPair serverKeys = rsa();
    X509Certificate server = certificate("CN=localhost", serverKeys, "CN=Knit local cluster CA", caKeys, false);

    String password = ControlServer.hex(random(16));
    File keystore = new File(tlsDir, "server.jks");
    KeyStore ks = KeyStore.getInstance("JKS");
    ks.load(null, null);
    ks.setKeyEntry("server", serverKeys.getPrivate(), password.toCharArray(), new Certificate[] {server, ca});
    store(ks, keystore, password, true);

    File truststore = new File(tlsDir, "truststore.jks");
    KeyStore ts = KeyStore.getInstance("JKS");
    ts.load(null, null);
    ts.setCertificateEntry("ca", ca);
    store(ts, truststore, ControlServer.hex(random(16)), false);  // integrity password: nobody needs it back

    File caPem = new File(tlsDir, "ca.pem");
    try (Writer w = new OutputStreamWriter(new FileOutputStream(caPem), StandardCharsets.US_ASCII)) {
      w.write("-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(ca.getEncoded())
          + "\n-----END CERTIFICATE-----\n");
    }

    Configuration sslServer = new Configuration(false);
    sslServer.set("ssl.server.keystore.location", keystore.getPath());
    sslServer.set("ssl.server.keystore.password", password);
    sslServer.set("ssl.server.keystore.keypassword", password);
    sslServer.set("ssl.server.truststore.location", truststore.getPath());
    writePrivate(sslServer, new File(serverConfDir, "ssl-server.xml"));
    Configuration sslClient = new Configuration(false);
    sslClient.set("ssl.client.truststore.location", truststore.getPath());
    for (File dir : new File[] {serverConfDir, clientConfDir}) {
      try (OutputStream out = new FileOutputStream(new File(dir, "ssl-client.xml"))) {
        sslClient.writeXml(out);
      }
    }
    return new Tls(caPem, truststore);
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048, RANDOM);
    return g.generateKeyPair();
  }

  private static X509Certificate certificate(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
      boolean isCa) throws Exception {
    Date from = new Date(System.currentTimeMillis() - 3_600_000L);  // an hour of clock skew
    Date to = new Date(System.currentTimeMillis() + 365L * 86_400_000L);
    X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer), new BigInteger(64, RANDOM),
        from, to, new X500Name(subject), subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (isCa) {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    }
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static void store(KeyStore ks, File f, String password, boolean secret) throws Exception {
    if (secret) {
      SiteFiles.createPrivate(f);
    }
    try (OutputStream out = new FileOutputStream(f)) {
      ks.store(out, password.toCharArray());
    }
  }

  private static void writePrivate(Configuration c, File f) throws IOException {
    SiteFiles.createPrivate(f);
    try (OutputStream out = new FileOutputStream(f)) {
      c.writeXml(out);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
