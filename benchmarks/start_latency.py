"""Start-up latency of Knit beside Hadoop's DistributedShell, median of 5 runs.

Every figure is the time until the NodeManagers report the N containers (plus the AM's) RUNNING, i.e. the
processes have been launched, read from each NodeManager's REST API, the same way for both tools:

- ``cold start()``:   a fresh Python process: ``Knit().start(cmd, num_containers=4)`` (client JVM start,
  pre-flight checks, staging and AM start included);
- ``second start()``: another ``Knit().start(...)`` in that same process (the client JVM is reused);
- ``add_containers(4)``: on the first application, until 4 more containers run;
- ``DistributedShell``: ``hadoop jar hadoop-yarn-applications-distributedshell-<v>.jar`` for the same job,
  through the cluster's launcher (a fresh client JVM each time, like a cold start).

With ``--phases`` it breaks a cold ``start()`` (a fresh process each run) into its phases instead, each as seconds
since the call: client JVM ready → submitted (``start()`` returned) → AM registered (the RM reports the
application RUNNING) → first container requested → all allocated → start sent → all RUNNING (the NodeManagers'
"started", from the AM's records) → every command's first line (a timestamp each container writes).

Usage::

    python benchmarks/start_latency.py [--cluster-dir /tmp/knit-dev] [--runs 5] [--containers 4] [--phases]

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
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from knit import Knit  # noqa: E402
from knit.checks import InsufficientResources  # noqa: E402
from knit.localcluster import LocalCluster  # noqa: E402

CMD = "sleep 600"
MEMORY = 128
POLL = 0.1
DEADLINE = 300.0


class KilledElsewhere(RuntimeError):
    """Someone else killed the application being measured, or took the resources it needs (a shared
    cluster): that run is repeated."""


class Cluster:
    """Just the REST views the measurements need: RM apps and every NodeManager's containers."""

    def __init__(self, rm_web: str):
        self.rm_web = rm_web
        r = requests.get(f"http://{rm_web}/ws/v1/cluster/nodes", timeout=30)
        r.raise_for_status()
        self.nodes = [n["nodeHTTPAddress"] for n in r.json()["nodes"]["node"]]

    def app(self, app_id: str) -> dict:
        r = requests.get(f"http://{self.rm_web}/ws/v1/cluster/apps/{app_id}", timeout=30)
        r.raise_for_status()
        return r.json()["app"]

    def app_named(self, name: str) -> str | None:
        r = requests.get(f"http://{self.rm_web}/ws/v1/cluster/apps", timeout=30)
        r.raise_for_status()
        apps = (r.json().get("apps") or {}).get("app") or []
        return next((a["id"] for a in apps if a["name"] == name), None)

    def running(self, app_id: str) -> int:
        """Containers of ``app_id`` (the AM's included) that some NodeManager reports RUNNING."""
        suffix = app_id.split("_", 1)[1] + "_"
        count = 0
        for node in self.nodes:
            r = requests.get(f"http://{node}/ws/v1/node/containers", timeout=30)
            r.raise_for_status()
            containers = (r.json().get("containers") or {}).get("container") or []
            count += sum(1 for c in containers if suffix in c["id"] and c["state"] == "RUNNING")
        return count

    def wait_running(self, app_id: str, count: int, t0: float) -> float:
        """Seconds from ``t0`` until ``count`` containers of ``app_id`` run; raise if the app ends first."""
        while self.running(app_id) < count:
            if time.monotonic() - t0 > DEADLINE:
                raise TimeoutError(f"{app_id}: {count} containers not running after {DEADLINE:.0f} s")
            app = self.app(app_id)
            if app["state"] == "KILLED":
                raise KilledElsewhere(f"{app_id} was killed while being measured: {app['diagnostics']}")
            if app["state"] in ("FINISHED", "FAILED"):
                raise RuntimeError(f"{app_id} ended {app['state']} while being measured: {app['diagnostics']}")
            time.sleep(POLL)
        return time.monotonic() - t0

    def kill(self, app_id: str) -> None:
        requests.put(f"http://{self.rm_web}/ws/v1/cluster/apps/{app_id}/state", json={"state": "KILLED"},
                     timeout=30).raise_for_status()


