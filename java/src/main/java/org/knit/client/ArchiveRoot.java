package org.knit.client;

import java.io.BufferedInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.knit.spec.SpecException;

/**
 * Finds an environment archive's root (the directory holding {@code bin/}) by reading its entry names:
 * "" for a flat archive, {@code dev} for one made by {@code zip -r dev.zip dev/}. Reading every entry also
 * detects a corrupt archive before anything is uploaded.
 */
final class ArchiveRoot {
  private ArchiveRoot() {}

  static boolean isArchive(String name) {
    String n = name.toLowerCase();
    return n.endsWith(".zip") || n.endsWith(".tar.gz") || n.endsWith(".tgz");
  }

  /** The archive's name without its extension: the link name an env gets ({@code dev.zip} → {@code dev}). */
  static String stem(String name) {
    String n = name.toLowerCase();
    int cut = n.endsWith(".tar.gz") ? 7 : n.endsWith(".tgz") || n.endsWith(".zip") ? 4 : 0;
    return name.substring(0, name.length() - cut);
  }

  static String root(File archive) {
    return rootOf(names(archive));
  }

  /** {@code {root, python}} of an environment archive: what {@code knit start --env} puts in the spec. */
  static String[] layout(File archive) {
    Set<String> names = names(archive);
    String root = rootOf(names);
    String python = pythonOf(names, root);
    return new String[] {root, python.isEmpty() ? "bin/python" : python};
  }

  /** The best {@code bin/python*} under {@code root}, as knit/env.py picks it: python, python3, newest 3.x. */
  static String pythonOf(Set<String> entries, String root) {
    String base = root.isEmpty() ? "bin/" : root + "/bin/";
    int best = -1;
    Set<String> found = new LinkedHashSet<>();
    for (String raw : entries) {
      String e = raw.startsWith("./") ? raw.substring(2) : raw;
      String rest = e.startsWith(base) ? e.substring(base.length()).replaceAll("/+$", "") : "";
      if (!rest.isEmpty() && !rest.contains("/")) {
        found.add(rest);
        if (rest.matches("python3\\.[0-9]+")) {
          best = Math.max(best, Integer.parseInt(rest.substring(8)));
        }
      }
    }
    for (String preferred : new String[] {"python", "python3"}) {
      if (found.contains(preferred)) {
        return "bin/" + preferred;
      }
    }
    return best >= 0 ? "bin/python3." + best : "";
  }

  private static Set<String> names(File archive) {
    Set<String> names = new LinkedHashSet<>();
    try {
      if (archive.getName().toLowerCase().endsWith(".zip")) {
        try (ZipFile zip = new ZipFile(archive)) {
          for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
            names.add(e.nextElement().getName());
          }
        }
      } else {
        readTarNames(archive, names);
      }
    } catch (IOException e) {
      throw new SpecException("'" + archive + "' is not a readable archive: " + e.getMessage());
    }
    return names;
  }

  static String rootOf(Set<String> entries) {
    Set<String> tops = new LinkedHashSet<>();
    for (String raw : entries) {
      String e = raw.startsWith("./") ? raw.substring(2) : raw;
      if (e.isEmpty()) {
        continue;
      }
      if (e.equals("bin") || e.startsWith("bin/")) {
        return "";
      }
      int slash = e.indexOf('/');
      tops.add(slash < 0 ? e : e.substring(0, slash));
    }
    if (tops.size() == 1) {
      String top = tops.iterator().next();
      for (String raw : entries) {
        String e = raw.startsWith("./") ? raw.substring(2) : raw;
        if (e.startsWith(top + "/bin/") || e.equals(top + "/bin")) {
          return top;
        }
      }
    }
    return "";
  }

  /** Entry names of a gzipped tar (ustar headers, GNU long names); reads to the end to catch truncation. */
  private static void readTarNames(File archive, Set<String> names) throws IOException {
    try (InputStream in = new GZIPInputStream(new BufferedInputStream(new FileInputStream(archive)))) {
      byte[] header = new byte[512];
      String longName = null;
      while (readFully(in, header)) {
        if (isZeros(header)) {
          break;
        }
        String name = field(header, 0, 100);
        String prefix = field(header, 345, 155);
        long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
        char type = (char) header[156];
        byte[] body = null;
        if (type == 'L') {
          body = new byte[(int) size];
          if (!readFully(in, body)) {
            throw new IOException("truncated tar");
          }
          skip(in, pad(size) - size);
          longName = new String(body, StandardCharsets.UTF_8).replace("\0", "");
          continue;
        }
        names.add(longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name);
        longName = null;
        skip(in, pad(size));
      }
    } catch (NumberFormatException e) {
      throw new IOException("corrupt tar header", e);
    }
  }

  private static long pad(long size) {
    return (size + 511) / 512 * 512;
  }

  private static String field(byte[] h, int off, int len) {
    int end = off;
    while (end < off + len && h[end] != 0) {
      end++;
    }
    return new String(h, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZeros(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readFully(InputStream in, byte[] buf) throws IOException {
    int off = 0;
    while (off < buf.length) {
      int n = in.read(buf, off, buf.length - off);
      if (n < 0) {
        if (off == 0) {
          return false;
        }
        throw new IOException("truncated archive");
      }
      off += n;
    }
    return true;
  }

  private static void skip(InputStream in, long n) throws IOException {
    byte[] buf = new byte[8192];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new IOException("truncated archive");
      }
      n -= r;
    }
  }
}
