"""Knit follows a new ApplicationMaster attempt: a broken connection while the application runs on is retried
once, on the address the next attempt publishes (same secret). The AM gateways and the client JVM are faked at
their boundary (knit.gateway); the real-fault version is tests/integration/test_am_restart.py."""
from __future__ import annotations

import json

import pytest

from knit import Knit, gateway
from knit.exceptions import ApplicationFailed, GatewayError


class FakeGateway:
    def __init__(self, address, alive=True):
        self.address, self.alive, self.closed = address, alive, False
        self.entry_point = self

    def containers(self):
        if not self.alive:
            raise GatewayError("lost the connection to the Knit JVM: connection reset")
        return json.dumps([{"id": "container_1", "state": "RUNNING"}])

    def close(self):
        self.closed = True


class FakeClient:
    """masterAddress gives attempt 1's address, then (after the AM died) attempt 2's; report says RUNNING."""

    def __init__(self, state="RUNNING"):
        self.addresses = [("am1", 1001), ("am2", 2002)]
        self.state = state

    def call(self, method, *args):
        if method == "report":
            return json.dumps({"state": self.state})
        if method == "masterAddress":
            host, port = self.addresses[0] if len(self.addresses) == 1 else self.addresses.pop(0)
            return json.dumps({"host": host, "port": port, "secret": "s3cret"})
        raise AssertionError(method)


@pytest.fixture
def knit(monkeypatch):
    client = FakeClient()
    gateways = []

    def connect(info, control_timeout, label):
        host, port = info["host"], info["port"]
        assert info["secret"] == "s3cret", "the same secret for every attempt"
        gw = FakeGateway((host, port), alive=(host != "am1" or not gateways))
        gateways.append(gw)
        return gw

    monkeypatch.setattr(gateway, "client", lambda *a, **kw: client)
    monkeypatch.setattr(gateway, "connect_master", connect)
    monkeypatch.setattr(gateway, "call_java", lambda method, *args: method(*args))
    k = Knit(rm="127.0.0.1", rm_port=1, nn="127.0.0.1", nn_port=1)
    k.app_id, k.detached = "application_1_0001", True
    return k, client, gateways


def test_a_broken_connection_is_retried_once_on_the_next_attempt(knit):
    k, client, gateways = knit
    assert k.get_containers()[0]["id"] == "container_1"  # attempt 1
    gateways[0].alive = False  # attempt 1's AM dies
    assert k.get_containers()[0]["id"] == "container_1"
    assert [g.address for g in gateways] == [("am1", 1001), ("am2", 2002)]
    assert gateways[0].closed


def test_an_ended_application_is_reported_not_retried(knit):
    k, client, gateways = knit
    k.get_containers()
    gateways[0].alive = False
    client.state = "FAILED"
    with pytest.raises(ApplicationFailed, match="has ended"):
        k.get_containers()
    assert len(gateways) == 1, "no reconnection to an ended application"


def test_a_second_failure_is_raised(knit):
    k, client, gateways = knit
    k.get_containers()
    gateways[0].alive = False
    client.addresses = [("am1", 1001)]  # the RM still names the dead attempt: it is reached, then breaks again
    with pytest.raises(GatewayError, match="connection reset"):
        k.get_containers()
