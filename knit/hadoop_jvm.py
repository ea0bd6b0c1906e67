"""Finding Java and the JVM options Hadoop 3.4 needs on Java 9+.

The client gateway, the local cluster and (through the local cluster's NodeManager ``admin-env``) containers
take the options from here; the list itself is ``knit/shared/java17-options.txt``, which the ApplicationMaster's
command line (``org.knit.common.JvmOptions``) reads too.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

from .exceptions import GatewayError
from .shared import read_lines

#: Options that let Hadoop 3.4 run on Java 17 (HADOOP-19310); ``IgnoreUnrecognizedVMOptions`` first keeps them
#: harmless on Java 8.
JAVA17_OPTIONS: list[str] = read_lines("java17-options.txt")


def java_executable() -> str:
    """Return the ``java`` to run: ``$JAVA_HOME/bin/java``, else the one on ``PATH``.

    Raises
    ------
    GatewayError
        If neither exists.
    """
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = os.path.join(home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("java")
    if found is None:
        raise GatewayError("no Java found: set JAVA_HOME or put `java` on PATH (Hadoop needs Java 8 or newer)")
    return found


def java_home() -> str:
    """Return the JDK/JRE home of :func:`java_executable` (what containers get as ``JAVA_HOME``)."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return home
    return os.path.dirname(os.path.dirname(os.path.realpath(java_executable())))


@functools.lru_cache(maxsize=None)
def java_major_version(java: str) -> int:
    """Major version of a ``java`` executable (8 for 1.8)."""
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60).stderr
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not m:
        raise GatewayError(f"cannot tell the version of {java}: {out.strip()[:200]}")
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 else major


def jvm_options(java: str) -> list[str]:
    """JVM options Hadoop needs with this ``java``: the add-opens on Java 9+, nothing on Java 8."""
    return list(JAVA17_OPTIONS) if java_major_version(java) >= 9 else []
