"""Hadoop client configuration: find the conf dir, read the site files, derive the addresses Knit needs.

``HadoopConf`` reads ``core-site.xml``, ``hdfs-site.xml`` and ``yarn-site.xml`` the way Hadoop's own
``Configuration`` does (a real XML parser, ``${var}`` substitution including ``${env.NAME}``, ``final``
properties that later files cannot override) and derives from them the ResourceManager addresses (HA aware,
http or https), ``fs.defaultFS``, the WebHDFS address(es), the user's home directory and the authentication type.

Precedence, highest first: explicit keywords (``rm=``, ``rm_port=``, ``nn=``, ``nn_port=``, ``user=``,
``hdfs_home=``), then ``pars=`` (Hadoop property names), then the site files, then Hadoop's defaults. Every value
remembers where it came from; ``repr(conf)`` and ``conf.to_dict()`` show it.
"""
from __future__ import annotations

import getpass
import logging
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
_RM_DEFAULT_PORTS = {"rpc": 8032, "http": 8088, "https": 8090}
_NN_DEFAULT_RPC_PORT = 8020

#: Old property names still found in site files, and their current names (Hadoop's DeprecationDelta).
DEPRECATED: dict[str, str] = {
    "fs.default.name": "fs.defaultFS",
    "dfs.http.address": "dfs.namenode.http-address",
    "dfs.https.address": "dfs.namenode.https-address",
}

MAX_SUBST = 20  # Hadoop's Configuration.MAX_SUBST
_VAR = re.compile(r"\$\{([^}$\s{]+)\}")
DEFAULT_SOURCE = "Hadoop default"


@dataclass(frozen=True)
class Setting:
    """One derived value and where it came from."""

    value: Any
    source: str


@dataclass(frozen=True)
class RMAddress:
    """One ResourceManager: its HA id (``None`` without HA), RPC address and web address."""

    id: str | None
    address: str
    web_address: str
    scheme: str

    @property
    def web_url(self) -> str:
        """``scheme://host:port`` of its web app (REST API root is ``<web_url>/ws/v1``)."""
        return f"{self.scheme}://{self.web_address}"


# ---------------------------------------------------------------------------------------------------------------
# Finding the conf dir and reading site files
# ---------------------------------------------------------------------------------------------------------------

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
        "user.name": _login_user(),
        "user.home": str(Path.home()),
        "user.dir": os.getcwd(),
        "java.io.tmpdir": tempfile.gettempdir(),
        "file.separator": os.sep,
        "path.separator": os.pathsep,
    }


def _login_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _split_host_port(address: str, what: str, source: str) -> tuple[str, int | None]:
    address = address.strip()
    if "://" in address:
        parts = urlsplit(address)
        host, port = parts.hostname or "", parts.port
    else:
        host, _, p = address.rpartition(":") if ":" in address else (address, "", "")
        if not p and not host:
            host = address
        try:
            port = int(p) if p else None
        except ValueError:
            raise ConfigError(f"{what}={address!r} (from {source}): port is not a number") from None
    if not host:
        raise ConfigError(f"{what}={address!r} (from {source}) has no host")
    return host, port


# ---------------------------------------------------------------------------------------------------------------
# HadoopConf
# ---------------------------------------------------------------------------------------------------------------

