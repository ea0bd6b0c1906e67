"""The local cluster fails on purpose, for real: a NodeManager lost and back, the ResourceManager restarted with
recovery, an HA pair failed over, containers preempted between queues, a container killed for its memory.

Each fault runs on a small cluster of this module's own (``cluster_factory``), never on the shared one; the
applications are Knit's own, started through ``app`` (always killed) and keep-alive, so that the faults' exit
statuses stay in the AM's records whatever the AM's restart policy makes of them.
"""
from __future__ import annotations

import time

import pytest
import requests

from helpers import app, wait_until
from knit import Knit

SLEEP = "sleep 600"


@pytest.fixture(scope="module")
def small(cluster_factory):
    """2 NodeManagers of 512 MB: next to a 256 MB AM, a node holds one 256 MB container, so a 2-container app
    always has a container on a node other than the AM's."""
    return cluster_factory(nodes=2, nm_memory=512)


def rm_nodes(web_address: str) -> dict[str, str]:
    r = requests.get(f"http://{web_address}/ws/v1/cluster/nodes", params={"states": "RUNNING,LOST,SHUTDOWN"},
                     timeout=30)
    r.raise_for_status()
    return {n["id"]: n["state"] for n in (r.json()["nodes"] or {}).get("node", [])}


def cluster_info(web_address: str) -> dict:
    r = requests.get(f"http://{web_address}/ws/v1/cluster/info", timeout=30)
    r.raise_for_status()
    return r.json()["clusterInfo"]


def app_state(web_address: str, app_id: str) -> str:
    r = requests.get(f"http://{web_address}/ws/v1/cluster/apps/{app_id}", timeout=30)
    r.raise_for_status()
    return r.json()["app"]["state"]


def containers_running(k: Knit, n: int) -> list[dict]:
    return wait_until(lambda: (lambda cs: cs if sum(c["state"] == "RUNNING" for c in cs) == n else None)(
        k.get_containers()), 120, f"{n} RUNNING containers of {k.app_id}")


def test_stopped_node_is_lost_its_containers_aborted_and_it_comes_back(small, point_at):
    point_at(small)
    k = Knit()
    with app(k, SLEEP, num_containers=2, memory=256, keep_alive=True):
        containers = containers_running(k, 2)
        (attempt,) = k.yarn_api.app_attempts(k.app_id)
        victim = next(c["node_id"] for c in containers if c["node_id"] != attempt["nodeId"])
        doomed = {c["id"] for c in containers if c["node_id"] == victim}

        stopped_at = time.monotonic()
        row = small.stop_node(victim)
        assert (row["node_id"], row["running"]) == (victim, False)
        wait_until(lambda: rm_nodes(small.rm_web_address)[victim] == "LOST", 60, f"the RM to see {victim} LOST")
        print(f"node loss detected by the RM {time.monotonic() - stopped_at:.1f} s after the stop")
        ended = wait_until(lambda: [c for c in k.get_containers()
                                    if c["id"] in doomed and c["exit_status"] is not None],
                           60, "the AM to hear of the lost containers")
        assert {c["exit_status"] for c in ended} == {-100}, ended  # ContainerExitStatus.ABORTED

        row = small.start_node(victim)
        assert (row["node_id"], row["running"], row["state"]) == (victim, True, "RUNNING")
        assert rm_nodes(small.rm_web_address)[victim] == "RUNNING"
        # by index too, and a second start is refused with the reason
        with pytest.raises(Exception, match="already running"):
            small.start_node(small.node_ids.index(victim))


def test_rm_restart_keeps_the_running_application(small, point_at):
    point_at(small)
    k = Knit()
    with app(k, SLEEP, num_containers=1, memory=256):
        (before,) = containers_running(k, 1)
        started_on = cluster_info(small.rm_web_address)["startedOn"]
        restarted = small.restart_resourcemanager()
        print(f"RM restarted in {restarted['seconds']:.1f} s")
        info = cluster_info(small.rm_web_address)  # a new RM answers on the same address ...
        assert info["startedOn"] > started_on and info["haState"] == "ACTIVE"
        # ... recovered the application (RUNNING again once its AM has resynced), still running its container
        wait_until(lambda: k.yarn_api.state(k.app_id) == "RUNNING", 60, f"{k.app_id} RUNNING after the restart")
        (after,) = containers_running(k, 1)
        assert after["id"] == before["id"]


