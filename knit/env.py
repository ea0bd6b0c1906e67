"""Python environments and files shipped to every container, and building environments.

What goes in the application spec (see ARCHITECTURE.md, "Application spec"):

- :func:`prepare_env` turns the ``env=`` argument into the spec's ``env`` object
  ``{"source", "name", "root", "python"}``: a zip, a ``.tar.gz``/``.tgz`` (conda-pack / venv-pack
  output), a directory (zipped once into ``~/.cache/knit/envs`` and re-used while unchanged) or an
  ``hdfs://`` URL (used in place). Local archives are validated in full here, before anything is
  uploaded.
- :func:`prepare_files` turns ``files=[...]`` into the spec's ``files`` list.
- :class:`CondaCreator` / :func:`create_env` build an environment and return the path of its zip.

Relocation. An environment runs from ``$PWD/<name>/<root>`` in a container, not from where it was
built. Conda environments are self-contained: their Python finds its prefix relative to itself.
Environments built with ``venv`` + pip (and any venv you zip) hold a copy of the interpreter and a
``pyvenv.cfg`` whose ``home`` names the base Python they were made from: **that base Python must
exist at the same path on every node** (true for the local cluster, where nodes are this machine;
on a real cluster use a conda tool, or conda-pack/venv-pack archives built for the nodes).
Entry-point scripts (``bin/dask-worker``) carry the absolute interpreter path of the build
machine; :func:`rewrite_shebangs` turns them into a ``/bin/sh`` trampoline that runs the
``python`` next to the script, so they work both as ``$CONDA_PREFIX/bin/dask-worker`` and as
``$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker``.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence, Union

# The exceptions live in knit.exceptions; re-exported here for `from knit.env import ...`.
from .exceptions import (CorruptArchiveError, EnvBuildError, MissingPathError,  # noqa: F401
                         SpecError, UnreadablePathError)
from .progress import Activity, Task, progress

log = logging.getLogger(__name__)

PathLike = Union[str, "os.PathLike[str]"]

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
HDFS_SCHEME = "hdfs://"
#: Tools :class:`CondaCreator` looks for on PATH, in this order.
CONDA_TOOLS = ("conda", "mamba", "micromamba")
_CHUNK = 1 << 20






def cache_root() -> Path:
    """Knit's local cache directory: ``$KNIT_CACHE_DIR`` or ``~/.cache/knit``."""
    return Path(os.environ.get("KNIT_CACHE_DIR") or Path.home() / ".cache" / "knit")


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


# --------------------------------------------------------------------------------------------
# Archive inspection and validation
# --------------------------------------------------------------------------------------------

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


def _check_readable_file(path: Path, what: str) -> None:
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
    _check_readable_file(path, "archive")
    suffix = archive_suffix(path.name)
    if suffix is None or not path.is_file():
        raise SpecError(f"{path} is not a .zip, .tar.gz or .tgz file")
    if suffix == ".zip":
        names = _zip_names(path, full_check)
    else:
        names = _tar_names(path)
    return layout_from_names(names)


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


def validated_layout(path: Path) -> ArchiveLayout:
    """:func:`inspect_archive` with a full check, remembered while the file is unchanged."""
    memo = _ValidationMemo(cache_root() / "archives.json")
    _check_readable_file(path, "archive")
    layout = memo.get(path)
    if layout is None:
        layout = inspect_archive(path)
        memo.put(path, layout)
    return layout


# --------------------------------------------------------------------------------------------
# Zipping directories
# --------------------------------------------------------------------------------------------

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
                zf.write(full, f"{root}/{rel}")
                if not os.path.isdir(full):
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


# --------------------------------------------------------------------------------------------
# The spec's "env" and "files"
# --------------------------------------------------------------------------------------------

def _local_path(value: PathLike) -> Path:
    return Path(os.path.abspath(os.path.expanduser(os.fspath(value))))


def _hdfs_env(url: str, overrides: Mapping[str, str]) -> dict:
    base = url.rstrip("/").rsplit("/", 1)[-1]
    suffix = archive_suffix(base)
    if suffix is None:
        raise SpecError(f"env {url!r}: an hdfs:// env must be a .zip, .tar.gz or .tgz archive")
    name = strip_archive_suffix(base)
    # Not readable from here without downloading it: root None lets the container find it (the
    # archive's top, or its one directory holding bin/). env={"source": url, "root": ...} says it.
    spec = {"source": url, "name": name, "root": None, "python": "bin/python"}
    spec.update({k: overrides[k] for k in ("root", "python") if k in overrides})
    return spec


