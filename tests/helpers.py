"""Helpers shared by the tests: polling with a deadline, applications that are always killed, and looking for
processes a test (or a whole run) must not leave behind.

``python tests/helpers.py reap PATTERN [GRACE]`` is the last-resort cleanup of ``scripts/test.sh``: it stops what
a run left behind and exits 1 naming it (exit 2 when the process table cannot be read).
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests

from knit.states import APP_FINISHED

REPO = Path(__file__).resolve().parents[1]

#: YARN application states after which nothing runs any more.
TERMINAL = APP_FINISHED

#: Every application started through :func:`app` in this test run (for end-of-module checks).
STARTED: list[str] = []

PROC = Path("/proc")


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


def staging_entries(cluster: Any, home: str = "/user/root") -> set[str]:
    """Names in ``<home>/.knit`` on the cluster's HDFS (the applications' staging dirs), read through WebHDFS.

    An absent ``.knit`` is no entries; any other answer that is not a listing raises.
    """
    r = requests.get(f"http://{cluster.webhdfs_address}/webhdfs/v1{home}/.knit",
                     params={"op": "LISTSTATUS", "user.name": "root"}, timeout=30)
    if r.status_code == 404:
        return set()
    r.raise_for_status()
    return {s["pathSuffix"] for s in r.json()["FileStatuses"]["FileStatus"]}


# -- processes ------------------------------------------------------------------------------------------------
# Read from /proc rather than through `pgrep -f`: pgrep takes a regular expression (test paths hold `.`, `[`,
# `]`), a pattern starting with `-` is taken for an option unless `--` precedes it, and its exit status 2
# ("error") looks like "no match" to a caller that only reads its output -- the bug that let a test of "no JVM
# left behind" pass whatever was running.

def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (an exited child not yet reaped)."""
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def processes_matching(pattern: str, parent: int | None = None, proc: Path = PROC) -> list[int]:
    """PIDs of the live processes whose command line (arguments joined by spaces) contains ``pattern``.

    ``pattern`` is a plain string, not a regular expression. ``parent`` keeps only that process's children.
    This process is never listed. A process that ends while the table is read is simply not there; any other
    failure to read the table raises (an unreadable table is not an empty one).
    """
    if not pattern:
        raise ValueError("an empty pattern would match every process")
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().rstrip(b"\0").split(b"\0")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended while we looked
        state, ppid = stat[0], int(stat[1])
        if state == "Z" or (parent is not None and ppid != parent):
            continue
        if pattern in b" ".join(argv).decode(errors="replace"):
            found.append(int(entry.name))
    return sorted(found)


def describe(pids: list[int]) -> str:
    """``pid: command line`` of each process, for failure messages."""
    lines = []
    for pid in pids:
        try:
            cmd = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = "(gone)"
        lines.append(f"{pid}: {cmd[:300]}")
    return "\n".join(lines)


def assert_no_process(pattern: str, timeout: float = 0.0) -> None:
    """Fail unless no process matching ``pattern`` (see :func:`processes_matching`) is left, waiting up to
    ``timeout`` seconds for ones that are on their way out."""
    deadline = time.monotonic() + timeout
    while (left := processes_matching(pattern)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes matching {pattern!r} left behind:\n{describe(left)}"


def reap(pattern: str, grace: float = 30.0) -> str:
    """Stop every process matching ``pattern``: wait ``grace`` s for them to end, then SIGTERM, then SIGKILL.

    Returns what was found at first (:func:`describe`; empty when nothing was), for the caller to report.
    """
    found = describe(processes_matching(pattern))
    for sig, wait in ((None, grace), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        for pid in processes_matching(pattern) if sig else []:
            with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while processes_matching(pattern) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not processes_matching(pattern):
            return found
    raise RuntimeError(f"processes matching {pattern!r} survived SIGKILL:\n{describe(processes_matching(pattern))}")


def _main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or argv[0] != "reap":
        print("usage: python tests/helpers.py reap PATTERN [GRACE_SECONDS]", file=sys.stderr)
        return 2
    try:
        found = reap(argv[1], *map(float, argv[2:]))
    except (OSError, RuntimeError, ValueError) as e:
        print(f"reap: {e}", file=sys.stderr)
        return 2
    if found:
        print(f"reap: this run left processes behind (now stopped):\n{found}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