def test_ha_failover_makes_the_standby_active_and_apps_keep_running(cluster_factory, point_at):
    lc = point_at(cluster_factory(nodes=1, nm_memory=1024, rms=2))
    rm0, rm1 = (rm["web_address"] for rm in lc.info["resourcemanagers"])
    assert (cluster_info(rm0)["haState"], cluster_info(rm1)["haState"]) == ("ACTIVE", "STANDBY")
    k = Knit()
    with app(k, SLEEP, num_containers=1, memory=256):
        (before,) = containers_running(k, 1)
        new_active = lc.failover()
        assert (new_active["id"], new_active["state"]) == ("rm1", "ACTIVE")
        assert (cluster_info(rm0)["haState"], cluster_info(rm1)["haState"]) == ("STANDBY", "ACTIVE")
        assert [rm["state"] for rm in lc.resourcemanagers()] == ["STANDBY", "ACTIVE"]
        # the new active RM recovered the application; it is RUNNING again once its AM has resynced
        wait_until(lambda: app_state(rm1, k.app_id) == "RUNNING", 60, f"{k.app_id} RUNNING on the new active RM")
        wait_until(lambda: rm_nodes(rm1) == {lc.node_ids[0]: "RUNNING"}, 60, "the NodeManager on the new active RM")
        (after,) = containers_running(k, 1)
        assert after["id"] == before["id"]


@pytest.fixture(scope="module")
def queues(cluster_factory):
    """prod 70 % / batch 30 % of 2 GB, with preemption, and pmem checks on."""
    return cluster_factory(nodes=2, nm_memory=1024, queues={"prod": 70, "batch": 30}, preemption=True,
                           memory_checks=True)


def test_preemption_ends_a_container_with_exit_status_minus_102(queues, point_at):
    point_at(queues)
    batch, prod = Knit(), Knit()
    # batch takes the whole cluster: 2 AMs' worth of room is left for nothing else
    with app(batch, SLEEP, num_containers=6, memory=256, queue="batch", keep_alive=True):
        containers_running(batch, 6)
        # prod is under its 70 % guarantee with demand pending: the RM takes containers back from batch
        with app(prod, SLEEP, num_containers=2, memory=256, queue="prod", checks=False, keep_alive=True):
            preempted = wait_until(lambda: [c for c in batch.get_containers() if c["exit_status"] == -102], 120,
                                   "a batch container preempted (exit status -102)")
            assert all(c["state"] != "RUNNING" for c in preempted)
            containers_running(prod, 2)


def test_memory_checks_kill_a_container_over_its_memory_with_minus_104(queues, point_at):
    point_at(queues)
    k = Knit()
    hog = "python -c \"import time; x = b'x' * (400 << 20); time.sleep(120)\""
    with app(k, hog, num_containers=1, memory=128, queue="prod", keep_alive=True):
        (killed,) = wait_until(lambda: [c for c in k.get_containers() if c["exit_status"] is not None], 120,
                               "the memory hog to be killed")
        assert killed["exit_status"] == -104, killed  # ContainerExitStatus.KILLED_EXCEEDED_PMEM
        assert "physical memory" in killed["diagnostics"], killed["diagnostics"]


def test_the_leak_check_fails_on_a_live_application_and_kills_it(small, point_at):
    """The fixtures' "nothing left alive" check really sees a live application (and stops it)."""
    from conftest import assert_no_live_apps
    point_at(small)
    k = Knit()
    with app(k, SLEEP, num_containers=1, memory=128):
        containers_running(k, 1)
        with pytest.raises(AssertionError, match=k.app_id):
            assert_no_live_apps(small)
        assert k.yarn_api.state(k.app_id) == "KILLED"
    assert_no_live_apps(small)  # and passes once nothing runs
