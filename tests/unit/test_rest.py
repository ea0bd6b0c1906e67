"""knit.rest without a cluster: addresses, error pages, timeouts, retries, optional SPNEGO.

What a *ResourceManager* answers is tested against the real one in tests/integration/test_yarn_api.py; here the
local HTTP servers play what sits in front of or instead of an RM: a proxy's error page, a peer that never
answers, a service that errs, and the standby half of an RM HA pair.
"""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from knit.conf import HadoopConf
from knit.exceptions import AuthenticationError, ConfigError, YARNError
from knit.yarn_api import YARNAPI

FIXTURES = Path(__file__).parent / "fixtures" / "conf"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


def test_knit_style_keywords_and_knox_ws_path():
    assert YARNAPI(rm="rm.example.com", rm_port=8088).url == "http://rm.example.com:8088/ws/v1/"
    y = YARNAPI(rm="https://knox.example.com:8443", ws_path="/gateway/default/resourcemanager/",
                username="alice", password="s3cret")
    assert y.url == "https://knox.example.com:8443/gateway/default/resourcemanager/v1/"
    assert "s3cret" not in repr(y)


def test_gateway_path_goes_before_ws_as_in_knit_0_2():
    # knit 0.2's troubleshooting page: this "would set the API end-point to
    # 'proxy.server.org:9999/default/resourcemanager/ws/v1/'"
    y = YARNAPI(rm="proxy.server.org", rm_port=9999, gateway_path="/default/resourcemanager")
    assert y.url == "http://proxy.server.org:9999/default/resourcemanager/ws/v1/"


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
    s = server(200, b"{}", "application/json", delay=30.0)
    y = YARNAPI(rm=f"http://{s.address}", timeout=0.5, retries=3)
    t0 = time.monotonic()
    with pytest.raises(YARNError, match="no answer within 0.5 s"):
        y.cluster_metrics()
    # a deadline, not a speed: far below the 30 s the server takes, with room for a loaded machine
    assert time.monotonic() - t0 < 15
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


# RM HA: two local servers play an HA pair: a standby RM's two documented answers (a redirect to the active RM,
# or a plain-text "This is standby RM" page when it cannot redirect) and an active RM's JSON. What the real RM
# answers is in tests/integration/test_yarn_api.py; a real standby RM comes with the local cluster's RM HA pair.

ACTIVE_INFO = b'{"clusterInfo": {"state": "STARTED", "haState": "ACTIVE"}}'


def ha_pair(standby: "Server", active: "Server", **kwargs) -> YARNAPI:
    return YARNAPI(**kwargs, conf=HadoopConf(pars={"yarn.resourcemanager.ha.enabled": "true",
                                         "yarn.resourcemanager.ha.rm-ids": "rm1,rm2",
                                         "yarn.resourcemanager.webapp.address.rm1": standby.address,
                                         "yarn.resourcemanager.webapp.address.rm2": active.address},
                                   autodetect=False, environ={}))


def test_a_standby_rm_that_cannot_redirect_is_passed_over_once(server):
    active = server(200, ACTIVE_INFO, "application/json")
    standby = server(200, f"This is standby RM. The redirect url is: http://{active.address}/ws/v1/cluster/info"
                     .encode(), "text/plain;charset=utf-8")
    api = ha_pair(standby, active)
    assert api.cluster_info()["haState"] == "ACTIVE"
    assert api.url == f"http://{active.address}/ws/v1/"
    api.cluster_info()  # sticks to the active RM: the standby is not asked again
    assert (standby.requests, active.requests) == (1, 2)


def test_a_standby_rm_redirect_is_followed_and_the_active_rm_remembered(server):
    active = server(200, ACTIVE_INFO, "application/json")
    standby = server(307, b"", "text/plain", headers={"Location": f"http://{active.address}/ws/v1/cluster/info"})
    api = ha_pair(standby, active)
    assert api.cluster_info()["haState"] == "ACTIVE"
    assert api.url == f"http://{active.address}/ws/v1/"
    api.cluster_info()
    assert (standby.requests, active.requests) == (1, 2)


def test_only_standby_rms_is_an_error_naming_each(server):
    standby = server(200, b"This is standby RM.", "text/plain")
    other = server(200, b"This is standby RM.", "text/plain")
    with pytest.raises(YARNError, match=f"{standby.address}: standby ResourceManager.*{other.address}: standby"):
        ha_pair(standby, other, retries=0).cluster_info()


def test_a_401_is_an_authentication_error_whatever_its_body(server):
    # what Hadoop's RM answers (JSON from its web server) when anonymous access is disallowed and no user.name came
    s = server(401, b'{"message":"Authentication required"}', "application/json",
               headers={"WWW-Authenticate": "PseudoAuth"})
    with pytest.raises(AuthenticationError, match=r"HTTP 401.*PseudoAuth.*needs user.name \(sent as 'alice'\)"):
        YARNAPI(rm=f"http://{s.address}", username="alice", retries=0).cluster_metrics()
