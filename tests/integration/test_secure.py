"""Knit on the Kerberized local cluster (the run's one ``secure_cluster``): the usage page's flows with a ticket
(``kinit``) and with ``principal=`` + ``keytab=`` and no ticket cache at all, the REST API and logs through
SPNEGO, delegation tokens that let containers read the user's HDFS files, the keytab's privacy, and the clear
error when there is no credential.
"""
from __future__ import annotations

import json
import os
import re
import stat
import uuid
from pathlib import Path

import pytest

from helpers import app, hadoop_jar, processes_matching, wait_until
from kerberized import NO_TICKET, hadoop, put_text, user, zipped_venv
from knit import Knit
from knit.exceptions import KerberosError
from knit.yarn_api import YARNAPI

SEED_CMD = "python -c 'import sys; print(sys.path); import socket; print(socket.gethostname())'"


@pytest.fixture(scope="module")
def alice_ticket(secure_cluster, tmp_path_factory) -> dict:
    """The environment of a process of alice's after ``kinit`` (a ticket cache of its own)."""
    return secure_cluster.kinit("alice", tmp_path_factory.mktemp("alice") / "ccache")


@pytest.fixture(scope="module")
def alice_file(secure_cluster, alice_ticket) -> tuple[str, str]:
    """A file only alice can read (0600 in her home): ``(path, content)``."""
    path, content = "/user/alice/knit-secret.txt", f"for alice only {uuid.uuid4().hex}\n"
    put_text(secure_cluster, alice_ticket, path, content)
    hadoop(secure_cluster, alice_ticket, "fs", "-chmod", "600", path)
    return path, content


@pytest.fixture(scope="module")
def venv_zip(tmp_path_factory) -> Path:
    return zipped_venv(tmp_path_factory.mktemp("venv"))


@pytest.fixture
def as_alice(secure_cluster, point_at, alice_ticket, monkeypatch):
    """This process (and a fresh client JVM) on the secure cluster with alice's ticket cache."""
    point_at(secure_cluster)
    monkeypatch.setenv("KRB5CCNAME", alice_ticket["KRB5CCNAME"])
    return secure_cluster


@pytest.fixture
def no_ticket(secure_cluster, point_at, monkeypatch):
    """This process (and a fresh client JVM) on the secure cluster with no ticket cache at all."""
    point_at(secure_cluster)
    monkeypatch.setenv("KRB5CCNAME", NO_TICKET)
    return secure_cluster


def am_processes(app_id: str) -> list[int]:
    """Pids of the ApplicationMaster JVMs of ``app_id`` on this machine (``java`` with the AM's main class in argv,
    its container's id in its environment; not the container's launch shell)."""
    found = []
    for pid in processes_matching("org.knit.am.ApplicationMaster"):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        if argv0.endswith(b"/java") and any(e.startswith(b"CONTAINER_ID=container_") and app_id.split("_", 1)[1].encode() in e for e in environ):
            found.append(pid)
    return found


def finish(k: Knit, timeout: float = 240) -> dict:
    """Wait for the end, check SUCCEEDED, return the aggregated logs of the worker containers."""
    assert k.wait_for_completion(timeout), f"{k.app_id} still running after {timeout} s"
    report = k.report()
    logs = k.logs()
    assert report["final_status"] == "SUCCEEDED", (report, json.dumps(logs)[-4000:])
    return {c: f for c, f in logs.items() if not c.endswith("_000001")}  # the AM's container is _000001


def usage_flows(k: Knit, cluster, secret: tuple[str, str], venv_zip: Path, tmp_path: Path) -> None:
    """The usage page's calls, unchanged: start(cmd) on 2 containers that also read an HDFS file of the user's
    (delegation tokens), then start(cmd, env=zip, files=[...]) with $PYTHON_BIN; outputs read back."""
    path, content = secret
    cat = f"{cluster.bin_dir}/hadoop fs -cat {path}"
    with app(k, f"{SEED_CMD} && {cat}", num_containers=2):
        logs = finish(k)
    assert len(logs) == 2, logs
    for files in logs.values():
        assert "site-packages" in files["stdout"] and content in files["stdout"], files

    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    cmd = "$PYTHON_BIN -c 'import sys; print(\"PREFIX\", sys.prefix); print(open(\"data.csv\").read())'"
    with app(k, cmd, num_containers=2, env=str(venv_zip), files=[str(data)]):
        logs = finish(k)
    assert len(logs) == 2, logs
    for files in logs.values():
        assert "/kvenv" in files["stdout"] and "a,b\n1,2" in files["stdout"], files


def rest_calls(api: YARNAPI, cluster, app_id: str) -> None:
    """YARNAPI through SPNEGO: nodes, scheduler, apps, status."""
    assert len(api.nodes()) == cluster.nodes
    assert api.scheduler()  # the scheduler's description
    assert app_id in [a["id"] for a in api.list_apps(states=None)]
    assert api.status(app_id)["user"] == "alice"


def test_usage_flows_after_kinit(as_alice, alice_file, venv_zip, tmp_path):
    k = Knit()
    assert (k.user, k.hdfs_home.rsplit("/", 1)[-1]) == ("alice", "alice")
    assert k.check_credentials() == {"user": "alice", "principal": "alice@KNIT.TEST", "keytab": False,
                                     "kerberos": True}
    usage_flows(k, as_alice, alice_file, venv_zip, tmp_path)
    rest_calls(k.yarn_api, as_alice, k.app_id)


