"""The secure local cluster is Kerberized for real: MiniKdc, tickets from MIT kinit, HDFS and YARN that refuse a
client without one, service ACLs, RPC privacy, SPNEGO on every web endpoint, and containers that run.

Each negative check runs the same command as its positive twin, with only the credential taken away.
"""
from __future__ import annotations

import glob
import json
import os
import re
import stat
import subprocess
import uuid

import pytest
import requests


NO_TICKET = "FILE:/nonexistent/knit-no-ticket"


def run(cmd: list[str], env: dict, ok: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert (proc.returncode == 0) == ok, f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def alice(secure_cluster, tmp_path_factory) -> dict:
    """The environment of a process of alice's, with her ticket."""
    return secure_cluster.kinit("alice", tmp_path_factory.mktemp("alice") / "ccache")


@pytest.fixture
def nobody(secure_cluster) -> dict:
    """The same environment with no ticket at all."""
    return dict(secure_cluster.environ(), KRB5CCNAME=NO_TICKET)


def test_cluster_json_records_the_realm_users_and_keytabs(secure_cluster):
    k = secure_cluster.kerberos
    assert k["realm"] == "KNIT.TEST" and re.fullmatch(r"localhost:\d+", k["kdc"])
    assert os.path.isfile(k["krb5_conf"]) and k["kdc"] in open(k["krb5_conf"]).read()
    assert sorted(k["users"]) == ["alice", "bob"]
    for name, user in k["users"].items():
        assert user["principal"] == f"{name}@KNIT.TEST"
        mode = stat.S_IMODE(os.stat(user["keytab"]).st_mode)
        assert mode == 0o600, f"{user['keytab']} has mode {oct(mode)}"
    assert stat.S_IMODE(os.stat(os.path.dirname(k["krb5_conf"])).st_mode) == 0o700
    assert secure_cluster.info["secure"] and secure_cluster.info["webhdfs_scheme"] == "https"


def test_kinit_against_the_kdc(secure_cluster, tmp_path):
    env = secure_cluster.kinit("bob", tmp_path / "cc")
    out = run(["klist"], env).stdout
    assert "Default principal: bob@KNIT.TEST" in out
    assert "krbtgt/KNIT.TEST@KNIT.TEST" in out


def test_hdfs_with_a_ticket_and_refused_without(secure_cluster, alice, nobody, tmp_path):
    listing = run(["hadoop", "fs", "-ls", "/user"], alice).stdout
    assert re.search(r"alice\s+alice\s+0 .* /user/alice$", listing, re.M), listing
    # a write and a read go through the DataNode: block tokens and SASL data transfer with privacy
    src = tmp_path / "hello.txt"
    src.write_text("hello, kerberos\n")
    run(["hadoop", "fs", "-put", "-f", str(src), "/user/alice/hello.txt"], alice)
    assert run(["hadoop", "fs", "-cat", "/user/alice/hello.txt"], alice).stdout == "hello, kerberos\n"
    refused = run(["hadoop", "fs", "-ls", "/user"], nobody, ok=False)
    assert "Client cannot authenticate via:[TOKEN, KERBEROS]" in refused.stderr, refused.stderr[-2000:]


def test_yarn_with_a_ticket_and_refused_without(secure_cluster, alice, nobody):
    # YARN clients retry a refused RM like an unreachable one, for 15 min by default: not for this long here
    node_list = ["yarn", "node", "-Dyarn.resourcemanager.connect.max-wait.ms=3000", "-list"]
    nodes = run(node_list, alice).stdout
    assert all(n in nodes for n in secure_cluster.node_ids), nodes
    refused = run(node_list, nobody, ok=False)
    assert "Client cannot authenticate via:[TOKEN, KERBEROS]" in refused.stderr, refused.stderr[-2000:]


def test_rpc_demands_privacy(alice):
    """hadoop.rpc.protection=privacy on the servers: a client offering only authentication finds no common QOP."""
    weak = run(["hadoop", "fs", "-Dhadoop.rpc.protection=authentication", "-ls", "/"], alice, ok=False)
    assert "No common protection layer between client and server" in weak.stderr, weak.stderr[-2000:]
    run(["hadoop", "fs", "-Dhadoop.rpc.protection=privacy", "-ls", "/"], alice)


def test_service_authorization_keeps_users_off_admin_protocols(secure_cluster, alice, tmp_path):
    denied = run(["yarn", "rmadmin", "-refreshQueues"], alice, ok=False)
    assert ("User alice@KNIT.TEST (auth:KERBEROS) is not authorized for protocol interface "
            "org.apache.hadoop.yarn.server.api.ResourceManagerAdministrationProtocolPB") in denied.stderr, denied.stderr
    admin = secure_cluster.kinit("knit", tmp_path / "cc-admin")
    run(["yarn", "rmadmin", "-refreshQueues"], admin)


def spnego(env: dict, url: str, ca: str) -> subprocess.CompletedProcess:
    """GET with SPNEGO (curl --negotiate, MIT GSSAPI with env's ticket cache): prints the HTTP status last."""
    return run(["curl", "-s", "--negotiate", "-u", ":", "--cacert", ca, "-w", "\n%{http_code}", url], env)


def test_web_endpoints_need_spnego(secure_cluster, alice, nobody):
    """RM, NameNode (HTTPS, verified against the cluster's CA) and every NodeManager: 401 Negotiate without a
    ticket, 200 with alice's."""
    ca = secure_cluster.info["tls"]["ca_pem"]
    nodes = spnego(alice, f"http://{secure_cluster.rm_web_address}/ws/v1/cluster/nodes", ca).stdout
    node_http = sorted(n["nodeHTTPAddress"] for n in json.loads(nodes.rsplit("\n", 1)[0])["nodes"]["node"])
    assert len(node_http) == secure_cluster.nodes
    urls = [f"http://{secure_cluster.rm_web_address}/ws/v1/cluster/info",
            f"https://{secure_cluster.webhdfs_address}/webhdfs/v1/user?op=LISTSTATUS",
            *(f"http://{a}/ws/v1/node/info" for a in node_http)]
    for url in urls:
        anonymous = requests.get(url, verify=ca, timeout=30)
        assert (anonymous.status_code, anonymous.headers.get("WWW-Authenticate")) == (401, "Negotiate"), url
        assert spnego(nobody, url, ca).stdout.endswith("\n401"), url
        assert spnego(alice, url, ca).stdout.endswith("\n200"), url


def test_distributedshell_container_acts_as_alice_in_hdfs(secure_cluster, alice):
    """A real YARN application on the secure cluster (HDFS delegation tokens, AM and container tokens): its
    container writes to HDFS with alice's token, as alice, while its OS user is the NodeManager's
    (DefaultContainerExecutor)."""
    (jar,) = glob.glob(os.path.join(secure_cluster.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    out = f"/user/alice/ds-{uuid.uuid4().hex}.txt"
    put = f"echo ran-as-os-user=$(id -un) | {secure_cluster.bin_dir}/hadoop fs -put - {out}"
    proc = run(["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client", "-jar", jar,
                "-shell_command", put, "-num_containers", "1", "-container_memory", "128", "-master_memory", "256",
                "-appname", "knit-secure-ds"], alice)
    (app_id,) = set(re.findall(r"application_\d+_\d+", proc.stdout + proc.stderr))
    status = run(["yarn", "application", "-status", app_id], alice).stdout
    assert re.search(r"User : alice$", status, re.M) and "Final-State : SUCCEEDED" in status, status
    me = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    assert run(["hadoop", "fs", "-cat", out], alice).stdout == f"ran-as-os-user={me}\n"
    assert run(["hadoop", "fs", "-stat", "%u", out], alice).stdout.strip() == "alice"
