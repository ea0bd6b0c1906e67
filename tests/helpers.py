"""Helpers shared by the integration tests: polling with a deadline, and applications that are always killed."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

REPO = Path(__file__).resolve().parents[1]

#: YARN application states after which nothing runs any more.
TERMINAL = {"FINISHED", "FAILED", "KILLED"}

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


def listed_options(help_text: str) -> set[str]:
    """The options a ``--help`` text lists (argparse's or knit.jar's): each ``-x``/``--name`` opening an entry."""
    import re
    found: set[str] = set()
    for m in re.finditer(r"(?m)^  (-\S.*?)(?: {2,}|$)", help_text):
        found |= {part.split()[0] for part in m.group(1).split(", ")}
    return found


def knit_jar() -> str:
    """The built knit.jar: this checkout's copy (``setup.py build_jar``), else the Maven build's."""
    for candidate in (REPO / "knit" / "java" / "knit.jar", REPO / "target" / "knit.jar"):
        if candidate.is_file():
            return str(candidate)
    pytest.fail("knit.jar not found: build it with `mvn -o -q package` (or `pip install .`)")


def quiet_env() -> dict[str, str]:
    """This process's environment with Hadoop's own logging at WARN (for ``hadoop ...`` subprocesses)."""
    return {**os.environ, "HADOOP_ROOT_LOGGER": "WARN,console"}


def hadoop_jar(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``hadoop jar knit.jar ARGS`` through the cluster's ``hadoop`` launcher."""
    return subprocess.run(["hadoop", "jar", knit_jar(), *args], capture_output=True, text=True, timeout=timeout,
                          env=quiet_env())


def knit_cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """``knit ARGS`` (this checkout's) in a subprocess; never hangs past ``timeout``."""
    return subprocess.run([sys.executable, "-m", "knit.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)
