"""Container logs of a Knit application, as ``{container_id: {"stdout": ..., "stderr": ..., ...}}``.

While the application runs, logs are read live from each container's NodeManager through the NM REST
API (``/ws/v1/node/containers/{id}/logs`` lists the files, ``/ws/v1/node/containerlogs/{id}/{file}``
returns one), at the ``node_http_address`` the ApplicationMaster reports for every container, on every
node. After it ends, they come from the aggregated logs (what ``yarn logs`` reads), through the client
JVM's ``logs(appId, containerId)`` (ARCHITECTURE.md). Aggregation finishes a few seconds after the
application; when the ResourceManager's web address is known, reading waits for its
``logAggregationStatus`` to settle, with a deadline. No HTML is parsed anywhere.

Unsecured clusters only for the live path: the NodeManager web API behind SPNEGO is not handled.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from .exceptions import ApplicationFailed, KnitException, YARNError

log = logging.getLogger(__name__)

TERMINAL_STATES = frozenset({"FINISHED", "FAILED", "KILLED"})
#: AM container states whose process was started, so a NodeManager holds its logs.
LAUNCHED_STATES = frozenset({"RUNNING", "SUCCEEDED", "FAILED", "KILLED"})
#: RM ``logAggregationStatus`` values after which the aggregated logs will not change.
AGGREGATION_DONE = frozenset({"SUCCEEDED", "FAILED", "TIME_OUT", "DISABLED"})
DEFAULT_FILES = ("stdout", "stderr")
HTTP_TIMEOUT = 30.0

Logs = dict[str, dict[str, str]]


@dataclass
class LogParts:
    """What log reading needs from an application, so it can be used without a :class:`Knit`.

    Attributes
    ----------
    app_id : str
    state : callable
        Returns the application's YARN state (``RUNNING``, ``FINISHED`` ...).
    containers : callable
        Returns the AM's container list (dicts with ``id``, ``state``, ``node_http_address``).
    aggregated : callable
        ``aggregated(app_id, container_id_or_None)`` -> JSON text, the client JVM's ``logs``.
    rm_web_address : str, optional
        ``host:port`` of the ResourceManager web service, to find the AM's own container while
        running and to wait for log aggregation to finish.
    """

    app_id: str
    state: Callable[[], str]
    containers: Callable[[], list]
    aggregated: Callable[[str, Any], str]
    rm_web_address: str | None = None


def parts_of(knit: Any) -> LogParts:
    """The :class:`LogParts` of a :class:`knit.Knit` with a started or connected application."""
    from . import gateway

    app_id = knit.app_id
    if app_id is None:
        raise KnitException("cannot get logs: no application started (call start() or Knit.connect())")
    return LogParts(
        app_id=app_id,
        state=lambda: knit.status()["state"],
        containers=knit.get_containers,
        aggregated=lambda a, c: gateway.client().call("logs", a, c),
        rm_web_address=rm_web_address(),
    )


def rm_web_address() -> str | None:
    """``yarn.resourcemanager.webapp.address`` from ``$HADOOP_CONF_DIR/yarn-site.xml``, if set there."""
    conf_dir = os.environ.get("HADOOP_CONF_DIR")
    if not conf_dir:
        return None
    path = os.path.join(conf_dir, "yarn-site.xml")
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        log.debug("cannot read %s: %s", path, e)
        return None
    for prop in root.iter("property"):
        if prop.findtext("name") == "yarn.resourcemanager.webapp.address":
            value = (prop.findtext("value") or "").strip()
            return value.replace("0.0.0.0", "localhost") or None
    return None


# ------------------------------------------------------------------------------------------ HTTP

def _opener_for(address: str) -> urllib.request.OpenerDirector:
    host = address.rsplit(":", 1)[0]
    if host in ("localhost", "127.0.0.1", "::1", "[::1]"):
        # A proxy in the environment must not capture loopback calls (skein#165, #207).
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def _get(address: str, path: str) -> bytes | None:
    """GET ``http://address/path``; None on 404; YARNError when the node does not answer."""
    url = f"http://{address}{path}"
    try:
        with _opener_for(address).open(url, timeout=HTTP_TIMEOUT) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise YARNError(f"GET {url} answered {e.code}: {e.read()[:300]!r}") from e
    except (urllib.error.URLError, OSError) as e:
        raise YARNError(f"cannot reach the NodeManager at {address} ({url}): {e}") from e


