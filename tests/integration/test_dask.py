"""DaskYARNCluster on the real local cluster (HDFS + YARN, two NodeManagers), both deploy modes.

The containers' environment is a real venv holding this process's dask, distributed, numpy and bokeh, packed
and cached under /tmp (:func:`dask_env.local_worker_env`). One local-mode cluster (the usage page's
code) serves the computation, dashboard, scaling, adapt and replacement tests in turn; one remote-mode cluster,
started by a Python process that is then killed -9, serves the remote tests; the other tests start their own.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
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
from dask_env import local_worker_env
from helpers import wait_until
from knit.exceptions import ApplicationFailed

REPO = str(Path(__file__).resolve().parents[2])
CONFIG = {"yarn.dashboard-address": ":0", "yarn.watch-interval": "500ms", "yarn.scheduler.memory": "512 MiB"}
CONNECT = 240  # seconds for workers to connect: the env is localized and dask imported on a busy machine
ENDED = ("FINISHED", "FAILED", "KILLED")


@pytest.fixture(scope="module")
def worker_env(hadoop_cluster):
    return local_worker_env()


@pytest.fixture(autouse=True)
def _config():
    with dask.config.set(CONFIG):
        yield


def rm_app(hadoop_cluster, app_id: str) -> dict:
    r = requests.get(f"http://{hadoop_cluster.rm_web_address}/ws/v1/cluster/apps/{app_id}", timeout=30)
    r.raise_for_status()
    return r.json()["app"]


def names(cluster) -> set[str]:
    return {ws["name"] for ws in cluster.scheduler_info["workers"].values()}


def live_containers(cluster) -> dict[str, dict]:
    """The AM's live containers by name."""
    return {c["name"]: c for c in cluster.knit.get_containers()
            if c["state"] not in ("SUCCEEDED", "FAILED", "KILLED", "RELEASED")}


def settle(cluster, n: int) -> None:
    """Scale to ``n`` and wait until exactly those workers are connected."""
    cluster.scale(n)
    wait_until(lambda: len(cluster.workers) == n and names(cluster) == set(cluster.workers),
               CONNECT, f"{n} workers connected")


def settle_empty(cluster) -> None:
    """Scale to zero and wait until the AM has no live container left (removals end asynchronously)."""
    settle(cluster, 0)
    wait_until(lambda: not live_containers(cluster), 60, "no live container left")


def where_workers_run(client) -> dict:
    return client.run(lambda dask_worker: {
        "name": dask_worker.name, "container_id": os.environ["CONTAINER_ID"],
        "container_name": os.environ["KNIT_CONTAINER_NAME"], "prefix": os.environ["CONDA_PREFIX"],
        "cwd": os.getcwd(), "host": dask_worker.address.split("://")[1].rsplit(":", 1)[0]})


def _same_host(node: str, address: str) -> bool:
    """Whether a worker at ``address`` runs on NodeManager host ``node`` (the local cluster's nodes are all
    this machine, named localhost: any of its addresses is theirs)."""
    node_ip = socket.gethostbyname(node)
    if node_ip.startswith("127."):
        mine = {a.address for addrs in psutil.net_if_addrs().values() for a in addrs}
        return socket.gethostbyname(address) in mine
    return node_ip == socket.gethostbyname(address)


def check_computation(cluster, client, n: int) -> None:
    """A computation checked against numpy; every task ran in a YARN container named as its worker."""
    client.wait_for_workers(n, timeout=CONNECT)
    x = da.random.random((2000, 2000), chunks=500)
    with dask.config.set(scheduler=client):
        values = x.compute()
    with get_task_stream(client) as stream:
        total = x.sum().compute()
    assert values.shape == (2000, 2000) and np.isclose(total, values.sum())
    seen = where_workers_run(client)
    live = live_containers(cluster)
    assert {t["worker"] for t in stream.data} <= set(seen)
    for w in seen.values():
        record = live[w["name"]]  # the worker's name is its container's, given with the request
        assert w["container_name"] == w["name"] and w["container_id"] == record["id"]
        assert record["state"] == "RUNNING"
        assert _same_host(record["node_id"].split(":")[0], w["host"])
        assert w["prefix"].startswith(w["cwd"])  # the env came from the archive YARN unpacked
    assert {w["name"] for w in seen.values()} == set(cluster.workers)


