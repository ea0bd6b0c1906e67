"""Python's link to an ApplicationMaster's gateway: TLS pinned to the application's certificate, the secret,
TCP keepalive, and a timeout on every call.

- **TLS 1.2+, pinned.** The client JVM made the AM's key and self-signed certificate at submission;
  ``masterAddress`` hands Python the certificate with the secret (both from the 0600 staging dir). The TLS
  context trusts that certificate alone and the handshake must present exactly it, so whatever else answers
  at the AM's address (another process on a dead AM's port) never sees the secret: :class:`UntrustedGateway`.
- **Bounded.** Every socket operation (connect, handshake, auth, each call) times out after
  ``control_timeout`` seconds: the connection is then discarded (a late answer must never be read as the next
  call's) and :class:`ControlTimeout` names the application, the call and the timeout. Py4J's own handling of
  a timeout would return its generic error after logging a traceback on the root logger; these subclasses of
  Py4J's client and connection (hooks present in every py4j the package allows) raise ours instead.
- **Keepalive.** TCP keepalive finds a peer that vanished while a pooled connection sat idle.
"""
from __future__ import annotations

import math
import socket
import ssl
from typing import Any

from py4j.java_gateway import GatewayClient, GatewayConnection, GatewayParameters, JavaGateway
from py4j.protocol import Py4JAuthenticationError, Py4JError, Py4JNetworkError

from . import redact
from .exceptions import ControlTimeout, GatewayError, SpecError, UntrustedGateway
from .shared import read_json

#: Seconds the AM may hold a call while it finishes registering (``ready_wait_s`` in ``knit/shared/gateway.json``).
AM_READY_WAIT = float(read_json("gateway.json")["ready_wait_s"])
#: Default ``control_timeout``: a little over the longest the AM itself makes a call wait.
DEFAULT_CONTROL_TIMEOUT = AM_READY_WAIT + 15.0
#: TCP keepalive: first probe after this many idle seconds, then every KEEPALIVE_INTERVAL, KEEPALIVE_COUNT times.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 30, 10, 3


