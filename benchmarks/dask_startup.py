"""Start-up of a Dask cluster on YARN through DaskYARNCluster, both deploy modes, median of 5 runs.

Figures (seconds), per deploy mode, each run a new application:

- ``constructor -> 4 workers connected``: ``DaskYARNCluster(env=...)`` then ``start(4)`` (the usage page's
  flow) until the scheduler has 4 running workers. Local mode: the scheduler starts here and the application is
  submitted by ``start``; remote mode: the constructor submits the application and waits for its
  ``dask-scheduler`` container to publish its address, then ``start`` adds the workers;
- ``remote, n_workers=4 in the constructor``: the workers are requested alongside the scheduler's container;
- ``scale(8) from 4``: from ``scale(8)`` until 8 workers are connected (the env is already on the nodes).

Only the first run localizes the environment on the nodes; later ones find it in the NodeManagers' per-user
cache (Knit localizes shared dependencies as PRIVATE resources). The environment is a venv of this process's
dask/distributed/numpy/bokeh (:func:`dask_env.local_worker_env`, cached in /tmp; uploaded to HDFS
once, then reused by Knit's upload cache).

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
sys.path.insert(0, os.path.join(REPO, "tests"))  # dask_env: the workers' environment

import dask  # noqa: E402

from dask_env import local_worker_env  # noqa: E402
from dask_yarn import DaskYARNCluster  # noqa: E402
from knit.localcluster import LocalCluster  # noqa: E402


def one_run(env: str, mode: str, memory: int, timeout: float, in_constructor: bool = False) -> tuple[float, float]:
    """(constructor -> 4 workers connected, scale 4 -> 8) in seconds, for one new application."""
    t0 = time.monotonic()
    kwargs = {"n_workers": 4, "worker_memory": memory} if in_constructor else {}
    with DaskYARNCluster(env=env, deploy_mode=mode, **kwargs) as cluster:
        if not in_constructor:
            cluster.start(4, cpu=1, memory=memory)
        cluster.wait_for_workers(4, timeout=timeout)
        connected = time.monotonic() - t0
        t1 = time.monotonic()
        cluster.scale(8)
        cluster.wait_for_workers(8, timeout=timeout)
        scaled = time.monotonic() - t1
    return connected, scaled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cluster-dir", default=os.environ.get("KNIT_TEST_CLUSTER"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", type=int, default=384, help="MB per worker container")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    cluster = LocalCluster.attach(args.cluster_dir) if args.cluster_dir else LocalCluster(nodes=2).start()
    os.environ.update({k: cluster.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
    cases = {"local": ("local", False), "remote": ("remote", False), "remote, n_workers=4 in the constructor":
             ("remote", True)}
    results: dict[str, list[tuple[float, float]]] = {case: [] for case in cases}
    try:
        env = local_worker_env()
        with dask.config.set({"yarn.dashboard-address": ":0", "yarn.scheduler.memory": "512 MiB"}):
            for i in range(args.runs):
                for case, (mode, in_constructor) in cases.items():
                    results[case].append(one_run(env, mode, args.memory, args.timeout, in_constructor))
                    print(f"run {i + 1} {case}: 4 workers connected {results[case][-1][0]:.2f} s, "
                          f"scale(8) from 4 {results[case][-1][1]:.2f} s", flush=True)
    finally:
        if not args.cluster_dir:
            cluster.stop()

    print(f"\nmedian of {args.runs} runs (worker containers of {args.memory} MB, 1 vcore; scheduler 512 MB):")
    for case, rows in results.items():
        connected, scaled = (statistics.median(col) for col in zip(*rows))
        print(f"  {case:40} constructor -> 4 workers connected {connected:6.2f} s; scale(8) from 4 {scaled:6.2f} s")
    local = statistics.median(r[0] for r in results["local"])
    remote = statistics.median(r[0] for r in results["remote"])
    print(f"  ratio remote / local start-up: {remote / local:.2f}")


if __name__ == "__main__":
    main()
