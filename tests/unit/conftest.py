"""Fixtures for the unit tests (no cluster)."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A Knit cache directory of the test's own (``$KNIT_CACHE_DIR``)."""
    d = tmp_path / "knit-cache"
    monkeypatch.setenv("KNIT_CACHE_DIR", str(d))
    return d


@pytest.fixture
def offline(tmp_path, monkeypatch) -> Path:
    """A Hadoop conf naming a cluster (``hdfs://nn.example:8020``, user ``alice``) and no ``hadoop`` on PATH, so
    nothing can start a JVM or reach a cluster: a SpecError rather than a GatewayError proves that bad input was
    refused before any JVM call. The working directory is ``tmp_path``."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "core-site.xml").write_text(
        "<configuration><property><name>fs.defaultFS</name><value>hdfs://nn.example:8020</value>"
        "</property></configuration>")
    monkeypatch.setenv("HADOOP_CONF_DIR", str(conf))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("HADOOP_HOME", raising=False)
    monkeypatch.setenv("HADOOP_USER_NAME", "alice")
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Server:
    """A loopback HTTP server answering every request with one canned response; counts requests."""

    def __init__(self, status: int, body: bytes, ctype: str, delay: float = 0.0,
                 headers: dict[str, str] | None = None):
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests += 1
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_PUT = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # the client hung up on a slow answer: expected in the timeout test

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(request):
    servers = []

    def make(*args, **kw):
        s = Server(*args, **kw)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.close()