def test_keep_alive_app_live_logs_and_kill_through_spnego(as_alice):
    k = Knit()
    with app(k, "echo live-$CONTAINER_ID; sleep 600", num_containers=1, keep_alive=True):
        wait_until(lambda: any(f.get("stdout", "").startswith("live-") for f in k.logs().values()), 180,
                   "the container's live log")
        logs = k.logs()  # live: from the NodeManager's REST API, with SPNEGO
        (cid,) = [c for c, f in logs.items() if f.get("stdout", "").startswith("live-")]
        assert logs[cid]["stdout"].strip() == f"live-{cid}"
        assert YARNAPI(conf=k.conf).kill_app(k.app_id) == "KILLED"  # REST kill with alice's ticket


def test_usage_flows_with_a_keytab_and_no_ticket_cache(no_ticket, alice_file, venv_zip, tmp_path):
    alice = user(no_ticket, "alice")
    k = Knit(principal=alice["principal"], keytab=alice["keytab"])
    assert k.user == "alice"
    assert k.check_credentials()["keytab"] is True
    usage_flows(k, no_ticket, alice_file, venv_zip, tmp_path)
    rest_calls(YARNAPI(principal=alice["principal"], keytab=alice["keytab"]), no_ticket, k.app_id)
    # the process really had no ticket: the same REST call without the keytab is refused
    with pytest.raises(KerberosError, match="kinit"):
        YARNAPI(conf=Knit().conf).nodes()


def test_the_keytab_reaches_the_am_privately(no_ticket, tmp_path):
    """The AM gets the keytab as a private file: 0400 in the 0700 staging dir, owner-only once localized, and its
    bytes in neither the AM's argv nor its environment (both probes first shown to find them where they are)."""
    alice = user(no_ticket, "alice")
    keytab = Path(alice["keytab"]).read_bytes()
    k = Knit(principal=alice["principal"], keytab=alice["keytab"])
    with app(k, "sleep 600", num_containers=1, keep_alive=True):
        wait_until(lambda: k.report()["state"] == "RUNNING" and k.get_containers(), 180, "the AM to run")
        staging = f"/user/alice/.knit/{k.app_id}"
        listing = hadoop(no_ticket, no_ticket.kinit("alice", tmp_path / "cc"), "fs", "-ls", "-d", staging,
                         f"{staging}/keytab")
        assert re.search(rf"^drwx------ .* alice .*{staging}$", listing, re.M), listing
        assert re.search(rf"^-r-------- .* alice .*{staging}/keytab$", listing, re.M), listing
        (am_pid,) = am_processes(k.app_id)
        am_dir = Path(os.readlink(f"/proc/{am_pid}/cwd"))
        localized = (am_dir / "keytab").resolve()
        assert stat.S_IMODE(localized.stat().st_mode) & 0o077 == 0, oct(localized.stat().st_mode)
        needle = keytab[len(keytab) // 2:][:24]  # key material from the middle of the keytab
        assert needle in localized.read_bytes()  # the probe finds the bytes where they are
        for what in ("cmdline", "environ"):
            assert needle not in Path(f"/proc/{am_pid}/{what}").read_bytes(), what
        am_log = "".join(f.get("stderr", "") + f.get("stdout", "") for c, f in k.logs().items()
                         if c.endswith("_000001"))
        assert "Renewing delegation tokens with the keytab of alice@KNIT.TEST" in am_log, am_log[-3000:]


def test_no_credentials_is_a_clear_error_before_anything_is_uploaded(no_ticket, alice_ticket, tmp_path):
    name = f"nocreds-{uuid.uuid4().hex[:8]}"
    upload = tmp_path / f"{name}.txt"
    upload.write_text("x")
    k = Knit()
    with pytest.raises(KerberosError) as err:
        k.start("hostname", app_name=name, files=[str(upload)])
    message = str(err.value)
    assert "kinit" in message and "principal=" in message and "keytab=" in message, message
    assert "Exception" not in message and "\tat " not in message, message  # no Java stack trace
    assert k.app_id is None

    def submitted() -> list:
        api = YARNAPI(conf=Knit().conf, principal=user(no_ticket, "alice")["principal"],
                      keytab=user(no_ticket, "alice")["keytab"])
        return [a["id"] for a in api.list_apps(states=None, name=name)]

    def uploaded() -> str:
        return hadoop(no_ticket, alice_ticket, "fs", "-ls", "-R", "/user/alice")

    assert submitted() == [] and upload.name not in uploaded()
    # the same probes find a submission by that name, and its upload, once there is a credential
    alice = user(no_ticket, "alice")
    k2 = Knit(principal=alice["principal"], keytab=alice["keytab"])
    with app(k2, "hostname", app_name=name, files=[str(upload)]):
        assert k2.wait_for_completion(240)
    assert submitted() == [k2.app_id] and upload.name in uploaded()


def test_hadoop_jar_with_a_keytab_and_no_ticket_cache(no_ticket):
    alice = user(no_ticket, "alice")
    proc = hadoop_jar("hostname", "--principal", alice["principal"], "--keytab", alice["keytab"], "--json",
                      "--name", "jar-keytab")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["final_status"] == "SUCCEEDED", result
    # the control: without the flags the same command has no credential, and says what to do
    refused = hadoop_jar("hostname", "--name", "jar-no-credential")
    assert refused.returncode != 0 and "kinit" in refused.stderr and "keytab=" in refused.stderr, refused.stderr[-2000:]
