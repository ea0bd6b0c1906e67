package org.knit.client;

import org.knit.common.ContainerFiles;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.knit.spec.Localized;
import org.knit.spec.SpecException;

/**
 * Puts an application's resources in HDFS: local files are uploaded to the shared deps dir unless a copy with the
 * same content is already there (the upload cache, across applications and processes); remote ({@code hdfs://})
 * sources are used in place when YARN can localize them from there, else copied into the deps dir. Fills in each
 * resource's {@code path}, {@code size} and {@code timestamp}.
 *
 * <p>Copies are content-addressed ({@link DepsFiles#name}); the SHA-256 recorded with one is computed from the bytes
 * as they stream to HDFS, and that hash names it, so a file that changes while it is read is stored under what was
 * actually stored. Uploads go to a temporary dot-name and are renamed into place without ever replacing a copy
 * (a concurrent identical upload wins; ours is dropped). Only a deps dir and copies that are the user's are used
 * ({@link Trust}), unless {@code upload_always}, which reuses nothing.
 */
final class Stager {
  static final FsPermission PRIVATE_DIR = new FsPermission((short) 0700);
  static final FsPermission PRIVATE_FILE = new FsPermission((short) 0600);
  private static final String REMEDY = "remove it, use a deps dir of your own (hdfs_home=) or upload_always=True";

  private final Configuration conf;
  private final FileSystem fs;
  private final Path depsDir;
  private final short replication;
  private final boolean uploadAlways;
  private final String user;
  private final List<Path> uploadedPaths = new ArrayList<>();
  private final List<String> uploaded = new ArrayList<>();
  private final List<String> reused = new ArrayList<>();

  Stager(Configuration conf, Path depsDir, int replication, boolean uploadAlways) throws IOException {
    this.conf = conf;
    this.fs = depsDir.getFileSystem(conf);
    this.depsDir = depsDir;
    this.replication = (short) replication;
    this.uploadAlways = uploadAlways;
    this.user = Trust.user();
  }

  /** A source is remote when it is a URI with a scheme other than {@code file}; it is then used in place. */
  static boolean isRemote(String source) {
    return ContainerFiles.isUri(source) && !source.startsWith("file:");
  }

  /** The local file a source names: a plain path, or a {@code file://} URI read literally. */
  static File localFile(String source) {
    return ContainerFiles.isUri(source) ? new File(ContainerFiles.hadoopPath(source).toUri().getPath())
        : new File(source);
  }

  /**
   * Checks, before anything is uploaded, that every source exists (local: a readable file; remote: an existing
   * file), and that the deps dir and every copy that would be reused from it (the {@code local} files' included)
   * are the user's.
   */
  void check(List<Localized> resources, File... local) throws IOException {
    List<File> files = new ArrayList<>();
    for (Localized r : resources) {
      if (isRemote(r.source)) {
        checkRemote(r.source);
      } else {
        files.add(checkLocal(r.source));
      }
    }
    if (uploadAlways) {
      return; // nothing is reused
    }
    FileStatus dir = DepsFiles.statOrNull(fs, depsDir);
    if (dir == null) {
      return;
    }
    Trust.requireOwn(dir, user, "the deps dir", "`hdfs dfs -chmod 700` it if it is yours, or " + REMEDY);
    for (File f : local) {
      files.add(f);
    }
    for (File f : files) {
      FileStatus copy = DepsFiles.statOrNull(fs, new Path(depsDir, DepsFiles.name(Sha256.of(f), f.getName())));
      if (copy != null) {
        Trust.requireOwn(copy, user, "the deps-dir copy of " + f, REMEDY);
      }
    }
  }

  private void checkRemote(String source) throws IOException {
    Path p = ContainerFiles.hadoopPath(source);
    FileStatus st = DepsFiles.statOrNull(p.getFileSystem(conf), p);
    if (st == null) {
      throw new SpecException("'" + source + "' does not exist");
    }
    if (!st.isFile()) {
      throw new SpecException("'" + source + "' is a directory; give a file or an archive");
    }
  }

  private static File checkLocal(String source) {
    File f = localFile(source);
    if (!f.isFile()) {
      throw new SpecException("'" + source + "' is not a file" + (f.exists() ? "" : " (it does not exist)"));
    }
    if (!f.canRead()) {
      throw new SpecException("'" + source + "' is not readable");
    }
    return f;
  }

