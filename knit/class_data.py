"""Class-data sharing for the client JVM: its classes from an archive the previous client JVM wrote.

A cold ``start()`` spends most of its client-side time loading and linking Hadoop's client classes (about 0.8 s
of 2.3 s here). Java 13+ can write the classes an application loaded to a dynamic archive when it exits
(``-XX:ArchiveClassesAtExit``) and map that archive at the next start (``-XX:SharedArchiveFile``, JEP 350). The
first client JVM for a given ``java`` and jars that submits an application writes it (to a name of its own,
renamed into place only after a clean exit, so a reader never maps a half-written file); every later one maps it.
The JVM checks the archive against its own build and against every jar's size and modification time, and runs
without it (``-Xshare:auto``, the default) when anything differs; the key names those too, so a changed jar gets a
new archive rather than a refused one.

Two JVM rules shape the classpath: an archive may only be written when no directory with files in it comes before
the last jar classes were loaded from, and a later JVM's classpath must start with the archived one. So the
directories of ``hadoop classpath`` (the Hadoop conf dir) go after its jars, and the client JVM looks resources up
in those directories first (``org.knit.client.ConfDirsFirst``), so the site's files still win over any jar's.
Java 8 to 12 get none of this.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from .cache import cache_root
from .processes import pid_alive

logger = logging.getLogger(__name__)

MIN_JAVA = 13  # -XX:ArchiveClassesAtExit (JEP 350)
SUFFIX = ".jsa"


def jars_first(classpath: str) -> str:
    """``classpath`` with its directory entries moved after the others, each group in its order."""
    entries = [e for e in classpath.split(os.pathsep) if e]
    dirs = [e for e in entries if os.path.isdir(e)]
    return os.pathsep.join([e for e in entries if e not in dirs] + dirs)


def archive_path(java: str, classpath: str) -> Path:
    """Where the archive for this ``java`` and ``classpath`` lives (one per setup, in Knit's cache)."""
    # Keyed by java and the jars alone: the directories come after the jars and hold no class, so the JVM does not
    # compare them (an archive serves every conf dir, e.g. each local cluster's). A jar replaced at the same path
    # (an upgrade) makes the JVM refuse the archive, so each jar's size and mtime are in the key: a new archive.
    parts = [_identity(os.path.realpath(java))]
    parts += [_identity(e) for e in classpath.split(os.pathsep) if e and not os.path.isdir(e)]
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]
    return cache_root() / "class-data" / f"client-{key}{SUFFIX}"


def _identity(entry: str) -> str:
    """A classpath entry with what changes when it is replaced: a file's size and mtime; for ``dir/*`` the
    directory's mtime (a jar added, removed or renamed into place)."""
    target = entry[:-2] if entry.endswith(os.sep + "*") else entry
    try:
        st = os.stat(target)
    except OSError:
        return f"{entry}|missing"
    return f"{entry}|{st.st_size}|{st.st_mtime_ns}"


class Archive:
    """The class-data options of one client JVM launch, and what to do with its archive when it has exited."""

    def __init__(self, java_major: int, java: str, classpath: str):
        self.path: Path | None = None
        self.pending: Path | None = None  # the archive this JVM writes at exit, under a name of its own
        # Kept only from a JVM that submitted an application: a short-lived one (a status call) would archive a
        # fraction of the classes a start needs, and the first archive stays until the jars change.
        self.worth_keeping = False
        if java_major < MIN_JAVA:
            return
        self.path = archive_path(java, classpath)
        if not self.path.is_file():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            remove_abandoned(self.path.parent)
            self.pending = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")

    def options(self) -> list[str]:
        """The JVM options: map the archive, or write one at exit."""
        if self.path is None:
            return []
        if self.pending is not None:
            return [f"-XX:ArchiveClassesAtExit={self.pending}"]
        return [f"-XX:SharedArchiveFile={self.path}"]

    def exited(self, returncode: int | None) -> None:
        """Put the written archive in place after a clean exit (0) of a JVM :attr:`worth_keeping`; any other exit
        may have cut it short."""
        if self.pending is None:
            return
        pending, self.pending = self.pending, None
        if returncode == 0 and self.worth_keeping and pending.is_file() and pending.stat().st_size > 0:
            os.replace(pending, self.path)
            logger.debug("client JVM class-data archive written: %s", self.path)
        else:
            pending.unlink(missing_ok=True)


def remove_abandoned(directory: Path) -> None:
    """Remove archives being written by client JVMs whose Python process has gone without putting them in place."""
    for tmp in directory.glob(f"*{SUFFIX}.*.tmp"):
        pid = tmp.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)
