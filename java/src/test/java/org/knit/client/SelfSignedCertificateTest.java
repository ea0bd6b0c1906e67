package org.knit.client;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/** The certificate Der writes is one the JDK parses, verifies and reads back field by field. */
public class SelfSignedCertificateTest {
  @Test
  public void aValidSelfSignedV3Certificate() throws Exception {
    SelfSignedCertificate c = SelfSignedCertificate.create("knit-am.application-1-0001", 3650);
    X509Certificate x = c.certificate;
    x.checkValidity();
    x.verify(c.keys.getPublic());
    assertEquals(3, x.getVersion());
    assertEquals("CN=knit-am.application-1-0001", x.getSubjectX500Principal().getName());
    assertEquals(x.getSubjectX500Principal(), x.getIssuerX500Principal());
    assertEquals("SHA256withECDSA", x.getSigAlgName());
    assertEquals(c.keys.getPublic(), x.getPublicKey());
    assertTrue(x.getSerialNumber().signum() > 0 && x.getSerialNumber().bitLength() <= 159);
    // past 2049: GeneralizedTime, which the JDK reads as well as UTCTime
    long days = TimeUnit.MILLISECONDS.toDays(x.getNotAfter().getTime() - new Date().getTime());
    assertTrue(String.valueOf(days), days >= 3649 && days <= 3650);
    assertTrue(x.getNotBefore().before(new Date()));
  }

  @Test
  public void itsExtensionsMakeItAnAnchorStrictVerifiersAccept() throws Exception {
    X509Certificate x = SelfSignedCertificate.create("knit-dask", 1).certificate;
    assertTrue("basicConstraints CA", x.getBasicConstraints() >= 0);
    assertTrue(x.getCriticalExtensionOIDs().containsAll(Arrays.asList("2.5.29.19", "2.5.29.15")));
    boolean[] usage = x.getKeyUsage();
    assertTrue("digitalSignature", usage[0]);
    assertTrue("keyCertSign", usage[5]);
    Collection<List<?>> names = x.getSubjectAlternativeNames();
    assertEquals(1, names.size());
    List<?> dns = names.iterator().next();
    assertEquals(2, dns.get(0)); // dNSName
    assertEquals("knit-dask", dns.get(1));
    byte[] ski = x.getExtensionValue("2.5.29.14");
    byte[] aki = x.getExtensionValue("2.5.29.35");
    // OCTET STRING { OCTET STRING keyId } and OCTET STRING { SEQUENCE { [0] keyId } }: the same 20 bytes
    assertArrayEquals(Arrays.copyOfRange(ski, ski.length - 20, ski.length),
        Arrays.copyOfRange(aki, aki.length - 20, aki.length));
  }

  @Test
  public void twoCertificatesShareNothing() throws Exception {
    SelfSignedCertificate a = SelfSignedCertificate.create("x", 1);
    SelfSignedCertificate b = SelfSignedCertificate.create("x", 1);
    assertTrue(!a.keys.getPublic().equals(b.keys.getPublic()));
    assertTrue(!a.certificate.getSerialNumber().equals(b.certificate.getSerialNumber()));
  }

  @Test
  public void derLengthsAndOids() {
    assertArrayEquals(new byte[] {0x04, 0x00}, Der.octetString(new byte[0]));
    byte[] big = Der.octetString(new byte[300]);
    assertArrayEquals(new byte[] {0x04, (byte) 0x82, 0x01, 0x2C}, Arrays.copyOf(big, 4));
    assertArrayEquals(new byte[] {0x06, 0x03, 0x55, 0x1D, 0x13}, Der.oid("2.5.29.19"));
    assertArrayEquals(new byte[] {0x06, 0x08, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04, 0x03, 0x02},
        Der.oid("1.2.840.10045.4.3.2"));
    assertArrayEquals(new byte[] {0x02, 0x02, 0x00, (byte) 0x80}, Der.integer(BigInteger.valueOf(128)));
    assertArrayEquals(new byte[] {0x03, 0x02, 0x02, (byte) 0x84}, Der.namedBits(0, 5));
  }
}
