"""YARNAPI and the pre-flight checks against the live ResourceManager of the local cluster.

Applications are submitted through the RM's own REST submission API (an AM container that prints a line and
sleeps): real YARN applications of any type and for any user name, in a second and without a JVM on our side.
Every one is killed by the ``rest_apps`` fixture whatever happens.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import requests

from knit.checks import QueueError, ResourceLimitError, preflight
from knit.conf import HadoopConf
from knit.exceptions import ApplicationNotFound
from knit.states import APP_FINISHED
from knit.yarn_api import YARNAPI
from helpers import wait_until

FIXTURES = Path(__file__).parent.parent / "unit" / "fixtures" / "conf"


def submit_rest_app(rm_web: str, user: str, app_type: str, name: str, command: str,
                    memory: int = 128) -> str:
    """Submit an application through the RM's REST API as ``user``; returns its id."""
    base = f"http://{rm_web}/ws/v1/cluster/apps"
    r = requests.post(f"{base}/new-application", params={"user.name": user}, timeout=30)
    r.raise_for_status()
    app_id = r.json()["application-id"]
    body = {"application-id": app_id, "application-name": name, "application-type": app_type,
            "queue": "default", "max-app-attempts": 1, "resource": {"memory": memory, "vCores": 1},
            "am-container-spec": {"commands": {"command": command}}}
    r = requests.post(base, params={"user.name": user}, json=body, timeout=30)
    assert r.status_code == 202, r.text
    return app_id


@pytest.fixture
def rest_apps(hadoop_cluster):
    """``submit(user, app_type, name, command)``; kills every application it submitted at teardown."""
    submitted: list[str] = []

    def submit(user: str, app_type: str, name: str = "knit-test",
               command: str = "echo knit-hello-stdout 1><LOG_DIR>/stdout; sleep 300") -> str:
        app_id = submit_rest_app(hadoop_cluster.rm_web_address, user, app_type, name, command)
        submitted.append(app_id)
        return app_id

    yield submit
    api = YARNAPI(rm=hadoop_cluster.rm_web_address)
    for app_id in submitted:
        if api.state(app_id) not in APP_FINISHED:
            api.kill(app_id)


@pytest.fixture(scope="module")
def api(hadoop_cluster):
    y = YARNAPI()  # autodetected from HADOOP_CONF_DIR, as users get it
    yield y
    y.close()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


# ---- the cluster ------------------------------------------------------------------------------------------------

def test_conf_autodetection_finds_the_live_rm(api, hadoop_cluster):
    assert api.bases == [f"http://{hadoop_cluster.rm_web_address}"]
    assert HadoopConf().default_fs == hadoop_cluster.namenode_address


def test_cluster_calls(api):
    info = api.cluster_info()
    assert info["state"] == "STARTED" and info["haState"] == "ACTIVE"
    metrics = api.cluster_metrics()
    assert metrics["activeNodes"] == 2 and metrics["totalMB"] > 0
    sched = api.scheduler()
    assert sched["type"] == "capacityScheduler"
    assert any(q["queueName"] == "default" for q in sched["queues"]["queue"])
    nodes = api.nodes()
    assert len(nodes) == 2 and {n["state"] for n in api.nodes(states="RUNNING")} == {"RUNNING"}


def test_unknown_application_is_application_not_found(api):
    missing = "application_1_0001"
    for call in (api.status, api.state, api.app_attempts, api.kill_app):
        with pytest.raises(ApplicationNotFound, match="not found|application_1_0001"):
            call(missing)


# ---- one application through every call ----------------------------------------------------------------------------

