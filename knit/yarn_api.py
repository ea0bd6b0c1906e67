"""A client for the ResourceManager's REST API (``/ws/v1/cluster``): applications, the cluster, its scheduler.

The HTTP plumbing (HA, retries, TLS, SPNEGO, error decoding) is :mod:`knit.rest`; the NodeManager calls
(containers and their logs on one node) are :mod:`knit.nodemanager`. :class:`YARNAPI` is all three.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, urlsplit

from . import syslogs, yarn_cli
from .checks import preflight
from .exceptions import ApplicationNotFound, PermissionDenied, YARNError
from .nodemanager import NodeManagerAPI, check_container_id, normalize_container
from .rest import yarn_error
from .states import APP_FINISHED, APP_LIVE, AppState, NodeState

logger = logging.getLogger(__name__)

KNIT_APPLICATION_TYPE = "KNIT"

_APP_ID = re.compile(r"^application_\d+_\d+$")


def check_app_id(app_id: str) -> str:
    """Return ``app_id`` if it looks like a YARN application id, else raise ``ApplicationNotFound``."""
    if not isinstance(app_id, str) or not _APP_ID.match(app_id):
        raise ApplicationNotFound(f"{app_id!r} is not a YARN application id (application_<cluster>_<n>)")
    return app_id


def _as_list(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


class YARNAPI(NodeManagerAPI):
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
        For a proxy: a path put before the RM's ``/ws/v1/`` (as in knit 0.2: ``rm='proxy', rm_port=9999,
        gateway_path='/default/resourcemanager'`` gives ``http://proxy:9999/default/resourcemanager/ws/v1/``).
    ws_path : str, optional
        For a gateway that serves the RM's ``/ws`` REST root under another path, such as Apache Knox
        (``/gateway/default/resourcemanager``, whose ``/v1/`` is the RM's ``/ws/v1/``); then ``rm`` is the
        gateway's host and port. Default ``<gateway_path>/ws``.
    kerberos : bool, optional
        Authenticate with SPNEGO (needs the optional ``requests-gssapi``, the ``kerberos`` extra). Default: when
        the configuration says ``hadoop.security.authentication=kerberos``. The ticket comes from the ticket
        cache (``kinit``), or from ``keytab``.
    principal, keytab : str, optional
        Log in as ``principal`` from ``keytab`` (into a private in-memory ticket cache) instead of using the
        ticket cache. Default: the identity ``conf`` names (``Knit(principal=, keytab=)``), else the ticket cache.
    username : str, optional
        The user to act as (``user.name=`` with simple authentication, which is all Hadoop needs when
        ``hadoop.http.authentication.simple.anonymous.allowed`` is false; the user ``kill_all`` filters on).
        Default: the configuration's user (``HADOOP_USER_NAME`` or the login name).
    password : str, optional
        HTTP basic authentication as ``username``, for a gateway that asks for it (knit 0.2's ``password=``).
        Never logged. Without it, a 401 asking for basic authentication is an ``AuthenticationError`` saying so.
    verify : bool or str
        TLS verification: True, False, or the path of a CA bundle.
    conf : HadoopConf, optional
        The configuration to take addresses from (default: ``HadoopConf()`` when ``rm`` is not given).
    timeout : float
        Seconds to wait for a connection and for each answer.
    retries : int
        Extra rounds over the RMs after connection errors (with back-off); answers are never retried.
    """

    @property
    def apps(self) -> list[str]:
        """Ids of every application the RM knows (as in knit 0.2); :meth:`list_apps` filters and gives reports."""
        return [a["id"] for a in self.list_apps()]

    def list_apps(self, states: str | Iterable[str] | None = None, name: str | None = None,
                  user: str | None = None, queue: str | None = None,
                  application_types: str | Iterable[str] | None = None) -> list[dict]:
        """Reports of the applications known to the RM, optionally filtered.

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
            return self.list_apps()
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

    def app_containers(self, app_id: str | None = None, info: dict | None = None,
                       attempt_id: str | None = None) -> list[dict]:
        """Containers of the application's (latest, or given) attempt on every node, AM included.

        Parameters
        ----------
        app_id : str, optional
            The application.
        info : dict, optional
            Instead of ``app_id``: its report (:meth:`status`), as in knit 0.2.
        attempt_id : str, optional
            Default: the latest attempt.

        Returns
        -------
        list of dict
            The RM's container dicts (``containerId``, ``nodeId``, ``containerState``, ``logUrl`` ...) with Knit's
            keys added: ``id``, ``state``, ``node_id``, ``node_http_address``, ``memory``, ``vcores``,
            ``exit_status``. The RM lists the containers it currently tracks, so a finished application has none.
            If the RM cannot answer for attempts (an HTTP 5xx: some RM builds fail there), every running
            NodeManager is asked instead.
        """
        if (app_id is None) == (info is None):
            raise TypeError("app_containers() takes app_id or info (a status() report), one of them")
        app_id = check_app_id(app_id if info is None else info["id"])
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

    def kill(self, app_id: str, wait: bool = True, timeout: float = 60.0) -> bool:
        """Kill an application (as in knit 0.2): True if it ends KILLED, False if it had ended already or the RM
        does not know it. :meth:`kill_app` returns the state instead.

        With ``wait=False``, True means the RM took the kill of a live application.
        """
        try:
            if self.state(app_id) in APP_FINISHED:
                return False
            state = self.kill_app(app_id, wait=wait, timeout=timeout)
        except ApplicationNotFound:
            return False
        return state == AppState.KILLED if wait else state not in APP_FINISHED

    def kill_app(self, app_id: str, wait: bool = True, timeout: float = 60.0) -> str:
        """Kill an application (``PUT .../apps/{id}/state``); returns its state (``KILLED`` unless it ended first).

        With ``wait`` (default) polls until the application has left the live states, for at most ``timeout`` s.
        """
        check_app_id(app_id)
        try:
            state = self._rm("PUT", f"cluster/apps/{app_id}/state", json={"state": AppState.KILLED})["state"]
        except PermissionDenied as e:
            raise PermissionDenied(f"{e} (user {self.user} is not in the application's MODIFY_APP ACL)") from None
        deadline = time.monotonic() + timeout
        delay = 0.1
        while wait and state not in APP_FINISHED:
            if time.monotonic() > deadline:
                raise yarn_error(f"{app_id} still {state} {timeout:g} s after it was asked to die")
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
        apps = self.list_apps(states=APP_LIVE, user=None if all_users else self.user,
                              application_types=KNIT_APPLICATION_TYPE if knit_only else None)
        # filter again here: the RM's own filters are not applied by every version or gateway
        ids = [a["id"] for a in apps if (all_users or a.get("user") == self.user)
               and (not knit_only or a.get("applicationType") == KNIT_APPLICATION_TYPE)]
        for app_id in ids:
            logger.info("killing %s", app_id)
            self.kill_app(app_id)
        return ids

    def logs(self, app_id: str, shell: bool = False, retries: int = 4, delay: float = 3.0) -> dict[str, dict[str, str]]:
        """``{container_id: {"stdout": ..., "stderr": ..., <other log file>: ...}}`` of an application (knit 0.2).

        Parameters
        ----------
        app_id : str
        shell : bool
            Read through Hadoop's ``yarn logs -applicationId`` (:mod:`knit.yarn_cli`). Default: live from the
            NodeManagers of the containers the RM lists while it runs, from the aggregated logs (the client JVM)
            once it has ended.
        retries, delay :
            With ``shell``: run ``yarn logs`` again up to ``retries`` times, ``delay`` s apart, when it fails.

        Raises
        ------
        ApplicationNotFound
            If the RM does not know ``app_id`` (before anything else).
        """
        self.state(app_id)
        if shell:
            return yarn_cli.yarn_logs(app_id, conf_dir=yarn_cli.conf_dir_of(self.conf), retries=retries,
                                      delay=delay)
        from .logs import LogParts, fetch_logs  # knit.logs reads through this class: imported when used
        return fetch_logs(LogParts(app_id, state=lambda: self.state(app_id), containers=list,
                                   aggregated=self._aggregated_logs, rest=self))

    def _aggregated_logs(self, app_id: str, container_id: str | None) -> str:
        from . import gateway  # the client JVM, started on first use

        overrides = json.dumps(self.conf.overrides()) if self.conf is not None else None
        return gateway.client().call("logs", app_id, container_id, overrides)

    def container_status(self, container_id: str) -> str:
        """What ``yarn container -status <container_id>`` prints (knit 0.2); :meth:`app_containers` gives dicts."""
        return yarn_cli.container_status(check_container_id(container_id), yarn_cli.conf_dir_of(self.conf))

    def system_logs(self) -> dict[str, Any]:
        """Where the ResourceManager and NodeManager running on this machine, if any, write their logs (knit 0.2).

        Returns
        -------
        dict
            ``on_rm`` (the RM in use is this machine), ``single_node`` (so is the cluster's only NodeManager),
            and for each daemon found here: ``rm_pid`` / ``nm_pid``, ``rm_logfile`` / ``nm_logfile`` (from its
            ``-Dyarn.log.dir`` and ``-Dyarn.log.file``), ``rm_proc`` / ``nm_proc`` (a ``psutil.Process`` when
            psutil is installed). See :func:`knit.syslogs.daemon_logs`.
        """
        nodes = self.nodes()
        rm_host = urlsplit(self.bases[self._active]).hostname or ""
        on_rm = syslogs.is_local_host(rm_host)
        out: dict[str, Any] = {"single_node": on_rm and len(nodes) == 1
                               and syslogs.is_local_host(nodes[0].get("nodeHostName", "")), "on_rm": on_rm}
        out.update(syslogs.daemon_logs())
        return out

    def check_request(self, memory: int, vcores: int, queue: str = "default", containers: int = 1,
                      am_memory: int = 256, am_vcores: int = 1) -> dict[str, Any]:
        """Pre-flight checks for ``containers`` x (``memory`` MB, ``vcores``) plus the AM in ``queue``.

        See :func:`knit.checks.preflight`: raises ``QueueError`` or ``ResourceLimitError`` (both
        ``knit.checks.PreflightError``) for what can never run; what only does not fit now is logged.
        """
        return preflight(self, queue, containers=containers, memory=memory, vcores=vcores,
                         am_memory=am_memory, am_vcores=am_vcores)

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