def one_knit_run(rm_web: str, n: int) -> dict[str, float]:
    """In a fresh process: cold start(), second start(), add_containers(n)."""
    cluster = Cluster(rm_web)
    first, second = Knit(), Knit()
    try:
        t0 = time.monotonic()
        cold = cluster.wait_running(first.start(CMD, num_containers=n, memory=MEMORY), n + 1, t0)
        t0 = time.monotonic()
        warm = cluster.wait_running(second.start(CMD, num_containers=n, memory=MEMORY), n + 1, t0)
        second.kill()
        t0 = time.monotonic()
        first.add_containers(n, memory=MEMORY)
        add = cluster.wait_running(first.app_id, 2 * n + 1, t0)
    finally:
        first.kill()
        second.kill()
    return {"cold": cold, "second": warm, "add": add}


def one_phases_run(rm_web: str, n: int) -> dict[str, float]:
    """In a fresh process: one cold start(), timed phase by phase (seconds since the call)."""
    import tempfile
    from knit import gateway
    cluster = Cluster(rm_web)
    stamps = tempfile.mkdtemp(prefix="knit-phases-")
    t0 = time.time()
    k = Knit()
    gateway.client()
    out = {"client JVM ready": time.time() - t0}
    app_id = k.start(f"date +%s.%N > {stamps}/$CONTAINER_ID; exec {CMD}", num_containers=n, memory=MEMORY)
    out["submitted"] = time.time() - t0
    try:
        while cluster.app(app_id)["state"] != "RUNNING":
            time.sleep(0.02)
        out["AM registered (app RUNNING)"] = time.time() - t0
        while len(os.listdir(stamps)) < n:
            if time.time() - t0 > DEADLINE:
                raise TimeoutError(f"{app_id}: {n} containers did not run their command in {DEADLINE:.0f} s")
            time.sleep(0.02)
        records = k.get_containers()
        for key, label in (("request_time", "first container requested"), ("allocate_time", "all allocated"),
                           ("launch_time", "all start requests sent"), ("start_time", "all RUNNING")):
            values = [r[key] / 1000 - t0 for r in records]
            out[label] = min(values) if key == "request_time" else max(values)
        out["every command's first line"] = max(float(open(os.path.join(stamps, f)).read()) - t0
                                                 for f in os.listdir(stamps))
    finally:
        k.kill()
    return out


