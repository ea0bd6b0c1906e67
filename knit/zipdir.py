"""Zipping a directory for YARN: unix permissions kept, symlinks resolved, cached while the directory is unchanged.

YARN's zip unpacking cannot restore symlinks, so links are followed and stored as content, except in-tree
directory links (a venv's ``lib64 -> lib``) that would store the tree twice.

Every file carries its modification time to the second, in UTC (Info-ZIP's extended timestamp field, which the
NodeManager's unzip, commons-compress, restores): the zip format's own time has a 2-second step and no time zone,
so a ``.py`` unpacked with it no longer matched the time its ``__pycache__/*.pyc`` records, for about half of
the files (every file on a node in another time zone), and every container compiled those modules again.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator

from .archives import PathLike
from .cache import cache_root
from .exceptions import MissingPathError, SpecError
from .progress import progress

log = logging.getLogger(__name__)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _walk_env(src: Path) -> Iterator[tuple[str, str]]:
    """Yield ``(absolute path, path relative to src)`` for every directory and file to zip.

    Symlinks are followed (YARN's zip unpacking cannot restore them), except symlinked
    directories pointing inside the tree (a venv's ``lib64 -> lib``), which would be stored twice.
    Dangling symlinks are skipped.
    """
    real_src = os.path.realpath(src)
    for dirpath, dirnames, filenames in os.walk(src, followlinks=True):
        kept = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if os.path.islink(full) and _inside(os.path.realpath(full), real_src):
                log.debug("not following in-tree directory symlink %s", full)
                continue
            kept.append(d)
        dirnames[:] = kept
        rel_dir = os.path.relpath(dirpath, src)
        if rel_dir != ".":
            yield dirpath, rel_dir
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if not os.path.exists(full):
                log.warning("skipping dangling symlink %s", full)
                continue
            yield full, os.path.normpath(os.path.join(rel_dir, name))


def fingerprint_directory(src: PathLike) -> str:
    """A cheap content fingerprint: hash of every entry's path, size, mtime and mode (no reads)."""
    h = hashlib.sha256()
    for full, rel in _walk_env(Path(src)):
        st = os.stat(full)
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_mode}\n".encode())
    return h.hexdigest()


#: Info-ZIP's extended timestamp extra field (0x5455) holding the modification time only (flags bit 0).
_EXTENDED_TIMESTAMP = struct.Struct("<HHBl")


def _write_file(zf: zipfile.ZipFile, full: str, arcname: str, compresslevel: int) -> None:
    """``zf.write(full, arcname)`` plus the file's modification time to the second (module docstring)."""
    info = zipfile.ZipInfo.from_file(full, arcname, strict_timestamps=False)
    mtime = int(os.stat(full).st_mtime)
    if -2**31 <= mtime < 2**31:  # the field is a signed 32-bit count of seconds
        info.extra = _EXTENDED_TIMESTAMP.pack(0x5455, 5, 1, mtime)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = compresslevel  # what ZipFile.write sets; not a public attribute before 3.13
    with open(full, "rb") as source, zf.open(info, "w") as dest:
        shutil.copyfileobj(source, dest, 1 << 20)


def zip_directory(src: PathLike, dest: PathLike, root: str, compresslevel: int = 1) -> None:
    """Zip ``src`` into ``dest`` under the top-level directory ``root``, keeping unix permissions.

    Written to a temporary file and renamed into place, so ``dest`` is never half-written.
    """
    src, dest = Path(src), Path(dest)
    entries = list(_walk_env(src))
    total = sum(os.stat(full).st_size for full, _ in entries if not os.path.isdir(full))
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}-", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel,
                             strict_timestamps=False) as zf, \
                progress(total, f"zipping {src.name}") as update:
            # ZipFile.write stats through symlinks and keeps st_mode in external_attr.
            zf.write(src, root)
            for full, rel in entries:
                if os.path.isdir(full):
                    zf.write(full, f"{root}/{rel}")
                else:
                    _write_file(zf, full, f"{root}/{rel}", compresslevel)
                    update(os.stat(full).st_size)
        os.replace(tmp, dest)
    except BaseException:
        os.unlink(tmp)
        raise


def zip_env_dir(src: PathLike, cache_dir: PathLike | None = None) -> Path:
    """Zip an environment directory into the cache, or return the cached zip if it is unchanged.

    The zip is ``<cache>/envs/<hash of the dir's path>/<dirname>.zip`` (so it is uploaded as
    ``<dirname>.zip``), with the dir's fingerprint next to it; a changed dir replaces it.
    """
    src = Path(src).expanduser().resolve()
    cache = Path(cache_dir) if cache_dir else cache_root() / "envs"
    slot = cache / hashlib.sha256(str(src).encode()).hexdigest()[:16]
    dest = slot / f"{src.name}.zip"
    stamp = slot / f"{src.name}.fingerprint"
    fingerprint = fingerprint_directory(src)
    if dest.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        log.debug("re-using %s for unchanged %s", dest, src)
        return dest
    log.info("zipping environment %s into %s", src, dest)
    zip_directory(src, dest, root=src.name)
    stamp.write_text(fingerprint)
    return dest


def zip_path(path: PathLike, out_file: PathLike | None = None) -> str:
    """Zip a directory, with the directory itself at the top of the zip, and return the zip's path (knit 0.2).

    Parameters
    ----------
    path : str or PathLike
        The directory (an environment: ``bin/``, ``lib/`` ...).
    out_file : str or PathLike, optional
        The zip to write; default ``<path>.zip`` beside the directory.

    Raises
    ------
    MissingPathError
        ``path`` does not exist.
    SpecError
        ``path`` is not a directory.
    """
    src = Path(os.path.expanduser(os.fspath(path)))
    if not src.exists():
        raise MissingPathError(f"zip_path: {src} does not exist")
    if not src.is_dir():
        raise SpecError(f"zip_path: {src} is not a directory")
    src = src.resolve()
    dest = Path(os.path.expanduser(os.fspath(out_file))) if out_file is not None else src.with_name(f"{src.name}.zip")
    zip_directory(src, dest, root=src.name)
    return str(dest)
