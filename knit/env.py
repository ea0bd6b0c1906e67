"""What the application spec says about environments and files: ``env=`` and ``files=`` made into spec entries.

- :func:`prepare_env` turns the ``env=`` argument into the spec's ``env`` object
  ``{"source", "name", "root", "python"}``: a zip, a ``.tar.gz``/``.tgz`` (conda-pack / venv-pack output), a
  directory (zipped once into ``~/.cache/knit/envs`` and re-used while unchanged, :mod:`knit.zipdir`) or an
  ``hdfs://`` URL (used in place). Local archives are validated in full here (:mod:`knit.archives`), before
  anything is uploaded.
- :func:`prepare_files` turns ``files=[...]`` into the spec's ``files`` list.

Building environments is :mod:`knit.envbuild`; :class:`CondaCreator`, :func:`create_env` and :func:`zip_path`
(:mod:`knit.zipdir`) are importable from here too, as in knit 0.2.
"""
from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .archives import (ArchiveLayout, PathLike, archive_has_member, archive_suffix, check_readable,
                       inspect_archive, is_hdfs, strip_archive_suffix, validated_layout)
from .envbuild import CondaCreator, create_env
from .exceptions import (CondaException, CorruptArchiveError, EnvBuildError, MissingPathError, SpecError,
                         UnreadablePathError)
from .spec import EnvSpec, FileSpec
from .zipdir import zip_env_dir, zip_path

# CondaCreator, create_env, zip_path and the exceptions are importable from here as they were in knit 0.2.
__all__ = ["CondaCreator", "CondaException", "CorruptArchiveError", "EnvBuildError", "MissingPathError", "SpecError",
           "UnreadablePathError", "create_env", "prepare_env", "prepare_files", "zip_path"]

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
    check_readable(path, "env")
    if path.is_dir():
        path = zip_env_dir(path, cache_dir)
        layout = inspect_archive(path, full_check=False)  # we just wrote it
    elif archive_suffix(path.name) is None or not path.is_file():
        raise SpecError(f"env {path} is neither a directory, a .zip, a .tar.gz/.tgz "
                        "nor an hdfs:// URL")
    else:
        layout = validated_layout(path)
    spec = {"source": str(path), "name": strip_archive_suffix(path.name), "root": layout.root,
            "python": layout.python}
    spec.update({k: overrides[k] for k in ("root", "python") if k in overrides})
    _require_python(path, layout, spec)
    return spec


def _require_python(path: Path, layout: ArchiveLayout, spec: dict) -> None:
    """An env is for running Python: refuse one with no Python where the spec says it is, before upload."""
    where = spec["root"] or "its top directory"
    if "python" not in spec or not spec["python"]:
        raise SpecError(f"env {path} has no bin/python (nor python3, python3.N) in {where}: it is not a Python "
                        "environment (state where its Python is: env={'source': ..., 'python': 'bin/...'})")
    if (spec["root"], spec["python"]) != (layout.root, layout.python) and not archive_has_member(
            path, posixpath.join(spec["root"] or "", spec["python"])):
        raise SpecError(f"env {path} has no {spec['python']} in {where} (env's 'python' / 'root')")


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
            check_readable(path, "file")
            if not path.is_file():
                raise SpecError(f"file {path} is a directory; zip it (files=['x.zip'] is unpacked "
                                "in the container) or pass it as env=")
            if kind == "ARCHIVE":
                validated_layout(path)
        out.append({"source": source, "name": name, "type": kind})
    return out


def file_specs(files: Iterable[str] | None) -> list[FileSpec]:
    """Spec entries for ``files`` (each checked readable, archives validated: :func:`prepare_files`)."""
    if files is None:
        return []
    if isinstance(files, (str, bytes)) or not isinstance(files, Iterable):
        raise SpecError(f"files must be a list of paths; got {files!r}")
    return [FileSpec.from_dict(e, f"files[{i}]") for i, e in enumerate(prepare_files(list(files)))]


def env_spec(env: str | Mapping[str, str] | None) -> EnvSpec | None:
    """The spec entry for ``env`` (:func:`prepare_env`), None when there is none."""
    entry = prepare_env(env) if env not in (None, "") else None
    return EnvSpec.from_dict(entry) if entry is not None else None
