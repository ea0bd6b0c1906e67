"""Application ACLs on the secure cluster: alice's applications are hers. bob (in a process of his own, with his
own ticket) cannot connect to one, kill it or read its logs; each refusal is a PermissionDenied that names him and
the ACL. Given VIEW_APP (``acls=``), he can connect and read the logs, and still not kill it. alice can do all."""
from __future__ import annotations

import pytest

from helpers import app, wait_until
from kerberized import run_as
from knit import Knit
from knit.exceptions import YARNError

BOB = """
import json
from knit import Knit, gateway
from knit.exceptions import PermissionDenied
from knit.yarn_api import YARNAPI

out = {}
def attempt(name, fn):
    try:
        fn()
        out[name] = "ok"
    except PermissionDenied as e:
        out[name] = "denied: " + str(e)
    except Exception as e:
        out[name] = "error: %s: %s" % (type(e).__name__, e)

for app_id, node, cid in TARGETS:
    attempt(app_id + " connect", lambda: Knit.connect(app_id))
    attempt(app_id + " logs", lambda: YARNAPI().container_log(node, cid))
    attempt(app_id + " kill (REST)", lambda: YARNAPI().kill_app(app_id, wait=False))
    attempt(app_id + " kill (client JVM)", lambda: gateway.client().call("kill", app_id, None))
out["user"] = Knit().user
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def tickets(secure_cluster, tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("tickets")
    return {u: secure_cluster.kinit(u, base / u) for u in ("alice", "bob")}


def live_container(k: Knit) -> tuple[str, str]:
    """``(node_http_address, container_id)`` of the app's one running container, once its log says hello."""
    def found():
        for c in k.get_containers():
            try:
                out = k.logs(c["id"]).get(c["id"], {}).get("stdout", "") if c["state"] == "RUNNING" else ""
            except YARNError as e:  # the NodeManager may not run it yet (HTTP 503 "not yet running"): poll on
                out = str(e)
            if "hello" in out:
                return c["node_http_address"], c["id"]
        return None
    return wait_until(found, 180, f"a running container of {k.app_id}")


def test_bob_is_refused_what_the_acls_do_not_grant_him_and_alice_is_not(secure_cluster, point_at, tickets,
                                                                       monkeypatch):
    point_at(secure_cluster)
    monkeypatch.setenv("KRB5CCNAME", tickets["alice"]["KRB5CCNAME"])
    private, shared = Knit(), Knit()
    cmd = "echo hello-$CONTAINER_ID; sleep 600"
    with app(private, cmd, keep_alive=True), app(shared, cmd, keep_alive=True, acls={"VIEW_APP": "bob"}):
        targets = [(k.app_id, *live_container(k)) for k in (private, shared)]
        got = run_as(tickets["bob"], BOB.replace("TARGETS", repr(targets)))
        assert got.pop("user") == "bob"
        mine, viewable = private.app_id, shared.app_id
        for what in ("connect", "logs"):
            refusal = got[f"{mine} {what}"]
            assert refusal.startswith("denied: ") and "bob" in refusal and "VIEW_APP" in refusal, (what, refusal)
            assert got[f"{viewable} {what}"] == "ok", (what, got)  # the same call, VIEW_APP granted
        for app_id in (mine, viewable):  # VIEW_APP is not MODIFY_APP
            for how in ("kill (REST)", "kill (client JVM)"):
                refusal = got[f"{app_id} {how}"]
                assert refusal.startswith("denied: ") and "bob" in refusal and "MODIFY_APP" in refusal, (how, got)
        # alice: her own applications are still running (bob's kills did nothing), and she may do it all
        for k in (private, shared):
            assert k.runtime_status() == "RUNNING"
            again = Knit.connect(k.app_id)
            assert [c["state"] for c in again.get_containers()] == ["RUNNING"]
            assert any(f.get("stdout", "").startswith("hello-") for f in again.logs().values())
            assert k.kill() is True


def test_connect_refusal_is_a_permission_error_not_a_wait(secure_cluster, point_at, tickets, monkeypatch):
    """PermissionDenied is also what Knit's own master lookup raises for someone else's staging dir, at once."""
    point_at(secure_cluster)
    monkeypatch.setenv("KRB5CCNAME", tickets["alice"]["KRB5CCNAME"])
    k = Knit()
    with app(k, "sleep 600", keep_alive=True, acls={"VIEW_APP": "bob"}):
        wait_until(lambda: k.report()["state"] == "RUNNING", 180, "the application to run")
        script = f"""
import json, time
from knit import Knit
from knit.exceptions import PermissionDenied
k = Knit.connect({k.app_id!r})
t = time.monotonic()
try:
    k.get_containers()
    print(json.dumps({{"result": "ok"}}))
except PermissionDenied as e:
    print(json.dumps({{"result": str(e), "seconds": time.monotonic() - t}}))
"""
        got = run_as(tickets["bob"], script)
        assert "bob" in got["result"] and "alice" in got["result"] and "staging dir" in got["result"], got
        assert got["seconds"] < 60, got  # refused, not polled until MASTER_TIMEOUT
