"""The local cluster is a real Hadoop cluster: HDFS, YARN REST, and a real YARN application (DistributedShell)."""
from __future__ import annotations

import glob
import json
import os
import re
import signal
import subprocess
import sys

import requests

from helpers import assert_no_process, processes_matching, wait_until
from knit.localcluster import read_cluster_json


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a launcher command; raise with its output if it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def yarn_logs(app_id: str) -> str:
    """What `yarn logs` shows of an application (empty until its logs are aggregated)."""
    return subprocess.run(["yarn", "logs", "-applicationId", app_id], capture_output=True, text=True).stdout


def test_hdfs_put_then_read_through_webhdfs(hadoop_cluster, tmp_path):
    src = tmp_path / "hello.txt"
    src.write_text("hello from knit\n")
    run(["hadoop", "fs", "-put", "-f", str(src), "/tmp/knit-smoke-hello.txt"])
    try:
        r = requests.get(f"http://{hadoop_cluster.webhdfs_address}/webhdfs/v1/tmp/knit-smoke-hello.txt",
                         params={"op": "OPEN", "user.name": "root"}, timeout=30)
        r.raise_for_status()
        assert r.text == "hello from knit\n"
    finally:
        run(["hadoop", "fs", "-rm", "-f", "/tmp/knit-smoke-hello.txt"])


def test_rm_rest_lists_all_nodemanagers_running(hadoop_cluster):
    r = requests.get(f"http://{hadoop_cluster.rm_web_address}/ws/v1/cluster/nodes", timeout=30)
    r.raise_for_status()
    nodes = r.json()["nodes"]["node"]
    assert len(nodes) == hadoop_cluster.nodes == 2
    assert {n["state"] for n in nodes} == {"RUNNING"}
    # every NodeManager answers its own REST API (not another node's)
    ids = {requests.get(f"http://{n['nodeHTTPAddress']}/ws/v1/node/info", timeout=30).json()["nodeInfo"]["id"]
           for n in nodes}
    assert ids == {n["id"] for n in nodes}