def prepare_env(env: PathLike | Mapping[str, str] | None,
                cache_dir: PathLike | None = None) -> dict | None:
    """Turn ``env=`` into the spec's ``env`` object, validating local archives before any upload.

    Parameters
    ----------
    env : str, PathLike, mapping or None
        A ``.zip``, ``.tar.gz``/``.tgz`` file, a directory (zipped and cached), an ``hdfs://``
        archive URL (used in place), or a mapping ``{"source": ..., "root": ..., "python": ...}``
        to state the layout of an ``hdfs://`` archive explicitly.
    cache_dir : str or PathLike, optional
        Where zipped directories are kept (default ``~/.cache/knit/envs``).

    Returns
    -------
    dict or None
        ``{"source", "name", "root", "python"}`` (ARCHITECTURE.md), None when ``env`` is None.

    Raises
    ------
    MissingPathError, UnreadablePathError, CorruptArchiveError, SpecError
    """
    if env is None:
        return None
    overrides: Mapping[str, str] = {}
    if isinstance(env, Mapping):
        overrides = env
        if "source" not in env:
            raise SpecError("env mapping needs a 'source'")
        env = env["source"]
    if is_hdfs(env):
        return _hdfs_env(env, overrides)
    if not isinstance(env, (str, os.PathLike)):
        raise SpecError(f"env must be a path or an hdfs:// URL, not {type(env).__name__}")
    path = _local_path(env)
    _check_readable_file(path, "env")
    if path.is_dir():
        path = zip_env_dir(path, cache_dir)
        layout = inspect_archive(path, full_check=False)  # we just wrote it
    elif archive_suffix(path.name) is None or not path.is_file():
        raise SpecError(f"env {path} is neither a directory, a .zip, a .tar.gz/.tgz "
                        "nor an hdfs:// URL")
    else:
        layout = validated_layout(path)
    if not layout.python:
        log.warning("env %s has no bin/python*; $PYTHON_BIN will not point at a Python", path)
    spec = {"source": str(path), "name": strip_archive_suffix(path.name), "root": layout.root,
            "python": layout.python or "bin/python"}
    spec.update({k: overrides[k] for k in ("root", "python") if k in overrides})
    return spec


def prepare_files(files: Sequence[PathLike] | None) -> list[dict]:
    """Turn ``files=[...]`` into the spec's ``files`` list.

    Each local file must exist and be readable; ``hdfs://`` URLs are used in place; ``.zip``,
    ``.tar.gz`` and ``.tgz`` files become ``ARCHIVE`` resources that YARN unpacks into a directory
    of the same name (local ones are validated first); base names must be unique.

    Raises
    ------
    MissingPathError, UnreadablePathError, CorruptArchiveError, SpecError
    """
    if files is None:
        return []
    if isinstance(files, (str, os.PathLike)):
        raise SpecError("files must be a list of paths, e.g. files=['creds.txt']")
    out, seen = [], {}
    for item in files:
        source = item if is_hdfs(item) else str(_local_path(item))
        name = source.rstrip("/").rsplit("/", 1)[-1]
        if name in seen:
            raise SpecError(f"files {seen[name]!r} and {source!r} share the base name {name!r}; "
                            "every file lands in the container's working directory by base name")
        seen[name] = source
        kind = "ARCHIVE" if archive_suffix(name) else "FILE"
        if not is_hdfs(source):
            path = Path(source)
            _check_readable_file(path, "file")
            if not path.is_file():
                raise SpecError(f"file {path} is a directory; zip it (files=['x.zip'] is unpacked "
                                "in the container) or pass it as env=")
            if kind == "ARCHIVE":
                validated_layout(path)
        out.append({"source": source, "name": name, "type": kind})
    return out


# --------------------------------------------------------------------------------------------
# Relocatable entry points
# --------------------------------------------------------------------------------------------

