"""DaskYARNCluster on the real local cluster (HDFS + YARN, two NodeManagers).

The workers' environment is a real venv holding this process's dask, distributed and
numpy, packed with venv-pack and cached under /tmp (:func:`dask_yarn.testing.local_worker_env`).
One cluster (one YARN application) serves the seed, scaling, replacement and adapt tests
in turn, to keep the suite lean; the context-manager and application-kill tests start
their own.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import psutil
import pytest
import requests
from dask.distributed import Client, get_task_stream
from distributed.client import FutureCancelledError

from dask_yarn import DaskYARNCluster
from dask_yarn.testing import local_worker_env
from knit.exceptions import ApplicationFailed
from helpers import wait_until

REPO = str(Path(__file__).resolve().parents[2])
CONFIG = {"yarn.dashboard-address": ":0", "yarn.watch-interval": "500ms"}
CONNECT = 240  # seconds for workers to connect: the env is localized and dask imported on a busy machine


@pytest.fixture(scope="module")
def worker_env(hadoop_cluster):
    return local_worker_env()


@pytest.fixture(autouse=True)
def _config():
    with dask.config.set(CONFIG):
        yield


@pytest.fixture(scope="module")
def shared(worker_env):
    """The seed's cluster, reused by the tests below; killed at the end of the module."""
    with dask.config.set(CONFIG):
        cluster = DaskYARNCluster(env=worker_env, replication_factor=1)
        client = Client(cluster)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


def names(cluster) -> set[str]:
    return {ws["name"] for ws in cluster.scheduler_info["workers"].values()}


def container_states(cluster) -> dict[str, str]:
    return {c["id"]: c["state"] for c in cluster.knit.get_containers() if c["id"]}


def settle(cluster, n):
    """Scale to ``n`` and wait until exactly those workers are connected."""
    cluster.scale(n)
    wait_until(lambda: len(cluster.workers) == n and names(cluster) == set(cluster.workers),
               CONNECT, f"{n} workers connected")


def test_seed_flow_runs_a_computation_on_yarn_workers(shared):
    cluster, client = shared
    app_id = cluster.start(2, cpu=1, memory=512)  # the seed's call, with a small count
    assert app_id.startswith("application_") and cluster.knit.runtime_status() == "RUNNING"
    assert cluster.scheduler_address.startswith("tcp://")
    assert cluster.local_cluster.scheduler is cluster.scheduler
    client.wait_for_workers(2, timeout=CONNECT)

    x = da.random.random((2000, 2000), chunks=500)
    with dask.config.set(scheduler=client):  # the array's values, fetched whole
        values = x.compute()
    with get_task_stream(client) as stream:
        total = x.sum().compute()
    assert values.shape == (2000, 2000) and np.isclose(total, values.sum())

    # Every task ran in a YARN container whose id is the worker's name.
    by_address = {addr: ws["name"] for addr, ws in cluster.scheduler_info["workers"].items()}
    ran_on = {by_address[t["worker"]] for t in stream.data}
    assert ran_on and ran_on <= set(cluster.workers)
    seen = client.run(lambda dask_worker: (dask_worker.name, os.environ["CONTAINER_ID"],
                                           os.environ["CONDA_PREFIX"], os.getcwd()))
    for name, container_id, prefix, cwd in seen.values():
        assert name == container_id and container_id in container_states(cluster)
        assert prefix.startswith(cwd)  # the env came from the archive YARN unpacked
    assert set(cluster.workers) == {name for name, *_ in seen.values()}

    # The seed's instance connections, and the workers' own logs read from YARN by container id.
    assert cluster.knit.yarn_api.state(app_id) == "RUNNING"
    logs = cluster.get_logs()
    assert "Scheduler" in logs
    for cid in cluster.workers:
        assert "Start worker at" in logs[cid] and cid in logs[cid]


def test_scale_up_down_to_zero_and_back(shared):
    cluster, client = shared
    app_id = cluster.app_id
    settle(cluster, 3)
    before = set(cluster.workers)

    cluster.scale(1)
    wait_until(lambda: len(cluster.workers) == 1 and len(names(cluster)) == 1, CONNECT, "scale down to 1")
    retired = before - set(cluster.workers)
    assert len(retired) == 2
    # The AM stops removed containers asynchronously; they end KILLED (removed), not on their own.
    states = wait_until(lambda: (lambda st: st if all(st[c] == "KILLED" for c in retired) else None)(
        container_states(cluster)), 60, "the retired workers' containers to be KILLED")
    assert states[next(iter(cluster.workers))] == "RUNNING"

    cluster.scale(0)
    wait_until(lambda: not cluster.workers and not names(cluster), CONNECT, "scale to zero")
    wait_until(lambda: all(s == "KILLED" for s in container_states(cluster).values()), 60,
               "every container removed")
    assert cluster.knit.runtime_status() == "RUNNING"  # app and scheduler stay
    assert client.scheduler_info()["workers"] == {}  # the scheduler still answers

    settle(cluster, 2)
    assert cluster.app_id == app_id
    assert client.submit(lambda x: x * 2, 21).result(timeout=CONNECT) == 42


