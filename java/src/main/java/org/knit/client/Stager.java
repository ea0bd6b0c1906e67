package org.knit.client;

import org.knit.common.Knit;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;
import org.knit.spec.Localized;
import org.knit.spec.SpecException;

/**
 * Puts an application's resources in HDFS: local files are uploaded to the shared deps dir unless a copy with
 * the same size and SHA-256 is already there (the upload cache, across applications and processes); remote
 * ({@code hdfs://}) sources are used in place. Fills in each resource's {@code path}, {@code size} and
 * {@code timestamp}.
 *
 * <p>The SHA-256 of an upload is recorded with the file as the xattr {@value Knit#SHA256_XATTR}, or in a
 * sidecar file on file systems without xattrs. Uploads go to a temporary name and are renamed into place, so a
 * reader never sees half a file.
 */
final class Stager {
  static final FsPermission PRIVATE_DIR = new FsPermission((short) 0700);
  static final FsPermission PRIVATE_FILE = new FsPermission((short) 0600);

  private final Configuration conf;
  private final Path depsDir;
  private final short replication;
  private final boolean uploadAlways;
  private final List<Path> uploadedPaths = new ArrayList<>();
  private final List<String> uploaded = new ArrayList<>();
  private final List<String> reused = new ArrayList<>();
  /** Names used in the deps dir by this submission, with the content they hold. */
  private final Map<String, String> namesInUse = new HashMap<>();

  Stager(Configuration conf, Path depsDir, int replication, boolean uploadAlways) {
    this.conf = conf;
    this.depsDir = depsDir;
    this.replication = (short) replication;
    this.uploadAlways = uploadAlways;
  }

  /** A source is remote when it names a scheme other than {@code file}; it is then used in place. */
  static boolean isRemote(String source) {
    if (source.startsWith("/")) {
      return false;  // an absolute local path (what Python sends), whatever it holds: "<", "%", "#" are no URI
    }
    String scheme = URI.create(source.replace(" ", "%20")).getScheme();
    return scheme != null && !scheme.equals("file");
  }

  static File localFile(String source) {
    return source.startsWith("file:") ? new File(URI.create(source.replace(" ", "%20"))) : new File(source);
  }

  /**
   * Checks that every source exists (local: a readable file; remote: an existing file) before anything is
   * uploaded.
   */
  void check(List<Localized> resources) throws IOException {
    for (Localized r : resources) {
      if (isRemote(r.source)) {
        Path p = new Path(r.source);
        FileStatus st;
        try {
          st = p.getFileSystem(conf).getFileStatus(p);
        } catch (FileNotFoundException e) {
          throw new SpecException("'" + r.source + "' does not exist");
        }
        if (!st.isFile()) {
          throw new SpecException("'" + r.source + "' is a directory; give a file or an archive");
        }
      } else {
        File f = localFile(r.source);
        if (!f.isFile()) {
          throw new SpecException("'" + r.source + "' is not a file" + (f.exists() ? "" : " (it does not exist)"));
        }
        if (!f.canRead()) {
          throw new SpecException("'" + r.source + "' is not readable");
        }
      }
    }
  }

  /** Resolves every resource (uploading as needed). */
  void stage(List<Localized> resources) throws IOException {
    for (Localized r : resources) {
      FileStatus st;
      if (isRemote(r.source)) {
        Path p = new Path(r.source);
        st = p.getFileSystem(conf).getFileStatus(p);
      } else {
        File f = localFile(r.source);
        st = upload(f, f.getName());
      }
      r.path = st.getPath().toString();
      r.size = st.getLen();
      r.timestamp = st.getModificationTime();
    }
  }

