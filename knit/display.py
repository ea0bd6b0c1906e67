"""How a :class:`~knit.core.Knit` shows itself: ``repr()`` and the HTML a notebook draws (its application's
state and containers; a failure to ask shows as ``?`` rather than breaking the display)."""
from __future__ import annotations

import html as html_
import logging
from typing import Any

from .exceptions import KnitException
from .states import AppState

logger = logging.getLogger(__name__)


def summary(k: Any) -> tuple[str, list[dict] | None]:
    """``(state, containers)`` of ``k``'s application; containers only while it runs."""
    try:
        state = k.runtime_status()
    except KnitException as e:
        logger.debug("no status for %s: %s", k.app_id, e)
        return "?", None
    if state != AppState.RUNNING:
        return state, None
    try:
        return state, k.get_containers()
    except KnitException as e:
        logger.debug("no containers for %s: %s", k.app_id, e)
        return state, None


def text(k: Any) -> str:
    """``Knit<application_..., state=RUNNING, containers=2>``."""
    if k.app_id is None:
        return f"Knit<hdfs_home={k.hdfs_home}, no application>"
    state, containers = summary(k)
    count = "?" if containers is None else str(len(containers))
    return f"Knit<{k.app_id}, state={state}, containers={count}>"


def html(k: Any) -> str:
    """The application, its state and a table of its containers."""
    if k.app_id is None:
        return f"<b>Knit</b> (no application; HDFS home {html_.escape(k.hdfs_home)})"
    state, containers = summary(k)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html_.escape(str(c.get(key, '')))}</td>" for key in ("id", "state", "node_id"))
        + "</tr>" for c in containers or [])
    table = (f"<table><tr><th>container</th><th>state</th><th>node</th></tr>{rows}</table>"
             if containers else "")
    return (f"<b>Knit</b> application <code>{html_.escape(k.app_id)}</code>, state "
            f"<b>{html_.escape(state)}</b>, {len(containers or [])} containers{table}")
