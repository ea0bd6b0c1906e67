"""The application spec: the one JSON document (``version: 1``) Python writes and Java reads.

The schema is in ARCHITECTURE.md ("Application spec"). :meth:`AppSpec.validate` rejects anything the Java
side would reject, with a :class:`~knit.exceptions.SpecError` naming the keyword to change, so bad input is
caught before a JVM is started or anything is uploaded.
"""
from __future__ import annotations

import json
import numbers
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .exceptions import SpecError

SPEC_VERSION = 1
FILE_TYPES = ("FILE", "ARCHIVE")

# Spec fields -> the user-facing keyword that sets them (Knit.start / Knit()), so errors say what to change.
_KEYWORDS = {
    "containers.count": "num_containers",
    "containers.memory": "memory",
    "containers.vcores": "virtual_cores",
    "command": "cmd",
    "name": "app_name",
    "staging.replication": "replication_factor",
    "staging.upload_always": "upload_always",
    "staging.deps_dir": "hdfs_home",
    "master.memory": "master_memory",
    "master.vcores": "master_vcores",
    "conf": "pars",
}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _label(path: str) -> str:
    """``memory (spec field containers.memory)`` for mapped fields, else the spec path."""
    keyword = _KEYWORDS.get(path)
    return f"{keyword} (spec field {path})" if keyword and keyword != path else path


def _fail(path: str, problem: str, value: Any) -> SpecError:
    return SpecError(f"{_label(path)} {problem}; got {value!r}")


