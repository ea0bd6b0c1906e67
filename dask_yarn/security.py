"""TLS for a dask_yarn cluster: distributed's ``Security`` for this process, and the same identity for the
containers as the application's secret files (:mod:`knit.secret_files`: private, per application, never in an
environment variable, the spec or a log).

``security=True`` (the default; None too, as in dask-yarn) makes a new EC P-256 key and self-signed certificate
for the cluster (the client JVM's ``tlsIdentity``): the one certificate is the cluster's CA and every member's
(scheduler, workers, local clients), so each end of every connection proves it holds the cluster's key.
``security=Security(...)`` brings one's own: its CA, worker and scheduler certificates and keys go to the
containers (the scheduler's default to the worker's). ``security=False``: plain TCP.
"""
from __future__ import annotations

import json
from typing import Any

from distributed.security import Security

from knit import gateway
from knit.exceptions import SpecError

#: Link names of the secret files in every container (the containers read these names from the settings).
FILES = {"ca": "dask-ca.pem", "worker_cert": "dask-worker.pem", "worker_key": "dask-worker.key",
         "scheduler_cert": "dask-scheduler.pem", "scheduler_key": "dask-scheduler.key"}
#: The generated certificate's validity: longer than any cluster lives.
VALID_DAYS = 3650


def new_identity() -> tuple[str, str]:
    """A new key and self-signed certificate for a cluster, ``(certificate, private key)`` in PEM."""
    identity = json.loads(gateway.client().call("tlsIdentity", "dask-knit", VALID_DAYS))
    return identity["certificate"], identity["private_key"]


def _of(ca: str, cert: str, key: str) -> Security:
    return Security(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, tls_scheduler_cert=cert,
                    tls_scheduler_key=key, tls_worker_cert=cert, tls_worker_key=key, require_encryption=True)


def check(security: Any) -> None:
    """Raises :class:`SpecError` unless ``security`` is True, False or a ``distributed.Security`` with a CA and
    a worker certificate (what the workers present); None is True, as in dask-yarn."""
    if security is None or isinstance(security, bool):
        return
    if not isinstance(security, Security):
        raise SpecError(f"security must be True (generated certificates), False (no TLS) or a "
                        f"distributed.Security; got {security!r}")
    if not security.tls_ca_file or not security.tls_worker_cert:
        raise SpecError("security= must give tls_ca_file and tls_worker_cert (and tls_worker_key unless the "
                        "certificate file holds the key): the workers present them")


def resolve(security: Any) -> tuple[Security | None, dict[str, str]]:
    """``(Security of this process or None, {secret file name: content} for the containers)`` of a
    ``security`` that passed :func:`check`; True makes the certificate now."""
    if security is False:
        return None, {}
    if security is True or security is None:  # a new key and self-signed certificate for every role
        cert, key = new_identity()
        security = _of(cert, cert, key)
    worker = (security.tls_worker_cert, security.tls_worker_key or security.tls_worker_cert)
    scheduler = (security.tls_scheduler_cert, security.tls_scheduler_key or security.tls_scheduler_cert) \
        if security.tls_scheduler_cert else worker
    contents = (security.tls_ca_file, *worker, *scheduler)  # in the order of FILES
    return security, {name: _read(value) for name, value in zip(FILES.values(), contents)}


def _read(value: str) -> str:
    """A ``Security`` field: PEM content (it has a newline), or the path of a file holding it."""
    if "\n" in value:
        return value
    try:
        with open(value) as f:
            return f.read()
    except OSError as e:
        raise SpecError(f"security: cannot read {value}: {e}") from None


def of_application(knit: Any) -> Security:
    """The ``Security`` of a running cluster's application, from its secret files (another process of the user
    attaching to it): its CA, and the workers' certificate and key as this process's."""
    ca, cert, key = (knit.secret_file(FILES[role]).decode() for role in ("ca", "worker_cert", "worker_key"))
    return _of(ca, cert, key)
