"""Hadoop client configuration: the addresses Knit needs, derived from the site files and Knit's keywords.

``HadoopConf`` reads ``core-site.xml``, ``hdfs-site.xml`` and ``yarn-site.xml`` the way Hadoop's own
``Configuration`` does (:mod:`knit.hadoop_xml`: a real XML parser, ``${var}`` substitution including
``${env.NAME}``, ``final`` properties that later files cannot override) and derives from them the ResourceManager
addresses (HA aware, http or https), ``fs.defaultFS``, the WebHDFS address(es), the user's home directory and the
authentication type.

Precedence, highest first: explicit keywords (``rm=``, ``rm_port=``, ``nn=``, ``nn_port=``, ``user=``,
``hdfs_home=``), then ``pars=`` (Hadoop property names), then the site files, then Hadoop's defaults. Every value
remembers where it came from; ``repr(conf)`` and ``conf.to_dict()`` show it.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from .exceptions import ConfigError
# find_conf_dir and parse_site_file live in knit.hadoop_xml; importable from here too.
from .hadoop_xml import HADOOP_DEFAULTS, HadoopProperties, find_conf_dir, login_user, parse_site_file

__all__ = ["HadoopConf", "RMAddress", "Setting", "find_conf_dir", "parse_site_file"]

logger = logging.getLogger(__name__)

_RM_DEFAULT_PORTS = {"rpc": 8032, "http": 8088, "https": 8090}
_NN_DEFAULT_RPC_PORT = 8020
T = TypeVar("T")


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


class _Derived(Generic[T]):
    """A read-only attribute of :class:`HadoopConf`: one of its derived ``settings`` (which also say where from)."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, conf: "HadoopConf | None", owner: type | None = None) -> T:
        if conf is None:
            return self  # type: ignore[return-value]  # the class attribute: documentation
        return conf.settings[self.name].value


class HadoopConf(HadoopProperties):
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
        super().__init__(environ, system_properties)
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
            self.load_dir(self.conf_dir)
        self._apply_pars(pars or {})
        self._apply_keywords(keywords)
        self._user = self._derive_user(user)
        self._hdfs_home = hdfs_home
        self._settings: dict[str, Setting] | None = None

    def _apply_pars(self, pars: Mapping[str, Any]) -> None:
        short = {k: v for k, v in pars.items() if k in ("rm", "rm_port", "nn", "nn_port") and v is not None}
        for name, value in pars.items():
            if name in short:
                continue
            if not isinstance(name, str) or value is None:
                raise ConfigError(f"pars: {name!r}={value!r}: keys must be Hadoop property names and values "
                                  "must not be None")
            self.set_override(name, value, "pars")
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
                self.set_override(key, f"{host}:{port}", source)
            return
        if "://" in rm:
            parts = urlsplit(rm)
            if parts.scheme not in ("http", "https"):
                raise ConfigError(f"rm={rm!r}: the scheme must be http or https")
            scheme = parts.scheme
            self.set_override("yarn.http.policy", "HTTPS_ONLY" if scheme == "https" else "HTTP_ONLY", source)
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
        self.set_override("yarn.resourcemanager.ha.enabled", "false", source)
        self.set_override("yarn.resourcemanager.hostname", host, source)
        self.set_override("yarn.resourcemanager.address", f"{host}:{rpc_port or _RM_DEFAULT_PORTS['rpc']}", source)
        self.set_override(web_key, f"{host}:{port}", source)

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
        self.set_override("fs.defaultFS", f"hdfs://{host}:{port}", source)

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
        return Setting(login_user(), "login user")

    def set_user(self, user: str, source: str) -> None:
        """Act as ``user`` unless a ``user=`` keyword said otherwise (the principal's name on a Kerberos
        cluster, where HADOOP_USER_NAME means nothing); the home dir follows."""
        if self._user.source != "keyword user=":
            self._user, self._settings = Setting(user, source), None

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

    user = _Derived[str]("The Hadoop user name.")
    rm_addresses = _Derived[list[RMAddress]](
        "Every ResourceManager (one per HA id, in ``rm-ids`` order; one without HA).")
    rm_ha_ids = _Derived[list[str]]("``yarn.resourcemanager.ha.rm-ids`` when HA is enabled, else ``[]``.")
    rm_address = _Derived[str]("RPC ``host:port`` of the (first) ResourceManager.")
    rm_web_address = _Derived[str]("Web ``host:port`` of the (first) ResourceManager.")
    rm_web_scheme = _Derived[str]("``http`` or ``https``.")
    default_fs = _Derived[str]("``fs.defaultFS``, e.g. ``hdfs://nn:8020`` or ``hdfs://nameservice``.")
    webhdfs_addresses = _Derived[list[str]]("``host:port`` of every NameNode's web server (several with HDFS HA).")
    webhdfs_scheme = _Derived[str]("``http`` or ``https`` for WebHDFS, from ``dfs.http.policy``.")
    home_prefix = _Derived[str]("``dfs.user.home.dir.prefix`` (default ``/user``).")
    home_dir = _Derived[str]("The user's HDFS home directory.")
    authentication = _Derived[str]("``simple`` or ``kerberos`` (``hadoop.security.authentication``).")
    replication = _Derived[int]("``dfs.replication``.")

    @property
    def rm_web_urls(self) -> list[str]:
        """``scheme://host:port`` of every ResourceManager's web app."""
        return [a.web_url for a in self.rm_addresses]

    @property
    def webhdfs_address(self) -> str | None:
        """``host:port`` of the first NameNode's web server (None if ``fs.defaultFS`` is not HDFS)."""
        addrs = self.webhdfs_addresses
        return addrs[0] if addrs else None

    @property
    def kerberos(self) -> bool:
        """Whether the cluster uses Kerberos."""
        return self.authentication == "kerberos"

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