class HadoopConf(Mapping[str, str]):
    """The Hadoop client configuration Knit works with, and where each value came from.

    A read-only mapping of Hadoop property names to their values (``${var}`` substituted), plus derived
    attributes: ``rm_addresses``, ``rm_address``, ``rm_web_address``, ``rm_web_scheme``, ``rm_ha_ids``,
    ``default_fs``, ``webhdfs_addresses``, ``webhdfs_scheme``, ``home_prefix``, ``home_dir``, ``user``,
    ``authentication``, ``replication``.

    Parameters
    ----------
    conf_dir : path, optional
        The Hadoop conf dir. Default: ``HADOOP_CONF_DIR``, ``YARN_CONF_DIR``, ``$HADOOP_HOME/etc/hadoop``,
        ``/etc/hadoop/conf``, the first holding a site file.
    pars : dict, optional
        Hadoop properties that override the site files (``{"yarn.resourcemanager.webapp.address": "h:8088"}``).
    rm : str, optional
        ResourceManager host (or ``host:port`` / ``http(s)://host:port`` of its web app). Disables RM HA.
    rm_port : int, optional
        Port of the ResourceManager's web app (REST API), as in knit.
    nn : str, optional
        NameNode host (or ``hdfs://host:port``); sets ``fs.defaultFS``.
    nn_port : int, optional
        NameNode RPC port (default: from ``fs.defaultFS``, else 8020).
    user : str, optional
        The Hadoop user (default ``HADOOP_USER_NAME``, else the login name).
    hdfs_home : str, optional
        The user's HDFS home directory (default ``<dfs.user.home.dir.prefix>/<user>``).
    autodetect : bool
        Look for a conf dir (default True). With False only ``pars`` and keywords are used.
    environ : mapping, optional
        Environment variables (default ``os.environ``); used for the search and for ``${env.NAME}``.
    system_properties : mapping, optional
        Values for ``${name}`` lookups Hadoop answers from Java system properties (default: ``user.name`` ...).

    Raises
    ------
    ConfigError
        No conf dir found and no keyword or ``pars`` given (the message lists what was searched); malformed XML
        (file and line); an explicit ``conf_dir`` that does not exist.
    """

    def __init__(self, conf_dir: str | os.PathLike | None = None, pars: Mapping[str, Any] | None = None, *,
                 rm: str | None = None, rm_port: int | str | None = None, nn: str | None = None,
                 nn_port: int | str | None = None, user: str | None = None, hdfs_home: str | None = None,
                 autodetect: bool = True, environ: Mapping[str, str] | None = None,
                 system_properties: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if environ is None else environ)
        self._sysprops = dict(default_system_properties() if system_properties is None else system_properties)
        self._props: dict[str, str] = {}
        self._sources: dict[str, str] = {}
        self._final: dict[str, str] = {}  # name -> file that made it final
        self._overrides: dict[str, str] = {}  # what pars= and keywords set, for the Java client
        self.files: list[Path] = []
        self.searched: list[str] = []
        self.conf_dir: Path | None = None
        self.conf_dir_source: str | None = None

        keywords = {k: v for k, v in dict(rm=rm, rm_port=rm_port, nn=nn, nn_port=nn_port).items() if v is not None}
        if conf_dir is not None or autodetect:
            self.conf_dir, self.conf_dir_source, self.searched = find_conf_dir(conf_dir, self._env)
        else:
            self.searched = ["autodetect=False: no conf dir searched"]
        if self.conf_dir is None and not keywords and not pars:
            raise ConfigError("no Hadoop configuration found and no rm=/nn=/pars= given; searched: "
                              + "; ".join(self.searched)
                              + ". Set HADOOP_CONF_DIR to your cluster's client configuration directory "
                                "(or pass conf_dir=, or rm= and nn=).")
        if self.conf_dir is not None:
            self._load_files(self.conf_dir)
        self._apply_pars(pars or {})
        self._apply_keywords(keywords)
        self._user = self._derive_user(user)
        self._hdfs_home = hdfs_home
        self._settings: dict[str, Setting] | None = None

    # ---- loading ----------------------------------------------------------------------------------------------

    def _load_files(self, d: Path) -> None:
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

    def _set_override(self, name: str, value: Any, source: str) -> None:
        name = DEPRECATED.get(name, name)
        value = str(value)
        if name in self._final:
            logger.warning("%s overrides %s, which %s marks final; the cluster's daemons keep their own value",
                           source, name, self._final[name])
        self._props[name] = value
        self._sources[name] = source
        self._overrides[name] = value

    def _apply_pars(self, pars: Mapping[str, Any]) -> None:
        short = {k: v for k, v in pars.items() if k in ("rm", "rm_port", "nn", "nn_port") and v is not None}
        for name, value in pars.items():
            if name in short:
                continue
            if not isinstance(name, str) or value is None:
                raise ConfigError(f"pars: {name!r}={value!r}: keys must be Hadoop property names and values "
                                  "must not be None")
            self._set_override(name, value, "pars")
        self._apply_keywords(short, label="pars")

    def _apply_keywords(self, kw: Mapping[str, Any], label: str = "keyword") -> None:
        """Turn ``rm``/``rm_port``/``nn``/``nn_port`` into the Hadoop properties they stand for."""
        def src(*names: str) -> str:
            given = [f"{n}={kw[n]!r}" for n in names if n in kw]
            return f"{label} " + ", ".join(given) if label == "keyword" else f"pars[{', '.join(given)}]"

        if "rm" in kw or "rm_port" in kw:
            self._apply_rm(kw.get("rm"), kw.get("rm_port"), src("rm", "rm_port"))
        if "nn" in kw or "nn_port" in kw:
            self._apply_nn(kw.get("nn"), kw.get("nn_port"), src("nn", "nn_port"))

    def _apply_rm(self, rm: str | None, rm_port: Any, source: str) -> None:
        scheme = self.rm_web_scheme_setting().value
        web_key = ("yarn.resourcemanager.webapp.https.address" if scheme == "https"
                   else "yarn.resourcemanager.webapp.address")
        if rm is None:  # a port alone: applies to every RM's web address
            port = self._port(rm_port, "rm_port", source)
            for rma in self._rm_addresses_from_props():
                host = rma.web_address.rsplit(":", 1)[0]
                key = web_key if rma.id is None else f"{web_key}.{rma.id}"
                self._set_override(key, f"{host}:{port}", source)
            return
        if "://" in rm:
            parts = urlsplit(rm)
            if parts.scheme not in ("http", "https"):
                raise ConfigError(f"rm={rm!r}: the scheme must be http or https")
            scheme = parts.scheme
            self._set_override("yarn.http.policy", "HTTPS_ONLY" if scheme == "https" else "HTTP_ONLY", source)
            web_key = ("yarn.resourcemanager.webapp.https.address" if scheme == "https"
                       else "yarn.resourcemanager.webapp.address")
        host, port_in_rm = _split_host_port(rm, "rm", source)
        port = self._port(rm_port, "rm_port", source) if rm_port is not None else port_in_rm
        if port is None:
            _, port = _split_host_port(self.get(web_key) or "", web_key, "files")
        if port is None:
            port = _RM_DEFAULT_PORTS[scheme]
        _, rpc_port = _split_host_port(self.get("yarn.resourcemanager.address") or f"{host}:",
                                       "yarn.resourcemanager.address", "files")
        self._set_override("yarn.resourcemanager.ha.enabled", "false", source)
        self._set_override("yarn.resourcemanager.hostname", host, source)
        self._set_override("yarn.resourcemanager.address", f"{host}:{rpc_port or _RM_DEFAULT_PORTS['rpc']}", source)
        self._set_override(web_key, f"{host}:{port}", source)

    def _apply_nn(self, nn: str | None, nn_port: Any, source: str) -> None:
        if nn is None:
            current = urlsplit(self.get("fs.defaultFS") or "")
            if current.scheme != "hdfs" or not current.hostname:
                raise ConfigError(f"{source}: nn_port given but fs.defaultFS ({self.get('fs.defaultFS')!r}) names "
                                  "no NameNode host; pass nn= too")
            nn = current.hostname
        host, port = _split_host_port(nn, "nn", source)
        if nn_port is not None:
            port = self._port(nn_port, "nn_port", source)
        if port is None:
            current = urlsplit(self.get("fs.defaultFS") or "")
            port = current.port if current.scheme == "hdfs" and current.port else _NN_DEFAULT_RPC_PORT
        self._set_override("fs.defaultFS", f"hdfs://{host}:{port}", source)

    @staticmethod
    def _port(value: Any, what: str, source: str) -> int:
        try:
            port = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{what}={value!r} ({source}) is not a port number") from None
        if not 0 < port < 65536:
            raise ConfigError(f"{what}={value!r} ({source}) is not a port number")
        return port

    def _derive_user(self, user: str | None) -> Setting:
        if user:
            return Setting(user, "keyword user=")
        if self._env.get("HADOOP_USER_NAME"):
            return Setting(self._env["HADOOP_USER_NAME"], "HADOOP_USER_NAME")
        return Setting(_login_user(), "login user")

    # ---- the mapping: raw properties with substitution --------------------------------------------------------

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

    # ---- derived values ---------------------------------------------------------------------------------------

    def _setting(self, key: str) -> Setting:
        return Setting(self.get(key), f"{key} ({self.source(key)})")

    def rm_web_scheme_setting(self) -> Setting:
        """``http`` or ``https`` for the RM (and NodeManager) web apps, from ``yarn.http.policy``."""
        policy = (self.get("yarn.http.policy") or "HTTP_ONLY").strip().upper()
        if policy not in ("HTTP_ONLY", "HTTPS_ONLY"):
            raise ConfigError(f"yarn.http.policy={policy!r} ({self.source('yarn.http.policy')}): "
                              "expected HTTP_ONLY or HTTPS_ONLY")
        return Setting("https" if policy == "HTTPS_ONLY" else "http",
                       f"yarn.http.policy={policy} ({self.source('yarn.http.policy')})")

    def _rm_ha(self) -> list[str]:
        if (self.get("yarn.resourcemanager.ha.enabled") or "false").strip().lower() != "true":
            return []
        ids = [i.strip() for i in (self.get("yarn.resourcemanager.ha.rm-ids") or "").split(",") if i.strip()]
        if not ids:
            raise ConfigError("yarn.resourcemanager.ha.enabled=true but yarn.resourcemanager.ha.rm-ids is empty "
                              f"({self.source('yarn.resourcemanager.ha.enabled')})")
        return ids

    def _rm_addr(self, base: str, rm_id: str | None, port: int,
                 fallback: tuple[str, str] | None = None) -> tuple[str, str]:
        """One RM address and its source: the (per-id) key, else ``yarn.resourcemanager.hostname[.id]`` + default
        port, else the host of ``fallback`` (another address of the same RM) + default port."""
        key = base if rm_id is None else f"{base}.{rm_id}"
        if key in self._props or (rm_id is None and key in HADOOP_DEFAULTS and
                                  "yarn.resourcemanager.hostname" not in self._props):
            return self.get(key).strip(), f"{key} ({self.source(key)})"
        hkey = "yarn.resourcemanager.hostname" if rm_id is None else f"yarn.resourcemanager.hostname.{rm_id}"
        host = self.get(hkey)
        if host is None and fallback is not None:
            return f"{fallback[0].rsplit(':', 1)[0]}:{port}", f"host of {fallback[1]} + default port {port}"
        if host is None:
            raise ConfigError(f"RM HA id {rm_id!r}: neither {key} nor {hkey} is set")
        return f"{host.strip()}:{port}", f"{hkey} ({self.source(hkey)}) + default port {port}"

    def _rm_addresses_with_sources(self) -> list[tuple[RMAddress, str, str]]:
        """Every RM with the sources of its RPC and web addresses."""
        scheme = self.rm_web_scheme_setting().value
        web_base = ("yarn.resourcemanager.webapp.https.address" if scheme == "https"
                    else "yarn.resourcemanager.webapp.address")
        out = []
        for rm_id in self._rm_ha() or [None]:
            web, web_src = self._rm_addr(web_base, rm_id, _RM_DEFAULT_PORTS[scheme])
            rpc, rpc_src = self._rm_addr("yarn.resourcemanager.address", rm_id, _RM_DEFAULT_PORTS["rpc"],
                                         (web, web_src))
            out.append((RMAddress(rm_id, rpc, web, scheme), rpc_src, web_src))
        return out

    def _rm_addresses_from_props(self) -> list[RMAddress]:
        return [a for a, _, _ in self._rm_addresses_with_sources()]

    def _derive(self) -> dict[str, Setting]:
        s: dict[str, Setting] = {}
        s["conf_dir"] = Setting(str(self.conf_dir) if self.conf_dir else None,
                                self.conf_dir_source or "none found: " + "; ".join(self.searched))
        s["user"] = self._user
        scheme = self.rm_web_scheme_setting()
        s["rm_web_scheme"] = scheme
        ha_ids = self._rm_ha()
        s["rm_ha_ids"] = Setting(ha_ids, self._setting("yarn.resourcemanager.ha.rm-ids").source if ha_ids
                                 else self._setting("yarn.resourcemanager.ha.enabled").source)
        found = self._rm_addresses_with_sources()
        addrs = [a for a, _, _ in found]
        rpc_sources = [r for _, r, _ in found]
        web_sources = [w for _, _, w in found]
        s["rm_addresses"] = Setting(addrs, "; ".join(web_sources))
        s["rm_address"] = Setting(addrs[0].address, rpc_sources[0])
        s["rm_web_address"] = Setting(addrs[0].web_address, web_sources[0])
        s["default_fs"] = self._setting("fs.defaultFS")
        s["webhdfs_scheme"], s["webhdfs_addresses"] = self._derive_webhdfs(s["default_fs"].value)
        s["home_prefix"] = self._setting("dfs.user.home.dir.prefix")
        if self._hdfs_home:
            s["home_dir"] = Setting(self._hdfs_home, "keyword hdfs_home=")
        else:
            s["home_dir"] = Setting(f"{s['home_prefix'].value.rstrip('/')}/{self._user.value}",
                                    f"dfs.user.home.dir.prefix + user ({s['home_prefix'].source}; "
                                    f"{self._user.source})")
        auth = self._setting("hadoop.security.authentication")
        s["authentication"] = Setting(auth.value.strip().lower(), auth.source)
        rep = self._setting("dfs.replication")
        try:
            s["replication"] = Setting(int(rep.value), rep.source)
        except ValueError:
            raise ConfigError(f"dfs.replication={rep.value!r} ({rep.source}) is not an integer") from None
        return s

    def _derive_webhdfs(self, default_fs: str) -> tuple[Setting, Setting]:
        policy = (self.get("dfs.http.policy") or "HTTP_ONLY").strip().upper()
        scheme = "https" if policy == "HTTPS_ONLY" else "http"
        key = "dfs.namenode.https-address" if scheme == "https" else "dfs.namenode.http-address"
        scheme_s = Setting(scheme, f"dfs.http.policy={policy} ({self.source('dfs.http.policy')})")
        fs = urlsplit(default_fs)
        if fs.scheme != "hdfs" or not fs.hostname:
            return scheme_s, Setting([], f"fs.defaultFS={default_fs!r} is not an hdfs:// URI")
        nameservices = [n.strip() for n in (self.get("dfs.nameservices") or "").split(",") if n.strip()]
        # a URI host is lower-cased by urlsplit; nameservice ids are compared the same way
        ns = next((n for n in nameservices if n.lower() == fs.hostname), None)
        if ns is not None:
            nn_ids = [i.strip() for i in (self.get(f"dfs.ha.namenodes.{ns}") or "").split(",") if i.strip()]
            keys = [f"{key}.{ns}.{i}" for i in nn_ids] or [f"{key}.{ns}"]
            missing = [k for k in keys if self.get(k) is None]
            if missing:
                raise ConfigError(f"fs.defaultFS={default_fs} names nameservice {ns!r} but {', '.join(missing)} "
                                  "is not set")
            return scheme_s, Setting([self.get(k).strip() for k in keys],
                                     "; ".join(f"{k} ({self.source(k)})" for k in keys))
        host, port = _split_host_port(self.get(key) or "", key, str(self.source(key)))
        if host in ("0.0.0.0", "::", "[::]"):  # a bind address: the NameNode is the host fs.defaultFS names
            return scheme_s, Setting([f"{fs.hostname}:{port}"],
                                     f"host of fs.defaultFS + port of {key} ({self.source(key)})")
        return scheme_s, Setting([f"{host}:{port}"], f"{key} ({self.source(key)})")

    @property
    def settings(self) -> dict[str, Setting]:
        """Every derived value with its source."""
        if self._settings is None:
            self._settings = self._derive()
        return self._settings

    def _value(self, name: str) -> Any:
        return self.settings[name].value

    @property
    def user(self) -> str:
        """The Hadoop user name."""
        return self._value("user")

    @property
    def rm_addresses(self) -> list[RMAddress]:
        """Every ResourceManager (one per HA id, in ``rm-ids`` order; one without HA)."""
        return self._value("rm_addresses")

    @property
    def rm_ha_ids(self) -> list[str]:
        """``yarn.resourcemanager.ha.rm-ids`` when HA is enabled, else ``[]``."""
        return self._value("rm_ha_ids")

    @property
    def rm_address(self) -> str:
        """RPC ``host:port`` of the (first) ResourceManager."""
        return self._value("rm_address")

    @property
    def rm_web_address(self) -> str:
        """Web ``host:port`` of the (first) ResourceManager."""
        return self._value("rm_web_address")

    @property
    def rm_web_scheme(self) -> str:
        """``http`` or ``https``."""
        return self._value("rm_web_scheme")

    @property
    def rm_web_urls(self) -> list[str]:
        """``scheme://host:port`` of every ResourceManager's web app."""
        return [a.web_url for a in self.rm_addresses]

    @property
    def default_fs(self) -> str:
        """``fs.defaultFS``, e.g. ``hdfs://nn:8020`` or ``hdfs://nameservice``."""
        return self._value("default_fs")

    @property
    def webhdfs_addresses(self) -> list[str]:
        """``host:port`` of every NameNode's web server (several with HDFS HA)."""
        return self._value("webhdfs_addresses")

    @property
    def webhdfs_address(self) -> str | None:
        """``host:port`` of the first NameNode's web server (None if ``fs.defaultFS`` is not HDFS)."""
        addrs = self.webhdfs_addresses
        return addrs[0] if addrs else None

    @property
    def webhdfs_scheme(self) -> str:
        """``http`` or ``https`` for WebHDFS, from ``dfs.http.policy``."""
        return self._value("webhdfs_scheme")

    @property
    def home_prefix(self) -> str:
        """``dfs.user.home.dir.prefix`` (default ``/user``)."""
        return self._value("home_prefix")

    @property
    def home_dir(self) -> str:
        """The user's HDFS home directory."""
        return self._value("home_dir")

    @property
    def authentication(self) -> str:
        """``simple`` or ``kerberos`` (``hadoop.security.authentication``)."""
        return self._value("authentication")

    @property
    def kerberos(self) -> bool:
        """Whether the cluster uses Kerberos."""
        return self.authentication == "kerberos"

    @property
    def replication(self) -> int:
        """``dfs.replication``."""
        return self._value("replication")

    # ---- display ----------------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value": ..., "source": ...}}`` for every derived value (JSON-friendly)."""
        out = {}
        for name, s in self.settings.items():
            value = s.value
            if name == "rm_addresses":
                value = [{"id": a.id, "address": a.address, "web_address": a.web_address, "scheme": a.scheme}
                         for a in value]
            out[name] = {"value": value, "source": s.source}
        return out

    def __repr__(self) -> str:
        lines = ["HadoopConf("]
        for name, s in self.settings.items():
            value = [a.web_url for a in s.value] if name == "rm_addresses" else s.value
            lines.append(f"  {name:18} {value!s:40}  <- {s.source}")
        lines.append(")")
        return "\n".join(lines)
