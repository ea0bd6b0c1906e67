"""A client for the ResourceManager's REST API (``/ws/v1/cluster``): applications, the cluster, its scheduler.

The HTTP plumbing (HA, retries, TLS, SPNEGO, error decoding) is :mod:`knit.rest`; the NodeManager calls
(containers and their logs on one node) are :mod:`knit.nodemanager`. :class:`YARNAPI` is all three.
"""
from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from .checks import preflight
from .exceptions import ApplicationNotFound, PermissionDenied, YARNError
from .nodemanager import NodeManagerAPI, normalize_container
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
        For a gateway such as Apache Knox: the path under which it serves the RM's ``/ws`` REST root, e.g.
        ``/gateway/default/resourcemanager`` (then ``rm`` is the gateway's host and port). Default ``/ws``.
    kerberos : bool, optional
        Authenticate with SPNEGO (needs the optional ``requests-gssapi``, the ``kerberos`` extra). Default: when
        the configuration says ``hadoop.security.authentication=kerberos``. The ticket comes from the ticket
        cache (``kinit``), or from ``keytab``.
    principal, keytab : str, optional
        Log in as ``principal`` from ``keytab`` (into a private in-memory ticket cache) instead of using the
        ticket cache. Default: the identity ``conf`` names (``Knit(principal=, keytab=)``), else the ticket cache.
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
