"""Environment archives: recognising them, checking them in full before upload, finding their root and Python.

A local ``.zip`` / ``.tar.gz`` / ``.tgz`` is read member by member (CRCs and the gzip trailer checked), so a
truncated or corrupt archive fails here rather than in every container; member paths that would unpack outside
the archive's directory are refused. The layout found (the directory holding ``bin/`` and the Python in it) is
what the spec's ``env.root`` and ``env.python`` say. Validated archives are remembered by (path, size, mtime)
in ``<cache>/archives.json``, so a re-submit does not read them again.
"""
from __future__ import annotations

import gzip
import json
import logging
import os
import re
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from .cache import cache_root
from .exceptions import CorruptArchiveError, MissingPathError, SpecError, UnreadablePathError

log = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
HDFS_SCHEME = "hdfs://"
_CHUNK = 1 << 20


def is_hdfs(path: object) -> bool:
    """True for an ``hdfs://`` URL."""
    return isinstance(path, str) and path.startswith(HDFS_SCHEME)


def archive_suffix(name: str) -> str | None:
    """The archive suffix of ``name`` (``.zip``, ``.tar.gz``, ``.tgz``), or None."""
    lower = name.lower()
    return next((s for s in ARCHIVE_SUFFIXES if lower.endswith(s)), None)


def strip_archive_suffix(name: str) -> str:
    """``dev.zip`` -> ``dev``; ``env.tar.gz`` -> ``env``."""
    suffix = archive_suffix(name)
    return name[: -len(suffix)] if suffix else name


@dataclass(frozen=True)
class ArchiveLayout:
    """Where the environment sits inside an archive.

    Attributes
    ----------
    root : str
        The single top-level directory holding ``bin/`` or ``""`` for a flat archive.
    python : str
        Path of the Python binary relative to ``root`` (``""`` when the archive has none).
    members : int
        Number of members in the archive.
    """

    root: str
    python: str
    members: int


def _normalize_member(name: str) -> str:
    """Member name without ``./`` prefixes or a trailing slash; raise on unsafe paths."""
    while name.startswith("./"):
        name = name[2:]
    name = name.rstrip("/")
    if name.startswith("/") or ".." in name.split("/"):
        raise CorruptArchiveError(f"archive member {name!r} would unpack outside its directory")
    return name


def _python_in(names: set[str], prefix: str) -> str:
    """Relative path of the best ``bin/python*`` under ``prefix`` in ``names``, or ``""``."""
    base = f"{prefix}/bin/" if prefix else "bin/"
    found = [n[len(base):] for n in names if n.startswith(base) and "/" not in n[len(base):]]
    for preferred in ("python", "python3"):
        if preferred in found:
            return "bin/" + preferred
    versioned = sorted((n for n in found if re.fullmatch(r"python3\.\d+", n)),
                       key=lambda n: int(n.split(".")[1]))
    return "bin/" + versioned[-1] if versioned else ""


def layout_from_names(names: Iterable[str]) -> ArchiveLayout:
    """Find the env root and its Python from an archive's member names.

    A flat archive (``bin/python`` at the top) has root ``""``; one whose members all sit under one
    directory (``zip -r dev.zip dev/``) has that directory as root.
    """
    clean = {n for n in (_normalize_member(raw) for raw in names) if n and n != "."}
    tops = {n.split("/", 1)[0] for n in clean}
    python = _python_in(clean, "")
    if python:
        return ArchiveLayout("", python, len(clean))
    if len(tops) == 1:
        (top,) = tops
        if any(n.startswith(top + "/") for n in clean):
            return ArchiveLayout(top, _python_in(clean, top), len(clean))
    return ArchiveLayout("", "", len(clean))


def _zip_names(path: Path, full_check: bool) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            if full_check:
                bad = zf.testzip()
                if bad is not None:
                    raise CorruptArchiveError(f"{path}: member {bad!r} fails its CRC check; "
                                              "the zip is corrupt, rebuild it")
            return zf.namelist()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as e:
        raise CorruptArchiveError(f"{path} is not a valid zip archive: {e}") from e


