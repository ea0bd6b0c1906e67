"""Knit on the real local cluster (HDFS + YARN with two NodeManagers): start, scale, kill, fail, restart,
reconnect, authentication, bad input, and nothing left behind.

Every application is started through :func:`app`, which kills it if the test fails.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import uuid

import pytest
import requests

from knit import Knit, gateway
from knit.exceptions import ApplicationNotFound, KnitException, SpecError
from helpers import STARTED, app, pid_alive, processes_matching, staging_entries, wait_until

SEED_CMD = "python -c 'import sys; print(sys.path); import socket; print(socket.gethostname())'"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))



def running(k: Knit, n: int, timeout: float = 180) -> dict[str, str]:
    """Wait for ``n`` RUNNING containers; return the statuses."""
    return wait_until(lambda: (lambda s: s if list(s.values()).count("RUNNING") == n else None)(
        k.get_container_statuses()), timeout, f"{n} RUNNING containers of {k.app_id}")


def rm_apps(cluster) -> list[dict]:
    r = requests.get(f"http://{cluster.rm_web_address}/ws/v1/cluster/apps", timeout=30)
    r.raise_for_status()
    return (r.json().get("apps") or {}).get("app") or []


def apps_named(cluster, name: str) -> list[str]:
    """Ids of the applications the RM knows (in any state) by that name."""
    return [a["id"] for a in rm_apps(cluster) if a["name"] == name]


def node_memory(cluster) -> int:
    r = requests.get(f"http://{cluster.rm_web_address}/ws/v1/cluster/nodes", timeout=30)
    r.raise_for_status()
    nodes = r.json()["nodes"]["node"]
    assert len(nodes) == 2
    return min(n["availMemoryMB"] + n["usedMemoryMB"] for n in nodes)


@pytest.fixture(scope="module", autouse=True)
def nothing_left_behind(hadoop_cluster):
    """After this module: our apps ended, their staging dirs removed, and the client JVM stopped."""
    first = len(STARTED)  # the run's earlier modules may have started apps on clusters of their own
    yield
    ours = STARTED[first:]
    for app_id in ours:
        assert Knit.connect(app_id).wait_for_completion(60), f"{app_id} still running"
    wait_until(lambda: not (staging_entries(hadoop_cluster) & set(ours)), 60,
               "the staging dirs of finished applications to be removed")
    proc = gateway._client.proc if gateway._client is not None else None
    gateway.shutdown_client()
    if proc is not None:
        assert proc.poll() is not None, "the client JVM outlived shutdown_client()"


# -- the seed example ----------------------------------------------------------------------------------------

def test_seed_example_in_two_containers_and_its_logs(hadoop_cluster):
    k = Knit()
    with app(k, SEED_CMD, num_containers=2) as app_id:
        assert re.fullmatch(r"application_\d+_\d+", app_id)
        assert k.wait_for_completion(300)
        report = k.report()
        assert (report["state"], report["final_status"]) == ("FINISHED", "SUCCEEDED"), report["diagnostics"]
    logs = wait_until(lambda: (lambda ls: ls if sum("stdout" in v and "[" in v["stdout"] for v in ls.values()) >= 2
                               else None)(k.logs()), 120, "aggregated logs of both containers")
    outputs = [v["stdout"] for v in logs.values() if "[" in v.get("stdout", "")]
    assert len(outputs) == 2
    for out in outputs:
        path_line, host_line = out.strip().splitlines()[-2:]
        assert path_line.startswith("[") and path_line.endswith("]")
        assert host_line == socket.gethostname()


# -- containers on every node (the AM's port and its TLS: test_gateway_tls.py) ---------------------------------


@pytest.fixture(scope="class")
def spread_app(hadoop_cluster):
    """Two containers too big to share a NodeManager: one runs on each node."""
    k = Knit()
    memory = node_memory(hadoop_cluster) // 2 + 256
    with app(k, "sleep 900", num_containers=2, memory=memory):
        running(k, 2)
        yield k


def rm_nodes(cluster) -> dict[str, str]:
    """node id -> NodeManager web address, as the RM lists its nodes."""
    r = requests.get(f"http://{cluster.rm_web_address}/ws/v1/cluster/nodes", timeout=30)
    r.raise_for_status()
    return {n["id"]: n["nodeHTTPAddress"] for n in r.json()["nodes"]["node"]}


class TestOneAppOnTwoNodes:
    def test_get_containers_spans_both_nodemanagers(self, spread_app, hadoop_cluster):
        containers = spread_app.get_containers()
        assert [c["state"] for c in containers] == ["RUNNING", "RUNNING"]
        # one container on each of the cluster's two NodeManagers, as the RM knows them
        assert {c["node_id"]: c["node_http_address"] for c in containers} == rm_nodes(hadoop_cluster)
        memory = node_memory(hadoop_cluster) // 2 + 256
        for c in containers:
            assert re.fullmatch(r"container_\d+_\d+_\d+_\d+", c["id"]) and spread_app.app_id[12:] in c["id"]
            assert (c["memory"], c["vcores"], c["restarts"]) == (memory, 1, 0)
            # running: started, not ended, no exit status yet
            assert c["start_time"] > 0 and c["finish_time"] == 0 and c["exit_status"] is None, c
        assert spread_app.get_container_statuses() == {c["id"]: "RUNNING" for c in containers}
        assert spread_app.app_id in staging_entries(hadoop_cluster)  # its staging dir, while it runs
        assert spread_app.app_id in repr(spread_app) and "RUNNING" in repr(spread_app)
        assert "containers=2" in repr(spread_app)
        assert spread_app.app_id in spread_app._repr_html_()

    def test_connect_from_a_new_process_controls_the_app(self, spread_app):
        script = textwrap.dedent(f"""
            import json, sys
            from knit import Knit
            k = Knit.connect({spread_app.app_id!r})
            print(json.dumps(k.add_containers(1, memory=128)))
        """)
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                              cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        assert len(json.loads(proc.stdout.strip().splitlines()[-1])) == 1
        running(spread_app, 3)
        assert spread_app.runtime_status() == "RUNNING"  # the other process exiting did not kill it


# -- scaling, removing to zero, waiting, killing --------------------------------------------------------------

def test_add_remove_to_zero_then_kill(hadoop_cluster):
    k = Knit()
    with app(k, "sleep 900", num_containers=1) as app_id:
        running(k, 1)
        request_ids = k.add_containers(2, virtual_cores=1, memory=128)
        assert len(request_ids) == 2
        statuses = running(k, 3)
        for cid in statuses:
            k.remove_containers(cid)
        wait_until(lambda: all(s in ("KILLED", "RELEASED") for s in k.get_container_statuses().values()),
                   120, "every removed container to stop")
        assert k.runtime_status() == "RUNNING"  # no containers left, and the app goes on
        assert not k.wait_for_completion(timeout=2)
        assert k.runtime_status() == "RUNNING"
        with pytest.raises(KnitException, match="not containers of"):
            k.remove_containers("container_0_0001_01_000099")
        k.add_containers(1)  # still able to grow from zero
        running(k, 1)
        assert k.kill()
        assert k.runtime_status() == "KILLED"
        assert k.wait_for_completion(timeout=1)
        assert not k.kill()  # already ended
        assert app_id in repr(k) and "KILLED" in repr(k)


def test_keep_alive_app_outlives_its_containers(hadoop_cluster):
    """With keep_alive, containers that all end on their own do not end the app; kill() does."""
    k = Knit()
    name = f"knit-keep-alive-{uuid.uuid4().hex[:8]}"
    with app(k, "exit 0", num_containers=1, keep_alive=True, app_name=name) as app_id:
        assert apps_named(hadoop_cluster, name) == [app_id]  # as the bad-input test looks for a submission
        wait_until(lambda: list(k.get_container_statuses().values()) == ["SUCCEEDED"], 120,
                   "the only container to exit 0")
        assert not k.wait_for_completion(timeout=3)
        assert k.runtime_status() == "RUNNING"
        k.add_containers(1)  # and it can still grow
        assert wait_until(lambda: sorted(k.get_container_statuses().values()) == ["SUCCEEDED", "SUCCEEDED"], 120,
                          "the added container to run and exit 0")
        assert k.runtime_status() == "RUNNING"
        assert k.kill()


def test_keep_alive_app_abandoned_by_its_client_ends(hadoop_cluster):
    """With idle_timeout, a keep-alive app that runs nothing and hears from no client ends by itself."""
    k = Knit()
    with app(k, "exit 0", num_containers=1, keep_alive=True, idle_timeout=5):
        assert k.wait_for_completion(120)  # polls the RM only: the AM hears from nobody
        report = k.report()
        assert report["final_status"] == "FAILED"
        assert "abandoned" in report["diagnostics"] and "idle_timeout" in report["diagnostics"]


# -- failure and restarts -------------------------------------------------------------------------------------

def test_failing_command_restarts_twice_then_fails_with_its_exit_code(hadoop_cluster, tmp_path):
    attempts = tmp_path / "attempts"  # all NodeManagers of the local cluster share this machine's /tmp
    attempts.touch()
    attempts.chmod(0o666)
    k = Knit()
    with app(k, f"echo attempt >> {attempts}; exit 3", num_containers=1, max_restarts=2):
        assert k.wait_for_completion(300)
        report = k.report()
    assert report["final_status"] == "FAILED", report
    # the AM's outcome: only the last of the three failed containers counts (the others were replaced)
    assert re.search(r"(?m)^1 container\(s\) failed:\ncontainer_\w+ exited with code 3: ", report["diagnostics"]), \
        report["diagnostics"]
    assert attempts.read_text().count("attempt") == 3  # the first run and exactly two restarts


# -- many Knits per process, and the process's exit ----------------------------------------------------------

def client_jvms() -> list[int]:
    """The client JVMs this process has started (its children running the client gateway)."""
    return processes_matching(gateway.GATEWAY_MAIN, parent=os.getpid())


def test_two_knits_run_two_apps_at_once(hadoop_cluster):
    k1, k2 = Knit(), Knit()
    with app(k1, "sleep 900") as a1:
        jvm = gateway.client().proc.pid  # the client JVM that submitted a1
        with app(k2, "sleep 900") as a2:
            assert a1 != a2
            running(k1, 1)
            running(k2, 1)
            assert k1.runtime_status() == k2.runtime_status() == "RUNNING"
            # one client JVM served both: the one that submitted a1 is still this process's only one
            assert gateway.client().proc.pid == jvm and client_jvms() == [jvm]
            assert k2.kill()
            assert k1.runtime_status() == "RUNNING"


def test_apps_die_with_the_process_unless_detached(hadoop_cluster):
    script = textwrap.dedent("""
        import json, os, sys
        from knit import Knit, gateway
        attached = Knit().start("sleep 900")
        detached = Knit().start("sleep 900", detached=True)
        print(json.dumps({"attached": attached, "detached": detached, "jvm": gateway.client().proc.pid}),
              flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=REPO)
    try:
        info = json.loads(proc.stdout.readline())
    finally:
        proc.kill()  # SIGKILL: no atexit, no finally in the child
        proc.wait(60)
    STARTED.extend([info["attached"], info["detached"]])
    attached, detached = Knit.connect(info["attached"]), Knit.connect(info["detached"])
    try:
        wait_until(lambda: not pid_alive(info["jvm"]), 120, "the orphaned client JVM to exit")
        assert attached.wait_for_completion(120)
        assert attached.runtime_status() == "KILLED"
        assert detached.runtime_status() in ("ACCEPTED", "RUNNING")
    finally:
        detached.kill()
        attached.kill()


# -- bad input ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"memory": 0}, "memory"),
    ({"memory": "128"}, "memory"),
    ({"virtual_cores": -1}, "virtual_cores"),
    ({"num_containers": 1.5}, "num_containers"),
    ({"cmd": ""}, "cmd"),
    ({"envvars": {"A": 1}}, "envvars"),
    ({"files": ["/no/such/file.csv"]}, "file.csv"),
    ({"memory": 1 << 20}, "maximum allocation"),
    ({"queue": "no-such-queue"}, "no-such-queue"),
])
def test_bad_input_raises_before_submission(hadoop_cluster, kwargs, match):
    name = f"knit-bad-input-{uuid.uuid4().hex[:8]}"  # the cluster may be shared: look for this name only
    kwargs = {"cmd": "sleep 1", "app_name": name, **kwargs}
    with pytest.raises(SpecError, match=match):
        Knit().start(**kwargs)
    assert apps_named(hadoop_cluster, name) == []


def test_unknown_app_id(hadoop_cluster):
    with pytest.raises(ApplicationNotFound):
        Knit.connect("application_1_99999")
