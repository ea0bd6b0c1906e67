"""What the secure-cluster tests share: acting as alice or bob (a ticket cache, a keytab, or nothing), HDFS through
the cluster's own ``hadoop`` launcher, and Python subprocesses acting as another user."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
#: A ticket cache that does not exist: the process has no ticket at all.
NO_TICKET = "FILE:/nonexistent/knit-no-ticket"


def user(cluster: Any, name: str) -> dict:
    """``{"principal", "keytab"}`` of one of the cluster's users."""
    return cluster.kerberos["users"][name]


def hadoop(cluster: Any, env: dict, *args: str, ok: bool = True, stdin: str | None = None) -> str:
    """``hadoop ARGS`` (the cluster's launcher) with ``env``; its stdout. ``ok``: assert it exits 0 (or not)."""
    proc = subprocess.run([str(Path(cluster.bin_dir) / "hadoop"), *args], env={**env, "HADOOP_ROOT_LOGGER":
                          "WARN,console"}, capture_output=True, text=True, timeout=300, input=stdin)
    assert (proc.returncode == 0) == ok, f"hadoop {args} exited {proc.returncode}: {proc.stderr[-3000:]}"
    return proc.stdout if ok else proc.stderr


def put_text(cluster: Any, env: dict, path: str, text: str) -> None:
    hadoop(cluster, env, "fs", "-put", "-f", "-", path, stdin=text)


def run_as(env: dict, script: str, timeout: float = 600) -> Any:
    """Run ``script`` (Python, this checkout's knit on the path) in a process with ``env``; it prints one JSON
    document last, which is returned."""
    proc = subprocess.run([sys.executable, "-c", script], env={**env, "PYTHONPATH": str(REPO)}, cwd=str(REPO),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"subprocess failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def zipped_venv(base: Path) -> Path:
    """A real venv of this machine's Python (the containers run on this machine), zipped as the usage page's
    ``zip -r`` does (links followed)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "kvenv")], check=True)
    subprocess.run(["zip", "-qr", "kvenv.zip", "kvenv/"], cwd=base, check=True)
    return base / "kvenv.zip"