  /**
   * Makes {@code dir} (and missing parents) mode 0700 whatever the umask. An existing directory is tightened to
   * 0700 when we own it (knit 0.2 left {@code .knitDeps} world-writable); one we do not own is left as it is.
   */
  static void mkdirsPrivate(FileSystem fs, Path dir) throws IOException {
    FileStatus st = statOrNull(fs, dir);
    if (st == null) {
      fs.mkdirs(dir);
      fs.setPermission(dir, PRIVATE_DIR);
    } else if (!st.getPermission().equals(PRIVATE_DIR)
        && st.getOwner().equals(UserGroupInformation.getCurrentUser().getShortUserName())) {
      fs.setPermission(dir, PRIVATE_DIR);
    }
  }

  /**
   * The deps-dir copy of {@code local} under {@code name}, uploaded only when no copy with the same size and
   * SHA-256 is there (or {@code upload_always}).
   */
  FileStatus upload(File local, String name) throws IOException {
    FileSystem fs = depsDir.getFileSystem(conf);
    String sha = Sha256.of(local);
    String prior = namesInUse.putIfAbsent(name, sha);
    if (prior != null && !prior.equals(sha)) {
      // Two different local files with one base name in one application: keep both.
      name = sha.substring(0, 12) + "-" + name;
      namesInUse.put(name, sha);
    }
    mkdirsPrivate(fs, depsDir);
    Path dst = new Path(depsDir, name);
    if (!uploadAlways) {
      FileStatus existing = statOrNull(fs, dst);
      if (existing != null && existing.getLen() == local.length() && sha.equals(readSha256(fs, dst))) {
        reused.add(name);
        return existing;
      }
    }
    Path tmp = new Path(depsDir, "." + name + "." + UUID.randomUUID() + ".tmp");
    try {
      UploadProgress.Entry progress = UploadProgress.start(name, local.length());
      try (InputStream in = new FileInputStream(local);
           OutputStream out = fs.create(tmp, true, 1 << 16, replication, fs.getDefaultBlockSize(tmp))) {
        byte[] buf = new byte[1 << 16];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
          out.write(buf, 0, n);
          progress.add(n);
        }
      } finally {
        UploadProgress.end(progress);
      }
      writeSha256(fs, tmp, dst, sha);
      FileContext.getFileContext(fs.getUri(), conf).rename(tmp, dst, Options.Rename.OVERWRITE);
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
    uploaded.add(name);
    uploadedPaths.add(dst);
    return fs.getFileStatus(dst);
  }

  /** The recorded SHA-256 of a deps-dir file, or null when none is recorded. */
  static String readSha256(FileSystem fs, Path file) throws IOException {
    try {
      byte[] v = fs.getXAttrs(file).get(Knit.SHA256_XATTR);
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    } catch (UnsupportedOperationException e) {
      Path sidecar = sidecar(file);
      if (!fs.exists(sidecar)) {
        return null;
      }
      try (FSDataInputStream in = fs.open(sidecar)) {
        byte[] buf = new byte[64];
        in.readFully(0, buf);
        return new String(buf, StandardCharsets.US_ASCII);
      }
    }
  }

  private static void writeSha256(FileSystem fs, Path tmp, Path dst, String sha) throws IOException {
    try {
      fs.setXAttr(tmp, Knit.SHA256_XATTR, sha.getBytes(StandardCharsets.UTF_8));
    } catch (UnsupportedOperationException e) {
      try (OutputStream out = fs.create(sidecar(dst), true)) {
        out.write(sha.getBytes(StandardCharsets.US_ASCII));
      }
    }
  }

  static Path sidecar(Path file) {
    return new Path(file.getParent(), file.getName() + Knit.SHA256_SIDECAR);
  }

  static FileStatus statOrNull(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  List<String> uploaded() {
    return uploaded;
  }

  List<String> reused() {
    return reused;
  }

  /** Removes what this submission uploaded (after a failed submission). */
  void removeUploads() throws IOException {
    for (Path p : uploadedPaths) {
      FileSystem fs = p.getFileSystem(conf);
      fs.delete(p, false);
      fs.delete(sidecar(p), false);
    }
    uploadedPaths.clear();
  }
}
