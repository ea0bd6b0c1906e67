"""The local cluster's own figures: ready time (plain and secure), RM restart time, node-loss detection time.

Usage: ``python benchmarks/local_cluster.py [--runs 3]``. Prints each sample and the medians (n = runs).

- ready: ``LocalCluster(nodes=2[, secure=True]).start()`` until ``cluster.json`` (KDC, keytabs and TLS included);
- RM restart: ``restart_resourcemanager()`` until the new RM answers REST and every NodeManager is RUNNING in it;
- node loss: ``stop_node(1)`` returning until the RM's REST API reports the node LOST (expiry 5 s + monitor
  period).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from knit.localcluster import LocalCluster  # noqa: E402


def _node_state(lc: LocalCluster, node_id: str) -> str | None:
    r = requests.get(f"http://{lc.rm_web_address}/ws/v1/cluster/nodes", params={"states": "RUNNING,LOST"},
                     timeout=30)
    r.raise_for_status()
    return {n["id"]: n["state"] for n in (r.json()["nodes"] or {}).get("node", [])}.get(node_id)


def _until(predicate, timeout: float = 120) -> float:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError("condition not met")
        time.sleep(0.05)
    return time.monotonic() - t0


def one_run(secure: bool) -> dict[str, float]:
    t0 = time.monotonic()
    lc = LocalCluster(nodes=2, nm_memory=1024, secure=secure).start()
    out = {"ready": time.monotonic() - t0}
    try:
        if secure:
            return out
        t0 = time.monotonic()
        lc.restart_resourcemanager()
        _until(lambda: requests.get(f"http://{lc.rm_web_address}/ws/v1/cluster/info", timeout=30).ok)
        out["rm_restart"] = time.monotonic() - t0
        victim = lc.node_ids[1]
        lc.stop_node(1)
        out["node_loss"] = _until(lambda: _node_state(lc, victim) == "LOST")
        return out
    finally:
        lc.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    samples: dict[str, list[float]] = {}
    for i in range(args.runs):  # alternate plain and secure so machine load hits both alike
        for secure in (False, True):
            for k, v in one_run(secure).items():
                key = f"{'secure' if secure else 'plain'} {k}"
                samples.setdefault(key, []).append(v)
                print(f"run {i}: {key} {v:.1f} s", flush=True)
    for key, vs in samples.items():
        print(f"{key}: median {statistics.median(vs):.1f} s (n={len(vs)}, min {min(vs):.1f}, max {max(vs):.1f})")


if __name__ == "__main__":
    main()