def test_every_application_call_on_a_live_app(api, rest_apps):
    name = unique("knit-it-")
    app_id = rest_apps(api.user, "KNIT", name)

    def am_container():
        for node in api.nodes(states="RUNNING"):
            for c in api.node_containers(node):
                if c["id"].startswith("container_") and app_id.split("_", 1)[1] in c["id"] \
                        and c["state"] == "RUNNING":
                    return c
        return None
    am = wait_until(am_container, 60, f"the AM container of {app_id} to run")

    listed = api.list_apps(states=["ACCEPTED", "RUNNING"], name=name, user=api.user, queue="default")
    assert [a["id"] for a in listed] == [app_id]
    assert api.list_apps(states="FINISHED", name=name) == []
    assert api.apps_info(app_id)["name"] == name and api.status(app_id)["applicationType"] == "KNIT"
    assert api.state(app_id) in ("ACCEPTED", "RUNNING")
    containers = api.app_containers(app_id)
    assert [c["id"] for c in containers] == [am["id"]]
    assert containers[0]["node_http_address"] == am["node_http_address"]

    files = wait_until(lambda: {f["fileName"]: f for f in api.container_log_files(am["node_http_address"], am["id"])
                              if f["fileName"] == "stdout" and int(f["fileSize"]) > 0},
                     30, "stdout to be written")
    assert "stdout" in files
    assert api.container_log(am["node_http_address"], am["id"], "stdout") == "knit-hello-stdout\n"

    assert api.kill_app(app_id) == "KILLED"
    assert api.state(app_id) == "KILLED"
    assert [a["id"] for a in api.list_apps(states="KILLED", name=name)] == [app_id]  # the state filter finds it now
    attempts = api.app_attempts(app_id)  # the RM keeps attempts of finished applications
    assert [a["containerId"] for a in attempts] == [am["id"]]


def test_kill_all_kills_only_knit_apps_of_the_current_user(hadoop_cluster, rest_apps):
    me, other = unique("knit-me-"), unique("knit-other-")
    mine = rest_apps(me, "KNIT")
    not_knit = rest_apps(me, "YARN")  # e.g. DistributedShell's type
    someone_elses = rest_apps(other, "KNIT")
    api = YARNAPI(username=me)

    assert api.kill_all() == [mine]
    assert api.state(mine) == "KILLED"
    for app_id in (not_knit, someone_elses):
        assert api.state(app_id) in ("ACCEPTED", "RUNNING")


# ---- RM HA -----------------------------------------------------------------------------------------------------

def test_ha_conf_with_a_dead_first_rm_fails_over_to_the_live_one(hadoop_cluster):
    env = dict(os.environ, KNIT_LIVE_RM_WEB=hadoop_cluster.rm_web_address, KNIT_LIVE_RM=hadoop_cluster.rm_address)
    conf = HadoopConf(FIXTURES / "ha_dead_first", environ=env)
    assert conf.rm_web_urls == ["http://127.0.0.1:1", f"http://{hadoop_cluster.rm_web_address}"]
    api = YARNAPI(conf=conf)
    assert api.cluster_metrics()["activeNodes"] == 2
    assert api.url == f"http://{hadoop_cluster.rm_web_address}/ws/v1/"  # sticks to the active RM
    assert api.nodes() and api.list_apps(states="RUNNING") is not None


# ---- pre-flight --------------------------------------------------------------------------------------------------

def test_preflight_accepts_a_small_request(api):
    result = preflight(api, "default", containers=2, memory=128, vcores=1, am_memory=256, am_vcores=1)
    assert result["queue"] == "root.default" and result["max_memory"] == 4096


def test_preflight_rejects_what_can_never_run_but_not_what_is_too_many_for_now(api):
    with pytest.raises(ResourceLimitError, match=r"memory 8192 MB exceeds .* maximum allocation 4096 MB"):
        preflight(api, "default", containers=1, memory=8192, vcores=1, am_memory=256, am_vcores=1)
    with pytest.raises(ResourceLimitError, match="vcores 64"):
        preflight(api, "default", containers=1, memory=128, vcores=64, am_memory=256, am_vcores=1)
    with pytest.raises(QueueError, match="'no-such-queue' does not exist; leaf queues: root.default"):
        preflight(api, "no-such-queue", containers=1, memory=128, vcores=1, am_memory=256, am_vcores=1)
    with pytest.raises(QueueError, match="parent queue"):
        preflight(api, "root", containers=1, memory=128, vcores=1, am_memory=256, am_vcores=1)
    # More than the cluster could hold at once can still run (YARN queues it): submitted, not refused.
    assert not preflight(api, "default", containers=1000, memory=1024, vcores=1, am_memory=256,
                         am_vcores=1)["fits_now"]
