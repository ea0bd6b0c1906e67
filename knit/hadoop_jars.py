"""Hadoop's jars for the local cluster, and the artifacts Knit ships for it (the packaged pom and JARs).

The local cluster runs on Hadoop's own Maven artifacts: ``mvn dependency:copy-dependencies`` on Knit's pom
resolves them once into a per-version cache directory, which then serves as the cluster's "distribution".
"""
from __future__ import annotations

import fcntl
import glob
import hashlib
import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from .exceptions import ClusterError

logger = logging.getLogger(__name__)

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent



def _artifact(packaged: str, source_glob: str) -> Path:
    """An artifact shipped in ``knit/java`` (installed) or built in ``target/`` (source checkout)."""
    p = _PACKAGE_DIR / "java" / packaged
    if p.exists():
        return p
    found = sorted(glob.glob(str(_REPO_DIR / source_glob)))
    if found:
        return Path(found[-1])
    raise ClusterError(f"{packaged} not found in {p.parent} nor {_REPO_DIR / source_glob}: "
                       "build it with `pip install .` or `mvn package`")


def pom_path() -> Path:
    """The pom that names Knit's Hadoop version and dependencies."""
    return _artifact("pom.xml", "pom.xml")


def localcluster_jar() -> Path:
    """The JAR holding ``LocalClusterMain``."""
    return _artifact("knit-localcluster.jar", "target/knit-*-localcluster.jar")


def hadoop_version() -> str:
    """The Hadoop version Knit is built against (``hadoop.version`` in the pom)."""
    m = re.search(r"<hadoop\.version>([^<]+)</hadoop\.version>", pom_path().read_text())
    if not m:
        raise ClusterError(f"no <hadoop.version> in {pom_path()}")
    return m.group(1).strip()


def hadoop_lib_dir() -> Path:
    """A directory holding Hadoop's jars (the local cluster's "distribution"), resolved once by Maven.

    ``$KNIT_HADOOP_LIB`` wins; otherwise ``~/.cache/knit/hadoop-<version>-<pom digest>/lib``, filled on first use by
    ``mvn dependency:copy-dependencies`` on Knit's pom (Hadoop's artifacts are its ``provided`` dependencies).
    """
    explicit = os.environ.get("KNIT_HADOOP_LIB")
    if explicit:
        return Path(explicit)
    # Keyed by the pom's content too: a changed dependency list gets a fresh directory.
    digest = hashlib.sha1(pom_path().read_bytes() + _LIB_RECIPE.encode()).hexdigest()[:10]
    base = Path.home() / ".cache" / "knit" / f"hadoop-{hadoop_version()}-{digest}"
    lib = base / "lib"
    if (base / "complete").exists():
        return lib
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one resolver at a time across processes
        if not (base / "complete").exists():
            _resolve_hadoop_jars(lib)
            (base / "complete").write_text(hadoop_version())
    return lib


#: How the lib dir is made; part of its cache key, so a change of recipe resolves afresh.
_LIB_RECIPE = "copy-dependencies compile -py4j"


def _resolve_hadoop_jars(lib: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ClusterError("the local cluster needs Maven (`mvn` on PATH) to fetch Hadoop's jars once, "
                           "or KNIT_HADOOP_LIB pointing at a directory of Hadoop jars")
    tmp = lib.with_name("lib.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    # Scope "compile" also brings Hadoop's own compile deps that knit.jar declares too (gson: the RM's REST
    # API needs it); py4j is only ours, and stays out of the "distribution".
    cmd = [mvn, "-B", "-q", "-f", str(pom_path()), "dependency:copy-dependencies", "-DincludeScope=compile",
           "-DexcludeArtifactIds=py4j", f"-DoutputDirectory={tmp}"]
    logger.info("resolving Hadoop jars: %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ClusterError(f"Maven could not resolve Hadoop's jars (exit {proc.returncode}):\n"
                           f"{(proc.stdout + proc.stderr)[-3000:]}")
    shutil.rmtree(lib, ignore_errors=True)
    tmp.rename(lib)


