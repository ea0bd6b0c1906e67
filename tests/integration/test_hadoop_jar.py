"""`hadoop jar knit.jar ...`: the Java client's command line, run through the local cluster's `hadoop` launcher.

Each test submits at most one small application and waits for its end, so nothing is left running; the
session fixture fails the run if an application survives anyway.
"""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import requests

from helpers import staging_entries

ROOT = Path(__file__).resolve().parents[2]
APP_ID = re.compile(r"^application_\d+_\d+$", re.M)


@pytest.fixture(scope="module")
def knit_jar() -> str:
    """The built knit.jar: the installed package's copy, else the Maven build's."""
    for candidate in (ROOT / "knit" / "java" / "knit.jar", ROOT / "target" / "knit.jar"):
        if candidate.is_file():
            return str(candidate)
    pytest.fail("knit.jar not found: build it with `mvn -o -q package` (or `pip install .`)")


def hadoop_jar(jar: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["hadoop", "jar", jar, *args], capture_output=True, text=True, timeout=timeout,
                          env=_quiet_env())


def _quiet_env() -> dict[str, str]:
    import os
    return {**os.environ, "HADOOP_ROOT_LOGGER": "WARN,console"}


def app_id_of(proc: subprocess.CompletedProcess) -> str:
    m = APP_ID.search(proc.stdout)
    assert m, f"no application id printed; exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return m.group(0)


def rm_app(cluster, app_id: str) -> dict:
    r = requests.get(f"http://{cluster.rm_web_address}/ws/v1/cluster/apps/{app_id}", timeout=30)
    r.raise_for_status()
    return r.json()["app"]


def app_count(cluster) -> int:
    r = requests.get(f"http://{cluster.rm_web_address}/ws/v1/cluster/apps", timeout=30)
    r.raise_for_status()
    return len((r.json().get("apps") or {}).get("app") or [])


def aggregated_logs(app_id: str, deadline_s: float = 120) -> str:
    """`yarn logs` output once the NodeManagers have aggregated the logs of both worker containers."""
    deadline = time.monotonic() + deadline_s
    while True:
        proc = subprocess.run(["yarn", "logs", "-applicationId", app_id], capture_output=True, text=True,
                              timeout=120, env=_quiet_env())
        if proc.returncode == 0 and proc.stdout.count("LogType:stdout") >= 3:  # AM + 2 workers
            return proc.stdout
        if time.monotonic() > deadline:
            raise AssertionError(f"logs of {app_id} not aggregated within {deadline_s} s:\n{proc.stdout[-2000:]}"
                                 f"\n{proc.stderr[-2000:]}")
        time.sleep(1)


def test_two_containers_with_a_file_succeed(hadoop_cluster, knit_jar, tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("shipped-by-knit\n")
    cmd = ("cat data.txt; echo \"marker-$GREETING\"; "
           "python3 -c 'import sys; print(sys.path); import socket; print(socket.gethostname())'")
    proc = hadoop_jar(knit_jar, "--command", cmd, "--num-containers", "2", "--memory", "128", "--vcores", "1",
                      "--files", str(data), "--env-var", "GREETING=hello world", "--name", "knit-hadoop-jar",
                      "--wait")
    app_id = app_id_of(proc)
    assert proc.returncode == 0, proc.stderr
    app = rm_app(hadoop_cluster, app_id)
    assert (app["state"], app["finalStatus"], app["applicationType"]) == ("FINISHED", "SUCCEEDED", "KNIT")
    assert app["name"] == "knit-hadoop-jar"
    logs = aggregated_logs(app_id)
    assert logs.count("shipped-by-knit") == 2
    assert logs.count("marker-hello world") == 2
    assert app_id not in staging_entries(hadoop_cluster)  # removed at the end (seen while running: test_core)


def test_failing_command_exits_nonzero_with_its_exit_code(hadoop_cluster, knit_jar):
    before = app_count(hadoop_cluster)
    proc = hadoop_jar(knit_jar, "--command", "echo oops >&2; exit 3", "--num-containers", "1", "--wait")
    app_id = app_id_of(proc)
    assert proc.returncode == 1, proc.stderr
    assert app_count(hadoop_cluster) > before  # a submission shows in the count (the usage-error test relies on it)
    app = rm_app(hadoop_cluster, app_id)
    assert (app["state"], app["finalStatus"]) == ("FINISHED", "FAILED")
    assert re.search(r"container_\w+ exited with code 3: ", app["diagnostics"]), app["diagnostics"]
    assert f"knit: {app_id} FINISHED FAILED: " in proc.stderr


@pytest.mark.parametrize("args, message", [
    (["--num-containers", "2"], "--command is required"),
    (["--command", "true", "--memory", "0"], "--memory must be a positive integer"),
    (["--command", "true", "--vcores", "two"], "--vcores must be an integer"),
    (["--command", "true", "--files", "/no/such/file.csv"], "is not a file"),
    (["--command", "true", "--memory", "999999"], "maximum allocation"),
    (["--command", "true", "--queue", "no-such-queue"], "does not exist"),
    (["--command", "true", "--queue", "root"], "is a parent queue"),
])
def test_usage_errors_exit_2_and_submit_nothing(hadoop_cluster, knit_jar, args, message):
    before = app_count(hadoop_cluster)
    proc = hadoop_jar(knit_jar, *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not APP_ID.search(proc.stdout)
    assert app_count(hadoop_cluster) == before


def test_help_documents_every_flag(hadoop_cluster, knit_jar):
    proc = hadoop_jar(knit_jar, "--help")
    assert proc.returncode == 0
    for flag in ("--command", "--num-containers", "--memory", "--vcores", "--files", "--env", "--name", "--queue",
                 "--env-var", "--wait"):
        # the flag itself, not a longer one that starts with it (`--env` in `--env-var`)
        assert re.search(rf"(?<![\w-]){flag}(?![\w-])", proc.stdout), f"{flag} missing from:\n{proc.stdout}"