def _get_json(address: str, path: str) -> Any:
    body = _get(address, path)
    return None if body is None else json.loads(body)


# ------------------------------------------------------------------------------------------ live

def _log_file_names(address: str, cid: str) -> list[str]:
    """Names of a container's log files, from ``/ws/v1/node/containers/{id}/logs``."""
    data = _get_json(address, f"/ws/v1/node/containers/{cid}/logs")
    names: list[str] = []
    # containerLogsInfo: a list (or one object) of {containerLogInfo: [{fileName, ...}], ...}
    groups = data.get("containerLogsInfo", []) if isinstance(data, dict) else (data or [])
    for group in groups if isinstance(groups, list) else [groups]:
        files = group.get("containerLogInfo", [])
        for f in files if isinstance(files, list) else [files]:
            if f.get("fileName") and f["fileName"] not in names:
                names.append(f["fileName"])
    return names or list(DEFAULT_FILES)


def unframe(body: bytes) -> str:
    """The file's bytes from an NM ``containerlogs`` answer.

    Hadoop 3 frames each file (``Container: ...``, ``LogType:``, ``LogLength: N``,
    ``LogContents:``, the N bytes, then ``End of LogType:...``); older NodeManagers send the file as
    is. The declared length is used, so log text that looks like a frame cannot confuse it.
    """
    i = body.find(b"\nLogLength:")
    j = body.find(b"LogContents:\n", i) if i >= 0 else -1
    if i < 0 or j < 0:
        return body.decode("utf-8", errors="replace")
    length = int(body[i + len(b"\nLogLength:"):body.index(b"\n", i + 1)].strip())
    start = j + len(b"LogContents:\n")
    return body[start:start + length].decode("utf-8", errors="replace")


def container_logs_live(address: str, cid: str) -> dict[str, str]:
    """Every log file of one container, read from its NodeManager at ``address`` (``host:port``)."""
    out = {name: "" for name in DEFAULT_FILES}
    for name in _log_file_names(address, cid):
        body = _get(address, f"/ws/v1/node/containerlogs/{cid}/{urllib.parse.quote(name)}")
        if body is not None:
            out[name] = unframe(body)
    return out


def _rm_app(rm_web: str, app_id: str) -> dict:
    """The RM REST report of the application (``/ws/v1/cluster/apps/{id}``), ``{}`` if unknown."""
    return (_get_json(rm_web, f"/ws/v1/cluster/apps/{app_id}") or {}).get("app") or {}


def _node_containers(address: str, app_id: str) -> list[str]:
    """Ids of the application's containers a NodeManager knows (``/ws/v1/node/apps/{id}``)."""
    app = (_get_json(address, f"/ws/v1/node/apps/{app_id}") or {}).get("app") or {}
    ids = app.get("containerids") or []
    return [ids] if isinstance(ids, str) else list(ids)


def live_targets(parts: LogParts) -> dict[str, str]:
    """``{container_id: node_http_address}`` of every launched container, the AM's included.

    Workers come from the AM's container list; the AM's own container is found on the node the
    RM names as the AM host (when the RM web address is known).
    """
    targets = {c["id"]: c["node_http_address"] for c in parts.containers()
               if c.get("state") in LAUNCHED_STATES and c.get("node_http_address")}
    if parts.rm_web_address:
        am_node = _rm_app(parts.rm_web_address, parts.app_id).get("amHostHttpAddress")
        if am_node:
            for cid in _node_containers(am_node, parts.app_id):
                targets.setdefault(cid, am_node)
    return targets


