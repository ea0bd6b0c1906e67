"""The ApplicationMaster's gateway on the real local cluster: TLS pinned to the application's certificate, the
secret required, strangers unable to exhaust it, and every call from Python bounded.

One keep-alive application serves the module; each negative check ("nothing in clear", "refused") comes with
its control: the same observation made where the thing is there, so the check is shown able to fail.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from py4j.java_gateway import GatewayParameters, JavaGateway
from py4j.protocol import Py4JError

from helpers import app, wait_until
from knit import Knit, gateway
from knit.exceptions import ControlTimeout, GatewayError, UntrustedGateway
from knit.master_gateway import pinned_context
from knit.shared import read_json
from wire import FakeAM, Relay, am_pid

CALL = b"c\nt\ncontainers\ne\n"  # Py4J's call protocol: containers() on the entry point
LIMITS = read_json("gateway.json")
REPO = str(Path(__file__).resolve().parents[2])


@pytest.fixture(scope="module")
def served(hadoop_cluster):
    """A running application with one RUNNING container, and its gateway's address, secret and certificate."""
    k = Knit()
    with app(k, "sleep 900", num_containers=1, keep_alive=True, app_name="tls") as app_id:
        wait_until(lambda: [c for c in k.get_containers() if c["state"] == "RUNNING"], 180,
                   "the container RUNNING")
        info = json.loads(gateway.client().call("masterAddress", app_id, k._conf_json))
        yield k, info


def _tls_socket(host: str, port: int, certificate: str | None) -> ssl.SSLSocket:
    """A TLS connection trusting ``certificate`` (pinned), or anything (``None``: a stranger's client)."""
    if certificate is None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    else:
        ctx = pinned_context(certificate)
    return ctx.wrap_socket(socket.create_connection((host, port), timeout=10))


def _answers(s: socket.socket, n: int) -> bytes:
    """What the server says until ``n`` lines, its hang-up, or 10 s of silence."""
    got = b""
    with contextlib.suppress(OSError):
        while got.count(b"\n") < n and (chunk := s.recv(65536)):
            got += chunk
    return got


def test_a_relay_sees_neither_the_secret_nor_the_answers(served):
    k, info = served
    relay = Relay(info["host"], info["port"])
    try:
        k2 = Knit.connect(k.app_id)
        k2._master_gateway = gateway.connect_master(dict(info, host="127.0.0.1", port=relay.port), 30, k.app_id)
        containers = k2.get_containers()
        assert containers and containers[0]["state"] == "RUNNING"
        assert len(relay.recorded) > 1000  # the handshake, the auth and the call all went through it
        assert not relay.saw(info["secret"])
        assert not relay.saw(containers[0]["id"]) and not relay.saw('"state"')
        k2._close_master()
    finally:
        relay.close()
    # Control: the same relay on the client JVM's plain Py4J gateway sees its secret and masterAddress's answer.
    client = gateway.client()
    plain = Relay("127.0.0.1", client.gateway.gateway_parameters.port)
    try:
        via = gateway._open_gateway("127.0.0.1", plain.port, client.gateway.gateway_parameters.auth_token)
        json.loads(via.entry_point.masterAddress(k.app_id, k._conf_json))
        via.close()
        assert plain.saw(client.gateway.gateway_parameters.auth_token) and plain.saw(info["secret"])
    finally:
        plain.close()


def test_a_plain_client_with_the_secret_is_refused(served):
    _, info = served
    host, port, secret = info["host"], info["port"], info["secret"]
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"A\n" + secret.encode() + b"\n" + CALL)
        plain = _answers(s, 2)
    assert b"container_" not in plain and b"!yv" not in plain, plain
    py4j_plain = JavaGateway(gateway_parameters=GatewayParameters(address=host, port=port, auth_token=secret))
    try:
        with pytest.raises(Py4JError):
            py4j_plain.entry_point.containers()
    finally:
        py4j_plain.close()
    # Control: the same bytes over TLS are served.
    with _tls_socket(host, port, info["certificate"]) as s:
        s.sendall(b"A\n" + secret.encode() + b"\n" + CALL)
        tls = _answers(s, 2)
    assert tls.startswith(b"!yv\n") and b"container_" in tls, tls[:300]


