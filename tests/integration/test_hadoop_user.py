"""On a cluster without Kerberos, HDFS believes HADOOP_USER_NAME: every container of a Knit application (not only
its ApplicationMaster) acts as the submitting user, even though the NodeManagers run containers as their own OS
user. The plain cluster's NodeManagers run as this process's OS user, so the test submits as another user,
``carol``: a file a worker writes in carol's home must belong to carol, not to the NodeManager's user."""
from __future__ import annotations

import getpass
import subprocess
import uuid
from pathlib import Path

import pytest

from helpers import app
from knit import Knit, gateway


def hdfs(cluster, *args: str, env: dict | None = None) -> str:
    proc = subprocess.run([str(Path(cluster.bin_dir) / "hadoop"), "fs", *args], capture_output=True, text=True,
                          timeout=300, env={**cluster.environ(), "HADOOP_ROOT_LOGGER": "WARN,console", **(env or {})})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.fixture
def as_carol(hadoop_cluster, monkeypatch):
    """This process (and a fresh client JVM) acting as carol, who has a home in HDFS."""
    hdfs(hadoop_cluster, "-mkdir", "-p", "/user/carol")  # as the cluster's superuser (us)
    hdfs(hadoop_cluster, "-chown", "carol:carol", "/user/carol")
    monkeypatch.setenv("HADOOP_USER_NAME", "carol")
    gateway.shutdown_client()  # the client JVM takes its user when it starts
    yield
    gateway.shutdown_client()


def test_workers_act_as_the_submitting_user_in_hdfs(hadoop_cluster, as_carol):
    k = Knit(replication_factor=1)
    assert k.user == "carol" and getpass.getuser() != "carol"
    out = f"/user/carol/from-worker-{uuid.uuid4().hex[:8]}.txt"
    cmd = f"echo hello | {hadoop_cluster.bin_dir}/hadoop fs -put - {out}"
    with app(k, cmd, num_containers=1):
        assert k.wait_for_completion(240)
        report = k.status()
        assert report["final_status"] == "SUCCEEDED", (report, k.logs())
    owner = hdfs(hadoop_cluster, "-stat", "%u", out, env={"HADOOP_USER_NAME": "carol"}).strip()
    assert owner == "carol"
    # the control: the same command as a container runs it without HADOOP_USER_NAME (as the NodeManager's OS
    # user, which is ours) writes a file of that user's: so "carol" above is HADOOP_USER_NAME's doing
    hdfs(hadoop_cluster, "-chmod", "777", "/user/carol")
    control = f"/user/carol/control-{uuid.uuid4().hex[:8]}.txt"
    env = {k_: v for k_, v in hadoop_cluster.environ().items() if k_ != "HADOOP_USER_NAME"}
    subprocess.run(f"echo hello | {hadoop_cluster.bin_dir}/hadoop fs -put - {control}", shell=True, check=True,
                   timeout=300, env=env)
    assert hdfs(hadoop_cluster, "-stat", "%u", control).strip() == getpass.getuser()