def check_dashboard(hadoop_cluster, app_id: str) -> None:
    """The RM's proxy serves the Dask dashboard's pages; the app report has the AM's tracking URL."""
    base = f"http://{hadoop_cluster.rm_web_address}/proxy/{app_id}"
    status = requests.get(f"{base}/status", timeout=60)
    assert status.status_code == 200 and "bokeh" in status.text.lower() and "Dask" in status.text
    workers = requests.get(f"{base}/info/main/workers.html", timeout=60)
    assert workers.status_code == 200 and "Workers" in workers.text
    assert rm_app(hadoop_cluster, app_id)["trackingUrl"].rstrip("/").endswith(f"/proxy/{app_id}")


# -- local mode: the usage page's code ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared(worker_env):
    """The usage page's cluster (with small sizes), reused by the tests below; closed at the end."""
    with dask.config.set(CONFIG):
        cluster = DaskYARNCluster(env=worker_env)
        cluster.start(2, cpu=1, memory=512)
        client = Client(cluster)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


def test_usage_page_code_local_mode(shared):
    cluster, client = shared
    assert cluster.app_id.startswith("application_") and cluster.scheduler_address.startswith("tls://")
    assert cluster.local_cluster.scheduler is cluster.scheduler  # the usage page's instance connections
    check_computation(cluster, client, 2)
    assert cluster.knit.yarn_api.state(cluster.app_id) == "RUNNING"
    logs = cluster.get_logs()
    assert "Scheduler" in logs
    for c in live_containers(cluster).values():
        assert "Start worker at" in logs[c["id"]] and c["name"] in logs[c["id"]]


def test_dashboard_through_the_rm_proxy_local_mode(shared, hadoop_cluster):
    cluster, _ = shared
    check_dashboard(hadoop_cluster, cluster.app_id)
    assert cluster.knit.report()["original_tracking_url"].startswith("http://")


def test_scale_by_memory_and_cores(shared):
    cluster, client = shared
    cluster.start(0, cpu=1, memory="512 MiB")  # the shape of new workers
    settle_empty(cluster)
    cluster.scale(memory="1 GiB")
    wait_until(lambda: len(names(cluster)) == 2, CONNECT, "2 workers for 1 GiB")
    assert {c["memory"] for c in live_containers(cluster).values()} == {512}
    assert sum(ws["memory_limit"] for ws in cluster.scheduler_info["workers"].values()) < 2**30  # headroom
    settle_empty(cluster)
    cluster.scale(cores=2)
    wait_until(lambda: len(names(cluster)) == 2, CONNECT, "2 one-vcore workers for 2 cores")
    assert len(cluster.worker_spec) == 2
    assert {ws["nthreads"] for ws in cluster.scheduler_info["workers"].values()} == {1}


def test_scale_up_down_to_zero_and_back(shared):
    cluster, client = shared
    app_id = cluster.app_id
    settle(cluster, 3)
    before = live_containers(cluster)
    cluster.scale(1)
    wait_until(lambda: len(cluster.workers) == 1 and len(names(cluster)) == 1, CONNECT, "scale down to 1")
    retired = set(before) - set(cluster.workers)
    assert len(retired) == 2
    # Removed containers end (retired workers exit, or the AM stops them); the kept one runs on.
    wait_until(lambda: not retired & set(live_containers(cluster)), 60, "the retired workers' containers ended")
    assert live_containers(cluster)[next(iter(cluster.workers))]["state"] == "RUNNING"
    settle_empty(cluster)
    assert cluster.knit.runtime_status() == "RUNNING"  # app and scheduler stay
    assert client.scheduler_info()["workers"] == {}
    settle(cluster, 2)
    assert cluster.app_id == app_id
    assert client.submit(lambda x: x * 2, 21).result(timeout=CONNECT) == 42


def _kill_container_processes(container_id: str) -> None:
    """SIGKILL the process group running in ``container_id`` (a crash, as YARN sees it).

    Its leader is the process the NodeManager started with setsid; the NodeManager's own wrapper shell also
    carries CONTAINER_ID but is in the cluster JVM's group, which must survive.
    """
    for p in psutil.process_iter(["environ"]):
        try:
            if (p.info["environ"] or {}).get("CONTAINER_ID") == container_id and os.getpgid(p.pid) == p.pid:
                os.killpg(p.pid, signal.SIGKILL)
                return
        except (psutil.Error, ProcessLookupError):
            continue
    pytest.fail(f"no process group of {container_id} found")


def test_killed_worker_container_is_replaced(shared):
    """Even the only worker: its container ending does not end the (keep-alive) application."""
    cluster, client = shared
    settle(cluster, 1)
    (victim,) = cluster.workers
    victim_id = live_containers(cluster)[victim]["id"]
    used = cluster.restarts_used
    _kill_container_processes(victim_id)
    wait_until(lambda: victim not in cluster.workers and len(cluster.workers) == 1
               and names(cluster) == set(cluster.workers), CONNECT, "a replacement worker")
    assert cluster.restarts_used == used + 1
    assert cluster.knit.runtime_status() == "RUNNING"
    assert client.submit(lambda: 7).result(timeout=CONNECT) == 7