def test_a_tls_client_without_the_secret_is_refused(served):
    _, info = served
    host, port = info["host"], info["port"]
    with _tls_socket(host, port, None) as s:
        s.sendall(CALL)
        no_auth = _answers(s, 2)
    with _tls_socket(host, port, None) as s:
        s.sendall(b"A\n" + b"0" * 64 + b"\n" + CALL)
        wrong = _answers(s, 2)
    assert no_auth == b"!xsAuthentication error: unexpected command.\n"
    assert wrong == b"!xsAuthentication error: bad auth token received.\n"
    with pytest.raises(GatewayError, match="refused the secret"):
        gateway.connect_master(dict(info, secret="0" * 64), 30, "app")


def test_a_fake_am_with_another_certificate_is_refused(served, tmp_path):
    _, info = served
    other = json.loads(gateway.client().call("tlsIdentity", "knit-am.fake", 1))
    (tmp_path / "fake.crt").write_text(other["certificate"])
    (tmp_path / "fake.key").touch(0o600)
    (tmp_path / "fake.key").write_text(other["private_key"])
    fake = FakeAM(tmp_path / "fake.crt", tmp_path / "fake.key")
    try:
        with pytest.raises(UntrustedGateway, match="did not present app-x's certificate"):
            gateway.connect_master(dict(info, host="127.0.0.1", port=fake.port), 30, "app-x")
        assert fake.connections >= 1 and fake.handshakes == 0 and not fake.received
        # Control: pinning the fake's own certificate, the handshake passes and the fake receives the secret.
        at_fake = dict(info, host="127.0.0.1", port=fake.port, certificate=other["certificate"])
        gateway.connect_master(at_fake, 30, "app-x").close()
        assert fake.handshakes >= 1 and info["secret"].encode() in fake.received
    finally:
        fake.close()


def _stream_without_newline(host: str, port: int, total: int, outcome: dict) -> None:
    """A TLS client that sends ``total`` bytes with no newline; records how much went out before a reset."""
    sent = 0
    try:
        with _tls_socket(host, port, None) as s:
            chunk = b"x" * (1 << 20)
            while sent < total:
                s.sendall(chunk)
                sent += len(chunk)
        outcome["error"] = None
    except OSError as e:
        outcome["error"] = e
    outcome["sent"] = sent


def test_idle_sockets_and_an_endless_line_do_not_exhaust_the_am(served):
    k, info = served
    host, port = info["host"], info["port"]
    k.get_containers()  # this Knit's connection is authenticated before the attack
    idle = [socket.create_connection((host, port), timeout=30) for _ in range(500)]
    outcome: dict = {}
    streamer = threading.Thread(target=_stream_without_newline, args=(host, port, 300 << 20, outcome))
    streamer.start()
    try:
        t0 = time.monotonic()
        assert k.get_containers()[0]["state"] == "RUNNING"  # the authenticated connection
        fresh = Knit.connect(k.app_id)  # a new client: it has to get through the crowd of strangers
        assert fresh.get_containers()[0]["state"] == "RUNNING"
        elapsed = time.monotonic() - t0
        assert elapsed < 5, f"the AM took {elapsed:.1f} s to answer during the attack"
        fresh._close_master()
        streamer.join(120)
        assert not streamer.is_alive()
        assert outcome["error"] is not None and outcome["sent"] < 300 << 20, outcome  # cut off, long before 300 MB

        def all_closed() -> bool:  # the AM hangs up on every stranger (evicted, or after the auth timeout)
            for s in idle:
                s.setblocking(False)
                try:
                    if s.recv(1) != b"":
                        return False
                except BlockingIOError:
                    return False
                except OSError:
                    pass  # reset: closed
            return True
        wait_until(all_closed, LIMITS["auth_timeout_ms"] / 1000 + 60, "the AM to close 500 idle connections")
    finally:
        for s in idle:
            s.close()
    assert k.runtime_status() == "RUNNING" and k.get_containers()[0]["state"] == "RUNNING"


