"""A client for the ResourceManager's REST API (``/ws/v1/cluster``) and the NodeManagers' (``/ws/v1/node``).

One ``requests.Session``, a timeout on every call, retries on connection errors only (never on an answer), and
ResourceManager HA: the RMs are tried in order, standby RMs (which answer with a redirect or with "This is standby
RM") are passed over, and the client sticks to the RM that answered until it stops answering.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .conf import HadoopConf
from .exceptions import ApplicationNotFound, ConfigError, YARNError
from .states import APP_FINISHED, APP_LIVE, AppState, NodeState

logger = logging.getLogger(__name__)

KNIT_APPLICATION_TYPE = "KNIT"

_APP_ID = re.compile(r"^application_\d+_\d+$")
_CONTAINER_ID = re.compile(r"^container_(e\d+_)?\d+_\d+_\d+_\d+$")
_STANDBY = re.compile(r"This is standby RM", re.IGNORECASE)
_TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


def check_app_id(app_id: str) -> str:
    """Return ``app_id`` if it looks like a YARN application id, else raise ``ApplicationNotFound``."""
    if not isinstance(app_id, str) or not _APP_ID.match(app_id):
        raise ApplicationNotFound(f"{app_id!r} is not a YARN application id (application_<cluster>_<n>)")
    return app_id


def check_container_id(container_id: str) -> str:
    """Return ``container_id`` if it looks like a YARN container id, else raise ``YARNError``."""
    if not isinstance(container_id, str) or not _CONTAINER_ID.match(container_id):
        raise YARNError(f"{container_id!r} is not a YARN container id")
    return container_id


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def _error(message: str, response: requests.Response | None = None,
           remote: Mapping[str, Any] | None = None, cls: type[YARNError] = YARNError) -> YARNError:
    err = cls(message)
    err.status_code = None if response is None else response.status_code  # type: ignore[attr-defined]
    err.remote_exception = dict(remote) if remote else None  # type: ignore[attr-defined]
    return err


class YARNAPI:
    """Talk to the ResourceManager (and NodeManagers) over REST.

    Parameters
    ----------
    rm : str, optional
        ResourceManager host, ``host:port`` or ``http(s)://host:port`` of its web app. Default: every RM the
        Hadoop configuration names (HA aware).
    rm_port : int, optional
        Port of the RM web app when ``rm`` is a bare host (as in knit).
    scheme : {"http", "https"}, optional
        Default: from ``rm`` if it is a URL, else from ``yarn.http.policy``.
    gateway_path : str, optional
        For a gateway such as Apache Knox: the path under which it serves the RM's ``/ws`` REST root, e.g.
        ``/gateway/default/resourcemanager`` (then ``rm`` is the gateway's host and port). Default ``/ws``.
    kerberos : bool, optional
        Authenticate with SPNEGO (needs the optional ``requests-gssapi``). Default: when the configuration says
        ``hadoop.security.authentication=kerberos``.
    username : str, optional
        The user to act as (``user.name=`` with simple authentication; the user ``kill_all`` filters on).
        Default: the configuration's user (``HADOOP_USER_NAME`` or the login name).
    password : str, optional
        With ``username``: HTTP basic authentication (Knox). Never logged.
    verify : bool or str
        TLS verification: True, False, or the path of a CA bundle.
    conf : HadoopConf, optional
        The configuration to take addresses from (default: ``HadoopConf()`` when ``rm`` is not given).
    timeout : float
        Seconds to wait for a connection and for each answer.
    retries : int
        Extra rounds over the RMs after connection errors (with back-off); answers are never retried.
    """

    def __init__(self, rm: str | None = None, rm_port: int | str | None = None, scheme: str | None = None,
                 gateway_path: str = "", kerberos: bool | None = None, username: str | None = None,
                 password: str | None = None, verify: bool | str = True, conf: HadoopConf | None = None,
                 timeout: float = 30.0, retries: int = 2) -> None:
        if scheme not in (None, "http", "https"):
            raise ConfigError(f"scheme={scheme!r}: expected 'http' or 'https'")
        if rm is None and conf is None:
            conf = HadoopConf(rm_port=rm_port)
        self.conf = conf
        self.bases, self.bases_source = self._bases(rm, rm_port, scheme, conf)
        self.scheme = urlsplit(self.bases[0]).scheme
        self.gateway_path = "/" + gateway_path.strip("/") if gateway_path and gateway_path.strip("/") else ""
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.user = username or (conf.user if conf is not None else _default_user())
        self.kerberos = bool(conf.kerberos if (kerberos is None and conf is not None) else kerberos)
        self._active = 0
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers.update({"Accept": "application/json"})
        if self.kerberos:
            self.session.auth = _spnego_auth()
        elif password is not None:
            if not username:
                raise ConfigError("password= needs username=")
            self.session.auth = (username, password)

    @staticmethod
    def _bases(rm: str | None, rm_port: Any, scheme: str | None,
               conf: HadoopConf | None) -> tuple[list[str], str]:
        if rm is None:
            assert conf is not None
            urls = conf.rm_web_urls
            if scheme:
                urls = [f"{scheme}://{urlsplit(u).netloc}" for u in urls]
            return urls, conf.settings["rm_addresses"].source
        if "://" in rm:
            parts = urlsplit(rm)
            scheme = scheme or parts.scheme
            host, port = parts.hostname, parts.port
        else:
            host, _, p = rm.partition(":")
            port = int(p) if p.isdigit() else None
        if rm_port is not None:
            port = int(rm_port)
        scheme = scheme or (conf.rm_web_scheme if conf is not None else "http")
        if port is None:
            port = 8090 if scheme == "https" else 8088
        return [f"{scheme}://{host}:{port}"], f"keyword rm={rm!r}" + (f", rm_port={rm_port!r}" if rm_port else "")

    def __repr__(self) -> str:
        return f"YARNAPI({', '.join(self.bases)}{self.gateway_path or ''}, user={self.user!r})"

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    # ---- HTTP plumbing ----------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The REST root of the RM in use, e.g. ``http://rm:8088/ws/v1/``."""
        return f"{self.bases[self._active]}{self.gateway_path or '/ws'}/v1/"

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        out = {k: v for k, v in (params or {}).items() if v is not None}
        if not self.kerberos and self.session.auth is None:
            out.setdefault("user.name", self.user)  # pseudo authentication, as Hadoop's own web clients do
        return out

    def _rm(self, method: str, path: str, params: Mapping[str, Any] | None = None,
            json: Any = None) -> Any:
        """One request to the active RM, failing over to the others on connection errors and standby answers."""
        problems: list[str] = []
        order = [self._active] + [i for i in range(len(self.bases)) if i != self._active]
        for round_ in range(self.retries + 1):
            if round_:
                time.sleep(min(0.5 * 2 ** (round_ - 1), 4.0))
            for i in order:
                url = f"{self.bases[i]}{self.gateway_path or '/ws'}/v1/{path}"
                try:
                    r = self.session.request(method, url, params=self._params(params), json=json,
                                             timeout=self.timeout)
                except requests.exceptions.ReadTimeout:  # it may have acted on the request: never retried
                    raise self._timeout(method, url) from None
                except requests.exceptions.SSLError as e:
                    raise _tls_error(url, e) from None
                except requests.ConnectionError as e:  # includes connect timeouts
                    problems.append(f"{self.bases[i]}: {_reason(e)}")
                    logger.debug("RM %s unreachable: %s", self.bases[i], e)
                    continue
                if _is_standby(r):
                    problems.append(f"{self.bases[i]}: standby ResourceManager")
                    continue
                self._stick(i, r)
                return self._decode(method, url, r)
        raise _error(f"no ResourceManager answered {method} /{path}: " + "; ".join(dict.fromkeys(problems))
                     + f" (addresses from {self.bases_source})")

    def _timeout(self, method: str, url: str) -> YARNError:
        return _error(f"{method} {url}: no answer within {self.timeout:g} s (timeout=)")

    def _stick(self, i: int, r: requests.Response) -> None:
        if r.history:  # a standby RM redirected us: remember the active one if we know it
            final = urlsplit(r.url)
            for j, base in enumerate(self.bases):
                if urlsplit(base).netloc == final.netloc:
                    i = j
                    break
        if i != self._active:
            logger.info("using ResourceManager %s", self.bases[i])
        self._active = i

    def _get_node(self, node_http_address: str, path: str, raw: bool = False) -> Any:
        url = f"{self.scheme}://{node_http_address}/ws/v1/node/{path}"
        last: Exception | None = None
        for round_ in range(self.retries + 1):
            if round_:
                time.sleep(min(0.5 * 2 ** (round_ - 1), 4.0))
            try:
                # a log is text/plain: the NodeManager fails a request that accepts only JSON (HTTP 503)
                headers = {"Accept": "text/plain, */*"} if raw else None
                r = self.session.get(url, params=self._params(None), timeout=self.timeout, headers=headers)
            except requests.exceptions.ReadTimeout:
                raise self._timeout("GET", url) from None
            except requests.exceptions.SSLError as e:
                raise _tls_error(url, e) from None
            except requests.ConnectionError as e:
                last = e
                continue
            return r if raw else self._decode("GET", url, r)
        raise _error(f"NodeManager {node_http_address} unreachable: {_reason(last)}")

    def _decode(self, method: str, url: str, r: requests.Response) -> Any:
        ctype = r.headers.get("Content-Type", "")
        data: Any = None
        if "json" in ctype:
            try:
                data = r.json()
            except ValueError:
                data = None
        if r.ok and data is not None:
            return data
        if r.ok and not r.content:
            return None
        remote = data.get("RemoteException") if isinstance(data, dict) else None
        if remote:
            cls = YARNError
            if r.status_code == 404 and "/apps/" in url:
                cls = ApplicationNotFound
            return_msg = f"{remote.get('exception', 'error')}: {remote.get('message', '')}"
            raise _error(f"{method} {url} -> HTTP {r.status_code} {return_msg}", r, remote, cls)
        if isinstance(data, dict) and data.get("message"):  # the web server's own JSON error (Jetty)
            raise _error(f"{method} {url} -> HTTP {r.status_code}: {data['message']}", r)
        if r.status_code == 401:
            challenge = r.headers.get("WWW-Authenticate", "")
            hint = (" (Kerberos: run kinit, and install requests-gssapi)" if "negotiate" in challenge.lower()
                    else "")
            raise _error(f"{method} {url} -> HTTP 401: authentication required ({challenge or 'no challenge'})"
                         f"{hint}", r)
        title = _TITLE.search(r.text or "")
        looks_html = "html" in ctype or (r.text or "").lstrip().lower().startswith(("<!doctype html", "<html"))
        what = "an HTML page" if looks_html else f"{ctype or 'no content type'}"
        detail = f": {title.group(1)!r}" if title else f": {(r.text or '')[:200]!r}"
        raise _error(f"{method} {url} -> HTTP {r.status_code} with {what} instead of the RM's JSON "
                     f"(a proxy or gateway error page, or not a ResourceManager?){detail}", r)

    # ---- applications -----------------------------------------------------------------------------------------

    def apps(self, states: str | Iterable[str] | None = None, name: str | None = None, user: str | None = None,
             queue: str | None = None, application_types: str | Iterable[str] | None = None) -> list[dict]:
        """Applications known to the RM, optionally filtered.

        Parameters
        ----------
        states : str or list, optional
            e.g. ``"RUNNING"`` or ``["ACCEPTED", "RUNNING"]``.
        name, user, queue : str, optional
            Exact application name / user / queue (``default`` also matches ``root.default``).
        application_types : str or list, optional
            e.g. ``"KNIT"``.
        """
        st = [s.upper() for s in _as_list(states)]
        bad = [s for s in st if s not in AppState.__members__]
        if bad:
            raise YARNError(f"unknown application state(s) {bad}; expected some of {list(AppState.__members__)}")
        params = {"states": ",".join(st) or None, "user": user,
                  "applicationTypes": ",".join(_as_list(application_types)) or None}
        data = self._rm("GET", "cluster/apps", params)
        apps = ((data or {}).get("apps") or {}).get("app") or []
        if name is not None:
            apps = [a for a in apps if a.get("name") == name]
        if queue is not None:
            apps = [a for a in apps if a.get("queue") == queue or str(a.get("queue", "")).endswith("." + queue)]
        return apps

    def apps_info(self, app_id: str | None = None) -> dict | list[dict]:
        """The RM's report of one application (a dict), or of every application (a list) without ``app_id``."""
        if app_id is None:
            return self.apps()
        return self._rm("GET", f"cluster/apps/{check_app_id(app_id)}")["app"]

    def status(self, app_id: str) -> dict:
        """The RM's report of one application: ``state``, ``finalStatus``, ``diagnostics``, ``trackingUrl`` ..."""
        return self.apps_info(app_id)  # type: ignore[return-value]

    def state(self, app_id: str) -> str:
        """The application's state: ``NEW`` ... ``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED``."""
        return self._rm("GET", f"cluster/apps/{check_app_id(app_id)}/state")["state"]

    def app_attempts(self, app_id: str) -> list[dict]:
        """The application's attempts (``appAttemptId``, ``containerId`` of the AM, ``nodeHttpAddress`` ...)."""
        data = self._rm("GET", f"cluster/apps/{check_app_id(app_id)}/appattempts")
        return ((data or {}).get("appAttempts") or {}).get("appAttempt") or []

    def app_containers(self, app_id: str, attempt_id: str | None = None) -> list[dict]:
        """Containers of the application's (latest, or given) attempt on every node, AM included.

        The RM lists the containers it currently tracks, so a finished application has none. If the RM cannot
        answer for attempts (an HTTP 5xx: some RM builds fail there), every running NodeManager is asked instead.
        """
        check_app_id(app_id)
        try:
            if attempt_id is None:
                attempts = self.app_attempts(app_id)
                if not attempts:
                    return []
                attempt_id = attempts[-1]["appAttemptId"]
            data = self._rm("GET", f"cluster/apps/{app_id}/appattempts/{quote(attempt_id)}/containers")
        except YARNError as e:
            if not (getattr(e, "status_code", None) or 0) >= 500:
                raise
            logger.warning("the RM failed to list %s's containers (%s); asking every NodeManager", app_id, e)
            return self._containers_from_nodes(app_id)
        containers = (data or {}).get("container") or []
        return [normalize_container(c) for c in (containers if isinstance(containers, list) else [containers])]

    def _containers_from_nodes(self, app_id: str) -> list[dict]:
        key = "_" + app_id.split("_", 1)[1] + "_"  # container_[e<epoch>_]<cluster>_<app>_<attempt>_<n>
        return [c for n in self.nodes(states=NodeState.RUNNING) for c in self.node_containers(n) if key in c["id"]]

    def kill(self, app_id: str, wait: bool = True, timeout: float = 60.0) -> str:
        """Kill an application (``PUT .../apps/{id}/state``); returns its state (``KILLED`` unless it ended first).

        With ``wait`` (default) polls until the application has left the live states, for at most ``timeout`` s.
        """
        check_app_id(app_id)
        state = self._rm("PUT", f"cluster/apps/{app_id}/state", json={"state": AppState.KILLED})["state"]
        deadline = time.monotonic() + timeout
        delay = 0.1
        while wait and state not in APP_FINISHED:
            if time.monotonic() > deadline:
                raise _error(f"{app_id} still {state} {timeout:g} s after it was asked to die")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            state = self.state(app_id)
        return state

    def kill_all(self, knit_only: bool = True, all_users: bool = False) -> list[str]:
        """Kill every live application of type ``KNIT`` of the current user; returns the ids killed.

        Parameters
        ----------
        knit_only : bool
            Only applications whose type is ``KNIT`` (default). False: every type.
        all_users : bool
            Every user's applications, not only ``self.user``'s (default False).
        """
        apps = self.apps(states=APP_LIVE, user=None if all_users else self.user,
                         application_types=KNIT_APPLICATION_TYPE if knit_only else None)
        # filter again here: the RM's own filters are not applied by every version or gateway
        ids = [a["id"] for a in apps if (all_users or a.get("user") == self.user)
               and (not knit_only or a.get("applicationType") == KNIT_APPLICATION_TYPE)]
        for app_id in ids:
            logger.info("killing %s", app_id)
            self.kill(app_id)
        return ids

    def check_request(self, memory: int, vcores: int, queue: str = "default", containers: int = 1,
                      am_memory: int = 256, am_vcores: int = 1) -> dict[str, Any]:
        """Pre-flight checks for ``containers`` x (``memory`` MB, ``vcores``) plus the AM in ``queue``.

        See :func:`knit.checks.preflight`; raises ``QueueError``, ``ResourceLimitError`` or
        ``InsufficientResources`` (all ``knit.checks.PreflightError``).
        """
        from .checks import preflight
        return preflight(self, queue, containers=containers, memory=memory, vcores=vcores,
                         am_memory=am_memory, am_vcores=am_vcores)

    # ---- the cluster ----------------------------------------------------------------------------------------------

    def cluster_info(self) -> dict:
        """RM version, start time, state and HA state."""
        return self._rm("GET", "cluster/info")["clusterInfo"]

    def cluster_metrics(self) -> dict:
        """Cluster-wide resources: ``availableMB``, ``availableVirtualCores``, ``totalMB``, ``activeNodes`` ..."""
        return self._rm("GET", "cluster/metrics")["clusterMetrics"]

    def scheduler(self) -> dict:
        """The scheduler and its queues (``schedulerInfo``: type, capacities, nested ``queues``)."""
        return self._rm("GET", "cluster/scheduler")["scheduler"]["schedulerInfo"]

    def nodes(self, states: str | Iterable[str] | None = None) -> list[dict]:
        """The NodeManagers (``id``, ``state``, ``nodeHTTPAddress``, memory and vcores used/available)."""
        data = self._rm("GET", "cluster/nodes", {"states": ",".join(_as_list(states)).upper() or None})
        return ((data or {}).get("nodes") or {}).get("node") or []

    # ---- NodeManagers -------------------------------------------------------------------------------------------

    def node_containers(self, node: str | Mapping[str, Any]) -> list[dict]:
        """Containers a NodeManager runs now; ``node`` is its ``nodeHTTPAddress`` or a dict from ``nodes()``."""
        address = node["nodeHTTPAddress"] if isinstance(node, Mapping) else node
        data = self._get_node(address, "containers")
        containers = ((data or {}).get("containers") or {}).get("container") or []
        containers = containers if isinstance(containers, list) else [containers]
        return [normalize_container(c, address) for c in containers]

    def container_log_files(self, node_http_address: str, container_id: str) -> list[dict]:
        """Log files of a container still known to its NodeManager: ``[{fileName, fileSize, ...}]``."""
        data = self._get_node(node_http_address, f"containers/{check_container_id(container_id)}/logs")
        info = (data or {}).get("containerLogsInfo")
        if isinstance(info, list):  # one entry per aggregation type
            return [f for i in info for f in (i.get("containerLogInfo") or [])]
        return (info or {}).get("containerLogInfo") or []

    def container_log(self, node_http_address: str, container_id: str, file: str = "stdout") -> str:
        """The content of one log file of a container, read from its NodeManager (while it keeps it)."""
        check_container_id(container_id)
        r = self._get_node(node_http_address, f"containerlogs/{container_id}/{quote(file)}", raw=True)
        if not r.ok:
            self._decode("GET", r.url, r)
        return _log_content(r.content).decode("utf-8", errors="replace")


_CONTAINER_KEYS = {  # Knit's name: (the RM's name, the NodeManager's name)
    "id": ("containerId", "id"),
    "state": ("containerState", "state"),
    "node_id": ("nodeId", "nodeId"),
    "node_http_address": ("nodeHttpAddress", None),
    "memory": ("allocatedMB", "totalMemoryNeededMB"),
    "vcores": ("allocatedVCores", "totalVCoresNeeded"),
    "exit_status": ("containerExitStatus", "exitCode"),
}


def normalize_container(c: dict, node_http_address: str | None = None) -> dict:
    """Add Knit's keys (``id``, ``state``, ``node_id``, ``node_http_address``, ``memory``, ``vcores``,
    ``exit_status``) to a container dict from the RM or a NodeManager, keeping the original keys."""
    out = dict(c)
    for key, (rm_key, nm_key) in _CONTAINER_KEYS.items():
        if key in c:
            continue
        value = c.get(rm_key)
        if value is None and nm_key:
            value = c.get(nm_key)
        if value is None and key == "node_id":
            value = c.get("assignedNodeId")
        if value is None and key == "node_http_address":
            value = node_http_address
        if key == "node_http_address" and isinstance(value, str) and "://" in value:
            value = urlsplit(value).netloc  # the RM says http://host:port; NodeManager calls take host:port
        out[key] = value
    return out


def _log_content(body: bytes) -> bytes:
    """Strip the header Hadoop 3 NodeManagers wrap a log in (``Container: ... LogLength:N\\nLogContents:\\n``)."""
    marker = b"\nLogContents:\n"
    if not body.startswith(b"Container: ") or marker not in body:
        return body  # Hadoop 2 NodeManagers send the file as it is
    head, rest = body.split(marker, 1)
    m = re.search(rb"\nLogLength:(\d+)", head)
    if m:
        return rest[:int(m.group(1))]
    end = rest.rfind(b"End of LogType:")
    return rest[:end] if end >= 0 else rest


def _is_standby(r: requests.Response) -> bool:
    if "json" in r.headers.get("Content-Type", ""):
        return False
    return bool(_STANDBY.search(r.text[:2000] if r.text else ""))


def _reason(e: Exception | None) -> str:
    text = str(e)
    for needle in ("Connection refused", "Name or service not known", "timed out", "No route to host",
                   "Temporary failure in name resolution", "certificate verify failed"):
        if needle in text:
            return needle
    return text[:200]


def _tls_error(url: str, e: Exception) -> YARNError:
    return _error(f"TLS error talking to {url}: {_reason(e)}; pass verify='/path/to/ca-bundle.pem' (the "
                  "cluster's CA) or set REQUESTS_CA_BUNDLE")


def _default_user() -> str:
    import getpass
    import os
    return os.environ.get("HADOOP_USER_NAME") or getpass.getuser()


def _spnego_auth() -> Any:
    try:
        from requests_gssapi import HTTPSPNEGOAuth  # optional dependency
    except ImportError:
        raise ConfigError("the cluster uses Kerberos (hadoop.security.authentication=kerberos): install the "
                          "optional dependency requests-gssapi (`pip install requests-gssapi`), or pass "
                          "kerberos=False") from None
    return HTTPSPNEGOAuth()
