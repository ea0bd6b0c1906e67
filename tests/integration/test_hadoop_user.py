"""On a cluster without Kerberos, HDFS believes HADOOP_USER_NAME: every container of a Knit application (not only
its ApplicationMaster) acts as the submitting user, even though the NodeManagers run containers as their own OS
user. The plain cluster's NodeManagers run as this process's OS user, so the test submits as another user,
``carol``: a file a worker writes in carol's home must belong to carol, not to the NodeManager's user."""
from __future__ import annotations

import getpass
import subprocess
import uuid

import pytest
import requests

from helpers import app
from knit import Knit, gateway


def webhdfs(cluster, method: str, path: str, op: str, **params: str) -> dict:
    """One WebHDFS call as the cluster's superuser (this process's OS user started it)."""
    r = requests.request(method, f"http://{cluster.webhdfs_address}/webhdfs/v1{path}", timeout=60,
                         params={"op": op, "user.name": getpass.getuser(), **params})
    r.raise_for_status()
    return r.json() if r.content else {}


def owner(cluster, path: str) -> str:
    return webhdfs(cluster, "GET", path, "GETFILESTATUS")["FileStatus"]["owner"]


@pytest.fixture
def as_carol(hadoop_cluster, monkeypatch):
    """This process (and a fresh client JVM) acting as carol, who has a home in HDFS."""
    webhdfs(hadoop_cluster, "PUT", "/user/carol", "MKDIRS")
    webhdfs(hadoop_cluster, "PUT", "/user/carol", "SETOWNER", owner="carol", group="carol")
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
        report = k.report()
        assert report["final_status"] == "SUCCEEDED", (report, k.logs())
    assert owner(hadoop_cluster, out) == "carol"
    # the control: the same command as a container runs it without HADOOP_USER_NAME (as the NodeManager's OS
    # user, which is ours) writes a file of that user's: so "carol" above is HADOOP_USER_NAME's doing
    webhdfs(hadoop_cluster, "PUT", "/user/carol", "SETPERMISSION", permission="777")
    control = f"/user/carol/control-{uuid.uuid4().hex[:8]}.txt"
    env = {k_: v for k_, v in hadoop_cluster.environ().items() if k_ != "HADOOP_USER_NAME"}
    subprocess.run(f"echo hello | {hadoop_cluster.bin_dir}/hadoop fs -put - {control}", shell=True, check=True,
                   timeout=300, env=env)
    assert owner(hadoop_cluster, control) == getpass.getuser()
