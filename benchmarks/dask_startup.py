"""Start-up of a Dask cluster on YARN through DaskYARNCluster, median of 5 runs.

Figures (seconds):

- ``constructor -> 4 containers RUNNING``: ``DaskYARNCluster(env=...)`` then ``start(4)`` returning
  (scheduler up, application submitted, the AM's 4 containers running);
- ``constructor -> 4 workers connected``: the same until the scheduler has 4 running workers (the env is
  localized and unpacked by YARN and dask imported in each container);
- ``scale(8) from 4``: from ``scale(8)`` until 8 workers are connected (new containers of the same
  application; the env is already localized on the nodes).

Each run is a new application; only the first localizes the environment on the nodes, later ones find it
in the NodeManagers' per-user cache (Knit localizes shared dependencies as PRIVATE resources). The worker
environment is a venv-pack archive of this process's dask/distributed/numpy (:func:`dask_yarn.testing.local_worker_env`, cached in /tmp; uploaded
to HDFS once, then reused by Knit's upload cache).

Usage::

    python benchmarks/dask_startup.py [--cluster-dir /tmp/knit-dev] [--runs 5] [--memory 384]

Without ``--cluster-dir`` (or ``$KNIT_TEST_CLUSTER``) a two-node local cluster is started and stopped.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import dask  # noqa: E402

from dask_yarn import DaskYARNCluster  # noqa: E402
from dask_yarn.testing import local_worker_env  # noqa: E402
from knit.localcluster import LocalCluster  # noqa: E402


def one_run(env: str, memory: int, timeout: float) -> tuple[float, float, float]:
    """(containers running, 4 workers connected, scale 4 -> 8) in seconds, for one new application."""
    t0 = time.monotonic()
    with DaskYARNCluster(env=env, replication_factor=1) as cluster:
        cluster.start(4, cpu=1, memory=memory)
        running = time.monotonic() - t0
        cluster.wait_for_workers(4, timeout=timeout)
        connected = time.monotonic() - t0
        t1 = time.monotonic()
        cluster.scale(8)
        cluster.wait_for_workers(8, timeout=timeout)
        scaled = time.monotonic() - t1
    return running, connected, scaled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cluster-dir", default=os.environ.get("KNIT_TEST_CLUSTER"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", type=int, default=384, help="MB per worker container")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    cluster = LocalCluster.attach(args.cluster_dir) if args.cluster_dir else LocalCluster(nodes=2).start()
    os.environ.update({k: cluster.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
    try:
        env = local_worker_env()
        results = []
        with dask.config.set({"yarn.dashboard-address": ":0"}):
            for i in range(args.runs):
                results.append(one_run(env, args.memory, args.timeout))
                print(f"run {i + 1}: containers running {results[-1][0]:.2f} s, 4 workers connected "
                      f"{results[-1][1]:.2f} s, scale(8) from 4 {results[-1][2]:.2f} s", flush=True)
    finally:
        if not args.cluster_dir:
            cluster.stop()

    running, connected, scaled = (statistics.median(col) for col in zip(*results))
    print(f"\nmedian of {args.runs} (worker containers of {args.memory} MB, 1 vcore):")
    print(f"  constructor -> 4 containers RUNNING : {running:7.2f} s")
    print(f"  constructor -> 4 workers connected  : {connected:7.2f} s")
    print(f"  scale(8) from 4 -> 8 connected      : {scaled:7.2f} s")
    print(f"  ratio scale(8) / cold start(4)      : {scaled / connected:7.2f}")


if __name__ == "__main__":
    main()
