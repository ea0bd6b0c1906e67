package org.knit.common;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.yarn.api.records.LocalResource;
import org.apache.hadoop.yarn.api.records.LocalResourceType;
import org.apache.hadoop.yarn.api.records.LocalResourceVisibility;
import org.apache.hadoop.yarn.api.records.URL;

/**
 * An application's secret files (TLS keys, tokens): content Python hands the client with the submission, never
 * part of the spec. The client writes them into the staging dir ({@value #DIR}/, 0700, each file 0600); the AM
 * localizes each into every container's working directory under its name as an APPLICATION resource (the
 * NodeManager keeps it in the user's private application cache and deletes it with the application). So they
 * are in no spec, argv, environment, log, nor in the shared deps dir or any node cache after the application.
 */
public final class SecretFiles {
  /** Under the staging dir. */
  public static final String DIR = "secret-files";
  /** A plain file name: no path, no leading dot (Knit's own link names start with one). */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final FsPermission DIR_MODE = new FsPermission((short) 0700);
  private static final FsPermission FILE_MODE = new FsPermission((short) 0600);

  private SecretFiles() {}

  /**
   * Parses {@code {"secret_files": {name: base64 content}}} and checks the names (not among {@code taken}, the
   * spec's own link names).
   *
   * @throws IllegalArgumentException naming the file at fault (never content)
   */
  public static Map<String, byte[]> parse(String json, Set<String> taken) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (json == null) {
      return out;
    }
    com.google.gson.JsonObject files = com.google.gson.JsonParser.parseString(json).getAsJsonObject()
        .getAsJsonObject("secret_files");
    for (Map.Entry<String, com.google.gson.JsonElement> e : files.entrySet()) {
      String name = e.getKey();
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("secret_files: '" + name + "' is not a plain file name (letters, digits,"
            + " '.', '_', '-'; not starting with '.'; at most 64 characters)");
      }
      if (taken.contains(name)) {
        throw new IllegalArgumentException("secret_files: '" + name + "' is also the name of one of the spec's "
            + "files or its env; give each name once");
      }
      out.put(name, Base64.getDecoder().decode(e.getValue().getAsString()));
    }
    return out;
  }

  /** The client's side: writes each file into {@code stagingDir}/{@value #DIR} (0700; files 0600). */
  public static void write(FileSystem fs, Path stagingDir, Map<String, byte[]> files) throws IOException {
    if (files.isEmpty()) {
      return;
    }
    Path dir = new Path(stagingDir, DIR);
    fs.mkdirs(dir, DIR_MODE);
    fs.setPermission(dir, DIR_MODE); // mkdirs applies the umask
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      try (OutputStream out = FileSystem.create(fs, new Path(dir, f.getKey()), FILE_MODE)) {
        out.write(f.getValue());
      }
    }
  }

  /** The AM's side: {link name: APPLICATION resource} for every secret file of the application. */
  public static Map<String, LocalResource> resources(FileSystem fs, Path stagingDir) throws IOException {
    Path dir = new Path(stagingDir, DIR);
    if (!fs.exists(dir)) {
      return Collections.emptyMap();
    }
    Map<String, LocalResource> out = new LinkedHashMap<>();
    for (FileStatus st : fs.listStatus(dir)) {
      out.put(st.getPath().getName(), LocalResource.newInstance(URL.fromPath(fs.makeQualified(st.getPath())),
          LocalResourceType.FILE, LocalResourceVisibility.APPLICATION, st.getLen(), st.getModificationTime()));
    }
    return out;
  }

  /** One secret file's content back, as base64 (e.g. for another process of the user to join a Dask cluster). */
  public static String read(FileSystem fs, Path stagingDir, String name) throws IOException {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a secret file name");
    }
    Path file = new Path(new Path(stagingDir, DIR), name);
    byte[] buf = new byte[(int) fs.getFileStatus(file).getLen()];
    try (org.apache.hadoop.fs.FSDataInputStream in = fs.open(file)) {
      in.readFully(0, buf);
    }
    return new String(Base64.getEncoder().encode(buf), StandardCharsets.US_ASCII);
  }
}
