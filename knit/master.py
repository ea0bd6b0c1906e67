"""Reaching an application's ApplicationMaster from Python: its published address, the authenticated connection,
and following the next AM attempt when one dies.

The address comes from the client JVM's ``masterAddress`` (the AM's registered host and RPC port, and the
application's secret from its staging dir). After an AM died, the ResourceManager names the dead attempt's address
until it notices, then none until YARN's next attempt (``max_attempts``) registers: so connecting re-reads the
address until it succeeds or the deadline passes. Every attempt has the same secret.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

from . import gateway
from .exceptions import ApplicationFailed, GatewayError, KnitException, PermissionDenied
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


def master_address(app_id: str, conf_json: str, status: Status, timeout: float) -> tuple[str, int, str]:
    """Poll (up to ``timeout`` s) for the AM's published address: host, port, secret."""
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
            return info["host"], int(info["port"]), info["secret"]
        if time.monotonic() > deadline:
            raise GatewayError(f"the ApplicationMaster of {app_id} did not publish its address within "
                               f"{timeout:.0f} s (state {report['state']}; last error: {last_error})")
        time.sleep(0.2)


def connect_master(app_id: str, conf_json: str, status: Status, timeout: float) -> Any:
    """A gateway to the AM's ``MasterEntryPoint``, re-reading the address while connecting fails."""
    deadline = time.monotonic() + timeout
    while True:
        host, port, secret = master_address(app_id, conf_json, status, max(0.0, deadline - time.monotonic()))
        try:
            return gateway.connect_master(host, port, secret)
        except GatewayError as e:
            if time.monotonic() > deadline:
                raise GatewayError(f"cannot reach the ApplicationMaster of {app_id} within {timeout:.0f} s: "
                                   f"{e}") from e
            logger.debug("the ApplicationMaster of %s is not reachable at %s:%s yet: %s", app_id, host, port, e)
            time.sleep(0.5)
