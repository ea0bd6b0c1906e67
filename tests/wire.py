"""Network tools for the gateway tests: a recording TCP relay, a fake AM (TLS), and finding an AM's JVM."""
from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
from pathlib import Path


class Relay:
    """A TCP relay on 127.0.0.1 to ``(host, port)`` that records every byte it forwards, both ways: what
    anyone on the path between Python and a gateway would see."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.recorded = bytearray()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(self.target, timeout=30)
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                with self._lock:
                    self.recorded += data
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def saw(self, text: str) -> bool:
        with self._lock:
            return text.encode() in self.recorded

    def close(self) -> None:
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()


class FakeAM:
    """A TLS server presenting ``cert`` (a PEM file, with ``key``) where an AM should be. It records what clients
    send after the handshake (a secret would be among it), answers Py4J's auth command and the reflection of
    eager loading, then ``answer`` to every call, or nothing at all (``answer=None``: a stopped AM). Counts the
    connections it accepted and the handshakes that completed."""

    def __init__(self, cert: Path, key: Path, answer: bytes | None = b"!yi42\n"):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.connections = 0
        self.handshakes = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.server.accept()
            except OSError:
                return  # closed
            self.connections += 1
            threading.Thread(target=self._talk, args=(raw,), daemon=True).start()

    def _talk(self, raw: socket.socket) -> None:
        # A client that refuses our certificate aborts the handshake: OSError, and nothing recorded.
        with contextlib.suppress(OSError), self.context.wrap_socket(raw, server_side=True) as s:
            self.handshakes += 1
            f = s.makefile("rb")
            command: list[bytes] = []
            while line := f.readline():
                self.received += line
                command.append(line)  # a command's first line names it; "e" ends it (the auth command: 2 lines)
                auth = command[0] == b"A\n"
                if (auth and len(command) < 2) or (not auth and line != b"e\n"):
                    continue
                s.sendall(self._answer(command))
                command = []

    def _answer(self, command: list[bytes]) -> bytes:
        if command[0] == b"A\n":
            return b"!yv\n"
        if command[0] == b"r\n":  # eager loading's System.currentTimeMillis(): the class, then the method
            return b"!ycjava.lang.System\n" if command[1] == b"u\n" else b"!ym\n"
        if command[:2] == [b"c\n", b"z:java.lang.System\n"]:
            return b"!yL1\n"
        return self.answer or b""

    def close(self) -> None:
        self.server.close()


def am_pid(app_id: str, proc: Path = Path("/proc")) -> int:
    """The pid of ``app_id``'s ApplicationMaster JVM: the ``org.knit.am.ApplicationMaster`` process whose
    working directory is one of the application's container directories."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        argv = cmdline.split(b"\0")
        is_jvm = os.path.basename(argv[0]) == b"java"  # not the shell of launch_container.sh that started it
        if is_jvm and b"org.knit.am.ApplicationMaster" in argv and f"/{app_id}/" in cwd + "/":
            found.append(int(entry.name))
    if len(found) != 1:
        raise LookupError(f"expected one ApplicationMaster JVM of {app_id}, found {found}")
    return found[0]
