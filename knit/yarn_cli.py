"""Hadoop's ``yarn`` command line, for what knit 0.2 read through it: ``logs(shell=True)`` and ``container_status``.

Every call goes through :func:`run_yarn`, which logs the command and raises with its exit code and output.
``yarn logs`` prints each log file as a ``LogType:<name>`` / ``LogLength:<bytes>`` / ``LogContents:`` header
followed by exactly that many bytes, for aggregated logs and (Hadoop 3) for the containers still running;
:func:`parse_yarn_logs` cuts the files out by their lengths, so nothing in a log can confuse it.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import time
from collections.abc import Sequence

from .exceptions import YARNError

log = logging.getLogger(__name__)

#: Seconds one ``yarn`` command may take (a JVM start, then the RM and HDFS).
TIMEOUT = 300.0

_CONTAINER = re.compile(rb"^Container: (\S+) on (\S+)")
_FIELD = re.compile(rb"^(LogType|LogLength|Log ?Contents):(.*)$")


def find_yarn() -> str:
    """The ``yarn`` launcher: the one on ``PATH``, else ``$HADOOP_YARN_HOME/bin/yarn`` or ``$HADOOP_HOME/bin/yarn``.

    Raises
    ------
    YARNError
        If there is none.
    """
    found = shutil.which("yarn")
    if found:
        return found
    for var in ("HADOOP_YARN_HOME", "HADOOP_HOME"):
        home = os.environ.get(var)
        candidate = os.path.join(home, "bin", "yarn") if home else None
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise YARNError("Hadoop's `yarn` command was not found on PATH, nor in $HADOOP_YARN_HOME/bin or "
                    "$HADOOP_HOME/bin; logs(shell=True) and container_status() run it (logs() without shell "
                    "reads the same logs over REST and from HDFS)")


def run_yarn(args: Sequence[str], conf_dir: str | None = None, timeout: float = TIMEOUT) -> str:
    """Run ``yarn <args>`` and return its standard output (bytes decoded as UTF-8 with replacement).

    Parameters
    ----------
    args : list of str
        The arguments after ``yarn``.
    conf_dir : str, optional
        ``HADOOP_CONF_DIR`` for the command (default: this process's environment).

    Raises
    ------
    YARNError
        The command could not run, timed out, or exited non-zero (the message has its output).
    """
    return _run(args, conf_dir, timeout).decode("utf-8", errors="replace")


def _run(args: Sequence[str], conf_dir: str | None, timeout: float) -> bytes:
    cmd = [find_yarn(), *args]
    env = dict(os.environ)
    if conf_dir:
        env["HADOOP_CONF_DIR"] = conf_dir
    log.info("running %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise YARNError(f"`{' '.join(cmd)}` could not run: {e}") from e
    if proc.returncode != 0:
        output = (proc.stderr + b"\n" + proc.stdout).decode("utf-8", errors="replace").strip()
        raise YARNError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}: {output[-3000:]}")
    return proc.stdout


def parse_yarn_logs(out: bytes) -> dict[str, dict[str, str]]:
    """``{container_id: {file name: content}}`` from the output of ``yarn logs`` (``stdout``/``stderr`` always
    present). A file shown twice (running containers list some files both live and aggregated) keeps the longer."""
    logs: dict[str, dict[str, str]] = {}
    container, name, length = None, None, None
    pos = 0
    while pos < len(out):
        end = out.find(b"\n", pos)
        end = len(out) if end < 0 else end
        line = out[pos:end].rstrip(b"\r")
        pos = end + 1
        m = _CONTAINER.match(line)
        if m:
            container = m.group(1).decode()
            logs.setdefault(container, {"stdout": "", "stderr": ""})
            continue
        f = _FIELD.match(line)
        if not f or container is None:
            continue
        key, value = f.group(1), f.group(2).strip()
        if key == b"LogType":
            name, length = value.decode(errors="replace"), None
        elif key == b"LogLength":
            length = int(value) if value.isdigit() else None
        elif name is not None:  # LogContents: exactly LogLength bytes follow (to the end if it was not said)
            stop = len(out) if length is None else min(len(out), pos + length)
            text = out[pos:stop].decode("utf-8", errors="replace")
            if len(text) >= len(logs[container].get(name, "")):
                logs[container][name] = text
            pos, name = stop, None
    return logs


def yarn_logs(app_id: str, container_id: str | None = None, conf_dir: str | None = None, retries: int = 4,
              delay: float = 3.0) -> dict[str, dict[str, str]]:
    """The logs of an application as ``yarn logs -applicationId`` prints them, parsed (knit 0.2's ``shell=True``).

    Parameters
    ----------
    app_id : str
    container_id : str, optional
        Only this container (``-containerId``).
    conf_dir : str, optional
        ``HADOOP_CONF_DIR`` for the command.
    retries, delay :
        Run the command again up to ``retries`` times, ``delay`` seconds apart, when it fails (log aggregation
        may still be moving the files).

    Raises
    ------
    YARNError
        The last run's failure, once the retries are used up.
    """
    args = ["logs", "-applicationId", app_id] + (["-containerId", container_id] if container_id else [])
    left = int(retries)
    while True:
        try:
            return parse_yarn_logs(_run(args, conf_dir, TIMEOUT))
        except YARNError as e:
            if left <= 0:
                raise
            left -= 1
            log.info("yarn logs failed (%s); again in %g s", e, delay)
            time.sleep(delay)


def container_status(container_id: str, conf_dir: str | None = None) -> str:
    """The text ``yarn container -status <id>`` prints (knit 0.2's ``YARNAPI.container_status``)."""
    return run_yarn(["container", "-status", container_id], conf_dir)


def conf_dir_of(conf: object) -> str | None:
    """The conf dir a :class:`~knit.conf.HadoopConf` was read from, to hand to ``yarn`` (None: the environment's)."""
    conf_dir = getattr(conf, "conf_dir", None)
    return str(conf_dir) if conf_dir else None
