"""Hadoop's configuration semantics, as its ``Configuration`` class has them: finding the conf dir, reading the
site files, ``final`` properties, deprecated names, ``${var}`` substitution, and where every value came from.

:class:`HadoopProperties` is the raw property mapping; :class:`knit.conf.HadoopConf` builds on it the addresses
and keywords Knit needs.
"""
from __future__ import annotations

import getpass
import logging
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .exceptions import ConfigError

logger = logging.getLogger(__name__)

SITE_FILES = ("core-site.xml", "hdfs-site.xml", "yarn-site.xml")
SYSTEM_CONF_DIR = "/etc/hadoop/conf"

#: Hadoop's own defaults (``*-default.xml``) for the keys Knit derives values from.
HADOOP_DEFAULTS: dict[str, str] = {
    "fs.defaultFS": "file:///",
    "hadoop.tmp.dir": "/tmp/hadoop-${user.name}",
    "hadoop.security.authentication": "simple",
    "dfs.replication": "3",
    "dfs.http.policy": "HTTP_ONLY",
    "dfs.namenode.http-address": "0.0.0.0:9870",
    "dfs.namenode.https-address": "0.0.0.0:9871",
    "dfs.user.home.dir.prefix": "/user",
    "yarn.http.policy": "HTTP_ONLY",
    "yarn.resourcemanager.hostname": "0.0.0.0",
    "yarn.resourcemanager.address": "${yarn.resourcemanager.hostname}:8032",
    "yarn.resourcemanager.webapp.address": "${yarn.resourcemanager.hostname}:8088",
    "yarn.resourcemanager.webapp.https.address": "${yarn.resourcemanager.hostname}:8090",
    "yarn.resourcemanager.ha.enabled": "false",
}

#: Old property names still found in site files, and their current names (Hadoop's DeprecationDelta).
DEPRECATED: dict[str, str] = {
    "fs.default.name": "fs.defaultFS",
    "dfs.http.address": "dfs.namenode.http-address",
    "dfs.https.address": "dfs.namenode.https-address",
}

MAX_SUBST = 20  # Hadoop's Configuration.MAX_SUBST
_VAR = re.compile(r"\$\{([^}$\s{]+)\}")
DEFAULT_SOURCE = "Hadoop default"


def _has_site_files(d: Path) -> bool:
    return d.is_dir() and any((d / f).is_file() for f in SITE_FILES)


def find_conf_dir(conf_dir: str | os.PathLike | None = None,
                  environ: Mapping[str, str] | None = None) -> tuple[Path | None, str | None, list[str]]:
    """Locate the Hadoop configuration directory.

    Parameters
    ----------
    conf_dir : path, optional
        An explicit directory; it must exist and hold at least one site file.
    environ : mapping, optional
        Environment to read ``HADOOP_CONF_DIR``, ``YARN_CONF_DIR``, ``HADOOP_HOME`` from (default ``os.environ``).

    Returns
    -------
    (directory or None, how it was found or None, one line per place searched)
    """
    env = os.environ if environ is None else environ
    searched: list[str] = []
    if conf_dir is not None:
        d = Path(conf_dir).expanduser()
        if not _has_site_files(d):
            what = "does not exist" if not d.exists() else f"holds none of {', '.join(SITE_FILES)}"
            raise ConfigError(f"conf_dir={str(conf_dir)!r} {what}")
        return d, "conf_dir=", [f"conf_dir={d}"]
    candidates: list[tuple[str, str | None]] = [
        ("HADOOP_CONF_DIR", env.get("HADOOP_CONF_DIR")),
        ("YARN_CONF_DIR", env.get("YARN_CONF_DIR")),
        ("HADOOP_HOME/etc/hadoop",
         os.path.join(env["HADOOP_HOME"], "etc", "hadoop") if env.get("HADOOP_HOME") else None),
        (SYSTEM_CONF_DIR, SYSTEM_CONF_DIR),
    ]
    for label, path in candidates:
        if not path:
            searched.append(f"{label} (not set)")
            continue
        d = Path(path).expanduser()
        where = label if label == str(d) else f"{label}={d}"
        if _has_site_files(d):
            searched.append(f"{where} (found)")
            return d, label, searched
        reason = "does not exist" if not d.exists() else "no site files"
        if label in ("HADOOP_CONF_DIR", "YARN_CONF_DIR"):
            logger.warning("%s=%s is set but %s; looking further", label, d, reason)
        searched.append(f"{where} ({reason})")
    return None, None, searched


