"""Python's way into the JVMs: the client JVM of this process and the ApplicationMasters' gateways.

The client JVM is launched the way pyspark launches its gateway, with a deadline added:

1. a random secret (``secrets.token_hex``) is written as the first line of the JVM's stdin — never in argv,
   the environment or a log;
2. the JVM (``org.knit.client.Gateway <conn-file>``) binds a Py4J server on 127.0.0.1, an ephemeral port, with that
   token, and renames ``{"port": P}`` into ``<conn-file>`` in a private (0700) temporary directory;
3. Python polls for that file while ``proc.poll() is None``, up to a deadline;
4. the JVM reads stdin until EOF: when this process exits, even by SIGKILL, the pipe closes and the JVM kills
   the applications it submitted that were not detached, then exits. It ignores the terminal's SIGINT (it runs
   in its own session), so Ctrl-C in Python does not take it down half-way.

One client JVM serves every :class:`~knit.core.Knit` of the process (:func:`client`).
"""
from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

from py4j.java_gateway import GatewayParameters, JavaGateway
from py4j.protocol import Py4JError, Py4JJavaError, Py4JNetworkError

from .exceptions import (ApplicationNotFound, ConfigError, GatewayError, KerberosError, KnitException,
                         PermissionDenied, SpecError, YARNError)
from . import class_data, redact
from .cache import cache_root
from .hadoop_jvm import java_executable, java_major_version, jvm_options
from .master_gateway import open_master

logger = logging.getLogger(__name__)

GATEWAY_MAIN = "org.knit.client.Gateway"
JAR_NAME = "knit.jar"
#: Seconds to wait for a JVM to write its connection file.
START_TIMEOUT = 120.0
#: Longest classpath passed in argv; Linux refuses single arguments over 128 KiB (skein#253).
MAX_ARGV_CLASSPATH = 100_000
CLIENT_HEAP = "-Xmx512m"


def _new_secret() -> str:
    secret = secrets.token_hex(32)
    redact.register(secret)
    return secret


def find_jar() -> str:
    """Path of ``knit.jar``: ``knit/java/knit.jar`` when installed, else ``<checkout>/target/knit.jar``.

    Raises
    ------
    GatewayError
        If neither exists (a source checkout needs ``mvn -o -q package -DskipTests``).
    """
    package_dir = Path(__file__).resolve().parent
    candidates = [package_dir / "java" / JAR_NAME, package_dir.parent / "target" / JAR_NAME]
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise GatewayError(f"{JAR_NAME} not found (looked in {', '.join(map(str, candidates))}); "
                       "install knit with pip, or build it in the source checkout with "
                       "`mvn -q package -DskipTests`")


def jar_manifest(jar: str | None = None) -> dict[str, str]:
    """The main attributes of a JAR's ``META-INF/MANIFEST.MF`` (default: :func:`find_jar`), e.g.
    ``Knit-Version``: the version Maven built it as."""
    with zipfile.ZipFile(jar or find_jar()) as z:
        text = z.read("META-INF/MANIFEST.MF").decode("utf-8")
    attributes: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if line.startswith(" ") and key:  # the JAR spec wraps lines at 72 bytes with a leading space
            attributes[key] += line[1:]
        elif ": " in line:
            key, value = line.split(": ", 1)
            attributes[key] = value
        elif not line:  # the main section ends at the first blank line
            break
    return attributes


def find_hadoop() -> str:
    """The ``hadoop`` launcher: the one on ``PATH``, else ``$HADOOP_HOME/bin/hadoop``.

    Raises
    ------
    GatewayError
        If there is none: Knit runs on an edge node, with the cluster's Hadoop client installed.
    """
    found = shutil.which("hadoop")
    if found:
        return found
    home = os.environ.get("HADOOP_HOME")
    if home:
        candidate = os.path.join(home, "bin", "hadoop")
        if os.access(candidate, os.X_OK):
            return candidate
    raise GatewayError("the `hadoop` command was not found on PATH, nor in $HADOOP_HOME/bin "
                       f"(HADOOP_HOME={home!r}); Knit takes the cluster's Hadoop jars and configuration from "
                       "`hadoop classpath`: run it on an edge node, put Hadoop's bin/ on PATH, or for the "
                       "local cluster use `knit cluster up` and put <dir>/bin on PATH")


