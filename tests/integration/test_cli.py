"""The ``knit`` command line, end to end: each subcommand in a subprocess against the local cluster.

``--json`` output is parsed back; exit codes are 0 ok, 1 application failed, 2 usage error.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from knit.states import APP_FINISHED
from knit.yarn_api import YARNAPI
from helpers import wait_until

REPO = Path(__file__).resolve().parents[2]
SUBCOMMANDS = ["start", "ls", "status", "containers", "logs", "add", "remove", "kill", "envs", "cluster"]


def knit(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``knit ARGS`` (this checkout's) in a subprocess; never hangs past ``timeout``."""
    return subprocess.run([sys.executable, "-m", "knit.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def knit_json(*args: str, expect: int = 0) -> object:
    proc = knit(*args, "--json")
    assert proc.returncode == expect, f"knit {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


@pytest.fixture
def api(hadoop_cluster):
    return YARNAPI()


@pytest.fixture
def cleanup(api):
    """Application ids to kill at teardown if a test left them alive."""
    ids: list[str] = []
    yield ids
    for app_id in ids:
        if api.state(app_id) not in APP_FINISHED:
            api.kill(app_id)


def test_help_everywhere_and_usage_errors_exit_2(hadoop_cluster):
    top = knit("--help")
    listed = re.search(r"\{([\w,-]+)\}", top.stdout)  # argparse's {start,ls,...} list of subcommands
    assert top.returncode == 0 and listed and set(SUBCOMMANDS) <= set(listed.group(1).split(",")), top.stdout
    from knit.cli import main  # the same parser in-process: every subcommand's --help
    for sub in SUBCOMMANDS:
        assert main([sub, "--help"]) == 0
    assert knit("start").returncode == 2  # CMD missing
    assert knit("start", "true", "-n", "0").returncode == 2
    bad = knit("status", "not-an-app-id")
    assert bad.returncode == 2 and "not a YARN application id" in bad.stderr
    missing = knit_json("status", "application_1_0001", expect=2)
    assert missing["type"] == "ApplicationNotFound"


def test_preflight_rejects_before_submitting(api):
    name = f"knit-cli-{uuid.uuid4().hex[:8]}"
    err = knit_json("start", "true", "--memory", "99999", "--name", name, expect=2)
    assert err["type"] == "ResourceLimitError" and "99999 MB" in err["error"] and "4096 MB" in err["error"]
    err = knit_json("start", "true", "--queue", "no-such-queue", "--name", name, expect=2)
    assert err["type"] == "QueueError" and "no-such-queue" in err["error"]
    assert api.list_apps(name=name) == []  # nothing was submitted


def test_attached_start_success_and_failure(api, cleanup):
    ok = knit_json("start", "echo hello-from-cli", "--name", "knit-cli-ok", "--logs")
    cleanup.append(ok["app_id"])
    assert ok["final_status"] == "SUCCEEDED"
    assert any(files.get("stdout") == "hello-from-cli\n" for files in ok["logs"].values())
    logs = knit_json("logs", ok["app_id"])
    worker = next(cid for cid, files in logs.items() if files.get("stdout") == "hello-from-cli\n")
    one = knit_json("logs", ok["app_id"], worker)
    assert list(one) == [worker] and one[worker]["stdout"] == "hello-from-cli\n"

    failed = knit_json("start", "exit 3", "--name", "knit-cli-fail", expect=1)
    cleanup.append(failed["app_id"])
    assert failed["final_status"] == "FAILED"
    assert re.search(r"container_\w+ exited with code 3: ", failed["diagnostics"]), failed["diagnostics"]
    assert knit("status", failed["app_id"]).returncode == 1


def test_detached_app_through_every_subcommand(hadoop_cluster, api, cleanup, tmp_path):
    name = f"knit-cli-{uuid.uuid4().hex[:8]}"
    env = tmp_path / f"{name}.zip"  # a tiny environment, so that `knit envs` has something of ours to list
    with zipfile.ZipFile(env, "w") as zf:
        zf.writestr(f"{name}/bin/python", "#!/bin/sh\n")
    started = knit_json("start", "sleep 600", "-n", "1", "--memory", "128", "--name", name, "--detach",
                        "--env", str(env))
    app_id = started["app_id"]
    cleanup.append(app_id)

    listed = knit_json("ls", "--conf-dir", str(hadoop_cluster.conf_dir))
    assert app_id in [a["id"] for a in listed]
    assert any(a["id"] == app_id for a in knit_json("ls", "--all-users", "--state", "all"))
    status = knit_json("status", app_id)
    assert status["name"] == name and status["application_type"] == "KNIT"

    wait_until(lambda: api.state(app_id) == "RUNNING", 120, f"{app_id} to run")
    containers = wait_until(lambda: [c for c in knit_json("containers", app_id) if c["state"] == "RUNNING"],
                          120, "its container to run")
    first = containers[0]["id"]

    added = knit_json("add", app_id, "1", "--memory", "128")
    assert len(added["request_ids"]) == 1
    wait_until(lambda: len([c for c in knit_json("containers", app_id) if c["state"] == "RUNNING"]) == 2,
             120, "the added container to run")

    removed = knit_json("remove", app_id, first)
    assert removed["removed"] == [first]
    # Removal is asynchronous: the NodeManager stops the container, then the AM hears that it completed.
    wait_until(lambda: {c["id"]: c["state"] for c in knit_json("containers", app_id)}[first] == "KILLED",
             60, "the removed container to be KILLED")

    envs = {e["name"]: e for e in knit_json("envs")}  # content-addressed copies: <sha256[:16]>-<name>
    ours = [e for n, e in envs.items() if re.fullmatch(r"[0-9a-f]{16}-" + re.escape(env.name), n)]
    assert len(ours) == 1 and ours[0]["size"] == env.stat().st_size, envs

    killed = knit_json("kill", app_id)
    assert killed == {"app_id": app_id, "state": "KILLED"}
    assert knit("status", app_id).returncode == 1  # KILLED counts as failed
