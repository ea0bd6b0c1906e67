package org.knit;

public final class Client {
  public static void main(String[] args) { System.out.println("knit"); }
}