def fetch_live(parts: LogParts, container_id: str | None = None) -> Logs:
    """Logs of the running application's containers (and its AM), read from their NodeManagers."""
    targets = live_targets(parts)
    if container_id is not None:
        if container_id not in targets:
            raise KnitException(f"{container_id} is not a launched container of {parts.app_id} "
                                f"(known: {sorted(targets)})")
        targets = {container_id: targets[container_id]}
    return {cid: container_logs_live(node, cid) for cid, node in sorted(targets.items())}


# ------------------------------------------------------------------------------------------ aggregated

def _aggregation_status(rm_web: str, app_id: str) -> str | None:
    return _rm_app(rm_web, app_id).get("logAggregationStatus")


def fetch_aggregated(parts: LogParts, container_id: str | None = None,
                     timeout: float = 60.0) -> Logs:
    """Logs of a finished application from the aggregated logs, waiting (up to ``timeout`` s) for
    aggregation to finish."""
    deadline = time.monotonic() + timeout
    delay = 0.2
    while True:
        status = _aggregation_status(parts.rm_web_address, parts.app_id) \
            if parts.rm_web_address else None
        settled = status is None or status in AGGREGATION_DONE
        logs = _normalize(json.loads(parts.aggregated(parts.app_id, container_id) or "{}"))
        if settled and (logs or status is not None):
            return logs
        if time.monotonic() >= deadline:
            if logs:
                log.warning("log aggregation of %s not finished after %.0f s (%s); logs may be partial",
                            parts.app_id, timeout, status)
                return logs
            raise YARNError(f"no aggregated logs for {parts.app_id} after {timeout:.0f} s "
                            f"(log aggregation status {status}); is yarn.log-aggregation-enable on?")
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 1.5, 2.0)


def _normalize(logs: dict) -> Logs:
    return {cid: {**{n: "" for n in DEFAULT_FILES}, **files} for cid, files in logs.items()}


# ------------------------------------------------------------------------------------------ public

def fetch_logs(knit_or_parts: Any, container_id: str | None = None, timeout: float = 60.0) -> Logs:
    """``{container_id: {"stdout": ..., "stderr": ..., <other log file>: ...}}`` for an application.

    Parameters
    ----------
    knit_or_parts : Knit or LogParts
        The application.
    container_id : str, optional
        Only this container.
    timeout : float
        For a finished application: how long to wait for log aggregation to finish.

    Returns
    -------
    dict
        Live from the NodeManagers while the application runs (every container the AM launched, on
        every node, plus the AM's own); from the aggregated logs once it has ended.
    """
    parts = knit_or_parts if isinstance(knit_or_parts, LogParts) else parts_of(knit_or_parts)
    if parts.state() not in TERMINAL_STATES:
        try:
            return fetch_live(parts, container_id)
        except ApplicationFailed:
            log.debug("%s ended while reading live logs; reading aggregated logs", parts.app_id)
    return fetch_aggregated(parts, container_id, timeout)


#: The name :class:`knit.Knit` looks for.
get_logs = fetch_logs


def format_logs(logs: Logs) -> str:
    """Logs as readable text, one section per container and file."""
    lines = []
    for cid in sorted(logs):
        lines.append(f"=== {cid} ===")
        for name, text in logs[cid].items():
            lines.append(f"--- {name} ---")
            lines.append(text.rstrip("\n"))
    return "\n".join(lines) + "\n"


def print_logs(knit_or_logs: Any, container_id: str | None = None, file: TextIO | None = None) -> None:
    """Print an application's logs (or a dict :func:`fetch_logs` returned)."""
    logs = knit_or_logs if isinstance(knit_or_logs, dict) else fetch_logs(knit_or_logs, container_id)
    (file or sys.stdout).write(format_logs(logs))
