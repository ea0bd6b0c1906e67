"""Start-up with a shipped environment, and what the NodeManagers' cache (PRIVATE resources) alone is worth.

Every figure is ``start()`` → FINISHED of an application whose 2 containers import distributed from the env and
exit; the containers are sized so that one runs on each of the 2 NodeManagers (so every run localizes the env on
both nodes, or on neither). Each fresh cluster (``--clusters``, a new local cluster and a new Python process, so
a new client JVM) gives:

- ``first``: the first application: client JVM start, knit JAR and env upload, the env downloaded and unpacked
  by both NodeManagers;
- ``later``: the same env again (``--runs`` times): everything warm;
- the control, ``--runs`` times: the env put in HDFS under a new path beforehand (outside the timing), then
  ``node cache cold``: an application using that ``hdfs://`` copy -- client JVM warm, nothing to upload or check,
  but the NodeManagers' cache misses (it is keyed by path and timestamp), so both download and unpack it;
  ``node cache warm``: the same ``hdfs://`` copy once more -- the only difference is the NodeManagers' cache.

``node cache cold / node cache warm`` isolates the node cache; ``first - node cache cold`` is what the client side
(JVM start, uploads) adds. Medians over every sample, n printed with each.

Usage: ``python benchmarks/env_start.py [--clusters 3] [--runs 3]`` (a 2-core machine: ~2-3 min per cluster).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from dask_yarn.testing import local_worker_env  # noqa: E402
from knit.localcluster import LocalCluster  # noqa: E402

CMD = "$PYTHON_BIN -c 'import distributed'"
NODES = 2


def run_once(k, env, memory: int) -> float:
    """Seconds from ``start()`` to FINISHED for one application with ``env``; it must succeed."""
    t0 = time.monotonic()
    k.start(CMD, num_containers=NODES, memory=memory, env=env)
    assert k.wait_for_completion(600), "the application did not finish within 600 s"
    elapsed = time.monotonic() - t0
    report = k.report()
    assert report["final_status"] == "SUCCEEDED", report
    return elapsed


def spread_memory(lc: LocalCluster) -> int:
    """A container size above half a NodeManager: the two containers cannot share a node."""
    from knit.yarn_api import YARNAPI
    per_node = min(n["availMemoryMB"] + n["usedMemoryMB"] for n in YARNAPI(rm=lc.rm_web_address).nodes())
    return per_node // 2 + 256


def put_copy(env: str, deps_dir: str, i: int) -> str:
    """A copy of ``env`` at a new HDFS path (not timed): same bytes, a path no NodeManager has cached."""
    dest = f"{deps_dir}/bench-control-{os.getpid()}-{i}/{os.path.basename(env)}"
    subprocess.run(["hadoop", "fs", "-mkdir", "-p", os.path.dirname(dest)], check=True, capture_output=True)
    subprocess.run(["hadoop", "fs", "-put", "-f", env, dest], check=True, capture_output=True)
    return dest


def one_cluster(env: str, runs: int) -> dict[str, list[float]]:
    """Every measurement on one fresh local cluster, from this (fresh) process."""
    from knit import Knit
    from knit.env import prepare_env
    layout = prepare_env(env)  # the same root and python for the hdfs:// copies as for the local file
    with LocalCluster(nodes=NODES) as lc:
        os.environ.update({k: lc.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
        memory = spread_memory(lc)
        k = Knit(replication_factor=1)
        out: dict[str, list[float]] = {"first": [run_once(k, env, memory)]}
        out["later"] = [run_once(k, env, memory) for _ in range(runs)]
        out["node cache cold"], out["node cache warm"] = [], []
        for i in range(runs):
            copy = {"source": put_copy(env, k.deps_dir, i), "root": layout["root"], "python": layout["python"]}
            out["node cache cold"].append(run_once(k, copy, memory))
            out["node cache warm"].append(run_once(k, copy, memory))
    return out


def fresh_cluster(env: str, runs: int) -> dict[str, list[float]]:
    proc = subprocess.run([sys.executable, __file__, "--one-cluster", env, "--runs", str(runs)],
                          capture_output=True, text=True, timeout=3600, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"a cluster's run failed with exit code {proc.returncode}:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(samples: dict[str, list[float]]) -> None:
    med = {name: statistics.median(v) for name, v in samples.items()}
    for name, values in samples.items():
        print(f"  {name:16} median {med[name]:6.2f} s  n={len(values):<2} samples "
              + " ".join(f"{v:.2f}" for v in values))
    print(f"  first / later                      : {med['first'] / med['later']:5.1f}x")
    print(f"  node cache alone (cold / warm)     : {med['node cache cold'] / med['node cache warm']:5.1f}x "
          f"({med['node cache cold'] - med['node cache warm']:.2f} s saved per application)")
    print(f"  client side of a first run (first - node cache cold): {med['first'] - med['node cache cold']:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clusters", type=int, default=3, help="fresh local clusters (default 3)")
    ap.add_argument("--runs", type=int, default=3, help="later / control runs per cluster (default 3)")
    ap.add_argument("--one-cluster", metavar="ENV", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_cluster:
        print(json.dumps(one_cluster(args.one_cluster, args.runs)))
        return
    env = local_worker_env()
    print(f"environment: {env} ({os.path.getsize(env) / 2**20:.0f} MB, a venv with dask and distributed); "
          f"{args.clusters} fresh clusters x {args.runs} runs; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    samples: dict[str, list[float]] = {}
    for i in range(args.clusters):
        result = fresh_cluster(env, args.runs)
        print(f"cluster {i + 1}/{args.clusters}: " + ", ".join(f"{k} {' '.join(f'{v:.2f}' for v in vs)}"
                                                           for k, vs in result.items()), flush=True)
        for name, values in result.items():
            samples.setdefault(name, []).extend(values)
    print(f"\nmedians (load average {os.getloadavg()[0]:.1f} at the end):")
    report(samples)


if __name__ == "__main__":
    main()
