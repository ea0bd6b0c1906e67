"""Reaching an application's ApplicationMaster from Python: its published address, the authenticated connection,
and following the next AM attempt when one dies.

The address comes from the client JVM's ``masterAddress`` (the AM's registered host and RPC port, and the
application's secret and the AM gateway's certificate from its staging dir). After an AM died, the ResourceManager names the dead attempt's address
until it notices, then none until YARN's next attempt (``max_attempts``) registers: so connecting re-reads the
address until it succeeds or the deadline passes. Every attempt has the same secret.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable

from . import gateway
from .exceptions import ApplicationFailed, GatewayError, KnitException, PermissionDenied, UntrustedGateway
from .states import APP_FINISHED

logger = logging.getLogger(__name__)

#: Seconds to wait for a submitted application's ApplicationMaster (or its next attempt) to be reachable.
MASTER_TIMEOUT = 120.0

Status = Callable[[], dict]


def raise_if_ended(app_id: str, report: dict) -> None:
    """Raise :class:`ApplicationFailed` if the RM's ``report`` says the application has ended."""
    if report["state"] in APP_FINISHED:
        raise ApplicationFailed(f"{app_id} has ended ({report['state']}, final status "
                                f"{report.get('final_status')}): {report.get('diagnostics', '')}")


def master_address(app_id: str, conf_json: str, status: Status, timeout: float) -> dict:
    """Poll (up to ``timeout`` s) for the AM's published address: ``{host, port, secret, certificate}``.

    Raises
    ------
    ApplicationFailed
        If the application ends first (``status()`` is the RM's report of it).
    PermissionDenied
        If this user may not reach it (another user's application).
    GatewayError
        If the address is not published within ``timeout``.
    """
    deadline = time.monotonic() + timeout
    client = gateway.client()
    last_error: Exception | None = None
    while True:
        report = status()
        raise_if_ended(app_id, report)
        try:
            text = client.call("masterAddress", app_id, conf_json)
        except PermissionDenied:  # another user's application: waiting changes nothing
            raise
        except KnitException as e:  # the AM has not published its address yet
            text, last_error = None, e
        info = json.loads(text) if text else None
        if info and info.get("port"):
            return info
        if time.monotonic() > deadline:
            raise GatewayError(f"the ApplicationMaster of {app_id} did not publish its address within "
                               f"{timeout:.0f} s (state {report['state']}; last error: {last_error})")
        time.sleep(0.2)


def connect_master(app_id: str, conf_json: str, status: Status, timeout: float, control_timeout: float) -> Any:
    """A gateway to the AM's ``MasterEntryPoint`` (TLS pinned to the application's certificate, every call bounded
    by ``control_timeout``: :func:`knit.gateway.connect_master`), re-reading the address while connecting fails.
    A server that is not the application's AM (:class:`~knit.exceptions.UntrustedGateway`) is not retried."""
    deadline = time.monotonic() + timeout
    while True:
        info = master_address(app_id, conf_json, status, max(0.0, deadline - time.monotonic()))
        host, port = info["host"], info["port"]
        try:
            return gateway.connect_master(info, control_timeout, app_id)
        except UntrustedGateway:
            raise
        except GatewayError as e:
            if time.monotonic() > deadline:
                raise GatewayError(f"cannot reach the ApplicationMaster of {app_id} within {timeout:.0f} s: "
                                   f"{e}") from e
            logger.debug("the ApplicationMaster of %s is not reachable at %s:%s yet: %s", app_id, host, port, e)
            time.sleep(0.5)


class MasterLink:
    """:class:`knit.Knit`'s connection to its application's AM (a mixin): made on first use, closed when the
    application ends, and moved to the next AM attempt when one dies."""

    app_id: str | None
    _conf_json: str
    control_timeout: float
    _master_gateway: Any
    _master_lock: threading.Lock
    report: Status

    def _require_app(self, what: str) -> str:
        raise NotImplementedError

    def _master(self, timeout: float = MASTER_TIMEOUT) -> Any:
        """The AM's ``MasterEntryPoint``; waits (up to ``timeout`` s) for a just-submitted AM to come up."""
        app_id = self._require_app("reach the ApplicationMaster")
        with self._master_lock:
            if self._master_gateway is None:
                self._master_gateway = connect_master(app_id, self._conf_json, self.report, timeout,
                                                      self.control_timeout)
            return self._master_gateway.entry_point

    def _master_address(self, app_id: str, timeout: float) -> dict:
        return master_address(app_id, self._conf_json, self.report, timeout)

    def _call_master(self, method: str, *args: Any) -> Any:
        """Call the AM. If the connection fails while the application runs on, the AM died and YARN is
        starting another attempt (``max_attempts``): follow it — its new address, the same secret — and make
        the call once more when it has registered (within ``MASTER_TIMEOUT``). If the application has ended,
        say so in terms of its state."""
        for retry in (False, True):
            try:
                return gateway.call_java(getattr(self._master(), method), *args)
            except GatewayError as e:
                self._close_master()
                raise_if_ended(self.app_id, self.report())
                if retry:
                    raise
                logger.info("lost the ApplicationMaster of %s (%s); following its next attempt", self.app_id, e)

    def _close_master(self) -> None:
        with self._master_lock:
            if self._master_gateway is not None:
                self._master_gateway.close()
                self._master_gateway = None