def phases(rm_web: str, n: int, runs: int) -> None:
    rows = []
    for i in range(runs):
        proc = subprocess.run([sys.executable, __file__, "--one-phases-run", rm_web, str(n)], capture_output=True,
                              text=True, timeout=600, cwd=REPO)
        if proc.returncode != 0:
            raise RuntimeError(f"phases run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        last = rows[-1]["every command's first line"]
        print(f"run {i + 1}/{runs}: every command's first line at {last:.2f} s", flush=True)
    print(f"\ncold start(), {n} containers of {MEMORY} MB; seconds since the call, median of {runs} fresh processes "
          f"(load average {os.getloadavg()[0]:.2f})")
    previous = 0.0
    for key in rows[0]:
        value = statistics.median(r[key] for r in rows)
        print(f"  {key:32s} {value:6.2f}  (+{value - previous:5.2f})")
        previous = value


def knit_run(rm_web: str, n: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--one-knit-run", rm_web, str(n)], capture_output=True,
                          text=True, timeout=1800, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"knit run failed with exit code {proc.returncode}:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if "killed_elsewhere" in result:
        raise KilledElsewhere(result["killed_elsewhere"])
    return result


def measure(run, attempts: int = 5):
    """``run()``, repeated when another user of a shared cluster killed the application under test."""
    for attempt in range(attempts):
        try:
            return run()
        except KilledElsewhere as e:
            print(f"  repeated: {e}", flush=True)
            time.sleep(10)
    raise RuntimeError(f"disturbed from outside {attempts} times in a row")


def distributedshell_run(cluster: Cluster, lib_dir: str, n: int, name: str) -> float:
    """Seconds from ``hadoop jar`` to N running containers (plus the AM) for DistributedShell."""
    (jar,) = glob.glob(os.path.join(lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    cmd = ["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client", "-jar", jar,
           "-shell_command", CMD, "-num_containers", str(n), "-container_memory", str(MEMORY),
           "-master_memory", "256", "-appname", name]
    t0 = time.monotonic()
    client = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app_id = None
    try:
        while app_id is None:
            if client.poll() is not None or time.monotonic() - t0 > DEADLINE:
                raise RuntimeError(f"DistributedShell client exited ({client.returncode}) or timed out "
                                   "before submitting")
            app_id = cluster.app_named(name)
            time.sleep(POLL)
        return cluster.wait_running(app_id, n + 1, t0)
    finally:
        if app_id is not None:
            cluster.kill(app_id)
        client.terminate()
        client.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster-dir", default=os.environ.get("KNIT_TEST_CLUSTER"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--containers", type=int, default=4)
    parser.add_argument("--phases", action="store_true", help="break a cold start() into its phases")
    parser.add_argument("--one-knit-run", nargs=2, metavar=("RM_WEB", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--one-phases-run", nargs=2, metavar=("RM_WEB", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_phases_run:
        print(json.dumps(one_phases_run(args.one_phases_run[0], int(args.one_phases_run[1]))))
        return
    if args.one_knit_run:
        try:
            print(json.dumps(one_knit_run(args.one_knit_run[0], int(args.one_knit_run[1]))))
        except (KilledElsewhere, InsufficientResources) as e:
            print(json.dumps({"killed_elsewhere": f"{type(e).__name__}: {e}"}))
        return

    local = LocalCluster.attach(args.cluster_dir) if args.cluster_dir else LocalCluster(nodes=2).start()
    os.environ.update({k: local.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
    n = args.containers
    if args.phases:
        try:
            phases(local.rm_web_address, n, args.runs)
        finally:
            if not args.cluster_dir:
                local.stop()
        return
    try:
        cluster = Cluster(local.rm_web_address)
        knit_runs, ds_runs = [], []
        for i in range(args.runs):
            knit_runs.append(measure(lambda: knit_run(local.rm_web_address, n)))
            ds_runs.append(measure(lambda: distributedshell_run(cluster, local.lib_dir, n,
                                                                f"ds-bench-{os.getpid()}-{i}-{time.time_ns()}")))
            print(f"run {i + 1}/{args.runs}: knit " + ", ".join(f"{k} {v:.2f}" for k, v in knit_runs[-1].items())
                  + f"; distributedshell {ds_runs[-1]:.2f}", flush=True)
    finally:
        if not args.cluster_dir:
            local.stop()

    ds = statistics.median(ds_runs)
    print(f"\nmedian of {args.runs}: {n} containers of {MEMORY} MB running `{CMD}`, seconds until the "
          "NodeManagers report them (and the AM) RUNNING")
    print(f"  {'DistributedShell (hadoop jar)':36s} {ds:7.2f}")
    for key, label in (("cold", "Knit cold start()"), ("second", "Knit second start(), same process"),
                       ("add", f"Knit add_containers({n})")):
        value = statistics.median(r[key] for r in knit_runs)
        # runs are interleaved, so each Knit run's DistributedShell neighbour saw the same machine load
        paired = statistics.median(r[key] / d for r, d in zip(knit_runs, ds_runs))
        print(f"  {label:36s} {value:7.2f}   ratio to DistributedShell {value / ds:5.2f} "
              f"(median of per-run ratios {paired:5.2f})")


if __name__ == "__main__":
    main()
