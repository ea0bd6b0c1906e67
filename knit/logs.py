"""Container logs of a Knit application, as ``{container_id: {"stdout": ..., "stderr": ..., ...}}``.

While the application runs, logs are read live from each container's NodeManager through the NM REST
API (``/ws/v1/node/containers/{id}/logs`` lists the files, ``/ws/v1/node/containerlogs/{id}/{file}``
returns one), at the ``node_http_address`` the ApplicationMaster reports for every container, on every
node; the AM's own container comes from the ResourceManager's list of the attempt's containers. After
the application ends they come from the aggregated logs (what ``yarn logs`` reads), through the client
JVM's ``logs(appId, containerId, confJson)`` (ARCHITECTURE.md). Aggregation finishes a few seconds
after the application: reading waits, with a deadline, for the RM's ``logAggregationStatus`` to
settle. HTTP goes through :class:`knit.yarn_api.YARNAPI` (its NodeManager calls are :mod:`knit.nodemanager`;
HA, HTTPS, SPNEGO and retries are :mod:`knit.rest`). No HTML is parsed anywhere.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, TextIO

from .exceptions import ApplicationFailed, KnitException, SpecError, YARNError
from .progress import Activity
from .shared import DEBUG_LOG_FILES, DEFAULT_LOG_TAIL, TRUNCATED_LOG_NOTE
from .states import AGGREGATION_SETTLED, APP_FINISHED, CONTAINER_LAUNCHED

log = logging.getLogger(__name__)

DEFAULT_FILES = ("stdout", "stderr")

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
        ``aggregated(app_id, container_id_or_None, tail, include_debug)`` -> JSON text, the client JVM's
        ``logs``.
    rest : knit.yarn_api.YARNAPI, optional
        The RM / NodeManager REST client. Without it, live logs cannot be read (only aggregated
        ones, once the application has ended).
    """

    app_id: str
    state: Callable[[], str]
    containers: Callable[[], list]
    aggregated: Callable[[str, Any, int, bool], str]
    rest: Any = None


def parts_of(knit: Any) -> LogParts:
    """The :class:`LogParts` of a :class:`knit.Knit` with a started or connected application."""
    from . import gateway

    app_id = knit.app_id
    if app_id is None:
        raise KnitException("cannot get logs: no application started (call start() or Knit.connect())")
    conf_json = getattr(knit, "_conf_json", None)
    return LogParts(
        app_id=app_id,
        state=lambda: knit.report()["state"],
        containers=knit.get_containers,
        aggregated=lambda a, c, tail, debug: gateway.client().call("logs", a, c, conf_json, tail, debug),
        rest=knit.yarn_api,
    )


def _status_code(e: YARNError) -> int | None:
    return getattr(e, "status_code", None)


def _no_logs_there(e: YARNError) -> bool:
    """Whether a NodeManager's error means "no logs for this container here (yet, or any more)".

    That is a 404, or the 503 a Hadoop 3.4 NodeManager gives for the log list of a container it does not run
    (not started yet: "Container is not yet running. Current state is SCHEDULED"; ended and forgotten:
    "Unknown container ..."): ``NMWebServices`` wraps the webapp's ``NotFoundException`` into a
    ``WebApplicationException`` with status 503. Such a container's logs are empty, not an error.
    """
    status = _status_code(e)  # the message holds the RemoteException's (knit.rest.yarn_error)
    return status == 404 or (status == 503 and "NotFoundException" in str(e))


def _not_yet_running(e: YARNError) -> bool:
    """The NodeManager's answer for a container it has accepted but not launched yet (localizing its files)."""
    return _status_code(e) == 503 and "not yet running" in str(e)


def with_note(text: str, length: int, shown: int) -> str:
    """``text``, the last ``shown`` bytes of a log of ``length`` bytes, after a note if that is not all of it."""
    return text if shown >= length else TRUNCATED_LOG_NOTE.format(omitted=length - shown, length=length) + text


def container_logs_live(rest: Any, address: str, cid: str, tail: int = DEFAULT_LOG_TAIL,
                        include_debug: bool = False) -> dict[str, str]:
    """The log files of one container (the end of each), read from its NodeManager at ``address``
    (``host:port``); the NodeManager's debug files only with ``include_debug``."""
    out = {name: "" for name in DEFAULT_FILES}
    try:
        names = [f["fileName"] for f in rest.container_log_files(address, cid) if f.get("fileName")]
    except YARNError as e:
        if _not_yet_running(e):
            return out  # started, but still localizing: no log file exists yet
        if not _no_logs_there(e):
            raise
        names = []  # the NM does not track the container; its files may still be there
    for name in dict.fromkeys(names or DEFAULT_FILES):
        if name in DEBUG_LOG_FILES and not include_debug:
            continue
        try:
            end = rest.container_log_end(address, cid, name, tail)
            out[name] = with_note(end.text, end.length, end.shown)
        except YARNError as e:
            if not _no_logs_there(e):  # "not yet running" is one of them (a NotFoundException)
                raise
            log.debug("%s has no log file %s on %s", cid, name, address)
    return out


