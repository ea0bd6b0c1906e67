"""Start-up latency of Knit beside Hadoop's DistributedShell, median of 5 runs.

Figures (seconds, until the ResourceManager reports the N containers, besides the AM, as running):

- ``cold start()``:   a fresh Python process: ``Knit().start(cmd, num_containers=4)`` (client JVM start included);
- ``second start()``: another ``Knit().start(...)`` in that same process (the client JVM is reused);
- ``add_containers(4)``: on the first application, until 4 more containers run;
- ``DistributedShell``: ``hadoop jar hadoop-yarn-applications-distributedshell.jar`` for the same job, through
  the cluster's launcher (a fresh client JVM each time, like a cold start).

Usage::

    python benchmarks/start_latency.py [--cluster-dir /tmp/knit-dev] [--runs 5] [--containers 4]

Without ``--cluster-dir`` (or ``$KNIT_TEST_CLUSTER``) a two-node local cluster is started and stopped.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from knit.localcluster import LocalCluster  # noqa: E402

CMD = "sleep 600"
MEMORY = 128
POLL = 0.05

# One repetition of Knit's three figures, in a fresh Python process (so the first start() is cold).
_KNIT_RUN = textwrap.dedent("""
    import json, sys, time
    import requests
    from knit import Knit

    rm, n, memory, cmd, poll = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])

    def running_containers(app_id):
        r = requests.get(f"http://{rm}/ws/v1/cluster/apps/{app_id}", timeout=30)
        r.raise_for_status()
        return r.json()["app"]["runningContainers"]

    def wait_running(app_id, count, t0, deadline=600):
        while running_containers(app_id) < count:
            if time.monotonic() - t0 > deadline:
                raise TimeoutError(f"{app_id}: {count} containers not running after {deadline} s")
            time.sleep(poll)
        return time.monotonic() - t0

    first, second = Knit(), Knit()
    try:
        t0 = time.monotonic()
        cold = wait_running(first.start(cmd, num_containers=n, memory=memory), n + 1, t0)
        t0 = time.monotonic()
        warm = wait_running(second.start(cmd, num_containers=n, memory=memory), n + 1, t0)
        second.kill()
        t0 = time.monotonic()
        first.add_containers(n, memory=memory)
        add = wait_running(first.app_id, 2 * n + 1, t0)
    finally:
        first.kill()
        second.kill()
    print(json.dumps({"cold": cold, "second": warm, "add": add}))
""")


def knit_run(rm_web: str, n: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", _KNIT_RUN, rm_web, str(n), str(MEMORY), CMD, str(POLL)],
                          capture_output=True, text=True, timeout=1800, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"knit run failed with exit code {proc.returncode}:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rm_get(rm_web: str, path: str, **params) -> dict:
    r = requests.get(f"http://{rm_web}/ws/v1/cluster/{path}", params=params, timeout=30)
    r.raise_for_status()
    return r.json()


def _kill(rm_web: str, app_id: str) -> None:
    requests.put(f"http://{rm_web}/ws/v1/cluster/apps/{app_id}/state", json={"state": "KILLED"},
                 timeout=30).raise_for_status()


def distributedshell_run(cluster: LocalCluster, n: int, tag: str) -> float:
    """Seconds from ``hadoop jar`` to N running containers (plus the AM) for DistributedShell."""
    (jar,) = glob.glob(os.path.join(cluster.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    cmd = ["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client", "-jar", jar,
           "-shell_command", CMD, "-num_containers", str(n), "-container_memory", str(MEMORY),
           "-master_memory", "256", "-appname", tag]
    t0 = time.monotonic()
    client = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app_id = None
    try:
        while True:
            if time.monotonic() - t0 > 600:
                raise TimeoutError(f"DistributedShell {tag}: {n} containers not running after 600 s")
            if app_id is None:
                apps = (_rm_get(cluster.rm_web_address, "apps").get("apps") or {}).get("app") or []
                app_id = next((a["id"] for a in apps if a["name"] == tag), None)
            elif _rm_get(cluster.rm_web_address, f"apps/{app_id}")["app"]["runningContainers"] >= n + 1:
                return time.monotonic() - t0
            if client.poll() is not None and app_id is None:
                raise RuntimeError(f"DistributedShell client exited with {client.returncode} before submitting")
            time.sleep(POLL)
    finally:
        if app_id is not None:
            _kill(cluster.rm_web_address, app_id)
        client.terminate()
        client.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster-dir", default=os.environ.get("KNIT_TEST_CLUSTER"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--containers", type=int, default=4)
    args = parser.parse_args()

    cluster = (LocalCluster.attach(args.cluster_dir) if args.cluster_dir else LocalCluster(nodes=2).start())
    os.environ.update({k: cluster.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
    n = args.containers
    try:
        knit_runs, ds_runs = [], []
        for i in range(args.runs):
            knit_runs.append(knit_run(cluster.rm_web_address, n))
            ds_runs.append(distributedshell_run(cluster, n, f"ds-bench-{os.getpid()}-{i}"))
            print(f"run {i + 1}/{args.runs}: knit {knit_runs[-1]}, distributedshell {ds_runs[-1]:.2f}",
                  flush=True)
    finally:
        if not args.cluster_dir:
            cluster.stop()

    ds = statistics.median(ds_runs)
    print(f"\nmedian of {args.runs}, {n} containers of {MEMORY} MB running `{CMD}` "
          f"(seconds until the RM reports them running):")
    print(f"  {'DistributedShell (hadoop jar)':32s} {ds:7.2f}")
    for key, label in (("cold", "Knit cold start()"), ("second", "Knit second start(), same process"),
                       ("add", f"Knit add_containers({n})")):
        value = statistics.median(r[key] for r in knit_runs)
        print(f"  {label:32s} {value:7.2f}   ratio to DistributedShell {value / ds:5.2f}")


if __name__ == "__main__":
    main()
