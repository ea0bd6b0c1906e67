"""The client side of a running local cluster's control channel (faults on purpose: stop a node, restart the RM).

The cluster JVM (``org.knit.localcluster.ControlServer``) listens on a loopback port named in ``cluster.json``
and keeps a random key in ``<dir>/control.key`` (mode 0600). A request is authenticated by the HMAC-SHA256 of
the server's fresh nonce and the request under that key, so the key itself never crosses the socket. Any process
of the cluster's user can therefore drive the cluster, e.g. ``knit cluster node stop 1`` from another shell.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
from pathlib import Path
from typing import Any

from .exceptions import ClusterError

#: Seconds to wait for an answer: an RM restart waits for every NodeManager to re-register.
DEFAULT_TIMEOUT = 180.0


def request(dir: str | os.PathLike, command: str, arg: str | None = None,
            timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Send one command to the cluster running in ``dir`` and return its result.

    Raises
    ------
    ClusterError
        If no cluster runs there, or the cluster refused or failed the command (its message says why).
    """
    dir = Path(dir)
    try:
        info = json.loads((dir / "cluster.json").read_text())
        key = bytes.fromhex((dir / "control.key").read_text().strip())
    except FileNotFoundError:
        raise ClusterError(f"no local cluster is running in {dir}") from None
    port = info.get("control_port")
    if not port:
        raise ClusterError(f"the cluster in {dir} has no control channel (started by an older Knit?)")
    body = json.dumps({"command": command, "arg": arg})
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            f = s.makefile("rwb")
            nonce = json.loads(f.readline())["nonce"]
            mac = hmac.new(key, (nonce + body).encode(), hashlib.sha256).hexdigest()
            f.write(f"{mac}\n{body}\n".encode())
            f.flush()
            line = f.readline()
    except OSError as e:
        raise ClusterError(f"cannot reach the control channel of the cluster in {dir} (port {port}): {e}") from e
    if not line:
        raise ClusterError(f"the cluster in {dir} closed the control channel without answering {command!r}")
    reply = json.loads(line)
    if not reply.get("ok"):
        raise ClusterError(f"local cluster: {command} failed: {reply.get('error')}")
    return reply.get("result")