def check_timeout(value: Any, name: str = "control_timeout") -> float:
    """``value`` as a float number of seconds, if it is a positive finite number.

    Raises
    ------
    SpecError
        Naming ``name`` otherwise.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise SpecError(f"{name} must be a positive number of seconds; got {value!r}")
    return float(value)


def _keepalive(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL),
                        ("TCP_KEEPCNT", KEEPALIVE_COUNT)):
        if hasattr(socket, name):  # Linux; macOS has only SO_KEEPALIVE's defaults
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


class _PinnedSocket(ssl.SSLSocket):
    """Checks, right after the handshake and before py4j sends the secret, that the peer's certificate is
    byte for byte the pinned one (the trust store holds only it, so OpenSSL has checked the chain already)."""

    def do_handshake(self, block: bool = False) -> None:
        super().do_handshake(block)
        if self.getpeercert(binary_form=True) != self.context.pinned_der:
            self.close()
            raise ssl.SSLCertVerificationError("the peer's certificate is not the pinned one")


class PinnedContext(ssl.SSLContext):
    """A client TLS context (TLS 1.2+) that trusts one certificate and turns keepalive on for its sockets."""

    sslsocket_class = _PinnedSocket
    pinned_der: bytes

    def wrap_socket(self, sock: socket.socket, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        _keepalive(sock)
        return super().wrap_socket(sock, *args, **kwargs)


def pinned_context(certificate_pem: str) -> PinnedContext:
    """A :class:`PinnedContext` for the certificate ``certificate_pem``.

    Raises
    ------
    GatewayError
        If ``certificate_pem`` is not a PEM certificate.
    """
    ctx = PinnedContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False  # the certificate is the identity, whatever name the RM reports for the host
    ctx.verify_mode = ssl.CERT_REQUIRED
    try:
        ctx.load_verify_locations(cadata=certificate_pem)
        ctx.pinned_der = ssl.PEM_cert_to_DER_cert(certificate_pem)
    except (ssl.SSLError, ValueError) as e:
        raise GatewayError(f"the ApplicationMaster's certificate from the staging dir is not a PEM "
                           f"certificate: {e}") from None
    return ctx


def _method(command: str) -> str:
    """The method a py4j call command names (``c\\n<target>\\n<method>\\n...``), for messages."""
    lines = command.split("\n")
    return f"{lines[2]}()" if len(lines) > 2 and lines[0] == "c" else "the call"


class _BoundedConnection(GatewayConnection):
    """One py4j connection whose timeouts and certificate failures become Knit's exceptions."""

    def __init__(self, gateway_parameters: GatewayParameters, gateway_property: Any, label: str):
        super().__init__(gateway_parameters, gateway_property)
        self.label = label

    def _timed_out(self, what: str) -> ControlTimeout:
        timeout = self.gateway_parameters.read_timeout
        return ControlTimeout(f"the ApplicationMaster of {self.label} did not answer {what} within {timeout:g} s "
                              "(control_timeout); it may be stopped, overloaded or cut off. The connection was "
                              "dropped; the next call opens a new one")

    def send_command(self, command: str) -> str:
        try:
            return super().send_command(command)
        except Py4JNetworkError as e:
            if isinstance(e.cause, socket.timeout):
                self.close(reset=True)  # never reuse it: the late answer would be read as the next call's
                raise self._timed_out(_method(command)) from None
            raise

    def start(self) -> None:
        try:
            super().start()
        except Py4JNetworkError as e:
            cause = e.cause
            if isinstance(cause, ControlTimeout):  # the auth command timed out
                raise cause from None
            if isinstance(cause, socket.timeout):
                raise self._timed_out("the connection (TCP, TLS handshake)") from None
            if isinstance(cause, ssl.SSLCertVerificationError):
                raise UntrustedGateway(
                    f"refusing the gateway at {self.address}:{self.port}: it did not present {self.label}'s "
                    f"certificate (the one pinned at submission), so it is not that application's "
                    f"ApplicationMaster; the secret was not sent ({cause})") from None
            raise


class _BoundedClient(GatewayClient):
    def __init__(self, gateway_parameters: GatewayParameters, label: str):
        self.label = label
        super().__init__(gateway_parameters=gateway_parameters)

    def _create_connection(self) -> GatewayConnection:
        connection = _BoundedConnection(self.gateway_parameters, self.gateway_property, self.label)
        connection.start()
        return connection


class MasterGateway(JavaGateway):
    """A :class:`JavaGateway` on :class:`_BoundedClient`: Knit's exceptions for timeouts and certificates."""

    def __init__(self, label: str, gateway_parameters: GatewayParameters):
        self.label = label
        super().__init__(gateway_parameters=gateway_parameters)

    def _create_gateway_client(self) -> GatewayClient:
        return _BoundedClient(self.gateway_parameters, self.label)


def open_master(host: str, port: int, secret: str, certificate: str, timeout: float,
                label: str) -> MasterGateway:
    """Connect to an AM gateway over pinned TLS and authenticate with ``secret``.

    Raises
    ------
    UntrustedGateway
        The server at ``host:port`` did not present ``certificate``.
    ControlTimeout
        It did not complete the connection within ``timeout`` seconds.
    GatewayError
        It cannot be reached or refused the secret.
    """
    redact.register(secret)
    params = GatewayParameters(address=host, port=int(port), auth_token=secret, auto_convert=True,
                               eager_load=True, ssl_context=pinned_context(certificate), read_timeout=timeout)
    try:
        return MasterGateway(label, params)
    except Py4JAuthenticationError as e:
        raise GatewayError(f"the ApplicationMaster of {label} at {host}:{port} refused the secret: {e}") from None
    except Py4JError as e:
        raise GatewayError(f"cannot connect to the ApplicationMaster of {label} at {host}:{port}: {e}") from e
