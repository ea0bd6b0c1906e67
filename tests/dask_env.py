"""A worker environment for tests and benchmarks on a local cluster.

:func:`local_worker_env` makes a venv holding this process's versions of dask, distributed, numpy and bokeh (the
dashboard of a remote scheduler), packs it flat into a ``.tar.gz`` (which keeps unix permissions and symlinks
everywhere) and caches it under a directory keyed by those versions, so a second run reuses it. A venv links to
the Python it was made from, so the archive runs on nodes that have that interpreter at the same path: true of
the local cluster (same machine), not of a real cluster (use conda-pack or ``Knit.create_env`` there). Containers
run ``$PYTHON_BIN _knit_dask.py`` and ``$PYTHON_BIN -m ...``, so the venv's scripts (whose shebangs name the
build path) are not needed and nothing is rewritten (as venv-pack would).
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tarfile
import tempfile

import dask
import distributed

logger = logging.getLogger(__name__)


def _versions() -> dict[str, str]:
    import bokeh
    import numpy

    return {"python": sys.version.split()[0], "executable": os.path.realpath(sys.executable),
            "dask": dask.__version__, "distributed": distributed.__version__, "numpy": numpy.__version__,
            "bokeh": bokeh.__version__}


def local_worker_env(cache_dir: str | None = None) -> str:
    """Path of a ``.tar.gz`` venv with this process's dask, distributed, numpy and bokeh.

    Parameters
    ----------
    cache_dir : str, optional
        Where archives are kept (default ``$KNIT_DASK_ENV_CACHE`` or ``/tmp/knit-dask-envs``).

    Raises
    ------
    subprocess.CalledProcessError
        If venv creation or pip fails (its output is logged).
    """
    cache_dir = cache_dir or os.environ.get("KNIT_DASK_ENV_CACHE", "/tmp/knit-dask-envs")
    versions = _versions()
    key = hashlib.sha256(repr(sorted(versions.items()) + ["flat-tar-1"]).encode()).hexdigest()[:12]
    archive = os.path.join(cache_dir, f"dask-worker-env-{key}.tar.gz")
    if os.path.exists(archive):
        return archive
    os.makedirs(cache_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        venv = os.path.join(tmp, "venv")
        _run([sys.executable, "-m", "venv", venv])
        pins = [f"{name}=={versions[name]}" for name in ("dask", "distributed", "numpy", "bokeh")]
        _run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", *pins])
        partial = os.path.join(tmp, "env.tar.gz")
        with tarfile.open(partial, "w:gz", compresslevel=1) as tar:
            for entry in sorted(os.listdir(venv)):
                tar.add(os.path.join(venv, entry), arcname=entry)
        os.replace(partial, archive)  # atomic: a reader never sees half an archive
    logger.info("built worker environment %s (%s)", archive, versions)
    return archive


def _run(cmd: list[str]) -> None:
    logger.info("running %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        logger.error("%s failed (%d):\n%s%s", cmd[0], proc.returncode, proc.stdout, proc.stderr)
        raise subprocess.CalledProcessError(proc.returncode, cmd, proc.stdout, proc.stderr)