def all_threads_stopped(pid: int) -> bool:
    """Whether every thread of ``pid`` is in state T (stopped), per /proc/<pid>/task/*/stat."""
    states = [Path(t, "stat").read_text().rsplit(")", 1)[1].split()[0] for t in Path(f"/proc/{pid}/task").iterdir()]
    return bool(states) and all(st == "T" for st in states)


def test_a_stopped_am_gives_a_timeout_naming_the_application(served):
    k, _ = served
    pid = am_pid(k.app_id)
    k2 = Knit.connect(k.app_id, control_timeout=3)
    k2.get_containers()
    os.kill(pid, signal.SIGSTOP)
    try:
        # kill() returns once the signal is queued; a thread the request wakes may still answer before it stops
        # (it did once in CI): wait until every thread of the JVM is stopped.
        wait_until(lambda: all_threads_stopped(pid), 10, "every thread of the AM's JVM stopped")
        t0 = time.monotonic()
        with pytest.raises(ControlTimeout, match=rf"{k.app_id} did not answer containers\(\) within 3 s"):
            k2.get_containers()
        assert time.monotonic() - t0 < 3 + 10  # the timeout, plus a loaded machine's slack
        k3 = Knit.connect(k.app_id, control_timeout=3)  # a new connection: its TLS handshake gets no answer
        with pytest.raises(ControlTimeout, match="did not answer the connection"):
            k3.get_containers()
    finally:
        os.kill(pid, signal.SIGCONT)
    assert k2.get_containers()[0]["state"] == "RUNNING"  # the timed-out connection was dropped; a new one works
    k2._close_master()
    k3._close_master()


#: Run in a fresh process with py4j at DEBUG from the start: launch the client JVM, start an app, reach its AM
#: from two Knits (two authentications), ask the client JVM for a TLS identity (an answer with a private key),
#: kill. Prints the secrets that went through py4j, which the log must not hold.
DEBUG_RUN = """
import json, logging, sys
logging.basicConfig(filename=sys.argv[1], level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
from knit import Knit, gateway, redact
if sys.argv[2] == "unredacted":  # the control: py4j's log as it would be without the filter
    for name in redact.PY4J_LOGGERS:
        logging.getLogger(name).removeFilter(redact._filter)
k = Knit()
app_id = k.start("sleep 300", num_containers=1, memory=128, app_name="py4j-debug", keep_alive=True)
k.get_containers()
k2 = Knit.connect(app_id)
k2.get_containers()
secret = json.loads(gateway.client().call("masterAddress", app_id, k._conf_json))["secret"]
key = json.loads(gateway.client().call("tlsIdentity", "knit-debug", 1))["private_key"]
k.kill()
print(json.dumps({"client": gateway.client().gateway.gateway_parameters.auth_token, "app": secret,
                  "key": key.splitlines()[1]}))
"""


@pytest.mark.parametrize("mode", ["redacted", "unredacted"])
def test_py4j_debug_log_holds_no_secret(mode, hadoop_cluster, tmp_path):
    log = tmp_path / "debug.log"
    proc = subprocess.run([sys.executable, "-c", DEBUG_RUN, str(log), mode], capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    secrets = json.loads(proc.stdout.strip().splitlines()[-1])
    text = log.read_text()
    # The capture is real: py4j logged the commands and answers that carried the secrets.
    assert "Command to send: A\n" in text and "masterAddress" in text and "tlsIdentity" in text
    found = {name for name, value in secrets.items() if value in text}
    if mode == "redacted":
        assert not found, f"{found} in the DEBUG log"
        assert text.count("<secret>") >= 4
    else:  # the control: without the filter, every one of them is there
        assert found == {"client", "app", "key"}
