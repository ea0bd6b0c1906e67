"""Scale-out: N containers of the minimum size on a local cluster of 4 NodeManagers sized to hold them, Knit beside
Hadoop's DistributedShell on the same N and the same cluster (issue 15, point 1).

Every container first writes a timestamp (``date +%s.%N`` into a file named after ``$CONTAINER_ID`` in a directory
the benchmark watches: the local cluster's containers share this machine's file system), then sleeps. Per run:

- seconds from the call (``Knit.start`` / ``hadoop jar``) to the first 50 %, 90 % and all N timestamps;
- Knit only, from the AM's own records (``get_containers()``): per container requested → allocated → start sent
  → RUNNING (the NodeManager's "started") → the command's timestamp, medians and p99 over the containers;
- CPU seconds, from the call to the Nth timestamp, of the AM JVM, of the cluster JVM (RM, NodeManagers, HDFS),
  of the processes the cluster JVM started and reaped (container launch scripts), and of everything else on the
  machine (the benchmark, the client JVM, the containers' own processes, and anything else running);
- the AM's peak RSS (``VmHWM``).

Each figure printed is the median over ``--runs`` runs (Knit and DistributedShell alternated), with n, the
machine and its load average.

Usage::

    python benchmarks/scale_out.py [--n 500 1000] [--runs 3] [--tools knit distributedshell] [--conf KEY=VALUE]

A fresh cluster is started for each N (in a temporary dir, stopped at the end).
"""
from __future__ import annotations

import argparse
import glob
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from knit import Knit, gateway  # noqa: E402
from knit.localcluster import LocalCluster  # noqa: E402

MEMORY = 64          # the local cluster's minimum allocation
NODES = 4
AM_HEADROOM_MB = 1024
DEADLINE = 900.0
POLL = 0.25
#: The cluster JVM at rest (heartbeats of 4 NodeManagers every 100 ms, the scheduler's thread) uses ~0.1 core.
QUIET_CORES = 0.3
CMD = "date +%s.%N > {dir}/$CONTAINER_ID; exec sleep 3600"
TICK = os.sysconf("SC_CLK_TCK")


# -- /proc readings ------------------------------------------------------------------------------------------