  /** Resolves every resource (uploading or copying as needed). */
  void stage(List<Localized> resources) throws IOException {
    for (Localized r : resources) {
      FileStatus st;
      if (isRemote(r.source)) {
        Path p = ContainerFiles.hadoopPath(r.source);
        st = p.getFileSystem(conf).getFileStatus(p);
        if (!ContainerFiles.localizableInPlace(st.getPath())) {
          st = copy(st);
        }
      } else {
        File f = localFile(r.source);
        st = upload(f, f.getName());
      }
      r.path = st.getPath().toString();
      r.size = st.getLen();
      r.timestamp = st.getModificationTime();
    }
  }

  /** Makes {@code dir} (and missing parents) mode 0700 whatever the umask, if it does not exist. */
  static void mkdirsPrivate(FileSystem fs, Path dir) throws IOException {
    if (DepsFiles.statOrNull(fs, dir) == null) {
      fs.mkdirs(dir);
      fs.setPermission(dir, PRIVATE_DIR);
    }
  }

  /** The deps-dir copy of {@code local}, which the user calls {@code name}: reused, or uploaded now. */
  FileStatus upload(File local, String name) throws IOException {
    mkdirsPrivate(fs, depsDir);
    if (!uploadAlways) {
      Path dst = new Path(depsDir, DepsFiles.name(Sha256.of(local), name));
      FileStatus copy = reusable(dst, local.length(), Sha256.of(local));
      if (copy != null) {
        reused.add(dst.getName());
        return copy;
      }
    }
    try (InputStream in = new FileInputStream(local)) {
      return store(in, local.length(), name);
    }
  }

  /** A copy of a remote file YARN cannot localize from where it is (its name, see {@link ContainerFiles}). */
  private FileStatus copy(FileStatus src) throws IOException {
    mkdirsPrivate(fs, depsDir);
    try (InputStream in = src.getPath().getFileSystem(conf).open(src.getPath())) {
      return store(in, src.getLen(), src.getPath().getName());
    }
  }

  /**
   * {@code dst} when it holds content of {@code size} bytes and SHA-256 {@code sha}, is the user's, and was marked
   * used now; else null.
   */
  private FileStatus reusable(Path dst, long size, String sha) throws IOException {
    FileStatus st = DepsFiles.statOrNull(fs, dst);
    if (st == null || st.getLen() != size || !sha.equals(DepsFiles.readSha256(fs, dst))) {
      return null;
    }
    Trust.requireOwn(st, user, "the deps-dir copy", REMEDY);
    return DepsFiles.markUsed(fs, dst, System.currentTimeMillis()) ? st : null;
  }

  /** Streams {@code in} to the deps dir, hashing it on the way; the hash names the copy and is recorded with it. */
  private FileStatus store(InputStream in, long size, String name) throws IOException {
    Path tmp = new Path(depsDir, "." + UUID.randomUUID() + ".tmp");
    Path dst;
    try {
      String sha = write(in, tmp, size, name);
      dst = new Path(depsDir, DepsFiles.name(sha, uploadAlways ? UUID.randomUUID().toString().substring(0, 8)
          + "-" + name : name));
      DepsFiles.writeSha256(fs, tmp, dst, sha);
      FileStatus existing = place(tmp, dst, sha);
      if (existing != null) {
        reused.add(dst.getName());
        return existing;
      }
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
    uploaded.add(dst.getName());
    uploadedPaths.add(dst);
    return fs.getFileStatus(dst);
  }

  private String write(InputStream in, Path tmp, long size, String name) throws IOException {
    MessageDigest md = Sha256.newDigest();
    UploadProgress.Entry progress = UploadProgress.start(name, size);
    try (OutputStream out = fs.create(tmp, true, 1 << 16, replication, fs.getDefaultBlockSize(tmp))) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
        out.write(buf, 0, n);
        progress.add(n);
      }
    } finally {
      UploadProgress.end(progress);
    }
    return Sha256.hex(md.digest());
  }

  /**
   * Renames {@code tmp} to {@code dst}, never over a copy someone may be localizing: if {@code dst} appeared
   * meanwhile with the same content, that one is used (returned) and {@code tmp} dropped. Only a {@code dst} whose
   * content does not match its name (damaged) is replaced.
   */
  private FileStatus place(Path tmp, Path dst, String sha) throws IOException {
    FileContext fc = FileContext.getFileContext(fs.getUri(), conf);
    try {
      fc.rename(tmp, dst);
      return null;
    } catch (FileAlreadyExistsException e) {
      FileStatus existing = reusable(dst, fs.getFileStatus(tmp).getLen(), sha);
      if (existing != null) {
        fs.delete(tmp, false);
        return existing;
      }
      fc.rename(tmp, dst, Options.Rename.OVERWRITE);
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
      fs.delete(p, false);
      fs.delete(DepsFiles.sidecar(p), false);
    }
    uploadedPaths.clear();
  }
}