def live_targets(parts: LogParts) -> dict[str, str]:
    """``{container_id: node_http_address}`` of every launched container, the AM's included.

    Workers come from the AM's container list (finished ones too); the RM's list of the current
    attempt's containers adds the AM's own container.
    """
    targets = {c["id"]: c["node_http_address"] for c in parts.containers()
               if c.get("state") in CONTAINER_LAUNCHED and c.get("node_http_address")}
    for c in parts.rest.app_containers(parts.app_id):
        if c.get("node_http_address"):
            targets.setdefault(c["id"], c["node_http_address"])
    return targets


def fetch_live(parts: LogParts, container_id: str | None = None, tail: int = DEFAULT_LOG_TAIL,
               include_debug: bool = False) -> Logs:
    """Logs of the running application's containers (and its AM), read from their NodeManagers."""
    if parts.rest is None:
        raise KnitException("reading live logs needs a YARNAPI (LogParts.rest)")
    targets = live_targets(parts)
    if container_id is not None:
        if container_id not in targets:
            raise KnitException(f"{container_id} is not a launched container of {parts.app_id} "
                                f"(known: {sorted(targets)})")
        targets = {container_id: targets[container_id]}
    return {cid: container_logs_live(parts.rest, node, cid, tail, include_debug)
            for cid, node in sorted(targets.items())}


def _aggregation_status(rest: Any, app_id: str) -> str | None:
    return rest.status(app_id).get("logAggregationStatus")


def fetch_aggregated(parts: LogParts, container_id: str | None = None, timeout: float = 60.0,
                     tail: int = DEFAULT_LOG_TAIL, include_debug: bool = False) -> Logs:
    """Logs of a finished application from the aggregated logs, waiting (up to ``timeout`` s) for
    aggregation to finish (shown as an :class:`~knit.progress.Activity` once it lasts a second)."""
    with Activity(f"waiting for the aggregated logs of {parts.app_id}", delay=1.0) as activity:
        return _poll_aggregated(parts, container_id, timeout, activity,
                                lambda a, c: parts.aggregated(a, c, tail, include_debug))


def _poll_aggregated(parts: LogParts, container_id: str | None, timeout: float, activity: Activity,
                     read: Callable[[str, Any], str]) -> Logs:
    deadline = time.monotonic() + timeout
    delay = 0.2
    while True:
        status = _aggregation_status(parts.rest, parts.app_id) if parts.rest is not None else None
        settled = status is None or status in AGGREGATION_SETTLED
        logs = _normalize(json.loads(read(parts.app_id, container_id) or "{}"))
        if settled and (logs or status is not None):
            return logs
        activity.update(phase=f"log aggregation {status or 'not started'}")
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


def fetch_logs(knit_or_parts: Any, container_id: str | None = None, timeout: float = 60.0,
               tail: int = DEFAULT_LOG_TAIL, include_debug: bool = False) -> Logs:
    """``{container_id: {"stdout": ..., "stderr": ..., <other log file>: ...}}`` for an application.

    Parameters
    ----------
    knit_or_parts : Knit or LogParts
        The application.
    container_id : str, optional
        Only this container.
    timeout : float
        For a finished application: how long to wait for log aggregation to finish.
    tail : int
        Bytes of each file, from its end (default 1 MiB: a container's 400 MB of stdout costs no more);
        a file cut short starts with a note saying how much is left out.
    include_debug : bool
        Also the files the NodeManager adds for debugging (``launch_container.sh``, ``directory.info``).

    Returns
    -------
    dict
        Live from the NodeManagers while the application runs (every container the AM launched, on
        every node, plus the AM's own); from the aggregated logs once it has ended.
    """
    if isinstance(tail, bool) or not isinstance(tail, int) or not 1 <= tail < 2 ** 31:
        raise SpecError(f"tail must be a positive number of bytes (below 2 GiB); got {tail!r}")
    parts = knit_or_parts if isinstance(knit_or_parts, LogParts) else parts_of(knit_or_parts)
    if parts.state() not in APP_FINISHED:
        try:
            return fetch_live(parts, container_id, tail, include_debug)
        except ApplicationFailed:
            log.debug("%s ended while reading live logs; reading aggregated logs", parts.app_id)
    return fetch_aggregated(parts, container_id, timeout, tail, include_debug)


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