def _trampoline(args: str) -> bytes:
    # Valid as both sh and Python: sh runs the `exec` line; Python sees one string literal.
    extra = f" {args}" if args else ""
    return ("#!/bin/sh\n"
            f"'''exec' \"$(dirname -- \"$0\")/python\"{extra} \"$0\" \"$@\"\n"
            "' '''\n").encode()


def _python_shebang(head: bytes) -> tuple[str, int] | None:
    """``(interpreter args, header length)`` when ``head`` starts with an absolute python shebang."""
    first, _, rest = head.partition(b"\n")
    # pip's own form for long paths: "#!/bin/sh\n'''exec' /abs/python "$0" "$@"\n' '''\n"
    if first.strip() == b"#!/bin/sh" and rest.startswith(b"'''exec' "):
        lines = head.split(b"\n", 3)
        if len(lines) == 4 and lines[2].strip() == b"' '''":
            interp = lines[1][len(b"'''exec' "):].split()[0]
            if b"python" in os.path.basename(interp):
                return "", len(b"\n".join(lines[:3])) + 1
        return None
    parts = first[2:].strip().split(None, 1)
    if not parts or not parts[0].startswith(b"/") or b"python" not in os.path.basename(parts[0]):
        return None
    return (parts[1].decode() if len(parts) > 1 else ""), len(first) + 1


#: How built environments are made; part of their cache key, so a change of recipe builds afresh.
_RECIPE = 2

_DASK_SCRIPTS = {"dask-worker": "distributed.cli.dask_worker", "dask-scheduler": "distributed.cli.dask_scheduler"}


def add_dask_scripts(prefix: PathLike) -> list[str]:
    """Give an env with ``distributed`` its ``bin/dask-worker`` and ``bin/dask-scheduler`` again.

    distributed dropped these scripts for ``dask worker`` / ``dask scheduler``, but knit's documented
    command is ``$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker <scheduler>``; the scripts written here are
    Python (so ``$PYTHON_BIN script`` runs them) with a shebang that :func:`rewrite_shebangs` makes
    relocatable. Returns the names written; existing scripts are left alone.
    """
    prefix = Path(prefix)
    site = next(iter(sorted(prefix.glob("lib/python3*/site-packages"))), None)
    written = []
    for name, module in _DASK_SCRIPTS.items():
        script = prefix / "bin" / name
        if site is None or script.exists() or not (site / (module.replace(".", "/") + ".py")).exists():
            continue
        script.write_text(f"#!{prefix / 'bin' / 'python'}\n"
                          f"# Written by Knit: `{name}` as distributed used to install it.\n"
                          f"import sys\nfrom {module} import main\nsys.exit(main())\n")
        script.chmod(0o755)
        written.append(name)
    return written


def rewrite_shebangs(prefix: PathLike) -> list[str]:
    """Make ``<prefix>/bin/*`` Python scripts run with the ``python`` next to them, wherever it is.

    Returns the names of the rewritten scripts. Binaries, symlinks and non-Python scripts are left.
    """
    bindir = Path(prefix) / "bin"
    changed = []
    for entry in sorted(os.scandir(bindir), key=lambda e: e.name) if bindir.is_dir() else []:
        if not entry.is_file(follow_symlinks=False):
            continue
        with open(entry.path, "rb") as f:
            head = f.read(4096)
        if not head.startswith(b"#!"):
            continue
        found = _python_shebang(head)
        if found is None:
            continue
        args, header_len = found
        with open(entry.path, "rb") as f:
            body = f.read()[header_len:]
        mode = stat.S_IMODE(os.stat(entry.path).st_mode)
        tmp = entry.path + ".knit-tmp"
        with open(tmp, "wb") as f:
            f.write(_trampoline(args) + body)
        os.chmod(tmp, mode)
        os.replace(tmp, entry.path)
        changed.append(entry.name)
    return changed


# --------------------------------------------------------------------------------------------
# Building environments
# --------------------------------------------------------------------------------------------

_SPEC_RE = re.compile(r"^\s*(?:[\w.\-/]+::)?([A-Za-z0-9][A-Za-z0-9._\-]*(?:\[[^\]]*\])?)\s*(.*)$")


