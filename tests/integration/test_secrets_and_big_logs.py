"""Secret envvars stay out of every log, and logs of any size cost the client a bounded amount, on the real local
cluster.

Where a secret could show up: the files ``Knit.logs(include_debug=True)`` returns (the NodeManager's copy of
launch_container.sh and its directory listing included), the NodeManagers' log web pages, the NodeManagers' own
log (the local cluster's ``cluster.log``), py4j's DEBUG log, and the raw aggregated log files in HDFS.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from typing import Any

import requests

import hdfs_helpers as hdfs
from knit import Knit, gateway
from knit.shared import TRUNCATED_LOG_NOTE
from helpers import STARTED, app, hadoop_jar, knit_cli, wait_until

#: The issue's "s3cr3t", made unique to this run so that nothing another run left can match it.
SECRET = "s3cr3t-" + uuid.uuid4().hex[:8]


def _running_workers(k: Knit, n: int = 1) -> list[dict]:
    return wait_until(lambda: (lambda r: r if len(r) >= n else None)(
        [c for c in k.get_containers() if c["state"] == "RUNNING"]), 180, f"{n} RUNNING containers of {k.app_id}")


def _aggregated_files(cluster: Any, app_id: str) -> list[str]:
    """The application's raw aggregated log files in HDFS (yarn.nodemanager.remote-app-log-dir = /tmp/logs)."""
    dirs = [p for p in _dirs_under(cluster, "/tmp/logs") if p.endswith("/" + app_id)]
    return [f for d in dirs for f in hdfs.files_under(cluster, d)]


def _dirs_under(cluster: Any, path: str, depth: int = 5) -> list[str]:
    out = []
    for name, st in hdfs.listing(cluster, path).items():
        if st["type"] == "DIRECTORY":
            child = f"{path}/{name}"
            out.append(child)
            if depth > 1:
                out.extend(_dirs_under(cluster, child, depth - 1))
    return out


def _nm_pages(k: Knit, containers: list[dict], files: dict[str, dict]) -> dict[str, str]:
    """Each container's NodeManager web pages: the list of its logs and every log file's page."""
    pages = {}
    for c in containers:
        base = f"http://{c['node_http_address']}/node/containerlogs/{c['id']}/{k.user}"
        for name in ["", *files.get(c["id"], {})]:
            r = requests.get(f"{base}/{name}" + ("/?start=0" if name else ""), timeout=60)
            r.raise_for_status()
            pages[f"{base}/{name}"] = r.text
    return pages


def _everything(k: Knit, cluster: Any, live: bool) -> dict[str, str]:
    """Every place of the application a secret could be read from, with what it holds: the files
    ``logs(include_debug=True)`` returns and, while it runs, the NodeManagers' pages of the AM and the workers;
    once it has ended, the raw aggregated files in HDFS."""
    logs = k.logs(include_debug=True)
    places = {f"{cid}/{name}": text for cid, files in logs.items() for name, text in files.items()}
    if live:  # the RM's list of the attempt's containers: the AM's own and the workers'
        containers = [c for c in k.yarn_api.app_containers(k.app_id) if c.get("node_http_address")]
        places.update(_nm_pages(k, containers, logs))
    else:
        raw = _aggregated_files(cluster, k.app_id)
        places.update({p: hdfs.read(cluster, p).decode("latin-1") for p in raw})
    # They are read whole: a worker's launch_container.sh (its exports) is in each kind of place.
    kinds = ["/launch_container.sh", "/node/containerlogs/" if live else "/tmp/logs/"]
    for kind in kinds:
        assert any(kind in p and "KNIT_CONTAINER_MEMORY" in t for p, t in places.items()), (kind, sorted(places))
    return places


def _holding(places: dict[str, str], text: str) -> list[str]:
    return sorted(p for p, t in places.items() if text in t)