def proc_cpu(pid: int) -> tuple[float, float]:
    """(own CPU seconds, CPU seconds of its reaped children) of ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime) / TICK, (cutime + cstime) / TICK


def machine_cpu() -> float:
    """CPU seconds every core spent busy since boot (/proc/stat: everything but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICK


def am_pid(app_id: str, main_class: str) -> int | None:
    """The AM JVM of ``app_id``: a java process running ``main_class`` whose working dir is in the app's cache
    (not the bash that launched it)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            if argv[0].endswith("java") and any(main_class in a for a in argv) \
                    and app_id in os.readlink(entry / "cwd"):
                return int(entry.name)
        except OSError:
            continue
    return None


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class CpuMeter:
    """CPU seconds of the cluster JVM (own, reaped children), the AM and the rest of the machine, from start()."""

    def __init__(self, cluster_pid: int):
        self.cluster_pid = cluster_pid
        self.t0 = (proc_cpu(cluster_pid), machine_cpu())

    def read(self, am: int | None) -> dict[str, float]:
        (own0, kids0), total0 = self.t0
        own, kids = proc_cpu(self.cluster_pid)
        am_cpu = proc_cpu(am)[0] if am else float("nan")
        total = machine_cpu() - total0
        return {"cpu_am": am_cpu, "cpu_cluster": own - own0, "cpu_cluster_children": kids - kids0,
                "cpu_rest": total - (own - own0) - (kids - kids0) - (am_cpu if am else 0.0)}


# -- one run -------------------------------------------------------------------------------------------------

def wait_stamps(stamps: Path, n: int, t0: float, ended) -> list[float]:
    """Seconds from ``t0`` (epoch) of each container's timestamp, once all ``n`` are written."""
    while len(os.listdir(stamps)) < n:
        if time.time() - t0 > DEADLINE:
            raise TimeoutError(f"only {len(os.listdir(stamps))} of {n} containers ran within {DEADLINE:.0f} s")
        why = ended()
        if why:
            raise RuntimeError(why)
        time.sleep(POLL)
    out = []
    for f in stamps.iterdir():
        text = f.read_text().strip()
        while not text:  # created, not yet written
            time.sleep(0.01)
            text = f.read_text().strip()
        out.append(float(text) - t0)
    return sorted(out)


def quantile(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def curve(times: list[float]) -> dict[str, float]:
    return {"p50": quantile(times, 0.5), "p90": quantile(times, 0.9), "all": times[-1]}


def am_breakdown(records: list[dict], stamps: Path, t0_ms: float) -> dict[str, float]:
    """Medians and p99 over the containers of each step the AM recorded, in seconds."""
    steps: dict[str, list[float]] = {"requested→allocated": [], "allocated→start sent": [],
                                     "start sent→RUNNING": [], "RUNNING→command": []}
    if "request_time" not in records[0]:
        return {}  # an AM from before these records (a baseline run)
    for r in records:
        stamp = stamps / str(r["id"])
        if not r.get("launch_time") or not r["start_time"] or not stamp.exists():
            continue
        cmd_ms = float(stamp.read_text()) * 1000
        steps["requested→allocated"].append(r["allocate_time"] - r["request_time"])
        steps["allocated→start sent"].append(r["launch_time"] - r["allocate_time"])
        steps["start sent→RUNNING"].append(r["start_time"] - r["launch_time"])
        steps["RUNNING→command"].append(cmd_ms - r["start_time"])
    out = {"first request after call": (min(r["request_time"] for r in records) - t0_ms) / 1000}
    for name, values in steps.items():
        values.sort()
        out[f"{name} p50"] = quantile(values, 0.5) / 1000
        out[f"{name} p99"] = quantile(values, 0.99) / 1000
    return out


def knit_run(lc: LocalCluster, n: int, work: Path) -> dict[str, float]:
    stamps = Path(tempfile.mkdtemp(prefix="knit-", dir=work))
    k = Knit(replication_factor=1)
    meter = CpuMeter(lc.pid)
    t0 = time.time()
    app_id = k.start(CMD.format(dir=stamps), num_containers=n, memory=MEMORY)
    try:
        def ended() -> str | None:
            state = k.runtime_status()
            return None if state in ("ACCEPTED", "RUNNING", "SUBMITTED", "NEW", "NEW_SAVING") else \
                f"{app_id} ended {state}: {k.report().get('diagnostics')}"
        times = wait_stamps(stamps, n, t0, ended)
        am = am_pid(app_id, "org.knit.am.ApplicationMaster")
        result = {**curve(times), **meter.read(am), "am_rss_mb": peak_rss_mb(am) if am else float("nan")}
        result.update(am_breakdown(k.get_containers(), stamps, t0 * 1000))
        result["cpu_am per container ms"] = result["cpu_am"] / n * 1000
        return result
    finally:
        k.kill()


def ds_run(lc: LocalCluster, n: int, work: Path) -> dict[str, float]:
    stamps = Path(tempfile.mkdtemp(prefix="ds-", dir=work))
    (jar,) = glob.glob(os.path.join(lc.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    name = f"ds-scale-{os.getpid()}-{time.time_ns()}"
    cmd = ["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client", "-jar", jar,
           "-shell_command", CMD.format(dir=stamps), "-num_containers", str(n), "-container_memory", str(MEMORY),
           "-master_memory", "512", "-appname", name, "-timeout", str(int(DEADLINE * 1000))]
    meter = CpuMeter(lc.pid)
    t0 = time.time()
    client = subprocess.Popen(cmd, env=lc.environ(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app_id = None
    try:
        def ended() -> str | None:
            return f"the DistributedShell client exited with {client.returncode}" if client.poll() is not None \
                else None
        times = wait_stamps(stamps, n, t0, ended)
        app_id = app_named(lc, name)
        am = am_pid(app_id, "distributedshell.ApplicationMaster") if app_id else None
        return {**curve(times), **meter.read(am), "am_rss_mb": peak_rss_mb(am) if am else float("nan")}
    finally:
        app_id = app_id or app_named(lc, name)
        if app_id:
            lc.kill_application(app_id)
        client.terminate()
        client.wait(60)


def app_named(lc: LocalCluster, name: str) -> str | None:
    r = requests.get(f"http://{lc.rm_web_address}/ws/v1/cluster/apps", timeout=30)
    r.raise_for_status()
    apps = (r.json().get("apps") or {}).get("app") or []
    return next((a["id"] for a in apps if a["name"] == name), None)


# -- driver --------------------------------------------------------------------------------------------------

def cluster_for(n: int, work: Path, conf: dict[str, str] | None = None) -> LocalCluster:
    """4 NodeManagers that hold n containers of MEMORY MB plus an AM (``conf``: the cluster's ``--conf``)."""
    per_node = math.ceil(n / NODES)
    mem = math.ceil((per_node * MEMORY + AM_HEADROOM_MB) / 256) * 256
    # The local cluster declares a node LOST after 5 s without a heartbeat (for its stop_node() tests); a loaded
    # 2-core machine launching hundreds of containers stalls heartbeats longer than that, and a lost node kills
    # its containers and the AM's attempt: the run would measure the recovery, not the launch.
    # And the NodeManagers delete a finished container's files at once, not 60 s later (the local cluster keeps
    # them for its log tests), so one run's deletions are not in the next run.
    conf = {"yarn.nm.liveness-monitor.expiry-interval-ms": "120000", "yarn.nodemanager.delete.debug-delay-sec": "0",
            **(conf or {})}
    return LocalCluster(nodes=NODES, dir=work / f"cluster-{n}", nm_memory=mem, nm_vcores=per_node + 4, conf=conf)



def wait_idle(lc: LocalCluster) -> float:
    """Until the previous run is gone: its containers (a kill returns before the NodeManagers have cleaned up),
    then the NodeManagers' own clean-up of them (signals, deletions, log aggregation), seen as the cluster JVM and
    its children using less than QUIET_CORES over a second. Without it a run measured the previous one's
    teardown too: the AM's first request came 24 s after the call instead of 4."""
    start = time.monotonic()
    deadline = start + 300
    while time.monotonic() < deadline:
        m = requests.get(f"http://{lc.rm_web_address}/ws/v1/cluster/metrics", timeout=30).json()["clusterMetrics"]
        if m["containersAllocated"] == 0 and m["appsRunning"] == 0:
            break
        time.sleep(1)
    while time.monotonic() < deadline:
        before = sum(proc_cpu(lc.pid))
        time.sleep(1)
        if sum(proc_cpu(lc.pid)) - before < QUIET_CORES:
            return time.monotonic() - start
    raise TimeoutError("the cluster did not settle after the previous run within 300 s")


def show(label: str, rows: list[dict[str, float]]) -> dict[str, float]:
    med = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
    print(f"  {label} (median of {len(rows)} runs)")
    for key, value in med.items():
        samples = " ".join(f"{r[key]:.2f}" for r in rows)
        print(f"    {key:34s} {value:9.3f}   runs: {samples}")
    return med


def run_n(n: int, runs: int, tools: list[str], work: Path, conf: dict[str, str]) -> None:
    lc = cluster_for(n, work, conf)
    print(f"\nN={n}: {NODES} NodeManagers of {lc.nm_memory} MB / {lc.nm_vcores} vcores, containers of {MEMORY} MB",
          flush=True)
    lc.start()
    try:
        os.environ.update({k: lc.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
        Knit().check_credentials()  # the client JVM up before the first timing (a notebook's later cell)
        rows: dict[str, list[dict[str, float]]] = {"knit": [], "distributedshell": []}
        for i in range(runs):
            for tool, fn in (("knit", knit_run), ("distributedshell", ds_run)):
                if tool not in tools:
                    continue
                settled = wait_idle(lc)
                load = os.getloadavg()[0]
                row = fn(lc, n, work)
                row["load avg 1 min"] = (load + os.getloadavg()[0]) / 2
                rows[tool].append(row)
                print(f"  run {i + 1}/{runs} {tool}: all {row['all']:.2f} s, p50 {row['p50']:.2f} s, "
                      f"load {row['load avg 1 min']:.2f} (the previous run settled in {settled:.0f} s)", flush=True)
        med = {tool: show(f"{tool}, N={n}", rows[tool]) for tool in tools}
        if len(med) == 2:
            print(f"  Knit / DistributedShell, Nth container running its command: "
                  f"{med['knit']['all'] / med['distributedshell']['all']:.2f}")
    finally:
        gateway.shutdown_client()  # the client JVM reads the conf dir it was started with: the next N's is another
        lc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[500, 1000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tools", nargs="+", choices=["knit", "distributedshell"], default=["knit", "distributedshell"])
    ap.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                    help="a cluster setting over the local cluster's own (to measure one of them)")
    args = ap.parse_args()
    conf = dict(c.split("=", 1) for c in args.conf)
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} cores, {mem_gb:.0f} GB; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="knit-scale-") as tmp:
        for n in args.n:
            run_n(n, args.runs, args.tools, Path(tmp), conf)


if __name__ == "__main__":
    main()