def _conda_version_to_pip(rest: str) -> str:
    """conda version constraint -> PEP 440 (``=1.2`` is fuzzy in conda: ``==1.2.*``)."""
    rest = rest.strip()
    if not rest:
        return ""
    if " " in rest and not re.match(r"^[<>=!~]", rest):  # "1.2 py_0": version then build
        rest = rest.split()[0]
    if rest.startswith("==") or re.match(r"^(>=|<=|!=|~=|<|>)", rest):
        return rest.replace(" ", "")
    version = rest.lstrip("=").split("=", 1)[0]  # drop a build string: =1.2=py_0
    if not version or version == "*":
        return ""
    if version.endswith("*"):
        version = version.rstrip("*").rstrip(".")
    return f"=={version}.*"


def parse_conda_spec(spec: str) -> tuple[str, str]:
    """``'numpy=1.2'`` -> ``('numpy', '==1.2.*')``: the name and a PEP 440 constraint."""
    m = _SPEC_RE.match(spec)
    if not m:
        raise SpecError(f"cannot read package spec {spec!r}")
    name, rest = m.group(1), m.group(2)
    try:
        return name, _conda_version_to_pip(rest)
    except ValueError as e:  # pragma: no cover - defensive
        raise SpecError(f"cannot read package spec {spec!r}: {e}") from e


def conda_specs_to_pip(packages: Sequence[str]) -> tuple[list[str], str | None]:
    """Translate conda-style specs for pip.

    Returns
    -------
    (list of str, str or None)
        pip requirements, and the PEP 440 constraint of a ``python`` spec (``""`` for a bare
        ``python``; None when there is no python spec).
    """
    reqs, python = [], None
    for spec in packages:
        if "::" not in spec and ("/" in spec or spec.startswith(".")):
            reqs.append(spec)  # a local wheel / directory or a URL: pip takes it as is
            continue
        name, constraint = parse_conda_spec(spec)
        if name.lower() == "python":
            python = constraint
        else:
            reqs.append(name + constraint)
    return reqs, python


def check_python_constraint(constraint: str | None, version: str, executable: str) -> None:
    """Raise SpecError when the Python that would build the env does not meet ``constraint``."""
    if not constraint:
        return
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError as e:  # pragma: no cover - packaging ships with pip-based setups
        raise SpecError("checking a python= spec needs the 'packaging' package") from e
    try:
        ok = SpecifierSet(constraint).contains(version, prereleases=True)
    except InvalidSpecifier as e:
        raise SpecError(f"cannot read the python constraint {constraint!r}") from e
    if not ok:
        raise SpecError(f"the packages ask for python{constraint}, but pip builds the env with "
                        f"Python {version} ({executable}); create_env from a matching Python, or "
                        "use a conda tool (tool='conda' or conda_root=...) which installs its own")


def _run(cmd: Sequence[str], what: str, activity: Task | None = None, **kw) -> subprocess.CompletedProcess:
    """Run a build command; raise EnvBuildError with the tool's own output when it fails.

    With ``activity``, the tool's output (stderr merged into stdout) is read as it comes and its latest line
    becomes the activity's phase, so a build that takes minutes shows what it is doing.
    """
    log.info("%s: %s", what, " ".join(cmd))
    if activity is None or activity.mode is None:  # nobody watches: keep stdout and stderr apart
        proc = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    else:
        proc = _run_streaming(cmd, what, activity, **kw)
    if proc.returncode != 0:
        output = ((proc.stderr or "").strip() + "\n" + proc.stdout.strip()).strip()
        raise EnvBuildError(f"{what} failed (exit code {proc.returncode}): {' '.join(cmd)}\n"
                            f"{output[-4000:]}")
    return proc


def _run_streaming(cmd: Sequence[str], what: str, activity: Task, **kw) -> subprocess.CompletedProcess:
    activity.update(phase=what)
    lines = []
    with subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          **kw) as proc:
        for line in proc.stdout:
            lines.append(line)
            if line.strip():
                activity.update(phase=f"{what}: {line.strip()}")
    return subprocess.CompletedProcess(list(cmd), proc.returncode, "".join(lines), None)


