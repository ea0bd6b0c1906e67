"""The application spec: the one JSON document (``version: 1``) Python writes and Java reads.

The contract is ``spec/schema.json`` (``knit/shared/schema.json`` in the package); :mod:`knit.schema` checks it
at run time, as ``org.knit.spec`` does in Java, so both sides refuse the same documents with a
:class:`~knit.exceptions.SpecError` naming the field (and the keyword that sets it). The dataclasses below are
the Python view of the schema's objects: ``to_dict``/``from_dict`` are derived from their fields (a field's
``json`` metadata is its path when it differs from its name), and a test compares those fields with the schema's
properties, so neither can gain a field the other lacks.
"""
from __future__ import annotations

import dataclasses
import json
import numbers
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping

from .exceptions import SpecError
from .schema import spec_schema

SPEC_VERSION = 1
FILE_TYPES = tuple(spec_schema().node("#/properties/files/items/properties/type")["enum"])


def _json(path: str, **extra: Any) -> dict:
    """Field metadata: where the field sits in the JSON document (``containers.count``)."""
    return {"json": path, **extra}


_ABSENT_IF_NONE = {"absent_if_none": True}  # resolved fields: left out until the client sets them


def check_int(value: Any, path: str, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` if the schema's integer field at ``path`` (``containers.memory``) takes it.

    ``minimum`` applies only to a ``path`` that is not a field of the schema.

    Raises
    ------
    SpecError
        Naming the keyword (``memory``, ``virtual_cores`` ...) when it is not.
    """
    schema = spec_schema()
    pointer = "#" + "".join(f"/properties/{part}" for part in path.split("."))
    try:
        schema.node(pointer)
    except KeyError:
        schema.check(value, path=path, node={"type": "integer", "minimum": minimum})
    else:
        schema.check(value, pointer, path)
    return int(value)


# -- the generic mapping between dataclasses and JSON objects ------------------------------------------------

def _path(f: dataclasses.Field) -> tuple[str, ...]:
    return tuple(f.metadata.get("json", f.name).split("."))


def _to_doc(value: Any) -> Any:
    """A dataclass (and what it holds) as JSON-ready data; values are not coerced, so validation sees them."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None and f.metadata.get("absent_if_none"):
                continue
            _put(out, _path(f), _to_doc(item))
        return out
    if isinstance(value, Mapping):
        return {k: _to_doc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_doc(v) for v in value]
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)  # numpy integers
    return value


def _put(doc: dict, path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc.setdefault(part, {})
        if not isinstance(doc, dict):
            return  # a parent of the wrong type: validation reports it
    last = path[-1]
    if isinstance(value, dict) and isinstance(doc.get(last), dict):
        doc[last].update(value)  # two fields share one JSON object (containers: count + resources)
    else:
        doc[last] = value


def _from_doc(cls: type, doc: Mapping[str, Any], base: Any = None) -> Any:
    """Build ``cls`` from a (schema-checked) JSON object: fields left out keep ``base``'s (or the defaults)."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        node: Any = doc
        for part in _path(f):
            node = node.get(part, dataclasses.MISSING) if isinstance(node, Mapping) else dataclasses.MISSING
        if node is not dataclasses.MISSING:
            kwargs[f.name] = _convert(hints[f.name], node, _default(f))
    return dataclasses.replace(base, **kwargs) if base is not None else cls(**kwargs)


def _default(f: dataclasses.Field) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None if f.default is dataclasses.MISSING else f.default


def _convert(tp: Any, value: Any, default: Any) -> Any:
    if value is None:
        return None
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        tp = next(a for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return _from_doc(tp, value, default if isinstance(default, tp) else None)
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp)
        return [_convert(item, v, None) for v in value]
    if typing.get_origin(tp) is dict:
        return dict(value)
    return value


class _Doc:
    """``to_dict``/``from_dict`` for a dataclass whose JSON object is at ``_POINTER`` in the schema."""

    _POINTER = "#"
    _PATH = ""

    def to_dict(self) -> dict:
        """This object as the JSON-ready dict of the contract."""
        return _to_doc(self)

    @classmethod
    def from_dict(cls, data: Mapping, path: str | None = None) -> Any:
        """Build from a dict of the contract's shape; anything the schema refuses is a :class:`SpecError`."""
        spec_schema().check(data, cls._POINTER, cls._PATH if path is None else path)
        return _from_doc(cls, data)


# -- the spec's objects ----------------------------------------------------------------------------------------

@dataclass
class Resources(_Doc):
    """Memory (MB) and virtual cores of one container."""

    memory: int = 128
    vcores: int = 1


@dataclass
class FileSpec(_Doc):
    """A file or archive localized into every container under ``name``.

    Parameters
    ----------
    source : str
        Absolute local path or a URI (``hdfs://...``).
    name : str
        Link name in the container's working directory.
    type : str
        ``FILE`` or ``ARCHIVE`` (YARN unpacks an archive into a directory called ``name``).
    """

    _POINTER = "#/properties/files/items"
    _PATH = "files[]"

    source: str = ""
    name: str = ""
    type: str = "FILE"
    path: str | None = field(default=None, metadata=_ABSENT_IF_NONE)
    size: int | None = field(default=None, metadata=_ABSENT_IF_NONE)
    timestamp: int | None = field(default=None, metadata=_ABSENT_IF_NONE)


@dataclass
class EnvSpec(_Doc):
    """An environment archive (conda-pack, venv-pack, zipped env) every container runs in.

    ``CONDA_PREFIX`` is ``$PWD/<name>/<root>`` in the container and ``PYTHON_BIN`` is
    ``$CONDA_PREFIX/<python>``. ``root`` None means "not known here" (an ``hdfs://`` archive): the
    container then takes the archive's top directory, or its one subdirectory holding ``bin/``.
    """

    _POINTER = "#/properties/env"
    _PATH = "env"

    source: str = ""
    name: str = ""
    root: str | None = ""
    python: str = "bin/python"
    path: str | None = field(default=None, metadata=_ABSENT_IF_NONE)
    size: int | None = field(default=None, metadata=_ABSENT_IF_NONE)
    timestamp: int | None = field(default=None, metadata=_ABSENT_IF_NONE)


@dataclass
class Staging(_Doc):
    """Where shared dependencies go in HDFS, and how; ``deps_dir`` None lets the client use
    ``<home>/.knitDeps``."""

    deps_dir: str | None = None
    replication: int = 3
    upload_always: bool = False


@dataclass
class AppSpec(_Doc):
    """One Knit application: a command run in ``num_containers`` containers, plus what they need.

    Build it with keywords, check it with :meth:`validate`, and send :meth:`to_json` to the Java client.

    Examples
    --------
    >>> spec = AppSpec(command="hostname", num_containers=2,
    ...                staging=Staging(deps_dir="hdfs://nn:8020/user/me/.knitDeps"))
    >>> spec.validate()
    >>> AppSpec.from_json(spec.to_json()) == spec
    True
    """

    command: str = ""
    num_containers: int = field(default=1, metadata=_json("containers.count"))
    resources: Resources = field(default_factory=Resources, metadata=_json("containers"))
    name: str = "knit"
    queue: str = "default"
    tags: list[str] = field(default_factory=list)
    application_type: str = "KNIT"
    max_attempts: int = 1
    master: Resources = field(default_factory=lambda: Resources(memory=256, vcores=1))
    max_restarts: int = 0
    lang: str = "C.UTF-8"
    envvars: dict[str, str] = field(default_factory=dict)
    files: list[FileSpec] = field(default_factory=list)
    env: EnvSpec | None = None
    staging: Staging = field(default_factory=Staging)
    detached: bool = False
    keep_alive: bool = False
    idle_timeout: int = 0
    conf: dict[str, str] = field(default_factory=dict)
    # Optional, and left out of the document while None, so a spec without them reads as before.
    names: list[str] | None = field(default=None, metadata=_json("containers.names", **_ABSENT_IF_NONE))
    finish_with: list[str] | None = field(default=None, metadata=_ABSENT_IF_NONE)
    version: int = SPEC_VERSION

    def validate(self) -> None:
        """Check every field against the schema, then the rules between fields; raise on the first problem.

        Raises
        ------
        SpecError
            e.g. ``memory (spec field containers.memory) must be a positive integer; got 0``.
        """
        spec_schema().check(self.to_dict())
        self._check_link_names()
        if self.names:
            if len(self.names) != self.num_containers:
                raise SpecError(f"names (spec field containers.names) must name all {self.num_containers} "
                                f"containers; got {self.names!r}", field="containers.names")
            check_names(self.names, "containers.names")

    def _check_link_names(self) -> None:
        """Every file and the env appear in the container's working directory by name: one name each."""
        seen: dict[str, str] = {}
        for i, f in enumerate(self.files):
            if f.name in seen:
                raise SpecError(f"files: two files would both appear as {f.name!r} in the container "
                                f"({seen[f.name]} and {f.source}); rename one", field=f"files[{i}].name")
            seen[f.name] = f.source
        if self.env is not None and self.env.name in seen:
            raise SpecError(f"env: its link name {self.env.name!r} is also the name of the file "
                            f"{seen[self.env.name]}; rename one", field="env.name")

    def to_json(self) -> str:
        """Serialize (after :meth:`validate`, which the caller should have run)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "AppSpec":
        """Parse a spec document.

        Raises
        ------
        SpecError
            If ``text`` is not JSON or the schema refuses it (unknown fields included).
        """
        if not isinstance(text, str) or not text.strip():
            raise SpecError("the application spec is empty")
        try:
            data = json.loads(text, parse_constant=_not_json)
        except ValueError as e:
            raise SpecError(f"spec is not valid JSON: {e}") from e
        return cls.from_dict(data)


def check_names(names: Any, path: str) -> list[str]:
    """``names`` as a list of distinct container names (the schema's ``container_name``).

    Raises
    ------
    SpecError
        Naming ``path``, for anything else or a name given twice.
    """
    if isinstance(names, tuple):
        names = list(names)
    spec_schema().check(names, "#/properties/containers/properties/names", path)
    for i, n in enumerate(names):
        if n in names[:i]:
            raise SpecError(f"{path}: {n!r} is given twice", field=f"{path}[{i}]")
    return list(names)


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # json.loads reads NaN and Infinity; JSON (and Gson) do not


__all__ = ["AppSpec", "EnvSpec", "FileSpec", "Resources", "Staging", "SPEC_VERSION", "FILE_TYPES", "check_int",
           "check_names"]
