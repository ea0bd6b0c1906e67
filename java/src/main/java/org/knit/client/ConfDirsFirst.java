package org.knit.client;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * Resources from the classpath's directories before the jars': the Hadoop conf dir's {@code core-site.xml},
 * {@code log4j.properties}, {@code ssl-client.xml}... win over a jar's of the same name, as with the conf dir first.
 *
 * <p>Python puts the directories after the jars (knit/class_data.py: a class-data archive can only be written
 * for a classpath whose jars come first); this loader, the context class loader of every thread the gateway starts,
 * gives them their precedence back for resources, which Hadoop's {@code Configuration} and log4j look up there.
 * Classes still come from the application class loader, its parent.
 */
final class ConfDirsFirst extends ClassLoader {
  private final List<File> dirs;

  ConfDirsFirst(ClassLoader parent, List<File> dirs) {
    super(parent);
    this.dirs = dirs;
  }

  /** The directories of a classpath string, in order. */
  static List<File> directories(String classpath) {
    List<File> out = new ArrayList<>();
    for (String entry : classpath.split(File.pathSeparator)) {
      File f = new File(entry);
      if (!entry.isEmpty() && f.isDirectory()) {
        out.add(f);
      }
    }
    return out;
  }

  /** Makes this loader, over the current one, the context class loader of this thread and of those it starts. */
  static void install() {
    Thread t = Thread.currentThread();
    ClassLoader parent = ConfDirsFirst.class.getClassLoader();
    t.setContextClassLoader(new ConfDirsFirst(parent, directories(System.getProperty("java.class.path", ""))));
  }

  @Override
  public URL getResource(String name) {
    URL url = inDirs(name);
    return url != null ? url : super.getResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    List<URL> urls = new ArrayList<>();
    for (File dir : dirs) {
      URL url = fileIn(dir, name);
      if (url != null) {
        urls.add(url);
      }
    }
    for (URL url : Collections.list(super.getResources(name))) {
      if (!urls.contains(url)) {
        urls.add(url);
      }
    }
    return Collections.enumeration(urls);
  }

  private URL inDirs(String name) {
    for (File dir : dirs) {
      URL url = fileIn(dir, name);
      if (url != null) {
        return url;
      }
    }
    return null;
  }

  private static URL fileIn(File dir, String name) {
    File f = new File(dir, name);
    if (!f.isFile()) {
      return null;
    }
    try {
      return f.toURI().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalStateException("no URL for " + f + ": " + e, e); // a file's URL is always well formed
    }
  }
}
