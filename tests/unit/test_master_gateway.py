"""The Python end of an AM gateway against fake AMs (Python TLS servers with openssl-made certificates): pinning
to the exact certificate, TLS 1.2+, keepalive, and calls bounded by ``control_timeout``.
"""
from __future__ import annotations

import socket
import ssl
import subprocess
from pathlib import Path

import pytest

from knit import Knit
from knit.exceptions import ControlTimeout, SpecError
from knit.master_gateway import check_timeout, open_master, pinned_context
from wire import FakeAM

SECRET = "ab" * 32


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> dict[str, Path]:
    """Self-signed certificates ``a`` and ``b`` of one key (same subject), ``c`` of another key, and ``leaf``:
    a third key's certificate issued by ``a`` (``leaf-chain`` is leaf then a)."""
    d = tmp_path_factory.mktemp("certs")
    for key in ("k1", "k2", "k3"):
        _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(d / f"{key}.pem"))
    for name, key in (("a", "k1"), ("b", "k1"), ("c", "k2")):
        _openssl("req", "-x509", "-new", "-key", str(d / f"{key}.pem"), "-subj", "/CN=knit-am.test", "-days", "1",
                 "-out", str(d / f"{name}.crt"))
    _openssl("req", "-new", "-key", str(d / "k3.pem"), "-subj", "/CN=leaf", "-out", str(d / "leaf.csr"))
    _openssl("x509", "-req", "-in", str(d / "leaf.csr"), "-CA", str(d / "a.crt"), "-CAkey", str(d / "k1.pem"),
             "-CAcreateserial", "-days", "1", "-out", str(d / "leaf.crt"))
    (d / "leaf-chain.crt").write_text((d / "leaf.crt").read_text() + (d / "a.crt").read_text())
    return {p.stem: p for p in d.iterdir()}


@pytest.fixture
def fake_am(certs):
    made = []

    def make(cert: str = "a", answer: bytes | None = b"!yi42\n") -> FakeAM:
        key = {"a": "k1", "b": "k1", "c": "k2", "leaf-chain": "k3"}[cert]
        made.append(FakeAM(certs[cert], certs[key], answer))
        return made[-1]
    yield make
    for am in made:
        am.close()


def test_only_the_pinned_certificate_itself_is_accepted(certs, fake_am):
    # A certificate the pinned one issued (only the AM's key could sign it) passes OpenSSL's chain check...
    am = fake_am("leaf-chain")
    pinned = certs["a"].read_text()
    chain_only = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    chain_only.check_hostname = False
    chain_only.load_verify_locations(cadata=pinned)
    chain_only.wrap_socket(socket.create_connection(("127.0.0.1", am.port), timeout=10)).close()
    # ...and the byte-for-byte comparison refuses it, before anything is sent.
    with pytest.raises(ssl.SSLCertVerificationError, match="not the pinned one"):
        pinned_context(pinned).wrap_socket(socket.create_connection(("127.0.0.1", am.port), timeout=10))
    # The pinned certificate itself is accepted; another of the same key and subject is not.
    pinned_context(pinned).wrap_socket(socket.create_connection(("127.0.0.1", fake_am("a").port), timeout=10)).close()
    with pytest.raises(ssl.SSLCertVerificationError):
        pinned_context(certs["b"].read_text()).wrap_socket(
            socket.create_connection(("127.0.0.1", fake_am("a").port), timeout=10))


def test_another_keys_certificate_fails_the_handshake(certs, fake_am):
    am = fake_am("c")
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        pinned_context(certs["a"].read_text()).wrap_socket(
            socket.create_connection(("127.0.0.1", am.port), timeout=10))


def test_tls_1_2_at_least_and_keepalive(certs, fake_am):
    ctx = pinned_context(certs["a"].read_text())
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    am = fake_am("a")
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", am.port), timeout=10)) as s:
        assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert s.version() in ("TLSv1.2", "TLSv1.3")


def test_a_call_that_gets_no_answer_times_out_and_its_connection_is_dropped(certs, fake_am):
    am = fake_am("a", answer=None)
    gw = open_master("127.0.0.1", am.port, SECRET, certs["a"].read_text(), 0.5, "application_1_0001")
    with pytest.raises(ControlTimeout, match=r"application_1_0001 did not answer containers\(\) within 0.5 s"):
        gw.entry_point.containers()
    assert am.connections == 1
    with pytest.raises(ControlTimeout):  # a new connection, not the one whose answer may still come
        gw.entry_point.containers()
    assert am.connections == 2
    gw.close()


def test_an_answering_am_is_called_normally(certs, fake_am):
    am = fake_am("a", answer=b"!yi42\n")
    gw = open_master("127.0.0.1", am.port, SECRET, certs["a"].read_text(), 5, "application_1_0001")
    assert gw.entry_point.anything() == 42 and gw.entry_point.anything() == 42
    assert am.connections == 1  # one pooled connection
    gw.close()


def test_a_handshake_that_gets_no_answer_times_out(certs):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts TCP (the kernel does), never speaks TLS
    try:
        with pytest.raises(ControlTimeout, match="did not answer the connection"):
            open_master("127.0.0.1", silent.getsockname()[1], SECRET, certs["a"].read_text(), 0.5, "application_1_0002")
    finally:
        silent.close()


@pytest.mark.parametrize("bad", [0, -1, "5", True, float("inf"), float("nan"), None])
def test_control_timeout_must_be_a_positive_number(bad):
    with pytest.raises(SpecError, match="control_timeout must be a positive number of seconds"):
        check_timeout(bad)
    with pytest.raises(SpecError, match="control_timeout"):
        Knit(autodetect=False, rm="localhost", nn="localhost", control_timeout=bad)


def test_control_timeout_default_is_a_little_over_the_ams_wait():
    from knit.master_gateway import AM_READY_WAIT, DEFAULT_CONTROL_TIMEOUT
    assert AM_READY_WAIT < DEFAULT_CONTROL_TIMEOUT <= AM_READY_WAIT + 30
    assert Knit(autodetect=False, rm="localhost", nn="localhost").control_timeout == DEFAULT_CONTROL_TIMEOUT
