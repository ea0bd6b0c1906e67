"""Headless Chromium (Debian's ``chromium``, installed by scripts/setup.sh) for what a page really renders.

Each call is one browser process with a new empty profile, and the flags that keep it off this machine's
closed network (no background requests, updates or sync) and able to run as root.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
TIMEOUT = 120


def executable() -> str:
    """Path of the ``chromium`` command (scripts/setup.sh installs it)."""
    path = shutil.which("chromium")
    if path is None:
        raise FileNotFoundError("chromium is not installed (scripts/setup.sh installs Debian's package)")
    return path


def _run(args: list[str]) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        proc = subprocess.run([executable(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"chromium {' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return proc


def dump_dom(url: str, width: int = 1280, height: int = 1000) -> str:
    """The page's DOM after it loaded and its scripts ran, serialized."""
    return _run([f"--window-size={width},{height}", "--dump-dom", url]).stdout


def screenshot(url: str, dest: str | Path, width: int = 1280, height: int = 1000) -> Path:
    """A PNG of the page's top ``width`` x ``height`` pixels."""
    dest = Path(dest)
    _run([f"--window-size={width},{height}", f"--screenshot={dest}", url])
    if not dest.is_file():
        raise RuntimeError(f"chromium wrote no screenshot to {dest}")
    return dest