class CondaCreator:
    """Build an environment with conda / mamba / micromamba, or venv + pip, and zip it.

    Parameters
    ----------
    conda_root : str, optional
        A conda installation (the directory holding ``bin/conda``) or the tool's executable.
    channels : list of str, optional
        Channels for conda tools; for pip, URL channels become ``--extra-index-url``.
    tool : {'conda', 'mamba', 'micromamba', 'pip'}, optional
        Default: ``conda_root`` if given, else the first of conda, mamba, micromamba on PATH,
        else pip.
    cache_dir : str, optional
        Where built zips are kept (default ``~/.cache/knit/built``).
    python : str, optional
        The interpreter that builds pip envs (default: the running one).
    """

    def __init__(self, conda_root: str | None = None, channels: Sequence[str] | None = None,
                 tool: str | None = None, cache_dir: PathLike | None = None,
                 python: str | None = None) -> None:
        if tool is not None and tool not in CONDA_TOOLS + ("pip",):
            raise SpecError(f"tool must be one of {CONDA_TOOLS + ('pip',)}, not {tool!r}")
        self.conda_root = conda_root
        self.channels = list(channels or [])
        self.tool, self.executable = self._resolve_tool(tool, conda_root)
        self.cache_dir = Path(cache_dir) if cache_dir else cache_root() / "built"
        self.python = python or sys.executable

    @staticmethod
    def _resolve_tool(tool: str | None, conda_root: str | None) -> tuple[str, str | None]:
        if tool == "pip":
            return "pip", None
        if conda_root:
            root = Path(conda_root).expanduser()
            names = [tool] if tool else list(CONDA_TOOLS)
            if root.is_file() and os.access(root, os.X_OK):
                return tool or _tool_name(root.name), str(root)
            for sub in ("bin", "condabin", ""):
                for name in names:
                    exe = root / sub / name
                    if exe.is_file() and os.access(exe, os.X_OK):
                        return name, str(exe)
            raise SpecError(f"conda_root {conda_root!r} holds no executable {'/'.join(names)}")
        for name in ([tool] if tool else CONDA_TOOLS):
            exe = shutil.which(name)
            if exe:
                return name, exe
        if tool:
            raise SpecError(f"tool={tool!r} but no {tool} executable is on PATH; "
                            "give conda_root= or use tool='pip'")
        return "pip", None

    def _key(self, env_name: str, packages: Sequence[str], channels: Sequence[str]) -> str:
        parts = {"env_name": env_name, "packages": list(packages), "channels": list(channels),
                 "tool": self.tool, "recipe": _RECIPE}
        if self.tool == "pip":
            parts["python"] = [self.python, _python_version(self.python)]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]

    def zip_path(self, env_name: str, packages: Sequence[str],
                 channels: Sequence[str] | None = None) -> Path:
        """Where the zip for these arguments is (or will be) cached."""
        chans = self.channels if channels is None else list(channels)
        return self.cache_dir / self._key(env_name, packages, chans) / f"{env_name}.zip"

    def create_env(self, env_name: str, packages: Sequence[str],
                   channels: Sequence[str] | None = None, remove: bool = False) -> str:
        """Build ``env_name`` with ``packages`` and return the path of its zip (cached).

        Parameters
        ----------
        env_name : str
            Name of the environment: the zip is ``<env_name>.zip`` with ``<env_name>/`` at its top.
        packages : list of str
            Conda-style specs (``'python=3'``, ``'dask'``, ``'numpy=1.26'``); translated for pip.
        channels : list of str, optional
            Overrides the creator's channels.
        remove : bool
            Rebuild even when a zip for the same arguments is cached.

        Raises
        ------
        SpecError
            Bad arguments, or a ``python=`` spec pip cannot meet (before building anything).
        EnvBuildError
            The tool failed; its message is included and nothing half-built is left.
        """
        if not re.fullmatch(r"[A-Za-z0-9._\-]+", env_name or ""):
            raise SpecError(f"env_name {env_name!r} must be a plain name (letters, digits, ._-)")
        if isinstance(packages, str) or not packages:
            raise SpecError("packages must be a non-empty list, e.g. ['python=3', 'dask']")
        chans = self.channels if channels is None else list(channels)
        if self.tool == "pip":
            _, python = conda_specs_to_pip(packages)
            check_python_constraint(python, _python_version(self.python), self.python)
        dest = self.zip_path(env_name, packages, chans)
        if dest.exists() and not remove:
            log.info("re-using built environment %s", dest)
            return str(dest)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".build-{env_name}-", dir=self.cache_dir))
        try:
            with Activity(f"creating environment {env_name} ({self.tool})") as activity:
                tmp_zip = self._build_and_zip(work, env_name, packages, chans, activity)
            dest.parent.mkdir(parents=True, exist_ok=True)
            (dest.parent / "request.json").write_text(json.dumps(
                {"env_name": env_name, "packages": list(packages), "channels": chans,
                 "tool": self.tool}, indent=1))
            os.replace(tmp_zip, dest)  # the only step that makes a result visible
        finally:
            shutil.rmtree(work)
        return str(dest)

    def _build_and_zip(self, work: Path, env_name: str, packages: Sequence[str],
                       channels: Sequence[str], activity: Task) -> Path:
        """Build in ``work``, relocate, check, and zip; return the zip (still inside ``work``)."""
        built = work / "build" / env_name
        built.parent.mkdir()
        if self.tool == "pip":
            self._build_pip(built, conda_specs_to_pip(packages)[0], channels, activity)
        else:
            self._build_conda(built, packages, channels, activity)
        activity.update(phase="relocating")
        prefix = self._relocate(built, work / "relocated" / env_name)
        activity.update(phase="zipping")
        tmp_zip = work / f"{env_name}.zip"
        zip_directory(prefix, tmp_zip, root=env_name)
        return tmp_zip

    def _build_conda(self, prefix: Path, packages: Sequence[str], channels: Sequence[str],
                     activity: Task) -> None:
        cmd = [self.executable, "create", "--yes", "--prefix", str(prefix)]
        for ch in channels:
            cmd += ["--channel", ch]
        _run(cmd + list(packages), f"{self.tool} create", activity)

    def _build_pip(self, prefix: Path, reqs: Sequence[str], channels: Sequence[str],
                   activity: Task) -> None:
        # --copies: bin/python is a real file, not a symlink YARN's unzip would turn into text.
        _run([self.python, "-m", "venv", "--copies", str(prefix)], "python -m venv", activity)
        if not reqs:
            return
        cmd = [str(prefix / "bin" / "python"), "-m", "pip", "install", "--no-input",
               "--disable-pip-version-check"]
        for ch in channels:
            if re.match(r"^(https?|file)://", ch):
                cmd += ["--extra-index-url", ch]
            else:
                log.warning("pip ignores the conda channel %r", ch)
        _run(cmd + list(reqs), "pip install", activity)

    def _relocate(self, built: Path, target: Path) -> Path:
        """Move the env elsewhere, fix its scripts, and check that it still runs from there."""
        target.parent.mkdir(parents=True)
        os.rename(built, target)
        add_dask_scripts(target)
        rewrite_shebangs(target)
        python = target / "bin" / "python"
        proc = _run([str(python), "-c", "import sys; print(sys.prefix)"],
                    "checking the relocated environment")
        if os.path.realpath(proc.stdout.strip()) != os.path.realpath(target):
            raise EnvBuildError(f"the relocated environment's Python reports sys.prefix "
                                f"{proc.stdout.strip()!r}, not {target}; it would not run "
                                "from its container")
        if self.tool == "pip" and (target / "bin" / "pip").exists():
            _run([str(target / "bin" / "pip"), "check"], "pip check in the relocated environment")
        return target


def _tool_name(filename: str) -> str:
    return next((t for t in CONDA_TOOLS if filename.startswith(t)), "conda")


def _python_version(python: str) -> str:
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return "%d.%d.%d" % sys.version_info[:3]
    proc = _run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                "asking the build Python its version")
    return proc.stdout.strip()


def create_env(env_name: str, packages: Sequence[str], channels: Sequence[str] | None = None,
               remove: bool = False, tool: str | None = None, conda_root: str | None = None,
               cache_dir: PathLike | None = None) -> str:
    """Build an environment and return the path of its zip; see :meth:`CondaCreator.create_env`."""
    creator = CondaCreator(conda_root=conda_root, channels=channels, tool=tool,
                           cache_dir=cache_dir)
    return creator.create_env(env_name, packages, remove=remove)