def test_secret_envvars_reach_the_command_and_no_log(hadoop_cluster, caplog):
    k = Knit()
    cmd = 'printf "%s" "$TOKEN" | sha256sum; sleep 600'
    expected = hashlib.sha256(SECRET.encode()).hexdigest()
    caplog.set_level(logging.DEBUG, logger="py4j")
    with app(k, cmd, secret_envvars={"TOKEN": SECRET}, keep_alive=True):
        workers = _running_workers(k)
        wait_until(lambda: expected in k.logs(workers[0]["id"])[workers[0]["id"]]["stdout"], 120, "the hash")
        assert all("launch_container.sh" not in f for f in k.logs().values())  # left out unless asked
        staging = f"/user/{k.user}/.knit/{k.app_id}"
        assert hdfs.listing(hadoop_cluster, staging)["secrets.sh"]["permission"] == "600"
        assert hdfs.listing(hadoop_cluster, staging.rsplit("/", 1)[0])[k.app_id]["permission"] == "700"
        assert SECRET.encode() in hdfs.read(hadoop_cluster, f"{staging}/secrets.sh")  # the one copy in HDFS
        for name in ("spec.json", "launch.sh"):
            assert SECRET.encode() not in hdfs.read(hadoop_cluster, f"{staging}/{name}")
        assert _holding(_everything(k, hadoop_cluster, live=True), SECRET) == []
        assert SECRET not in caplog.text and "submit" in caplog.text  # py4j logged the call, not the secret
        k.kill()
    assert _holding(_everything(k, hadoop_cluster, live=False), SECRET) == []
    assert SECRET not in (hadoop_cluster.dir / "cluster.log").read_text(errors="replace")  # the daemons' log


def test_the_secret_check_finds_a_secret_that_is_there(hadoop_cluster):
    """The negative checks above can fail: the same secret as a plain envvar, echoed by the command, is found in
    the live logs, the NodeManagers' pages and the aggregated files."""
    k = Knit()
    with app(k, 'echo "$TOKEN"; sleep 600', envvars={"TOKEN": SECRET}, keep_alive=True):
        workers = _running_workers(k)
        wait_until(lambda: SECRET in k.logs(workers[0]["id"])[workers[0]["id"]]["stdout"], 120, "the echo")
        live = _holding(_everything(k, hadoop_cluster, live=True), SECRET)
        assert any(p.endswith("/stdout") for p in live) and any("/node/containerlogs/" in p for p in live), live
        k.kill()
    assert any("/tmp/logs/" in p for p in _holding(_everything(k, hadoop_cluster, live=False), SECRET))


def test_400_mb_of_stdout_costs_the_client_only_the_tail(hadoop_cluster):
    k = Knit()
    size = 400_000_000
    cmd = f"head -c {size} /dev/zero | tr '\\0' x; echo; echo THE-END; sleep 600"

    def shown(out: str, tail: int) -> str:
        """The text after the note, which must say how much of the whole file is left out."""
        note, _, rest = out.partition("\n")
        shown_bytes = len(rest.encode())
        assert note + "\n" == TRUNCATED_LOG_NOTE.format(omitted=size + 9 - shown_bytes, length=size + 9), note
        assert shown_bytes <= tail
        return rest
    try:
        with app(k, cmd, keep_alive=True):
            (worker,) = _running_workers(k)
            cid = worker["id"]
            wait_until(lambda: "THE-END" in k.logs(cid, tail=100)[cid]["stdout"], 300, "400 MB written")
            for tail in (1 << 20, 2 << 20):
                rest = shown(k.logs(cid, tail=tail)[cid]["stdout"], tail)
                assert len(rest) == tail and rest.endswith("x\nTHE-END\n")
            k.kill()
        out = wait_until(lambda: k.logs(cid)[cid]["stdout"], 180, "the aggregated stdout")
        assert len(shown(out, 1 << 20)) == 1 << 20 and out.endswith("x\nTHE-END\n")
        assert gateway.client_running() and gateway.client().call("uploadProgress") == "[]"
    finally:
        for p in _aggregated_files(hadoop_cluster, k.app_id or "none"):
            hdfs.delete(hadoop_cluster, p)  # 400 MB of HDFS back


def test_both_command_lines_take_secret_envvars_from_the_environment(hadoop_cluster, monkeypatch):
    """``knit start --secret-envvar TOKEN`` and ``hadoop jar knit.jar --secret-envvar TOKEN`` read the value from
    their environment (never argv) and deliver it as ``secret_envvars=`` does."""
    monkeypatch.setenv("TOKEN", SECRET)
    expected = hashlib.sha256(SECRET.encode()).hexdigest()
    cmd = 'printf "%s" "$TOKEN" | sha256sum'
    for run, first in ((knit_cli, ["start"]), (hadoop_jar, [])):
        proc = run(*first, cmd, "--secret-envvar", "TOKEN", "--logs", "--json")
        assert proc.returncode == 0, proc.stderr[-3000:]
        out = json.loads(proc.stdout[proc.stdout.index("{"):])
        STARTED.append(out["app_id"])
        assert out["final_status"] == "SUCCEEDED"
        assert any(expected in files["stdout"] for files in out["logs"].values()), out["logs"]
        assert SECRET not in proc.stdout + proc.stderr
