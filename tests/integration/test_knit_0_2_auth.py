"""knit 0.2.4's troubleshooting page, "REST auth": simple authentication with anonymous access disallowed, on a real
local cluster configured that way (Hadoop's ``AuthenticationFilterInitializer`` on every web app, the RM's and the
NodeManagers').

knit 0.2.4 asked for ``Knit(password='mypass', user='alternate_user')`` there. Hadoop's simple authentication
takes the user from ``user.name=`` and needs no password, so Knit sends ``user.name`` on every REST call (as Hadoop's
own clients do) and works with or without a password; a password goes as HTTP basic authentication, which
Hadoop ignores and a gateway that asks for it checks (tests/unit/test_compat.py has such a gateway).
"""
from __future__ import annotations

import pytest
import requests

from knit import Knit
from helpers import TERMINAL, app, wait_until

ANONYMOUS_OFF = {
    "hadoop.http.filter.initializers": "org.apache.hadoop.security.AuthenticationFilterInitializer",
    "hadoop.http.authentication.type": "simple",
    "hadoop.http.authentication.simple.anonymous.allowed": "false",
}


@pytest.fixture(scope="module")
def no_anonymous(cluster_factory):
    return cluster_factory(nodes=1, conf=ANONYMOUS_OFF)


def test_anonymous_disallowed_cluster_works_with_and_without_a_password(no_anonymous, point_at):
    point_at(no_anonymous)
    metrics = f"http://{no_anonymous.rm_web_address}/ws/v1/cluster/metrics"
    refused = requests.get(metrics, timeout=30)  # positive control: the cluster does refuse anonymous calls
    assert (refused.status_code, refused.headers.get("WWW-Authenticate")) == (401, "PseudoAuth")

    k = Knit()
    with app(k, 'echo "hello-$CONTAINER_ID"; sleep 600', num_containers=1, memory=128) as app_id:
        wait_until(lambda: k.status()["runningContainers"] == 2, 180, "the AM and the container running")
        logs = wait_until(lambda: (lg := k.logs()) and any("hello-" in f["stdout"] for f in lg.values()) and lg,
                          120, "the container's output, live from its NodeManager")
        assert len(logs) == 2  # the container's and the AM's, both read through NodeManagers' REST APIs

        other = Knit(password="mypass", user="alternate_user")  # as knit 0.2.4's troubleshooting page writes it
        assert app_id in other.yarn_api.apps
        assert other.yarn_api.status(app_id)["state"] == "RUNNING"
        assert other.yarn_api.kill(app_id)  # as alternate_user: ACLs are off here, so any user may
    assert k.runtime_status() in TERMINAL