def _kill_container_processes(container_id: str) -> int:
    """SIGKILL the process group of the worker running in ``container_id`` (a crash, as YARN sees it)."""
    for p in psutil.process_iter(["cmdline"]):
        if container_id in (p.info["cmdline"] or []):
            os.killpg(os.getpgid(p.pid), signal.SIGKILL)
            return p.pid
    pytest.fail(f"no process of {container_id} found")


def test_killed_worker_container_is_replaced(shared):
    """Even the only worker: its container ending does not end the (keep-alive) application."""
    cluster, client = shared
    settle(cluster, 1)
    (victim,) = cluster.workers
    used = cluster.restarts_used
    _kill_container_processes(victim)
    wait_until(lambda: container_states(cluster).get(victim) == "FAILED", 60, "the container FAILED")
    wait_until(lambda: victim not in cluster.workers and len(cluster.workers) == 1
               and names(cluster) == set(cluster.workers), CONNECT, "a replacement worker")
    assert cluster.restarts_used == used + 1
    assert cluster.knit.runtime_status() == "RUNNING"
    assert client.submit(lambda: 7).result(timeout=CONNECT) == 7


def test_adapt_grows_under_load_and_shrinks_when_idle(shared):
    cluster, client = shared
    settle(cluster, 0)
    adaptive = cluster.adapt(minimum=0, maximum=2, interval="500ms", wait_count=4)
    try:
        futures = client.map(lambda i: time.sleep(2) or i, range(60))
        wait_until(lambda: len(cluster.workers) == 2, CONNECT, "adapt to grow to 2 workers")
        wait_until(lambda: len(names(cluster)) == 2, CONNECT, "2 adaptive workers connected")
        client.cancel(futures)
        wait_until(lambda: not cluster.workers and not names(cluster), 120, "adapt to shrink to 0 when idle")
        assert cluster.knit.runtime_status() == "RUNNING"
    finally:
        adaptive.stop()


def test_context_manager_kills_the_application(worker_env):
    with DaskYARNCluster(env=worker_env, replication_factor=1) as cluster:
        cluster.start(1, cpu=1, memory=256)
        k = cluster.knit
        assert k.runtime_status() == "RUNNING"
    assert k.status()["state"] == "KILLED"


def test_killing_the_application_fails_the_client_fast(worker_env):
    with DaskYARNCluster(env=worker_env, replication_factor=1) as cluster, Client(cluster) as client:
        app_id = cluster.start(1, cpu=1, memory=512)
        client.wait_for_workers(1, timeout=CONNECT)
        future = client.submit(time.sleep, 600)
        subprocess.run(["yarn", "application", "-kill", app_id], check=True, capture_output=True)
        t0 = time.monotonic()
        with pytest.raises(FutureCancelledError, match=f"{app_id} ended KILLED"):
            future.result(timeout=60)
        with pytest.raises(ApplicationFailed, match=f"{app_id} ended KILLED"):
            client.wait_for_workers(2, timeout=60)
        with pytest.raises(FutureCancelledError, match=f"{app_id} ended KILLED"):
            client.submit(lambda: 1).result(timeout=60)  # new work is refused at once, with the reason
        assert time.monotonic() - t0 < 30


_ORPHAN_SCRIPT = """
import sys, time
import dask
from dask_yarn import DaskYARNCluster
with dask.config.set({"yarn.dashboard-address": ":0"}):
    cluster = DaskYARNCluster(env=sys.argv[1], replication_factor=1)
    print(cluster.start(1, cpu=1, memory=256), flush=True)
time.sleep(600)
"""


def test_application_ends_when_the_python_process_dies(worker_env, hadoop_cluster):
    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT, worker_env], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": REPO})
    try:
        lines = iter(proc.stdout.readline, "")
        app_id = next(line.strip() for line in lines if line.startswith("application_"))
    finally:
        proc.kill()  # SIGKILL: no atexit, no close(); the Knit client JVM sees its stdin close
        proc.wait()

    def state():
        r = requests.get(f"http://{hadoop_cluster.rm_web_address}/ws/v1/cluster/apps/{app_id}", timeout=30)
        r.raise_for_status()
        return r.json()["app"]["state"]

    wait_until(lambda: state() in ("KILLED", "FINISHED", "FAILED"), 90, f"{app_id} to end")
