"""YARNAPI without a cluster: addresses, error pages, timeouts, retries, optional SPNEGO.

What a *ResourceManager* answers is tested against the real one in tests/integration/test_yarn_api.py; here the
local HTTP servers play what sits in front of or instead of an RM: a proxy's error page, a peer that never
answers, a service that errs.
"""
from __future__ import annotations

import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from knit.conf import HadoopConf
from knit.exceptions import ApplicationNotFound, ConfigError, YARNError
from knit.yarn_api import YARNAPI, _log_content, check_app_id

FIXTURES = Path(__file__).parent / "fixtures" / "conf"


class Server:
    """A loopback HTTP server answering every request with one canned response; counts requests."""

    def __init__(self, status: int, body: bytes, ctype: str, delay: float = 0.0):
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- addresses ------------------------------------------------------------------------------------------------

def test_addresses_come_from_the_conf_every_ha_rm_in_order():
    y = YARNAPI(conf=HadoopConf(FIXTURES / "ha", environ={}))
    assert y.bases == ["http://master1.corp:8088", "http://master2.corp:8188"]
    assert y.url == "http://master1.corp:8088/ws/v1/"


def test_https_policy_gives_https_urls_and_kerberos_is_detected(monkeypatch):
    monkeypatch.setitem(sys.modules, "requests_gssapi", None)  # make the optional dependency missing
    c = HadoopConf(FIXTURES / "https_kerberos", environ={})
    with pytest.raises(ConfigError, match="requests-gssapi"):
        YARNAPI(conf=c)
    y = YARNAPI(conf=c, kerberos=False, verify="/etc/ssl/certs/ca-certificates.crt")
    assert y.bases == ["https://rm.secure.example.org:8443"]
    assert y.session.verify == "/etc/ssl/certs/ca-certificates.crt"


def test_knit_style_keywords_and_knox_gateway_path():
    assert YARNAPI(rm="rm.example.com", rm_port=8088).url == "http://rm.example.com:8088/ws/v1/"
    y = YARNAPI(rm="https://knox.example.com:8443", gateway_path="/gateway/default/resourcemanager/",
                username="alice", password="s3cret")
    assert y.url == "https://knox.example.com:8443/gateway/default/resourcemanager/v1/"
    assert "s3cret" not in repr(y)


def test_app_ids_are_checked_before_any_request():
    with pytest.raises(ApplicationNotFound):
        check_app_id("app_1")
    assert check_app_id("application_1795520804486_0003") == "application_1795520804486_0003"


# ---- errors ---------------------------------------------------------------------------------------------------------

def test_a_proxy_error_page_is_a_yarn_error_that_says_so(server):
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
    s = server(502, page, "text/html")
    with pytest.raises(YARNError) as e:
        YARNAPI(rm=f"http://{s.address}", retries=0).cluster_metrics()
    assert "HTML page" in str(e.value) and "502 Bad Gateway" in str(e.value)
    assert e.value.status_code == 502


def test_an_html_answer_with_status_200_is_not_taken_for_json(server):
    s = server(200, b"<!DOCTYPE html><html><title>Sign in</title></html>", "text/html")
    with pytest.raises(YARNError, match="Sign in"):
        YARNAPI(rm=f"http://{s.address}").cluster_info()


def test_remote_exception_message_is_carried_and_answers_are_not_retried(server):
    body = (b'{"RemoteException":{"exception":"BadRequestException","message":"java.lang.Exception: '
            b'Invalid queue","javaClassName":"org.apache.hadoop.yarn.webapp.BadRequestException"}}')
    s = server(400, body, "application/json")
    with pytest.raises(YARNError) as e:
        YARNAPI(rm=f"http://{s.address}", retries=3).scheduler()
    assert "BadRequestException: java.lang.Exception: Invalid queue" in str(e.value)
    assert e.value.remote_exception["javaClassName"].endswith("BadRequestException")
    assert s.requests == 1


