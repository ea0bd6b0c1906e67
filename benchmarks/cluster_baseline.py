"""Baselines Knit is measured against: local cluster start-up, and DistributedShell (Hadoop's reference YARN
application) from submission to FINISHED for 2 containers.

Usage: ``python benchmarks/cluster_baseline.py [--runs 5]``. Prints each sample, the medians and n: the cluster
start-up is a median over min(runs, 3) fresh clusters, DistributedShell over ``--runs`` runs on one cluster.
"""
from __future__ import annotations

import argparse
import glob
import os
import re
import statistics
import subprocess
import time

import requests

from knit.localcluster import LocalCluster


def time_cluster_start(runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        t0 = time.monotonic()
        lc = LocalCluster(nodes=2).start()
        samples.append(time.monotonic() - t0)
        lc.stop()
    return samples


def time_distributedshell(lc: LocalCluster, runs: int) -> tuple[list[float], list[float]]:
    """(wall time of the `hadoop jar` client, RM's startedTime→finishedTime) per run."""
    (jar,) = glob.glob(os.path.join(lc.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    wall, rm = [], []
    for _ in range(runs):
        t0 = time.monotonic()
        proc = subprocess.run(["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client",
                               "-jar", jar, "-shell_command", "echo hello", "-num_containers", "2",
                               "-container_memory", "128", "-master_memory", "256"],
                              env=lc.environ(), capture_output=True, text=True, check=True)
        wall.append(time.monotonic() - t0)
        app_id = re.search(r"application_\d+_\d+", proc.stdout + proc.stderr).group(0)
        app = requests.get(f"http://{lc.rm_web_address}/ws/v1/cluster/apps/{app_id}", timeout=30).json()["app"]
        assert app["finalStatus"] == "SUCCEEDED", app
        rm.append((app["finishedTime"] - app["startedTime"]) / 1000)
    return wall, rm


def show(name: str, samples: list[float]) -> float:
    med = statistics.median(samples)
    print(f"{name:58} median {med:6.2f} s  n={len(samples)}  samples {' '.join(f'{s:.2f}' for s in samples)}")
    return med


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    start = show("local cluster start-up (2 NodeManagers)", time_cluster_start(min(args.runs, 3)))
    with LocalCluster(nodes=2) as lc:
        wall, rm = time_distributedshell(lc, args.runs)
    ds_wall = show("DistributedShell 2 containers: hadoop jar → exit", wall)
    ds_rm = show("DistributedShell 2 containers: RM started → finished", rm)
    print(f"ratio client wall / RM app time: {ds_wall / ds_rm:.2f}; cluster start / DS run: {start / ds_wall:.2f}")


if __name__ == "__main__":
    main()