def test_distributedshell_through_hadoop_jar(hadoop_cluster):
    """Hadoop's reference application runs `echo hello` in 2 containers: the cluster launches real containers."""
    (jar,) = glob.glob(os.path.join(hadoop_cluster.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    proc = run(["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client",
                "-jar", jar, "-shell_command", "echo hello", "-num_containers", "2",
                "-container_memory", "128", "-master_memory", "256", "-appname", "knit-smoke-ds"])
    (app_id,) = set(re.findall(r"application_\d+_\d+", proc.stdout + proc.stderr))
    status = run(["yarn", "application", "-status", app_id]).stdout
    assert re.search(r"State : FINISHED", status), status
    assert re.search(r"Final-State : SUCCEEDED", status), status
    # aggregated logs appear shortly after the app finishes
    wait_until(lambda: len(re.findall(r"^hello$", yarn_logs(app_id), re.M)) == 2, 60, "hello twice in yarn logs",
               interval=1)


def test_cluster_jvm_dies_with_sigkilled_parent(tmp_path):
    """A LocalCluster's JVM exits when the Python process that started it is SIGKILLed."""
    code = ("import sys\nfrom knit.localcluster import LocalCluster\n"
            f"lc = LocalCluster(nodes=1, dir={str(tmp_path)!r}).start()\n"
            "print(lc.pid, flush=True)\nsys.stdin.read()\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = parent.stdout.readline()
        assert line.strip().isdigit(), f"cluster did not start: {line!r}"
        jvm = int(line)
        assert processes_matching(f"--dir {tmp_path}") == [jvm]  # what the check below looks for is there
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(30)
        assert_no_process(f"--dir {tmp_path}", timeout=90)  # the cluster JVM, and anything it started
    finally:
        if parent.poll() is None:
            parent.kill()


def test_cli_cluster_up_status_faults_down(tmp_path):
    """`knit cluster up` with sizes (--nodes/--nm-memory/--nm-vcores), detached; faults from other processes
    (`knit cluster node`, `knit cluster rm`); `down`."""
    d = str(tmp_path / "c")
    knit = [sys.executable, "-m", "knit.cli"]
    up = run(knit + ["cluster", "up", "--nodes", "2", "--nm-memory", "768", "--nm-vcores", "3", "--dir", d, "--json"])
    info = json.loads(up.stdout)
    try:
        assert info["conf_dir"] == os.path.join(d, "conf")
        status = run(knit + ["cluster", "status", "--dir", d])
        assert info["rm_web_address"] in status.stdout
        # the detached cluster outlives the `knit cluster up` process
        assert processes_matching(f"--dir {d}") == [info["pid"]]
        r = requests.get(f"http://{info['rm_web_address']}/ws/v1/cluster/nodes", timeout=30)
        nodes = r.json()["nodes"]["node"]
        assert sorted(n["id"] for n in nodes) == sorted(info["node_ids"])
        assert {(n["availMemoryMB"] + n["usedMemoryMB"], n["availableVirtualCores"] + n["usedVirtualCores"])
                for n in nodes} == {(768, 3)}
        stopped = json.loads(run(knit + ["cluster", "node", "stop", info["node_ids"][1], "--dir", d, "--json"]).stdout)
        assert (stopped["index"], stopped["running"]) == (1, False)
        listed = json.loads(run(knit + ["cluster", "node", "list", "--dir", d, "--json"]).stdout)
        assert [n["running"] for n in listed] == [True, False]
        assert json.loads(run(knit + ["cluster", "node", "start", "1", "--dir", d, "--json"]).stdout)["running"]
        restarted = json.loads(run(knit + ["cluster", "rm", "restart", "--dir", d, "--json"]).stdout)
        assert restarted["state"] == "ACTIVE" and restarted["seconds"] > 0
        no_ha = subprocess.run(knit + ["cluster", "rm", "failover", "--dir", d], capture_output=True, text=True)
        assert no_ha.returncode == 1 and "needs an HA cluster" in no_ha.stderr
    finally:
        run(knit + ["cluster", "down", "--dir", d])
    assert_no_process(f"--dir {d}", timeout=5)
    assert read_cluster_json(d) is None
    after = subprocess.run(knit + ["cluster", "status", "--dir", d], capture_output=True, text=True)
    assert after.returncode == 1


def test_failed_start_raises_with_the_log_tail(tmp_path, monkeypatch):
    """A cluster JVM that dies during start-up gives a ClusterError carrying its own log, and leaves no JVM."""
    from knit.exceptions import ClusterError
    from knit.localcluster import LocalCluster
    empty = tmp_path / "no-hadoop-here"
    empty.mkdir()
    monkeypatch.setenv("KNIT_HADOOP_LIB", str(empty))  # no Hadoop classes: the JVM cannot even load its main
    lc = LocalCluster(nodes=1, dir=tmp_path / "c", start_timeout=120)
    try:
        lc.start()
    except ClusterError as e:
        message = str(e)
    else:
        lc.stop()
        raise AssertionError("start() succeeded without Hadoop's jars")
    assert "exited with code" in message
    assert "NoClassDefFoundError" in message or "ClassNotFoundException" in message
    assert lc._proc is None
    assert_no_process(f"--dir {tmp_path / 'c'}")


def test_start_deadline_raises_and_kills_the_jvm(tmp_path):
    from knit.exceptions import ClusterError
    from knit.localcluster import LocalCluster
    lc = LocalCluster(nodes=1, dir=tmp_path / "c", start_timeout=0.5)
    try:
        lc.start()
    except ClusterError as e:
        assert "not ready within" in str(e)
    else:
        lc.stop()
        raise AssertionError("a 0.5 s deadline was met")
    assert lc._proc is None
    assert_no_process(f"--dir {tmp_path / 'c'}")


def test_containers_find_python_and_java_home(hadoop_cluster):
    """Like a real node: `python` (the seed's command) and JAVA_HOME are there in every container."""
    (jar,) = glob.glob(os.path.join(hadoop_cluster.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    proc = run(["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client",
                "-jar", jar, "-shell_command",
                "python -c 'import sys; print(sys.version_info[0] * 111)'; echo java_home=$JAVA_HOME",
                "-num_containers", "1", "-container_memory", "128", "-master_memory", "256"])
    (app_id,) = set(re.findall(r"application_\d+_\d+", proc.stdout + proc.stderr))
    logs = wait_until(lambda: "java_home=" in (text := yarn_logs(app_id)) and text, 60, "the container's logs",
                      interval=1)
    assert re.search(r"^333$", logs, re.M), logs[-2000:]
    assert re.search(r"^java_home=/\S+", logs, re.M), logs[-2000:]
