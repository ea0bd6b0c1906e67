package org.knit.spec;

import com.google.gson.annotations.SerializedName;

/** Where and how the client uploads shared dependencies (the knit JAR, environments, files). */
public final class Staging {
  /** Qualified HDFS directory of shared, cached uploads; null lets the client use {@code <home>/.knitDeps}. */
  @SerializedName("deps_dir")
  public String depsDir;
  public int replication = 3;
  @SerializedName("upload_always")
  public boolean uploadAlways = false;
}
