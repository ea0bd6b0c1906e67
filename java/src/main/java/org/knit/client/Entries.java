package org.knit.client;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.File;
import org.knit.spec.SpecException;

/**
 * The spec entries {@code --file F} and {@code --env ENV} stand for, made as {@code knit start} makes them
 * (knit/env.py: {@code prepare_files}, {@code prepare_env}): local paths absolute, the link name the base name
 * (an env's without its archive suffix), archives by suffix, an env's root and Python read from the archive.
 */
final class Entries {
  private Entries() {}

  static JsonObject file(String value) {
    String source = Stager.isRemote(value) ? value : absolute(value, "--file");
    String name = baseName(source);
    JsonObject e = new JsonObject();
    e.addProperty("source", source);
    e.addProperty("name", name);
    e.addProperty("type", ArchiveRoot.isArchive(name) ? "ARCHIVE" : "FILE");
    return e;
  }

  static JsonObject env(String value) {
    String base = baseName(value);
    if (!ArchiveRoot.isArchive(base)) {
      throw new SpecException("env", "--env must be a .zip, .tar.gz or .tgz archive (local or hdfs://), got '"
          + value + "'");
    }
    JsonObject e = new JsonObject();
    if (Stager.isRemote(value)) {
      // Not inspected remotely: root null lets the launch script find the directory holding bin/.
      e.addProperty("source", value);
      e.addProperty("name", ArchiveRoot.stem(base));
      e.add("root", JsonNull.INSTANCE);
      e.addProperty("python", "bin/python");
      return e;
    }
    String source = absolute(value, "--env");
    String[] layout = ArchiveRoot.layout(new File(source));
    e.addProperty("source", source);
    e.addProperty("name", ArchiveRoot.stem(base));
    e.addProperty("root", layout[0]);
    e.addProperty("python", layout[1]);
    return e;
  }

  /** {@code value} as an absolute, normalized local path of an existing file. */
  private static String absolute(String value, String flag) {
    File f = Stager.localFile(value).getAbsoluteFile().toPath().normalize().toFile();
    if (!f.isFile()) {
      throw new SpecException(null, flag + ": '" + value + "' is not a file"
          + (f.isDirectory() ? " (a directory: zip it)" : f.exists() ? "" : " (it does not exist)"));
    }
    return f.getPath();
  }

  private static String baseName(String source) {
    String s = source.replaceAll("/+$", "");
    return s.substring(s.lastIndexOf('/') + 1);
  }
}
