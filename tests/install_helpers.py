"""Helpers of the install tier (tests/install): running commands, the version, clean venvs."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: What a build or an install must not need: the JDK's and Maven's commands.
BUILD_TOOLS = frozenset({"mvn", "mvnDebug", "mvnyjp", "javac", "java", "jar", "jshell", "javadoc"})


def pom_version() -> str:
    """The version, from the one place it is written."""
    root = ET.parse(REPO / "pom.xml").getroot()
    return root.find("{http://maven.apache.org/POM/4.0.0}version").text.strip()


def run(cmd: list, env: dict | None = None, cwd: Path | None = None, timeout: float = 600) -> str:
    """Run ``cmd``; its output (stderr merged), or a failure that shows it."""
    proc = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-6000:]}")
    return proc.stdout


def make_venv(path: Path) -> Path:
    """A clean virtualenv (no pip of its own: the test venv's pip installs into it with ``--python``)."""
    run([sys.executable, "-m", "venv", "--without-pip", path])
    return path / "bin" / "python"


def pip_install(python: Path, *args: str, env: dict | None = None) -> str:
    return run([sys.executable, "-m", "pip", "--python", python, "install", "--no-input", *args], env=env)
