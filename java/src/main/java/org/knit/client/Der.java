package org.knit.client;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.Date;
import java.util.TimeZone;

/**
 * The few ASN.1 DER encodings an X.509 certificate needs (ITU-T X.690), so {@link SelfSignedCertificate} needs no
 * library: the JDK parses and verifies certificates but has no public API to write one, and BouncyCastle is not on
 * every cluster's classpath (Hadoop ships it only with YARN's web proxy, under varying artifact names).
 */
final class Der {
  private Der() {}

  static byte[] sequence(byte[]... parts) {
    return tlv(0x30, concat(parts));
  }

  static byte[] set(byte[]... parts) {
    return tlv(0x31, concat(parts));
  }

  /** A context-specific, constructed, explicit tag {@code [n]} around {@code content}. */
  static byte[] explicit(int n, byte[] content) {
    return tlv(0xA0 | n, content);
  }

  static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray()); // two's complement, minimal: what DER wants
  }

  static byte[] bool(boolean value) {
    return tlv(0x01, new byte[] {(byte) (value ? 0xFF : 0x00)});
  }

  static byte[] octetString(byte[] value) {
    return tlv(0x04, value);
  }

  /** A BIT STRING of whole bytes (no unused bits). */
  static byte[] bitString(byte[] value) {
    byte[] content = new byte[value.length + 1];
    System.arraycopy(value, 0, content, 1, value.length);
    return tlv(0x03, content);
  }

  /** A BIT STRING of named bits (bit 0 = the most significant bit of the first byte), as in KeyUsage. */
  static byte[] namedBits(int... bits) {
    int max = 0;
    for (int b : bits) {
      max = Math.max(max, b);
    }
    byte[] value = new byte[max / 8 + 1];
    for (int b : bits) {
      value[b / 8] |= (byte) (0x80 >> (b % 8));
    }
    int unused = 7 - max % 8;
    byte[] content = new byte[value.length + 1];
    content[0] = (byte) unused;
    System.arraycopy(value, 0, content, 1, value.length);
    return tlv(0x03, content);
  }

  static byte[] utf8String(String s) {
    return tlv(0x0C, s.getBytes(StandardCharsets.UTF_8));
  }

  /** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280, 4.1.2.5). */
  static byte[] time(Date when) {
    SimpleDateFormat year = utc("yyyy");
    boolean utcTime = Integer.parseInt(year.format(when)) < 2050;
    return utcTime ? tlv(0x17, ascii(utc("yyMMddHHmmss'Z'").format(when)))
        : tlv(0x18, ascii(utc("yyyyMMddHHmmss'Z'").format(when)));
  }

  /** An OBJECT IDENTIFIER from its dotted form. */
  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    base128(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      base128(out, Long.parseLong(arcs[i]));
    }
    return tlv(0x06, out.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, long value) {
    int groups = 1;
    while ((value >>> (7 * groups)) != 0) {
      groups++;
    }
    for (int g = groups - 1; g >= 0; g--) {
      int septet = (int) ((value >>> (7 * g)) & 0x7F);
      out.write(g == 0 ? septet : septet | 0x80);
    }
  }

  /** Tag, definite length (short or long form), content. */
  static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write((n >>> (8 * i)) & 0xFF);
      }
    }
    out.write(content, 0, content.length);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static SimpleDateFormat utc(String pattern) {
    SimpleDateFormat f = new SimpleDateFormat(pattern);
    f.setTimeZone(TimeZone.getTimeZone("UTC"));
    return f;
  }
}
