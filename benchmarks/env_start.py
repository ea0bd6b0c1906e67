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

With ``--phases ENV`` it breaks the first start with ``ENV`` (a fresh local cluster, a fresh Python process and a
fresh Knit cache each sample: nothing validated, hashed, uploaded or localized before) into its phases, each as
seconds since the ``Knit()`` call, and prints their medians over ``--clusters`` samples:

- ``validated``: :func:`knit.env.prepare_env` returned (the archive's full read; with ``--as-built`` the cache
  knows the archive as :func:`knit.envbuild.create_env` leaves it, so this is a memo lookup);
- ``client JVM ready``, then ``upload began`` / ``upload ended`` (the NameNode's audit lines for the deps-dir
  copy: create of its temporary file, rename into place; the hash and checks come before), ``submitted``
  (``start()`` returned);
- ``containers requested`` (the AM's records);
- per NodeManager: ``download began`` (the NameNode's ``open`` of the copy), ``unpacked`` (the localized
  directory's ctime: the NodeManager sets permissions on it first, right after unpacking), ``permissions set``
  (the newest ctime in the localized tree: the last of ``FSDownload.changePermissions``);
- ``command started`` (each container writes a timestamp first), ``SUCCEEDED`` (the RM reports it).

Usage: ``python benchmarks/env_start.py [--clusters 3] [--runs 3]`` (a 2-core machine: ~2-3 min per cluster),
``python benchmarks/env_start.py --phases ENV [--as-built] [--clusters 3]``.
"""
from __future__ import annotations

import argparse
import calendar
import glob
import re
import tempfile
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))  # dask_env: the workers' environment

from dask_env import local_worker_env  # noqa: E402
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


AUDIT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) INFO FSNamesystem.audit: .*\tcmd=(\w+)[^\t]*\t"
                   r"src=(\S+)\tdst=(\S+)")


def _log_time(date: str, ms: str) -> float:
    """A cluster.log timestamp (the JVM's zone, UTC here) as epoch seconds."""
    return calendar.timegm(time.strptime(date, "%Y-%m-%d %H:%M:%S")) + int(ms) / 1000


def audit_phases(cluster_log: str, name: str) -> dict[str, float]:
    """Upload and download times of the deps-dir copy of ``name``, from the NameNode's audit lines."""
    out: dict[str, float] = {}
    created: dict[str, float] = {}  # the deps dir's temporary files (the knit JAR's too)
    opens = []
    with open(cluster_log, errors="replace") as f:
        for line in f:
            m = AUDIT.match(line)
            if not m:
                continue
            t, cmd, src, dst = _log_time(m[1], m[2]), m[3], m[4], m[5]
            if cmd == "create" and src.endswith(".tmp") and "/.knitDeps/" in src:
                created[src] = t
            elif cmd == "rename" and src in created and dst.endswith("-" + name):
                out["upload began"], out["upload ended"] = created[src], t
            elif cmd == "open" and src.endswith("-" + name):
                opens.append(t)
    for i, t in enumerate(sorted(opens)):
        out[f"node {i} download began"] = t
    return out


def localized_phases(cluster_dir: str, name: str, command_start: float) -> dict[str, float]:
    """Per NodeManager: the localized env's unpack end and the end of its permission walk (ctimes before the first
    command started: Python may write into the env's ``__pycache__`` directories, which are the user's)."""
    out: dict[str, float] = {}
    dirs = sorted(glob.glob(f"{cluster_dir}/target/**/usercache/*/filecache/*/*-{name}", recursive=True))
    for i, top in enumerate(dirs):
        newest = os.stat(top).st_ctime
        for root, subdirs, files in os.walk(top):
            for entry in subdirs + files:
                ctime = os.lstat(os.path.join(root, entry)).st_ctime
                if ctime <= command_start:
                    newest = max(newest, ctime)
        out[f"node {i} unpacked"] = os.stat(top).st_ctime
        out[f"node {i} permissions set"] = newest
    return out


def one_phases_run(env: str, as_built: bool) -> dict[str, float]:
    """In a fresh process, on a fresh cluster with a fresh Knit cache: the first start with ``env``, by phase."""
    import shutil
    scratch = tempfile.mkdtemp(prefix="knit-env-phases-")
    try:
        return _phases_in(env, as_built, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _phases_in(env: str, as_built: bool, scratch: str) -> dict[str, float]:
    cache = os.path.join(scratch, "cache")
    os.environ["KNIT_CACHE_DIR"] = cache
    from knit import Knit, gateway
    from knit.archives import inspect_archive, remember_validated
    from knit.env import prepare_env
    if as_built:  # what create_env leaves in the cache with the zip it wrote
        remember_validated(env, inspect_archive(env, full_check=False))
    stamps = os.path.join(scratch, "stamps")
    os.mkdir(stamps)
    with LocalCluster(nodes=NODES) as lc:
        os.environ.update({k: lc.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
        memory = spread_memory(lc)
        t0 = time.time()
        prepare_env(env)
        out = {"validated": time.time()}
        k = Knit(replication_factor=1)
        gateway.client()
        out["client JVM ready"] = time.time()
        k.start(f"date +%s.%N > {stamps}/$CONTAINER_ID; exec {CMD}", num_containers=NODES, memory=memory, env=env)
        out["submitted"] = time.time()
        records = []
        while k.status()["state"] not in ("FINISHED", "FAILED", "KILLED"):
            if time.time() - t0 > 600:
                raise TimeoutError("the application did not finish within 600 s")
            try:
                records = k.get_containers() or records
            except Exception:  # the AM is not up yet, or has just gone
                pass
            time.sleep(0.1)
        out["SUCCEEDED"] = time.time()
        assert k.report()["final_status"] == "SUCCEEDED", k.report()
        out["containers requested"] = min(r["request_time"] for r in records) / 1000
        name = os.path.basename(env)
        out.update(audit_phases(os.path.join(str(lc.dir), "cluster.log"), name))
        starts = [float(open(os.path.join(stamps, f)).read()) for f in os.listdir(stamps)]
        out.update(localized_phases(str(lc.dir), name, min(starts)))
        out["command started"] = max(starts)
    return {key: t - t0 for key, t in sorted(out.items(), key=lambda kv: kv[1])}


def phases(env: str, as_built: bool, clusters: int) -> None:
    print(f"environment: {env} ({os.path.getsize(env) / 2**20:.0f} MB); first start on {clusters} fresh clusters "
          f"of {NODES} NodeManagers{' (as built by create_env)' if as_built else ''}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    rows = []
    for i in range(clusters):
        cmd = [sys.executable, __file__, "--one-phases-run", env] + (["--as-built"] if as_built else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, cwd=REPO)
        if proc.returncode != 0:
            raise RuntimeError(f"a phases run failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"cluster {i + 1}/{clusters}: " + ", ".join(f"{k} {v:.2f}" for k, v in rows[-1].items()), flush=True)
    print(f"\nmedians, seconds since Knit() (n={len(rows)}; load average {os.getloadavg()[0]:.1f} at the end):")
    for key in rows[0]:
        values = [r[key] for r in rows if key in r]
        print(f"  {key:28} {statistics.median(values):7.2f}  n={len(values)}  " + " ".join(f"{v:.2f}" for v in values))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clusters", type=int, default=3, help="fresh local clusters (default 3)")
    ap.add_argument("--runs", type=int, default=3, help="later / control runs per cluster (default 3)")
    ap.add_argument("--phases", metavar="ENV", help="the first start with ENV (a .zip, .tar.gz), by phase")
    ap.add_argument("--as-built", action="store_true",
                    help="with --phases: the cache knows ENV as create_env leaves it (validated when written)")
    ap.add_argument("--one-cluster", metavar="ENV", help=argparse.SUPPRESS)
    ap.add_argument("--one-phases-run", metavar="ENV", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one_phases_run:
        print(json.dumps(one_phases_run(os.path.abspath(args.one_phases_run), args.as_built)))
        return
    if args.phases:
        phases(os.path.abspath(args.phases), args.as_built, args.clusters)
        return
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
