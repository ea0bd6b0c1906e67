"""Knit.start against a ResourceManager that is not there: a clear error, before any JVM or upload."""
from __future__ import annotations

import socket

import pytest

from knit import Knit, YARNError, gateway


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_rm_names_the_address_and_where_it_came_from(monkeypatch):
    monkeypatch.delenv("HADOOP_CONF_DIR", raising=False)
    port = _closed_port()
    # the boundary under test: nothing may reach the client JVM for a request that cannot be submitted
    monkeypatch.setattr(gateway, "client", lambda *a, **kw: pytest.fail("the client JVM was asked for"))
    k = Knit(rm="127.0.0.1", rm_port=port, nn="127.0.0.1", nn_port=_closed_port())
    with pytest.raises(YARNError) as err:
        k.start("true")
    message = str(err.value)
    assert f"127.0.0.1:{port}" in message
    assert "keyword rm='127.0.0.1'" in message
    assert k.app_id is None