def test_adapt_never_exceeds_maximum_memory_under_load(shared):
    cluster, client = shared
    cluster.start(0, cpu=1, memory="512 MiB")
    settle_empty(cluster)  # containers still being removed would count against the maximum
    seen: list[int] = []
    stop = threading.Event()

    def sample():  # the AM's live containers, every 200 ms, for the whole test
        while not stop.is_set():
            seen.append(sum(c["memory"] for c in live_containers(cluster).values()))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    adaptive = cluster.adapt(minimum=0, maximum_memory="2 GiB", interval="300ms", wait_count=4)
    try:
        futures = client.map(lambda i: time.sleep(1) or i, range(200))  # wants far more than 4 workers
        wait_until(lambda: len(names(cluster)) == 4, CONNECT, "adapt to grow to 4 workers under load")
        assert sum(client.gather(futures[:20])) == sum(range(20))
        client.cancel(futures)
        wait_until(lambda: not cluster.workers and not names(cluster), 120, "adapt to shrink to 0 when idle")
    finally:
        adaptive.stop()
        stop.set()
        sampler.join()
    assert max(seen) == 2048 and all(m <= 2048 for m in seen), max(seen)


def test_context_manager_kills_the_application(worker_env):
    with DaskYARNCluster(env=worker_env) as cluster:
        cluster.start(1, cpu=1, memory=256)
        k = cluster.knit
        wait_until(lambda: k.runtime_status() == "RUNNING", 60, "the application running")
    assert k.report()["state"] == "KILLED"


def test_killing_the_application_fails_the_client_fast(worker_env):
    with DaskYARNCluster(env=worker_env) as cluster, Client(cluster) as client:
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


