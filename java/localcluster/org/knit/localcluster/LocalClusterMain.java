package org.knit.localcluster;

public final class LocalClusterMain {
  public static void main(String[] args) { System.out.println("lc"); }
}
