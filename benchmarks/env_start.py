"""Start-up with a shipped environment: the first application (the NodeManagers download and unpack the env)
against later ones (the env is in each node's per-user cache: PRIVATE resources).

Usage: ``python benchmarks/env_start.py [--runs 5]``. Each run starts 2 containers that import distributed
from the environment and exit; the time is ``start()`` → FINISHED.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from dask_yarn.testing import local_worker_env
from knit.localcluster import LocalCluster


def run_once(k, env: str) -> float:
    t0 = time.monotonic()
    k.start("$PYTHON_BIN -c 'import distributed'", num_containers=2, memory=256, env=env)
    assert k.wait_for_completion(600), "the application did not finish within 600 s"
    assert k.status()["final_status"] == "SUCCEEDED", k.status()
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = local_worker_env()
    print(f"environment: {env} ({os.path.getsize(env) / 2**20:.0f} MB, a venv with dask and distributed)")
    with LocalCluster(nodes=2) as lc:
        os.environ.update({k: lc.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
        from knit import Knit
        k = Knit(replication_factor=1)
        first = run_once(k, env)
        later = [run_once(k, env) for _ in range(args.runs)]
    med = statistics.median(later)
    print(f"first application (env localized on both nodes): {first:6.2f} s")
    print(f"later applications, median of {args.runs}:          {med:6.2f} s   "
          f"samples {' '.join(f'{s:.2f}' for s in later)}")
    print(f"ratio first / later: {first / med:.1f}")


if __name__ == "__main__":
    main()