def _python(code: str, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": REPO, **env})


def _first_json_line(proc: subprocess.Popen) -> dict:
    for line in iter(proc.stdout.readline, ""):
        if line.startswith("{"):
            return json.loads(line)
    pytest.fail(f"the Python process ended ({proc.wait()}) before printing its result")


def test_local_application_ends_when_the_python_process_dies(worker_env, hadoop_cluster):
    proc = _python("""
        import json, sys, time, dask
        from dask_yarn import DaskYARNCluster
        with dask.config.set({"yarn.dashboard-address": ":0"}):
            cluster = DaskYARNCluster(env=sys.argv[1])
            print(json.dumps({"app_id": cluster.start(1, cpu=1, memory=256)}), flush=True)
        time.sleep(600)
        """, worker_env)
    try:
        app_id = _first_json_line(proc)["app_id"]
    finally:
        proc.kill()  # SIGKILL: no atexit, no close(); the Knit client JVM sees its stdin close
        proc.wait()
    wait_until(lambda: rm_app(hadoop_cluster, app_id)["state"] in ENDED, 90, f"{app_id} to end")


# -- remote mode: the usage page's code in a process that is then killed -9 ---------------------------------

_REMOTE_USAGE = """
    import json, os, sys
    import dask, dask.array as da, numpy as np
    from dask_yarn import DaskYARNCluster
    from dask.distributed import Client
    # the usage page's code, as written (sizes aside); remote mode comes from the config
    cluster = DaskYARNCluster(env=sys.argv[1])
    cluster.start(2, cpu=1, memory=512)
    c = Client(cluster)
    c.wait_for_workers(2, timeout=240)
    x = da.random.random((1000, 1000), chunks=250)
    values = x.compute()
    result = {"app_id": cluster.app_id, "address": cluster.scheduler_address,
              "matches_numpy": bool(np.isclose(x.sum().compute(), values.sum())),
              "workers": c.run(lambda dask_worker: [dask_worker.name, os.environ["CONTAINER_ID"]]),
              "scheduler_container": c.run_on_scheduler(lambda: os.environ.get("CONTAINER_ID")),
              "no_local_scheduler": cluster.local_cluster is None, "dashboard_link": cluster.dashboard_link}
    print(json.dumps(result), flush=True)
    sys.stdin.read()  # until killed
"""


@pytest.fixture(scope="module")
def remote(worker_env, hadoop_cluster):
    """A remote-mode cluster started by another Python process, which is then killed -9."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_REMOTE_USAGE), worker_env],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": REPO, "DASK_YARN__DEPLOY_MODE": "remote",
                                 "DASK_YARN__SCHEDULER__MEMORY": "512 MiB"})
    result = None
    try:
        result = _first_json_line(proc)
        jvms = psutil.Process(proc.pid).children(recursive=True)  # its Knit client JVM
        proc.kill()
        proc.wait()
        _, alive = psutil.wait_procs(jvms, timeout=60)  # the JVM saw its stdin close (it kills local apps)
        assert not alive
        yield result
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if result is not None and rm_app(hadoop_cluster, result["app_id"])["state"] not in ENDED:
            requests.put(f"http://{hadoop_cluster.rm_web_address}/ws/v1/cluster/apps/{result['app_id']}/state",
                         json={"state": "KILLED"}, timeout=30)


def test_usage_page_code_remote_mode(remote):
    assert remote["matches_numpy"] and remote["no_local_scheduler"]
    assert sorted(name for name, _ in remote["workers"].values()) == ["dask-worker-0", "dask-worker-1"]
    assert remote["scheduler_container"].startswith("container_")  # the scheduler ran in a YARN container
    assert remote["dashboard_link"].endswith(f"/proxy/{remote['app_id']}/status")


def test_remote_cluster_outlives_its_killed_submitting_process(remote, hadoop_cluster):
    assert rm_app(hadoop_cluster, remote["app_id"])["state"] == "RUNNING"


def test_dashboard_through_the_rm_proxy_remote_mode(remote, hadoop_cluster):
    check_dashboard(hadoop_cluster, remote["app_id"])
    assert requests.get(remote["dashboard_link"], timeout=60).status_code == 200


def _app_containers_on_nodes(hadoop_cluster, app_id: str) -> list[str]:
    """Containers of ``app_id`` that any NodeManager still runs (its REST API)."""
    out = []
    for node in requests.get(f"http://{hadoop_cluster.rm_web_address}/ws/v1/cluster/nodes",
                             timeout=30).json()["nodes"]["node"]:
        r = requests.get(f"http://{node['nodeHTTPAddress']}/ws/v1/node/containers", timeout=30).json()
        out += [c["id"] for c in ((r.get("containers") or {}).get("container") or []) if app_id[12:] in c["id"]]
    return out


def test_from_application_id_computes_scales_and_closes(remote, hadoop_cluster):
    app_id = remote["app_id"]
    cluster = DaskYARNCluster.from_application_id(app_id)
    assert cluster.env is None  # knit 0.2's attribute, on a cluster this process did not submit
    with Client(cluster) as client:
        assert cluster.scheduler_address == remote["address"]
        assert set(cluster.workers) == {"dask-worker-0", "dask-worker-1"}  # adopted, not restarted
        check_computation(cluster, client, 2)
        settle(cluster, 3)
        assert client.submit(sum, [1, 2, 3]).result(timeout=CONNECT) == 6
    assert _app_containers_on_nodes(hadoop_cluster, app_id)  # the check below sees containers while they run
    cluster.close()
    assert rm_app(hadoop_cluster, app_id)["state"] in ("KILLED", "FINISHED")
    wait_until(lambda: not _app_containers_on_nodes(hadoop_cluster, app_id), 60, "no container of the app left")


def test_an_abandoned_remote_cluster_ends_after_its_idle_timeout(worker_env, hadoop_cluster):
    """No client, no task, no cluster object calling the AM: the scheduler's container closes it."""
    proc = _python("""
        import json, sys, time, dask
        from dask_yarn import DaskYARNCluster
        with dask.config.set({"yarn.scheduler.memory": "512 MiB"}):
            cluster = DaskYARNCluster(env=sys.argv[1], deploy_mode="remote", idle_timeout="15s")
        print(json.dumps({"app_id": cluster.app_id}), flush=True)
        time.sleep(600)
        """, worker_env)
    try:
        app_id = _first_json_line(proc)["app_id"]
    finally:
        proc.kill()
        proc.wait()
    killed_at = time.time()
    app = wait_until(lambda: (lambda a: a if a["state"] in ENDED else None)(rm_app(hadoop_cluster, app_id)), 180,
                     f"{app_id} to end once idle")
    assert app["finalStatus"] == "SUCCEEDED" and "dask-scheduler" in app["diagnostics"]
    assert app["finishedTime"] / 1000 - killed_at >= 15  # not before its idle timeout


# -- knit dask submit ----------------------------------------------------------------------------------------

_SCRIPT = """
import subprocess, sys
import dask.array as da
from dask.distributed import Client
client = Client()  # finds the cluster through the environment
client.wait_for_workers(1, timeout=240)
total = int(da.ones((1000, 1000), chunks=250).sum().compute())
if sys.argv[2] == "fail":
    raise ValueError(f"the script failed on purpose after computing {total}")
subprocess.run([sys.argv[3], "fs", "-put", "-f", "-", sys.argv[1]], input=str(total).encode(), check=True)
"""


def _submit(tmp_path, worker_env, hadoop_cluster, mode: str) -> tuple[subprocess.CompletedProcess, str]:
    script = tmp_path / "job.py"
    script.write_text(_SCRIPT)
    out = f"/tmp/knit-dask-submit-{mode}-{os.getpid()}"
    hadoop = os.path.join(hadoop_cluster.bin_dir, "hadoop")
    proc = subprocess.run(
        [sys.executable, "-m", "knit.cli", "dask", "submit", "--json", "--wait", "--env", worker_env,
         "--workers", "1", "--worker-memory", "256 MiB", "--scheduler-memory", "512 MiB", "--name", "submit-test",
         str(script), out, mode, hadoop], capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": REPO})
    return proc, out


def test_submit_success_writes_the_result_to_hdfs(tmp_path, worker_env, hadoop_cluster):
    proc, out = _submit(tmp_path, worker_env, hadoop_cluster, "ok")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["final_status"] == "SUCCEEDED"
    cat = subprocess.run(["hadoop", "fs", "-cat", out], capture_output=True, text=True, check=True)
    assert cat.stdout.strip() == "1000000"


def test_submit_failure_fails_the_application_with_the_traceback(tmp_path, worker_env, hadoop_cluster):
    proc, _ = _submit(tmp_path, worker_env, hadoop_cluster, "fail")
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["final_status"] == "FAILED" and report["state"] == "FINISHED"
    assert "ValueError: the script failed on purpose after computing 1000000" in report["diagnostics"]
    assert rm_app(hadoop_cluster, report["id"])["finalStatus"] == "FAILED"


def _knit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "knit.cli", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": REPO})


def test_knit_dask_status_logs_and_kill(tmp_path, worker_env, hadoop_cluster):
    script = tmp_path / "forever.py"
    script.write_text("from dask.distributed import Client\nimport time\nc = Client()\nprint('connected', "
                      "flush=True)\ntime.sleep(600)\n")
    sub = _knit("dask", "submit", "--json", "--env", worker_env, "--workers", "1", "--worker-memory", "256 MiB",
                "--scheduler-memory", "512 MiB", str(script))
    assert sub.returncode == 0, sub.stderr[-3000:]
    app_id = json.loads(sub.stdout)["app_id"]
    try:
        status = json.loads(_knit("dask", "status", "--json", app_id).stdout)
        assert status["state"] == "RUNNING" and status["scheduler_address"].startswith("tls://")
        assert {"dask-scheduler", "dask-driver", "dask-worker-0"} <= set(status["containers"])
        wait_until(lambda: "connected" in _knit("dask", "logs", app_id).stdout, 120, "the script's output in logs")
        killed = _knit("dask", "kill", "--json", app_id)
        assert killed.returncode == 0 and json.loads(killed.stdout)["state"] == "KILLED"
    finally:
        if rm_app(hadoop_cluster, app_id)["state"] not in ENDED:
            _knit("kill", app_id)
    assert _knit("dask", "status", app_id).returncode == 1  # KILLED


# -- a dask-yarn config file ---------------------------------------------------------------------------------

def test_dask_yarn_style_config_file_is_honoured(tmp_path, worker_env):
    (tmp_path / "yarn.yaml").write_text(textwrap.dedent(f"""
        yarn:
          environment: {worker_env}
          name: from-dask-yarn-config
          worker:
            memory: 1GiB
            vcores: 1
            env:
              FROM_DASK_YARN: "yes"
        """))
    proc = _python("""
        import json, os, dask
        from dask_yarn import DaskYARNCluster
        from dask.distributed import Client
        with dask.config.set({"yarn.dashboard-address": ":0"}), DaskYARNCluster() as cluster, Client(cluster) as c:
            cluster.scale(1)
            c.wait_for_workers(1, timeout=240)
            print(json.dumps({"report": cluster.knit.report(), "containers": cluster.knit.get_containers(),
                              "env": list(c.run(lambda: os.environ.get("FROM_DASK_YARN")).values())}), flush=True)
        """, DASK_CONFIG=str(tmp_path))
    result = _first_json_line(proc)
    assert proc.wait(timeout=120) == 0
    assert result["report"]["name"] == "from-dask-yarn-config" and result["env"] == ["yes"]
    assert [c["memory"] for c in result["containers"]] == [1024]