def hadoop_classpath(hadoop: str | None = None) -> str:
    """The output of ``hadoop classpath`` (wildcards kept), without its trailing newline (skein#241).

    Raises
    ------
    GatewayError
        If the command fails or prints nothing.
    """
    hadoop = hadoop or find_hadoop()
    try:
        proc = subprocess.run([hadoop, "classpath"], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise GatewayError(f"`{hadoop} classpath` could not run: {e}") from e
    classpath = proc.stdout.strip()
    if proc.returncode != 0 or not classpath:
        raise GatewayError(f"`{hadoop} classpath` failed with exit code {proc.returncode}: "
                           f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
    return classpath


def _no_proxy_env() -> dict[str, str]:
    """The environment for the JVM, with loopback exempt from any HTTP proxy (skein#165, #207)."""
    env = dict(os.environ)
    for key in ("NO_PROXY", "no_proxy"):
        entries = [e for e in env.get(key, "").split(",") if e]
        for host in ("127.0.0.1", "localhost", "::1"):
            if host not in entries:
                entries.append(host)
        env[key] = ",".join(entries)
    return env


def _argfile_escape(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def client_command(java: str, classpath: str, conn_file: str, workdir: str,
                   extra: list[str] | None = None) -> list[str]:
    """The argv that starts the client JVM; it holds no secret. ``extra``: more JVM options (class data).

    A classpath too long for one argument goes into a ``@argfile`` (Java 9+) in ``workdir``.
    """
    options = jvm_options(java)
    cp_args = ["-cp", classpath]
    if len(classpath) > MAX_ARGV_CLASSPATH:
        if not options:  # no add-opens means Java 8, which has no @argfiles
            raise GatewayError(f"the Hadoop classpath is {len(classpath)} characters, too long for a command "
                               "line; make `hadoop classpath` print wildcards (dir/*) or use Java 9+")
        argfile = os.path.join(workdir, "classpath.args")
        with open(argfile, "w") as f:
            f.write(f"-cp {_argfile_escape(classpath)}\n")
        cp_args = [f"@{argfile}"]
    # The SHA-256 memo (org.knit.client.Sha256): a new process does not re-hash an unchanged environment.
    memo = f"-Dknit.sha256.memo={cache_root() / 'sha256'}"
    return [java, *options, *krb5_options(), CLIENT_HEAP, "-XX:+UseSerialGC", memo, *(extra or []), *cp_args,
            GATEWAY_MAIN, conn_file]


def krb5_options(environ: dict[str, str] | None = None) -> list[str]:
    """``-Djava.security.krb5.conf`` from ``KRB5_CONFIG``: MIT tools read that variable, Java does not."""
    krb5 = (os.environ if environ is None else environ).get("KRB5_CONFIG")
    return [f"-Djava.security.krb5.conf={krb5}"] if krb5 else []


def _tail(path: str, limit: int = 3000) -> str:
    try:
        with open(path, errors="replace") as f:
            return f.read()[-limit:]
    except OSError:
        return ""


def wait_for_conn_file(proc: subprocess.Popen, conn_file: str, timeout: float, log_path: str) -> dict:
    """Poll for ``conn_file`` while the JVM lives, up to ``timeout`` seconds; return its JSON.

    Raises
    ------
    GatewayError
        If the JVM exits first or the deadline passes (with the tail of its log).
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while proc.poll() is None and time.monotonic() < deadline:
        if os.path.exists(conn_file):
            with open(conn_file) as f:
                return json.load(f)
        time.sleep(delay)
        delay = min(delay * 1.5, 0.2)
    if os.path.exists(conn_file):
        with open(conn_file) as f:
            return json.load(f)
    if proc.poll() is None:
        problem = f"did not write {conn_file} within {timeout:.0f} s"
    else:
        problem = f"exited with code {proc.returncode} before writing its connection file"
    raise GatewayError(f"the Knit client JVM {problem}; its output ({log_path}):\n{_tail(log_path)}")


def _open_gateway(host: str, port: int, secret: str) -> JavaGateway:
    """Connect and authenticate (``eager_load`` makes a bad token fail here, not on first use)."""
    params = GatewayParameters(address=host, port=port, auth_token=secret, auto_convert=True,
                               eager_load=True)
    try:
        return JavaGateway(gateway_parameters=params)
    except Py4JError as e:
        raise GatewayError(f"cannot connect to the Knit gateway at {host}:{port}: {e}") from e


class ClientGateway:
    """The client JVM of this process and the Py4J connection to its ``ClientEntryPoint``.

    Use :func:`client` rather than building one: a process needs only one.
    """

    def __init__(self, proc: subprocess.Popen, gateway: JavaGateway, workdir: str, log_path: str,
                 archive: class_data.Archive | None = None):
        self.proc = proc
        self.gateway = gateway
        self.workdir = workdir
        self.log_path = log_path
        self.archive = archive
        self.pid = os.getpid()  # the process that owns the stdin pipe
        self._closed = False

    @classmethod
    def launch(cls, timeout: float = START_TIMEOUT) -> "ClientGateway":
        """Start a client JVM and connect to it.

        Raises
        ------
        GatewayError
            No ``hadoop``/``java``/JAR, or the JVM failed to start within ``timeout`` seconds.
        """
        jar = find_jar()
        java = java_executable()
        classpath = class_data.jars_first(f"{jar}{os.pathsep}{hadoop_classpath()}")
        archive = class_data.Archive(java_major_version(java), java, classpath)
        workdir = tempfile.mkdtemp(prefix="knit-client-")  # mode 0700
        conn_file = os.path.join(workdir, "gateway.json")
        log_path = os.path.join(workdir, "client-jvm.log")
        try:
            cmd = client_command(java, classpath, conn_file, workdir, archive.options())
            logger.debug("starting the client JVM: %s", cmd)
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
                                        env=_no_proxy_env(), cwd=workdir, start_new_session=True)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        secret = _new_secret()
        try:
            proc.stdin.write((secret + "\n").encode())
            proc.stdin.flush()
            info = wait_for_conn_file(proc, conn_file, timeout, log_path)
            gateway = _open_gateway("127.0.0.1", int(info["port"]), secret)
        except BaseException:
            _stop_process(proc, timeout=5.0)  # a JVM that failed its handshake gets no grace period
            archive.exited(None)
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        logger.info("client JVM %d serving on 127.0.0.1:%d", proc.pid, info["port"])
        return cls(proc, gateway, workdir, log_path, archive)

    @property
    def entry_point(self) -> Any:
        """The JVM's ``ClientEntryPoint`` (see ARCHITECTURE.md)."""
        return self.gateway.entry_point

    def alive(self) -> bool:
        return not self._closed and self.pid == os.getpid() and self.proc.poll() is None

    def call(self, method: str, *args: Any) -> Any:
        """Call ``ClientEntryPoint.<method>(*args)``, turning Java errors into Knit exceptions."""
        if not self.alive():
            raise GatewayError(f"the Knit client JVM is not running (exit code {self.proc.poll()}); "
                               f"its output:\n{_tail(self.log_path)}")
        if method == "submit" and self.archive is not None:
            self.archive.worth_keeping = True  # this JVM loads what a start needs: its class data is worth keeping
        return call_java(getattr(self.entry_point, method), *args)

    def close(self, timeout: float = 60.0) -> None:
        """Close the connection and the JVM's stdin; it kills its non-detached apps and exits."""
        if self._closed:
            return
        self._closed = True
        if self.pid != os.getpid():  # a forked child: the JVM belongs to the parent
            return
        self.gateway.close()
        _stop_process(self.proc, timeout)
        if self.archive is not None:
            self.archive.exited(self.proc.returncode)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _stop_process(proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """EOF on stdin (the JVM's orderly exit), then SIGTERM, then SIGKILL, each with a deadline."""
    if proc.stdin is not None and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the JVM is already gone; nothing to tell it
    for stop in (None, proc.terminate, proc.kill):
        if stop is not None:
            stop()
        try:
            proc.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            logger.warning("client JVM %d still running after %.0f s", proc.pid, timeout)
            timeout = 10.0


_JAVA_ERRORS: list[tuple[str, type[KnitException]]] = [
    ("KerberosException", KerberosError),
    ("AccessControlException", PermissionDenied),
    ("ApplicationNotFoundException", ApplicationNotFound),
    ("SpecException", SpecError),
    ("IllegalArgumentException", SpecError),
    ("ConfigError", ConfigError),
]


def _classify(java_exception: Any, depth: int = 4) -> type[KnitException] | None:
    """The Knit exception for a Java exception or, failing that, for one of its first causes."""
    cause = java_exception
    for _ in range(depth):
        if cause is None:
            return None
        java_class = cause.getClass().getName()
        for marker, error in _JAVA_ERRORS:
            if marker in java_class:
                return error
        cause = cause.getCause()
    return None


def _suppressed(java_exception: Any) -> str:
    """What went wrong while Java cleaned up after the error (attached to it as suppressed), for the message."""
    extra = [x.toString() for x in java_exception.getSuppressed()]
    return "".join(f"; and while cleaning up: {x}" for x in extra)


def call_java(method: Callable, *args: Any) -> Any:
    """Call a Py4J method; Java exceptions become typed :class:`KnitException` subclasses.

    ``ApplicationNotFoundException`` -> :class:`ApplicationNotFound`; ``SpecException`` and
    ``IllegalArgumentException`` (bad spec or missing input) -> :class:`SpecError`;
    ``ConfigErrorException`` -> :class:`ConfigError`; ``KerberosException`` -> :class:`KerberosError`;
    ``AccessControlException`` (an ACL or HDFS permission) -> :class:`PermissionDenied`; anything else from Java -> :class:`YARNError`; a lost
    connection -> :class:`GatewayError`.
    """
    try:
        return method(*args)
    except Py4JJavaError as e:
        java_class = e.java_exception.getClass().getName()
        message = (e.java_exception.getMessage() or java_class) + _suppressed(e.java_exception)
        error = _classify(e.java_exception) or YARNError
        if error is YARNError:
            message = f"{java_class}: {message}"
    except Py4JNetworkError as e:
        raise GatewayError(f"lost the connection to the Knit JVM: {e}") from e
    # Raised outside the handler so that no __context__ keeps the Java exception's proxies alive: freed later
    # (by the cycle collector, at exit after the JVM has gone) py4j logs a failed release for each.
    raise error(message)


_lock = threading.Lock()
_client: ClientGateway | None = None


def client(timeout: float = START_TIMEOUT) -> ClientGateway:
    """The client JVM of this process, started on first use and shared by every ``Knit``.

    A forked child (``multiprocessing``) starts its own: the parent's pipe and connections are not its own.
    """
    global _client
    with _lock:
        if _client is None or not _client.alive():
            if _client is not None and _client.pid == os.getpid():
                _client.close()
            _client = ClientGateway.launch(timeout)
        return _client


def client_running() -> bool:
    """Whether this process has a live client JVM (without starting one)."""
    return _client is not None and _client.alive()


def shutdown_client() -> None:
    """Stop this process's client JVM, if any (also run at exit)."""
    global _client
    with _lock:
        if _client is not None:
            # Proxies of Java objects caught in reference cycles (Py4J errors' tracebacks) release themselves
            # when collected; collected after the JVM has gone, py4j logs a connection error for each.
            gc.collect()
            _client.close()
            _client = None


atexit.register(shutdown_client)


def connect_master(info: dict, timeout: float, label: str) -> JavaGateway:
    """A Py4J gateway to an ApplicationMaster's ``MasterEntryPoint`` (``.entry_point``), over TLS pinned to
    the application's certificate, every call bounded by ``timeout`` seconds (:mod:`knit.master_gateway`).

    Parameters
    ----------
    info : dict
        ``ClientEntryPoint.masterAddress``'s answer: ``host`` and ``port`` (the AM's registered RPC address),
        ``secret`` (never logged) and ``certificate`` (the AM's, PEM).
    timeout : float
        Seconds any call (and the connection itself) may take before :class:`~knit.exceptions.ControlTimeout`.
    label : str
        The application, for messages.

    Raises
    ------
    UntrustedGateway
        If the server at the address is not the application's AM (another certificate).
    GatewayError
        If the AM cannot be reached or refuses the secret.
    """
    return open_master(info["host"], int(info["port"]), info["secret"], info["certificate"], timeout, label)
