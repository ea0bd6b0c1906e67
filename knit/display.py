"""How a :class:`knit.Knit` shows itself: its ``repr`` and, in a notebook, an HTML table of its containers."""
from __future__ import annotations

import html as html_
import logging
from typing import Any

from .exceptions import KnitException
from .states import AppState

logger = logging.getLogger(__name__)


def summary(knit: Any) -> tuple[str, list[dict] | None]:
    """State and containers for display; failures show as '?' rather than breaking a repr."""
    try:
        state = knit.runtime_status()
    except KnitException as e:
        logger.debug("no status for %s: %s", knit.app_id, e)
        return "?", None
    if state != AppState.RUNNING:
        return state, None
    try:
        return state, knit.get_containers()
    except KnitException as e:
        logger.debug("no containers for %s: %s", knit.app_id, e)
        return state, None


def text(knit: Any) -> str:
    """``Knit<application_..., state=RUNNING, containers=2>``."""
    if knit.app_id is None:
        return f"Knit<hdfs_home={knit.hdfs_home}, no application>"
    state, containers = summary(knit)
    count = "?" if containers is None else str(len(containers))
    return f"Knit<{knit.app_id}, state={state}, containers={count}>"


def html(knit: Any) -> str:
    """The application, its state and a table of its containers."""
    if knit.app_id is None:
        return f"<b>Knit</b> (no application; HDFS home {html_.escape(knit.hdfs_home)})"
    state, containers = summary(knit)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html_.escape(str(c.get(k, '')))}</td>" for k in ("id", "state", "node_id"))
        + "</tr>" for c in containers or [])
    table = (f"<table><tr><th>container</th><th>state</th><th>node</th></tr>{rows}</table>"
             if containers else "")
    return (f"<b>Knit</b> application <code>{html_.escape(knit.app_id)}</code>, state "
            f"<b>{html_.escape(state)}</b>, {len(containers or [])} containers{table}")
