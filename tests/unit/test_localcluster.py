"""The local cluster's Python side without a cluster: options refused before any JVM starts, the CLI's usage
errors, the control channel's client without a cluster, and the launchers' Kerberos option."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from knit import cluster_control
from knit.cluster_files import write_launchers
from knit.exceptions import ClusterError
from knit.localcluster import LocalCluster


@pytest.mark.parametrize("kwargs, reason", [
    ({"nodes": 0}, "nodes must be an integer >= 1"),
    ({"nodes": True}, "nodes must be an integer"),
    ({"nm_memory": 32}, "nm_memory must be an integer >= 64"),
    ({"nm_vcores": "8"}, "nm_vcores must be an integer"),
    ({"rms": 0}, "rms must be an integer >= 1"),
    ({"queues": {"prod": 70, "batch": 20}}, "sum to 100"),
    ({"queues": {"a b": 100}}, "queue names"),
    ({"queues": {"prod": 100.0}}, "positive integer percent"),
    ({"queues": []}, "must be a dict"),
    ({"preemption": True}, "needs queues="),
    ({"queues": {"all": 100}, "preemption": True}, "at least two queues"),
])
def test_bad_options_fail_before_any_jvm(kwargs, reason, tmp_path):
    with pytest.raises(ClusterError, match=reason):
        LocalCluster(dir=tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []  # nothing written, nothing started


def knit_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "knit.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_bad_cluster_options_are_usage_errors(tmp_path):
    d = str(tmp_path / "c")
    for args, reason in ((["--queues", "prod=70,batch=20"], "sum to 100"), (["--queues", "prod"], "NAME=PERCENT"),
                         (["--preemption"], "needs queues="), (["--nodes", "0"], ">= 1")):
        proc = knit_cli("cluster", "up", "--dir", d, *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert reason in proc.stderr, (args, proc.stderr)
    assert not (tmp_path / "c" / "cluster.json").exists()


def test_cli_faults_without_a_cluster_say_so(tmp_path):
    for args in (["node", "stop", "1"], ["node", "list"], ["rm", "restart"], ["rm", "failover"]):
        proc = knit_cli("cluster", *args, "--dir", str(tmp_path), "--json")
        assert proc.returncode == 1, (args, proc.stdout, proc.stderr)
        assert "no local cluster is running" in json.loads(proc.stdout)["error"]


def test_control_request_without_a_cluster(tmp_path):
    with pytest.raises(ClusterError, match="no local cluster is running"):
        cluster_control.request(tmp_path, "nodes")
    # a cluster.json without its key (another user's cluster, or a stale file) is refused the same way
    (tmp_path / "cluster.json").write_text(json.dumps({"control_port": 1}))
    with pytest.raises(ClusterError, match="no local cluster is running"):
        cluster_control.request(tmp_path, "nodes")


def test_fault_methods_need_a_started_cluster(tmp_path):
    with pytest.raises(ClusterError, match="not started"):
        LocalCluster(dir=tmp_path).stop_node(0)


def launcher_java_args(tmp_path, krb5, env) -> list[str]:
    """The arguments the ``hadoop`` launcher gives java (a fake java that prints them)."""
    java = tmp_path / "java"
    java.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
    java.chmod(0o755)
    write_launchers(tmp_path / "bin", tmp_path, tmp_path / "lib", str(java), ["-Xfoo"], krb5)
    proc = subprocess.run([str(tmp_path / "bin" / "hadoop"), "fs", "-ls", "/"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_launchers_pass_the_secure_clusters_krb5_conf_unless_krb5_config_says_otherwise(tmp_path):
    krb5 = tmp_path / "kerberos dir" / "krb5.conf"  # a space: the path must survive the shell
    args = launcher_java_args(tmp_path, krb5, {"PATH": "/usr/bin:/bin"})
    assert f"-Djava.security.krb5.conf={krb5}" in args
    assert args[-3:] == ["org.apache.hadoop.fs.FsShell", "-ls", "/"]
    args = launcher_java_args(tmp_path, krb5, {"PATH": "/usr/bin:/bin", "KRB5_CONFIG": "/etc/other.conf"})
    assert "-Djava.security.krb5.conf=/etc/other.conf" in args
    # a plain cluster's launchers name no krb5.conf of their own
    args = launcher_java_args(tmp_path, None, {"PATH": "/usr/bin:/bin"})
    assert not [a for a in args if a.startswith("-Djava.security.krb5.conf")]
