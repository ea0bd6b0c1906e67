"""Work-preserving ApplicationMaster restart, with a real fault: the AM's JVM is killed with SIGKILL.

YARN starts attempt 2 (``max_attempts`` defaults to 2), which adopts the containers that kept running
(``keepContainersAcrossApplicationAttempts``), runs nothing again, and the same :class:`Knit` follows it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest
import requests

from knit import Knit
from helpers import app, wait_until


def hdfs_lines(cluster, path: str) -> list[str] | None:
    """The lines of an HDFS file (WebHDFS), None if it does not exist."""
    r = requests.get(f"http://{cluster.webhdfs_address}/webhdfs/v1{path}", params={"op": "OPEN",
                     "user.name": "root"}, timeout=30)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    return r.text.splitlines()


def am_pid(container_id: str) -> int | None:
    """The pid of the ApplicationMaster JVM running in ``container_id`` (its environment names the container)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue  # gone, or not ours to read
        if f"CONTAINER_ID={container_id}".encode() in env and b"org.knit.am.ApplicationMaster" in cmdline:
            return int(pid)
    return None


def attempts(k: Knit) -> list[dict]:
    return k.yarn_api.app_attempts(k.app_id)


@pytest.fixture
def hdfs_file(hadoop_cluster):
    path = f"/tmp/knit-am-restart-{uuid.uuid4().hex[:8]}.txt"
    hadoop = os.path.join(hadoop_cluster.bin_dir, "hadoop")
    subprocess.run([hadoop, "fs", "-touchz", path], check=True, capture_output=True, timeout=120)
    yield path
    subprocess.run([hadoop, "fs", "-rm", "-f", path], capture_output=True, timeout=120)


def test_a_killed_am_is_replaced_and_its_containers_keep_running(hadoop_cluster, hdfs_file):
    hadoop = os.path.join(hadoop_cluster.bin_dir, "hadoop")
    # Each container appends its id once (retrying while the other holds the file's lease), then sleeps.
    cmd = (f"until echo $CONTAINER_ID | {hadoop} fs -appendToFile - {hdfs_file}; do sleep 1; done; "
           "exec sleep 900")
    k = Knit()
    with app(k, cmd, num_containers=2, memory=256):
        lines = wait_until(lambda: (lambda x: x if x and len(x) == 2 else None)(hdfs_lines(hadoop_cluster,
                           hdfs_file)), 180, "both containers to append their line")
        before = {c["id"] for c in k.get_containers() if c["state"] == "RUNNING"}
        assert before == set(lines)
        [first] = attempts(k)
        pid = wait_until(lambda: am_pid(first["containerId"]), 30, "the AM's JVM")

        os.kill(pid, signal.SIGKILL)

        second = wait_until(lambda: (lambda a: a[-1] if len(a) == 2 and a[-1].get("appAttemptState") == "RUNNING"
                                     else None)(attempts(k)), 180, "attempt 2 to be RUNNING")
        assert second["containerId"] != first["containerId"]
        assert k.report()["state"] == "RUNNING"
        # The same Knit, no reconnecting by hand: it follows the new AM (new address, same secret).
        containers = k.get_containers()
        assert {c["id"] for c in containers if c["state"] == "RUNNING"} == before
        assert len(containers) == 2, containers
        assert sorted(hdfs_lines(hadoop_cluster, hdfs_file)) == sorted(lines), "a container ran twice"
        counts = k.get_container_counts()
        assert counts["restarts_used"] == 0 and counts["requested"] == 2, counts
        # Request ids of attempt 2 cannot collide with attempt 1's.
        [new_id] = k.add_containers(1)
        assert new_id > 2 ** 32, new_id
        assert new_id not in {c["request_id"] for c in containers}