def parse_site_file(path: str | os.PathLike) -> list[tuple[str, str, bool]]:
    """Read one Hadoop site file into ``(name, value, final)`` triples, in file order.

    Both element (``<name>``/``<value>``/``<final>``) and attribute forms of ``<property>`` are read, as Hadoop
    does. Raises ``ConfigError`` naming the file and line for malformed XML.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        line, col = e.position
        reason = re.sub(r":? line \d+, column \d+$", "", str(e))
        raise ConfigError(f"malformed XML in {path} at line {line}, column {col}: {reason}") from None
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    if _local(root.tag) != "configuration":
        raise ConfigError(f"{path} is not a Hadoop configuration file (root element <{root.tag}>, "
                          "expected <configuration>)")
    props = []
    for prop in root.iter():
        if _local(prop.tag) != "property":
            continue
        fields = {_local(c.tag): (c.text or "") for c in prop}
        fields.update({k: v for k, v in prop.attrib.items() if k in ("name", "value", "final")})
        name = fields.get("name", "").strip()
        if not name:
            logger.warning("%s: a <property> without a <name> is ignored", path)
            continue
        if "value" not in fields:  # Hadoop keeps such a property unset
            continue
        props.append((name, fields["value"], fields.get("final", "").strip().lower() == "true"))
    return props


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def default_system_properties() -> dict[str, str]:
    """What a JVM would answer for the Java system properties site files commonly use (``${user.name}`` ...)."""
    return {
        "user.name": login_user(),
        "user.home": str(Path.home()),
        "user.dir": os.getcwd(),
        "java.io.tmpdir": tempfile.gettempdir(),
        "file.separator": os.sep,
        "path.separator": os.pathsep,
    }


def login_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


class HadoopProperties(Mapping[str, str]):
    """Hadoop properties read from site files and overridden by the caller, with Hadoop's semantics.

    A read-only mapping of property names to values (``${var}`` substituted, Hadoop's defaults for the keys Knit
    derives values from), that remembers each value's source and which properties a site file marked ``final``.

    Parameters
    ----------
    environ : mapping, optional
        Environment variables for ``${env.NAME}`` (default ``os.environ``).
    system_properties : mapping, optional
        Values for ``${name}`` lookups Hadoop answers from Java system properties (default: ``user.name`` ...).
    """

    def __init__(self, environ: Mapping[str, str] | None = None,
                 system_properties: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if environ is None else environ)
        self._sysprops = dict(default_system_properties() if system_properties is None else system_properties)
        self._props: dict[str, str] = {}
        self._sources: dict[str, str] = {}
        self._final: dict[str, str] = {}  # name -> file that made it final
        self._overrides: dict[str, str] = {}  # what the caller set, for the Java client
        self.files: list[Path] = []

    def load_dir(self, d: Path) -> None:
        """Read the site files of ``d`` in Hadoop's order; a later file overrides an earlier one unless final."""
        for fname in SITE_FILES:
            path = d / fname
            if not path.is_file():
                continue
            self.files.append(path)
            for name, value, final in parse_site_file(path):
                self._set_from_file(name, value, final, path)

    def _set_from_file(self, name: str, value: str, final: bool, path: Path) -> None:
        source = str(path)
        if name in DEPRECATED:
            source = f"{path} (as deprecated {name})"
            name = DEPRECATED[name]
        if name in self._final and self._sources.get(name) != source:
            logger.warning("%s: %s is marked final in %s; the value here is ignored", path, name, self._final[name])
            return
        if name in self._final:  # repeated in the same file after being declared final
            return
        self._props[name] = value
        self._sources[name] = source
        if final:
            self._final[name] = source

    def set_override(self, name: str, value: Any, source: str) -> None:
        """Set a property over the site files (even a final one, as ``Configuration.set`` does), from ``source``."""
        name = DEPRECATED.get(name, name)
        value = str(value)
        if name in self._final:
            logger.warning("%s overrides %s, which %s marks final; the cluster's daemons keep their own value",
                           source, name, self._final[name])
        self._props[name] = value
        self._sources[name] = source
        self._overrides[name] = value

    def __getitem__(self, name: str) -> str:
        raw = self._raw(name)
        if raw is None:
            raise KeyError(name)
        return self.substitute(raw)

    def __iter__(self) -> Iterator[str]:
        return iter(self._props)

    def __len__(self) -> int:
        return len(self._props)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._raw(name) is not None

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The value of a property, ``${var}`` substituted, falling back to Hadoop's default, then ``default``."""
        raw = self._raw(name)
        return default if raw is None else self.substitute(raw)

    def _raw(self, name: str) -> str | None:
        name = DEPRECATED.get(name, name)
        if name in self._props:
            return self._props[name]
        return HADOOP_DEFAULTS.get(name)

    def source(self, name: str) -> str | None:
        """Where a property's value came from: a file path, ``pars``, a keyword, ``Hadoop default`` or None."""
        name = DEPRECATED.get(name, name)
        if name in self._sources:
            return self._sources[name]
        return DEFAULT_SOURCE if name in HADOOP_DEFAULTS else None

    def is_final(self, name: str) -> bool:
        """Whether a site file marks the property ``final``."""
        return DEPRECATED.get(name, name) in self._final

    def overrides(self) -> dict[str, str]:
        """The properties set by ``pars=`` and keywords: what the Java client must set on its Configuration."""
        return dict(self._overrides)

    def substitute(self, value: str) -> str:
        """Expand ``${var}`` references as Hadoop does.

        ``${env.NAME}`` (also ``${env.NAME:-default}``, ``${env.NAME-default}``) reads the environment; other names
        are looked up among system properties, then configuration properties. An unbound variable is left as
        written; more than ``MAX_SUBST`` rounds raise ``ConfigError``.
        """
        for _ in range(MAX_SUBST):
            changed = False

            def repl(m: re.Match) -> str:
                nonlocal changed
                var = m.group(1)
                val = self._lookup(var)
                if val is None or m.group(0) in val:  # unbound, or refers to itself
                    return m.group(0)
                changed = True
                return val

            value = _VAR.sub(repl, value)
            if not changed:
                return value
        raise ConfigError(f"variable substitution depth too large ({MAX_SUBST}): {value!r}")

    def _lookup(self, var: str) -> str | None:
        if var.startswith("env.") and len(var) > 4:
            name, default, empty_too = var[4:], None, False
            if ":-" in name:
                name, default = name.split(":-", 1)
                empty_too = True
            elif "-" in name:
                name, default = name.split("-", 1)
            val = self._env.get(name)
            if val is None or (empty_too and val == ""):
                return default
            return val
        if var in self._sysprops:
            return self._sysprops[var]
        return self._raw(var)
