"""`hadoop jar knit.jar ...`: the Java client's command line, run through the local cluster's `hadoop` launcher.

Each test submits at most one small application and waits for its end, so nothing is left running; the
session fixture fails the run if an application survives anyway.
"""
from __future__ import annotations

import re
import subprocess
import time

import pytest
import requests

from helpers import hadoop_jar, knit_cli, listed_options, quiet_env, staging_entries

APP_ID = re.compile(r"application_\d+_\d+")


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
                              timeout=120, env=quiet_env())
        if proc.returncode == 0 and proc.stdout.count("LogType:stdout") >= 3:  # AM + 2 workers
            return proc.stdout
        if time.monotonic() > deadline:
            raise AssertionError(f"logs of {app_id} not aggregated within {deadline_s} s:\n{proc.stdout[-2000:]}"
                                 f"\n{proc.stderr[-2000:]}")
        time.sleep(1)


def test_two_containers_with_a_file_succeed(hadoop_cluster, tmp_path):
    """The old spellings (--files a,b, --env-var, --wait) still work, with a deprecation warning."""
    data = tmp_path / "data.txt"
    data.write_text("shipped-by-knit\n")
    cmd = ("cat data.txt; echo \"marker-$GREETING\"; "
           "python3 -c 'import sys; print(sys.path); import socket; print(socket.gethostname())'")
    proc = hadoop_jar("--command", cmd, "--num-containers", "2", "--memory", "128", "--vcores", "1",
                      "--files", str(data), "--env-var", "GREETING=hello world", "--name", "knit-hadoop-jar",
                      "--wait")
    app_id = app_id_of(proc)
    assert proc.returncode == 0, proc.stderr
    assert "knit: --files is deprecated; use --file" in proc.stderr
    app = rm_app(hadoop_cluster, app_id)
    assert (app["state"], app["finalStatus"], app["applicationType"]) == ("FINISHED", "SUCCEEDED", "KNIT")
    assert app["name"] == "knit-hadoop-jar"
    assert proc.stdout.startswith(f"{app_id} FINISHED SUCCEEDED")
    logs = aggregated_logs(app_id)
    assert logs.count("shipped-by-knit") == 2
    assert logs.count("marker-hello world") == 2
    assert app_id not in staging_entries(hadoop_cluster)  # removed at the end (seen while running: test_core)


def test_failing_command_exits_nonzero_with_its_exit_code(hadoop_cluster):
    before = app_count(hadoop_cluster)
    proc = hadoop_jar("echo oops >&2; exit 3", "--num-containers", "1")
    app_id = app_id_of(proc)
    assert proc.returncode == 1, proc.stderr
    assert app_count(hadoop_cluster) > before  # a submission shows in the count (the usage-error test relies on it)
    app = rm_app(hadoop_cluster, app_id)
    assert (app["state"], app["finalStatus"]) == ("FINISHED", "FAILED")
    assert re.search(r"container_\w+ exited with code 3: ", app["diagnostics"]), app["diagnostics"]
    assert proc.stdout.startswith(f"{app_id} FINISHED FAILED\n")


@pytest.mark.parametrize("args, message", [
    (["--num-containers", "2"], "cmd (spec field command) is required"),
    (["--command", "true", "--memory", "0"], "--memory: memory (spec field containers.memory) must be a positive"),
    (["--command", "true", "--vcores", "two"], "--vcores must be an integer"),
    (["--command", "true", "--files", "/no/such/file.csv"], "is not a file"),
    (["--command", "true", "--memory", "999999"], "maximum allocation"),
    (["--command", "true", "--queue", "no-such-queue"], "does not exist"),
    (["--command", "true", "--queue", "root"], "is a parent queue"),
    (["true", "--tag", "t" * 101], "--tag: tags[0] must be at most 100 characters long"),
    (["true", "--tag", "é"], "--tag: tags[0] must be printable ASCII"),
])
def test_usage_errors_exit_2_and_submit_nothing(hadoop_cluster, args, message):
    before = app_count(hadoop_cluster)
    proc = hadoop_jar(*args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not APP_ID.search(proc.stdout)
    assert app_count(hadoop_cluster) == before


def test_help_lists_the_same_options_as_knit_start(hadoop_cluster):
    jar, knit = hadoop_jar("--help"), knit_cli("start", "--help")
    assert jar.returncode == 0 and knit.returncode == 0, jar.stderr + knit.stderr
    assert listed_options(jar.stdout) == listed_options(knit.stdout)
    assert {"--command", "--num-containers", "--file", "--envvar", "--detached", "--spec", "--dry-run"} <= \
        listed_options(jar.stdout)