def check_int(value: Any, path: str, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``.

    Raises
    ------
    SpecError
        Naming the keyword (``memory``, ``virtual_cores`` ...) when it is not.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(path, "must be an integer", value)
    if value < minimum:
        kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise _fail(path, f"must be {kind}", value)
    return int(value)


def _check_str(value: Any, path: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _fail(path, "must be a string", value)
    if not allow_empty and not value.strip():
        raise _fail(path, "must not be empty", value)
    if "\0" in value:
        raise _fail(path, "must not contain NUL characters", value)
    return value


def _check_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, "must be True or False", value)
    return value


def _check_str_map(value: Any, path: str, env_names: bool = False) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _fail(path, "must be a dict of str -> str", value)
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise SpecError(f"{_label(path)} must map str -> str; entry {k!r}: {v!r} is "
                            f"{type(k).__name__} -> {type(v).__name__}")
        if env_names and not _ENV_NAME.match(k):
            raise SpecError(f"{_label(path)}: {k!r} is not a valid environment variable name "
                            "(letters, digits and _, not starting with a digit)")
        if "\0" in v:
            raise SpecError(f"{_label(path)}: the value of {k!r} contains a NUL character")
    return dict(value)


def _check_link_name(name: Any, path: str) -> str:
    _check_str(name, path)
    if "/" in name or name in (".", ".."):
        raise _fail(path, "must be a plain file name (no '/')", name)
    return name


def _check_source(source: Any, path: str) -> str:
    _check_str(source, path)
    if "://" not in source and not posixpath.isabs(source):
        raise _fail(path, "must be an absolute local path or a URI such as hdfs://...", source)
    return source


def _only_keys(data: Mapping, allowed: set[str], path: str) -> None:
    if not isinstance(data, Mapping):
        raise _fail(path, "must be a JSON object", data)
    unknown = set(data) - allowed
    if unknown:
        raise SpecError(f"{path}: unknown field(s) {sorted(unknown)}")


@dataclass
class Resources:
    """Memory (MB) and virtual cores of one container."""

    memory: int = 128
    vcores: int = 1

    def validate(self, path: str) -> None:
        check_int(self.memory, f"{path}.memory")
        check_int(self.vcores, f"{path}.vcores")

    def to_dict(self) -> dict:
        return {"memory": int(self.memory), "vcores": int(self.vcores)}


def _resolved_dict(resource: Any) -> dict:
    """``path``/``size``/``timestamp``: what the Java client adds once a resource is in HDFS."""
    return {k: getattr(resource, k) for k in ("path", "size", "timestamp") if getattr(resource, k) is not None}


@dataclass
class FileSpec:
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

    source: str = ""
    name: str = ""
    type: str = "FILE"
    path: str | None = None
    size: int | None = None
    timestamp: int | None = None

    _FIELDS = {"source", "name", "type", "path", "size", "timestamp"}

    def validate(self, path: str) -> None:
        _check_source(self.source, f"{path}.source")
        _check_link_name(self.name, f"{path}.name")
        if self.type not in FILE_TYPES:
            raise _fail(f"{path}.type", f"must be one of {FILE_TYPES}", self.type)

    def to_dict(self) -> dict:
        return {"source": self.source, "name": self.name, "type": self.type, **_resolved_dict(self)}

    @classmethod
    def from_dict(cls, data: Mapping, path: str = "files[]") -> "FileSpec":
        _only_keys(data, cls._FIELDS, path)
        return cls(**data)


@dataclass
class EnvSpec:
    """An environment archive (conda-pack, venv-pack, zipped env) every container runs in.

    ``CONDA_PREFIX`` is ``$PWD/<name>/<root>`` in the container and ``PYTHON_BIN`` is
    ``$CONDA_PREFIX/<python>``. ``root`` None means "not known here" (an ``hdfs://`` archive): the
    container then takes the archive's top directory, or its one subdirectory holding ``bin/``.
    """

    source: str = ""
    name: str = ""
    root: str | None = ""
    python: str = "bin/python"
    path: str | None = None
    size: int | None = None
    timestamp: int | None = None

    _FIELDS = {"source", "name", "root", "python", "path", "size", "timestamp"}

    def validate(self, path: str = "env") -> None:
        _check_source(self.source, f"{path}.source")
        _check_link_name(self.name, f"{path}.name")
        if self.root is not None:
            _check_str(self.root, f"{path}.root", allow_empty=True)
        _check_str(self.python, f"{path}.python")
        for field_name in ("root", "python"):
            value = getattr(self, field_name)
            if value is not None and (posixpath.isabs(value) or ".." in value.split("/")):
                raise _fail(f"{path}.{field_name}", "must be a relative path inside the archive", value)

    def to_dict(self) -> dict:
        return {"source": self.source, "name": self.name, "root": self.root, "python": self.python,
                **_resolved_dict(self)}

    @classmethod
    def from_dict(cls, data: Mapping, path: str = "env") -> "EnvSpec":
        _only_keys(data, cls._FIELDS, path)
        return cls(**data)


@dataclass
class Staging:
    """Where shared dependencies go in HDFS, and how."""

    deps_dir: str = ""
    replication: int = 3
    upload_always: bool = False

    def validate(self) -> None:
        _check_str(self.deps_dir, "staging.deps_dir")
        check_int(self.replication, "staging.replication")
        _check_bool(self.upload_always, "staging.upload_always")

    def to_dict(self) -> dict:
        return {"deps_dir": self.deps_dir, "replication": int(self.replication),
                "upload_always": self.upload_always}


@dataclass
class AppSpec:
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
    num_containers: int = 1
    resources: Resources = field(default_factory=Resources)
    name: str = "knit"
    queue: str = "default"
    tags: list[str] = field(default_factory=list)
    application_type: str = "KNIT"
    max_attempts: int = 2
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
    version: int = SPEC_VERSION

    _FIELDS = {"version", "name", "queue", "tags", "application_type", "max_attempts", "master", "command",
               "containers", "max_restarts", "lang", "envvars", "files", "env", "staging", "detached", "keep_alive",
               "idle_timeout", "conf"}

    # -- validation ---------------------------------------------------------------------------------------

    def validate(self) -> None:
        """Check every field; raise :class:`SpecError` naming the first bad one.

        Raises
        ------
        SpecError
            e.g. ``memory (spec field containers.memory) must be a positive integer; got 0``.
        """
        if self.version != SPEC_VERSION:
            raise _fail("version", f"must be {SPEC_VERSION} (this Knit writes spec version {SPEC_VERSION})",
                        self.version)
        _check_str(self.command, "command")
        check_int(self.num_containers, "containers.count")
        if not isinstance(self.resources, Resources):
            raise _fail("containers", "must be a Resources", self.resources)
        self.resources.validate("containers")
        if not isinstance(self.master, Resources):
            raise _fail("master", "must be a Resources", self.master)
        self.master.validate("master")
        _check_str(self.name, "name")
        _check_str(self.queue, "queue")
        _check_str(self.application_type, "application_type")
        if not isinstance(self.tags, (list, tuple)):
            raise _fail("tags", "must be a list of strings", self.tags)
        for tag in self.tags:
            _check_str(tag, "tags[]")
        check_int(self.max_attempts, "max_attempts")
        check_int(self.max_restarts, "max_restarts", minimum=0)
        _check_str(self.lang, "lang")
        _check_str_map(self.envvars, "envvars", env_names=True)
        _check_str_map(self.conf, "conf")
        _check_bool(self.detached, "detached")
        _check_bool(self.keep_alive, "keep_alive")
        check_int(self.idle_timeout, "idle_timeout", minimum=0)
        if not isinstance(self.staging, Staging):
            raise _fail("staging", "must be a Staging", self.staging)
        self.staging.validate()
        self._validate_resources()

    def _validate_resources(self) -> None:
        if not isinstance(self.files, (list, tuple)):
            raise _fail("files", "must be a list", self.files)
        seen: dict[str, str] = {}
        for i, f in enumerate(self.files):
            if not isinstance(f, FileSpec):
                raise _fail(f"files[{i}]", "must be a FileSpec", f)
            f.validate(f"files[{i}]")
            if f.name in seen:
                raise SpecError(f"files: two files would both appear as {f.name!r} in the container "
                                f"({seen[f.name]} and {f.source}); rename one")
            seen[f.name] = f.source
        if self.env is not None:
            if not isinstance(self.env, EnvSpec):
                raise _fail("env", "must be an EnvSpec or None", self.env)
            self.env.validate()
            if self.env.name in seen:
                raise SpecError(f"env: its link name {self.env.name!r} is also the name of the file "
                                f"{seen[self.env.name]}; rename one")

    # -- JSON ---------------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """The spec as the JSON-ready dict of the contract."""
        return {
            "version": self.version,
            "name": self.name,
            "queue": self.queue,
            "tags": list(self.tags),
            "application_type": self.application_type,
            "max_attempts": int(self.max_attempts),
            "master": self.master.to_dict(),
            "command": self.command,
            "containers": {"count": int(self.num_containers), **self.resources.to_dict()},
            "max_restarts": int(self.max_restarts),
            "lang": self.lang,
            "envvars": dict(self.envvars),
            "files": [f.to_dict() for f in self.files],
            "env": self.env.to_dict() if self.env is not None else None,
            "staging": self.staging.to_dict(),
            "detached": self.detached,
            "keep_alive": self.keep_alive,
            "idle_timeout": int(self.idle_timeout),
            "conf": dict(self.conf),
        }

    def to_json(self) -> str:
        """Serialize (after :meth:`validate`, which the caller should have run)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping) -> "AppSpec":
        """Build from a dict of the contract's shape; unknown fields are a :class:`SpecError`."""
        _only_keys(data, cls._FIELDS, "spec")
        containers = dict(data.get("containers") or {})
        _only_keys(containers, {"count", "memory", "vcores"}, "containers")
        master = data.get("master") or {}
        _only_keys(master, {"memory", "vcores"}, "master")
        staging = data.get("staging") or {}
        _only_keys(staging, {"deps_dir", "replication", "upload_always"}, "staging")
        files = data.get("files") or []
        if not isinstance(files, list):
            raise _fail("files", "must be a list", files)
        env = data.get("env")
        kwargs = {k: data[k] for k in ("version", "name", "queue", "tags", "application_type", "max_attempts",
                                       "command", "max_restarts", "lang", "envvars", "detached", "keep_alive",
                                       "idle_timeout", "conf")
                  if k in data}
        return cls(
            num_containers=containers.pop("count", 1),
            resources=Resources(**containers),
            master=Resources(**master),
            files=[FileSpec.from_dict(f, f"files[{i}]") for i, f in enumerate(files)],
            env=EnvSpec.from_dict(env) if env is not None else None,
            staging=Staging(**staging),
            **kwargs,
        )

    @classmethod
    def from_json(cls, text: str) -> "AppSpec":
        """Parse a spec document.

        Raises
        ------
        SpecError
            If ``text`` is not JSON or has fields the contract does not know.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SpecError(f"spec is not valid JSON: {e}") from e
        return cls.from_dict(data)
