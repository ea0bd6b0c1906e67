package org.knit.localcluster;

import java.io.File;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The local cluster's command line: {@code --dir DIR [--nodes N] [--nm-memory MB] [--nm-vcores V] [--rms R]
 * [--queues name=percent,...] [--preemption] [--memory-checks] [--secure] [--watch-stdin]}.
 *
 * <p>Python ({@code knit/localcluster.py}) validates the same values first, so a user sees a Python error; the
 * checks here guard the JVM against being started by hand with nonsense.
 */
final class Options {

  final File dir;
  final int nodes;
  final int nmMemoryMb;
  final int nmVcores;
  final int rms;
  /** Leaf queues under root with their capacity (percent); empty means the single {@code default} queue. */
  final Map<String, Integer> queues;
  final boolean preemption;
  final boolean memoryChecks;
  final boolean secure;
  final boolean watchStdin;

  private Options(Builder b) {
    this.dir = b.dir;
    this.nodes = b.nodes;
    this.nmMemoryMb = b.nmMemoryMb;
    this.nmVcores = b.nmVcores;
    this.rms = b.rms;
    this.queues = Collections.unmodifiableMap(new LinkedHashMap<>(b.queues));
    this.preemption = b.preemption;
    this.memoryChecks = b.memoryChecks;
    this.secure = b.secure;
    this.watchStdin = b.watchStdin;
  }

  boolean ha() {
    return rms > 1;
  }

  /** Parses the command line; throws {@link IllegalArgumentException} with a usage message on bad input. */
  static Options parse(String[] args) {
    Builder b = new Builder();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--dir": b.dir = new File(value(args, ++i, a)).getAbsoluteFile(); break;
        case "--nodes": b.nodes = positive(value(args, ++i, a), a); break;
        case "--nm-memory": b.nmMemoryMb = positive(value(args, ++i, a), a); break;
        case "--nm-vcores": b.nmVcores = positive(value(args, ++i, a), a); break;
        case "--rms": b.rms = positive(value(args, ++i, a), a); break;
        case "--queues": b.queues = queues(value(args, ++i, a)); break;
        case "--preemption": b.preemption = true; break;
        case "--memory-checks": b.memoryChecks = true; break;
        case "--secure": b.secure = true; break;
        case "--watch-stdin": b.watchStdin = true; break;
        default: throw new IllegalArgumentException("unknown argument: " + a);
      }
    }
    if (b.dir == null) {
      throw new IllegalArgumentException("--dir is required");
    }
    if (b.preemption && b.queues.size() < 2) {
      throw new IllegalArgumentException("--preemption needs --queues with at least two queues");
    }
    return new Options(b);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static int positive(String s, String flag) {
    int n;
    try {
      n = Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be an integer, got " + s);
    }
    if (n < 1) {
      throw new IllegalArgumentException(flag + " must be >= 1, got " + n);
    }
    return n;
  }

  /** {@code prod=70,batch=30}: capacities in percent, summing to 100 (CapacityScheduler's rule). */
  static Map<String, Integer> queues(String spec) {
    Map<String, Integer> out = new LinkedHashMap<>();
    int total = 0;
    for (String part : spec.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length != 2 || !kv[0].matches("[A-Za-z0-9_-]+")) {
        throw new IllegalArgumentException("--queues takes name=percent,..., got " + spec);
      }
      int pct = positive(kv[1], "--queues " + kv[0]);
      if (out.put(kv[0], pct) != null) {
        throw new IllegalArgumentException("queue " + kv[0] + " given twice");
      }
      total += pct;
    }
    if (total != 100) {
      throw new IllegalArgumentException("queue capacities must sum to 100, got " + total);
    }
    return out;
  }

  private static final class Builder {
    File dir;
    int nodes = 2;
    int nmMemoryMb = 4096;
    int nmVcores = 8;
    int rms = 1;
    Map<String, Integer> queues = new LinkedHashMap<>();
    boolean preemption;
    boolean memoryChecks;
    boolean secure;
    boolean watchStdin;
  }
}