def test_timeout_raises_within_the_deadline_and_is_not_retried(server):
    s = server(200, b"{}", "application/json", delay=3.0)
    y = YARNAPI(rm=f"http://{s.address}", timeout=0.5, retries=3)
    t0 = time.monotonic()
    with pytest.raises(YARNError, match="no answer within 0.5 s"):
        y.cluster_metrics()
    assert time.monotonic() - t0 < 2.5
    assert s.requests == 1


def test_connection_errors_are_retried_then_name_every_address_and_their_source():
    p1, p2 = free_port(), free_port()
    c = HadoopConf(pars={"yarn.resourcemanager.ha.enabled": "true", "yarn.resourcemanager.ha.rm-ids": "a,b",
                         "yarn.resourcemanager.webapp.address.a": f"127.0.0.1:{p1}",
                         "yarn.resourcemanager.webapp.address.b": f"127.0.0.1:{p2}"},
                   autodetect=False, environ={})
    y = YARNAPI(conf=c, retries=1)
    with pytest.raises(YARNError) as e:
        y.cluster_info()
    msg = str(e.value)
    assert f"127.0.0.1:{p1}: Connection refused" in msg and f"127.0.0.1:{p2}: Connection refused" in msg
    assert "webapp.address.a (pars)" in msg


# ---- NodeManager log format -----------------------------------------------------------------------------------

def test_hadoop3_log_header_is_stripped_and_hadoop2_raw_logs_kept():
    wrapped = (b"Container: container_1_0001_01_000002 on host:45454\nLogAggregationType: LOCAL\n"
               b"====\nLogType:stdout\nLogLastModifiedTime:Tue Nov 24 11:56:20 +0000 2026\nLogLength:12\n"
               b"LogContents:\nhello\nworld\nEnd of LogType:stdout.This log file belongs to a running container\n")
    assert _log_content(wrapped) == b"hello\nworld\n"
    assert _log_content(b"just the file\n") == b"just the file\n"


# ---- pre-flight arithmetic (knit.checks; the live checks are in tests/integration/test_yarn_api.py) ------------
# The local cluster runs the Capacity Scheduler; these dicts follow the RM's documented answers for the FIFO and
# Fair schedulers, to check our reading of them.

def test_fifo_scheduler_has_only_the_default_queue_and_reports_its_limits():
    from knit.checks import QueueError, check_queue, scheduler_limits
    fifo = {"type": "fifoScheduler", "minQueueMemoryCapacity": 1024, "maxQueueMemoryCapacity": 8192}
    assert check_queue(fifo, "default") is fifo
    with pytest.raises(QueueError, match="only 'default'"):
        check_queue(fifo, "etl")
    limits = scheduler_limits(fifo)
    assert (limits.max_memory, limits.min_memory) == (8192, 1024)


def test_fair_scheduler_queues_are_found_by_full_or_short_name():
    from knit.checks import QueueError, check_queue
    fair = {"type": "fairScheduler", "queueName": "root", "childQueues": {"queue": [
        {"type": "fairSchedulerLeafQueueInfo", "queueName": "root.default"},
        {"type": "fairSchedulerQueueInfo", "queueName": "root.teams", "childQueues": {"queue": [
            {"type": "fairSchedulerLeafQueueInfo", "queueName": "root.teams.ml"}]}}]}}
    assert check_queue(fair, "ml")["queueName"] == "root.teams.ml"
    assert check_queue(fair, "root.default")["queueName"] == "root.default"
    with pytest.raises(QueueError, match="parent queue"):
        check_queue(fair, "root.teams")


def test_a_container_larger_than_every_node_is_rejected():
    from knit.checks import Limits, ResourceLimitError, check_sizes
    nodes = [{"usedMemoryMB": 512, "availMemoryMB": 3584, "usedVirtualCores": 1, "availableVirtualCores": 7}]
    check_sizes(Limits(None, None, 1, "unknown"), nodes, 4096, 8, 256, 1)
    with pytest.raises(ResourceLimitError, match="largest of 1 running nodes has 4096 MB"):
        check_sizes(Limits(None, None, 1, "unknown"), nodes, 6000, 1, 256, 1)
