"""The NodeManagers' REST API (``/ws/v1/node``): the containers a node runs now and their log files.

Container dicts from the RM and from NodeManagers name the same things differently; :func:`normalize_container`
gives both Knit's keys (those of the ApplicationMaster's container list).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from .exceptions import PermissionDenied, YARNError
from .rest import RESTClient

_NOT_AUTHORIZED = re.compile(r"User \[?[^\]\s]+\]? is not authorized to view the logs[^\n']*")
_CONTAINER_ID = re.compile(r"^container_(e\d+_)?\d+_\d+_\d+_\d+$")


def check_container_id(container_id: str) -> str:
    """Return ``container_id`` if it looks like a YARN container id, else raise ``YARNError``."""
    if not isinstance(container_id, str) or not _CONTAINER_ID.match(container_id):
        raise YARNError(f"{container_id!r} is not a YARN container id")
    return container_id


class NodeManagerAPI(RESTClient):
    """Calls to the NodeManagers' REST API, at the ``nodeHTTPAddress`` the RM or the AM reports for a node."""

    def node_containers(self, node: str | Mapping[str, Any]) -> list[dict]:
        """Containers a NodeManager runs now; ``node`` is its ``nodeHTTPAddress`` or a dict from ``nodes()``."""
        address = node["nodeHTTPAddress"] if isinstance(node, Mapping) else node
        data = self._get_node(address, "containers")
        containers = ((data or {}).get("containers") or {}).get("container") or []
        containers = containers if isinstance(containers, list) else [containers]
        return [normalize_container(c, address) for c in containers]

    def container_log_files(self, node_http_address: str, container_id: str) -> list[dict]:
        """Log files of a container still known to its NodeManager: ``[{fileName, fileSize, ...}]``."""
        data = self._get_node(node_http_address, f"containers/{check_container_id(container_id)}/logs")
        return log_files(data)

    def container_log(self, node_http_address: str, container_id: str, file: str = "stdout") -> str:
        """The content of one log file of a container, read from its NodeManager (while it keeps it)."""
        return self.container_log_end(node_http_address, container_id, file).text

    def container_log_end(self, node_http_address: str, container_id: str, file: str = "stdout",
                          tail: int | None = None) -> LogEnd:
        """The end of one log file of a container: its last ``tail`` bytes (all of it when None), which the
        NodeManager reads from the end of the file (``?size=-tail``), and the whole file's length."""
        check_container_id(container_id)
        params = None if tail is None else {"size": -int(tail)}
        r = self._get_node(node_http_address, f"containerlogs/{container_id}/{quote(file, safe='')}", raw=True,
                           params=params)
        if not r.ok and _NOT_AUTHORIZED.search(r.text or ""):  # a text/plain 404 from the NodeManager's ACL check
            raise PermissionDenied(f"{_NOT_AUTHORIZED.search(r.text).group(0)} (the application's VIEW_APP ACL "
                                   f"does not include {self.user}; its owner can grant it with acls={{'VIEW_APP': "
                                   f"'{self.user}'}})")
        if not r.ok:
            self._decode("GET", r.url, r)
        return _log_end(r.content, tail)


def log_files(data: dict | None) -> list[dict]:
    """The files of a NodeManager's ``containers/<id>/logs`` answer, one list whatever its JSON shape.

    ``containerLogsInfo`` holds one entry per aggregation type and each entry's ``containerLogInfo`` one per file,
    but YARN's JSON writer gives a one-element list as the element itself: a container with a single log file so
    far (just after its start) has a dict there, whose keys a plain loop would take for files.
    """
    return [f for info in _as_list((data or {}).get("containerLogsInfo"))
            for f in _as_list(info.get("containerLogInfo"))]


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


_CONTAINER_KEYS = {  # Knit's name: (the RM's name, the NodeManager's name)
    "id": ("containerId", "id"),
    "state": ("containerState", "state"),
    "node_id": ("nodeId", "nodeId"),
    "node_http_address": ("nodeHttpAddress", None),
    "memory": ("allocatedMB", "totalMemoryNeededMB"),
    "vcores": ("allocatedVCores", "totalVCoresNeeded"),
    "exit_status": ("containerExitStatus", "exitCode"),
}


def normalize_container(c: dict, node_http_address: str | None = None) -> dict:
    """Add Knit's keys (``id``, ``state``, ``node_id``, ``node_http_address``, ``memory``, ``vcores``,
    ``exit_status``) to a container dict from the RM or a NodeManager, keeping the original keys."""
    out = dict(c)
    for key, (rm_key, nm_key) in _CONTAINER_KEYS.items():
        if key in c:
            continue
        value = c.get(rm_key)
        if value is None and nm_key:
            value = c.get(nm_key)
        if value is None and key == "node_id":
            value = c.get("assignedNodeId")
        if value is None and key == "node_http_address":
            value = node_http_address
        if key == "node_http_address" and isinstance(value, str) and "://" in value:
            value = urlsplit(value).netloc  # the RM says http://host:port; NodeManager calls take host:port
        out[key] = value
    return out


@dataclass(frozen=True)
class LogEnd:
    """The end of a log file: ``text`` (its last ``shown`` bytes, decoded) and ``length``, the whole file's."""

    text: str
    length: int
    shown: int


def _log_end(body: bytes, tail: int | None) -> LogEnd:
    """Strip the header Hadoop 3 NodeManagers wrap a log in (``Container: ... LogLength:N\\nLogContents:\\n``,
    where N is the whole file's length even when only its last ``tail`` bytes follow)."""
    marker = b"\nLogContents:\n"
    if not body.startswith(b"Container: ") or marker not in body:
        content = body if tail is None else body[-tail:]  # Hadoop 2 NodeManagers send the file as it is
        return LogEnd(content.decode("utf-8", errors="replace"), len(body), len(content))
    head, rest = body.split(marker, 1)
    m = re.search(rb"\nLogLength:(\d+)", head)
    if m:
        length = int(m.group(1))
        content = rest[:length if tail is None else min(length, tail)]
    else:
        end = rest.rfind(b"End of LogType:")
        content = rest[:end] if end >= 0 else rest
        length = len(content)
    return LogEnd(content.decode("utf-8", errors="replace"), length, len(content))
