"""Helpers shared by the integration tests: polling with a deadline, and applications that are always killed."""
from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Iterator

import pytest

from knit.states import APP_FINISHED

#: YARN application states after which nothing runs any more.
TERMINAL = APP_FINISHED

#: Every application started through :func:`app` in this test run (for end-of-module checks).
STARTED: list[str] = []


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.5) -> Any:
    """Poll ``predicate`` until it returns something truthy and return that; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what} (last value: {value!r})")
        time.sleep(interval)


@contextlib.contextmanager
def app(k: Any, cmd: str, **kwargs: Any) -> Iterator[str]:
    """Start an application with ``k.start`` and kill it on the way out, whatever happened in between."""
    app_id = k.start(cmd, **kwargs)
    STARTED.append(app_id)
    try:
        yield app_id
    finally:
        if k.runtime_status() not in TERMINAL:
            k.kill()