def _tar_names(path: Path) -> list[str]:
    """Member names of a gzip'd tar, reading the whole stream so truncation and CRC errors show."""
    with open(path, "rb") as raw:
        if raw.read(2) != b"\x1f\x8b":
            raise CorruptArchiveError(f"{path} is not gzip-compressed; .tar.gz/.tgz archives "
                                      "must be (conda-pack / venv-pack make them so)")
        raw.seek(0)
        try:
            with gzip.GzipFile(fileobj=raw) as gz:
                with tarfile.open(fileobj=gz, mode="r|") as tf:
                    names = [m.name for m in tf]
                while gz.read(_CHUNK):  # the gzip CRC and length are checked at end of stream
                    pass
        except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as e:
            raise CorruptArchiveError(f"{path} is not a valid .tar.gz archive: {e}") from e
    if not names:
        raise CorruptArchiveError(f"{path} is an empty archive")
    return names


def check_readable(path: Path, what: str) -> None:
    """Raise ``MissingPathError`` / ``UnreadablePathError`` unless this user can read ``path``."""
    if not path.exists():
        raise MissingPathError(f"{what} {path} does not exist")
    if not os.access(path, os.R_OK) or (path.is_dir() and not os.access(path, os.X_OK)):
        raise UnreadablePathError(f"{what} {path} is not readable by this user")


def inspect_archive(path: PathLike, full_check: bool = True) -> ArchiveLayout:
    """Validate a local env archive and return its layout.

    Parameters
    ----------
    path : str or PathLike
        A ``.zip``, ``.tar.gz`` or ``.tgz`` file.
    full_check : bool
        Read every member and check its CRC (default). ``False`` only lists members (for archives
        Knit wrote itself).

    Raises
    ------
    MissingPathError, UnreadablePathError, CorruptArchiveError, SpecError
    """
    path = Path(path)
    check_readable(path, "archive")
    suffix = archive_suffix(path.name)
    if suffix is None or not path.is_file():
        raise SpecError(f"{path} is not a .zip, .tar.gz or .tgz file")
    if suffix == ".zip":
        names = _zip_names(path, full_check)
    else:
        names = _tar_names(path)
    return layout_from_names(names)


def archive_has_member(path: PathLike, member: str) -> bool:
    """Whether a local archive (already validated) holds ``member`` (``dev/bin/python``)."""
    path = Path(path)
    names = _zip_names(path, full_check=False) if archive_suffix(path.name) == ".zip" else _tar_names(path)
    return member in {_normalize_member(n) for n in names}


class _ValidationMemo:
    """Archives already validated, keyed by path + size + mtime, so a re-submit does not re-read them."""

    def __init__(self, file: Path) -> None:
        self.file = file

    def _load(self) -> dict:
        try:
            return json.loads(self.file.read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            log.warning("ignoring unreadable archive memo %s", self.file)
            return {}

    @staticmethod
    def _key(path: Path) -> str:
        st = path.stat()
        return f"{path}|{st.st_size}|{st.st_mtime_ns}"

    def get(self, path: Path) -> ArchiveLayout | None:
        hit = self._load().get(self._key(path))
        return ArchiveLayout(**hit) if hit else None

    def put(self, path: Path, layout: ArchiveLayout) -> None:
        data = {k: v for k, v in self._load().items() if not k.startswith(f"{path}|")}
        data[self._key(path)] = layout.__dict__
        self.file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".memo-")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.file)


def _memo() -> _ValidationMemo:
    return _ValidationMemo(cache_root() / "archives.json")


def remember_validated(path: PathLike, layout: ArchiveLayout) -> None:
    """Record ``layout`` as the validated layout of ``path`` as it is now (size, mtime).

    For archives Knit has just written itself (:func:`knit.envbuild.create_env`): their first use then costs a
    lookup, not a full read of every member.
    """
    _memo().put(Path(os.path.abspath(os.fspath(path))), layout)


def validated_layout(path: Path) -> ArchiveLayout:
    """:func:`inspect_archive` with a full check, remembered while the file is unchanged."""
    memo = _memo()
    check_readable(path, "archive")
    layout = memo.get(path)
    if layout is None:
        layout = inspect_archive(path)
        memo.put(path, layout)
    return layout
