"""Network tools for the gateway tests: a recording TCP relay, a fake TLS gateway, and finding an AM's JVM."""
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


class FakeGateway:
    """A TLS server with its own certificate where an AM should be: it records the bytes clients send it after
    the handshake (a secret would be among them), then closes each connection after two lines."""

    def __init__(self, cert_pem: str, key_pem: str, workdir: Path):
        cert, key = workdir / "fake.crt", workdir / "fake.key"
        cert.write_text(cert_pem)
        key.touch(0o600)
        key.write_text(key_pem)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.handshakes = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.server.accept()
            except OSError:
                return
            raw.settimeout(10)
            with contextlib.suppress(OSError):  # a client that refuses our certificate aborts the handshake
                with self.context.wrap_socket(raw, server_side=True) as s:
                    self.handshakes += 1
                    data = b""
                    while data.count(b"\n") < 2 and (chunk := s.recv(4096)):
                        data += chunk
                    self.received += data
            raw.close()

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
