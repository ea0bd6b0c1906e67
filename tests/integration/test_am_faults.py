"""The ApplicationMaster under real faults of small clusters of this module's own (``cluster_factory``): a lost
NodeManager, preemption between queues, a container killed for its memory, a restarted ResourceManager and an
HA failover. What is checked is what the AM makes of them: platform faults replaced without spending a restart,
memory kills naming the setting, the application surviving the RM.
"""
from __future__ import annotations

import contextlib
import time

import pytest
import requests

from helpers import app, wait_until
from knit import Knit

SLEEP = "sleep 600"


def containers_in(k: Knit, states: set[str], n: int, timeout: float = 120) -> list[dict]:
    """Wait for ``n`` containers in ``states``; return them."""
    return wait_until(lambda: (lambda cs: cs if len(cs) == n else None)(
        [c for c in k.get_containers() if c["state"] in states]), timeout, f"{n} containers {states} of {k.app_id}")


def off_am_node(k: Knit, containers: list[dict]) -> str:
    """A node running one of ``containers`` but not the AM (stopping the AM's node would restart the AM)."""
    (attempt,) = k.yarn_api.app_attempts(k.app_id)
    return next(c["node_id"] for c in containers if c["node_id"] != attempt["nodeId"])


@contextlib.contextmanager
def node_stopped(cluster, node_id: str):
    cluster.stop_node(node_id)
    try:
        yield
    finally:
        cluster.start_node(node_id)


def replacements_running(k: Knit, lost: set[str]) -> list[dict]:
    return [c for c in k.get_containers() if c["replaces"] in lost and c["state"] == "RUNNING"]


# -- node loss ---------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def three_nodes(cluster_factory):
    """3 NodeManagers of 1 GB. With 512 MB containers the AM's node (256 MB AM) holds at most one of them, so
    another node always runs one; whichever node is stopped, the others have room for its replacements."""
    return cluster_factory(nodes=3, nm_memory=1024)


def assert_lost_as_platform_faults(k: Knit, lost: set[str], victim: str) -> list[dict]:
    ended = [c for c in k.get_containers() if c["id"] in lost]
    assert {(c["state"], c["exit_status"], c["exit_class"]) for c in ended} == {("FAILED", -100, "platform")}, ended
    replacements = [c for c in k.get_containers() if c["replaces"] in lost]
    assert len(replacements) == len(lost) and all(c["node_id"] != victim for c in replacements), replacements
    assert all(c["restarts"] == 0 for c in replacements), replacements
    return replacements


def test_a_lost_node_s_containers_are_replaced_without_using_a_restart(three_nodes, point_at):
    point_at(three_nodes)
    k = Knit()
    with app(k, SLEEP, num_containers=3, memory=512, keep_alive=True, max_restarts=0):
        running = containers_in(k, {"RUNNING"}, 3)
        victim = off_am_node(k, running)
        lost = {c["id"] for c in running if c["node_id"] == victim}
        with node_stopped(three_nodes, victim):
            wait_until(lambda: len(replacements_running(k, lost)) == len(lost), 60,
                       f"replacements of {lost} RUNNING on another node")
            assert k.report()["state"] == "RUNNING"
            assert_lost_as_platform_faults(k, lost, victim)
            counts = k.get_container_counts()
            assert (counts["restarts_used"], counts["failed"]) == (0, 0), counts
            assert counts["platform_replacements"] == len(lost), counts


def test_a_batch_app_that_loses_a_node_still_succeeds(three_nodes, point_at):
    point_at(three_nodes)
    k = Knit()
    with app(k, "sleep 10", num_containers=3, memory=512, max_restarts=0):
        running = containers_in(k, {"RUNNING"}, 3)
        victim = off_am_node(k, running)
        lost = {c["id"] for c in running if c["node_id"] == victim}
        with node_stopped(three_nodes, victim):
            wait_until(lambda: len(replacements_running(k, lost)) == len(lost), 60, f"replacements of {lost}")
            assert_lost_as_platform_faults(k, lost, victim)
            assert k.wait_for_completion(120)
        report = k.report()
        assert report["final_status"] == "SUCCEEDED", report["diagnostics"]


# -- preemption and memory kills -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def queues(cluster_factory):
    """prod 70 % / batch 30 % of 2 x 1 GB, with the preemption monitor on, and pmem checks on."""
    return cluster_factory(nodes=2, nm_memory=1024, queues={"prod": 70, "batch": 30}, preemption=True,
                           memory_checks=True)


def test_preempted_containers_come_back_when_prod_ends_and_use_no_restart(queues, point_at):
    point_at(queues)
    batch, prod = Knit(), Knit()
    # batch takes the cluster (it may grow past its 30 % while nobody else asks): 256 MB AM + 6 x 256 MB.
    with app(batch, SLEEP, num_containers=6, memory=256, queue="batch", keep_alive=True, max_restarts=0):
        containers_in(batch, {"RUNNING"}, 6)
        with app(prod, SLEEP, num_containers=2, memory=256, queue="prod", keep_alive=True):
            containers_in(prod, {"RUNNING"}, 2, timeout=180)
            # batch's AM hears of the preemption at its next heartbeat
            preempted = wait_until(lambda: [c for c in batch.get_containers() if c["exit_status"] == -102], 60,
                                   "batch's AM to hear that its containers were preempted (-102)")
            assert {(c["state"], c["exit_class"]) for c in preempted} == {("FAILED", "platform")}, preempted
            waiting = [c for c in batch.get_containers() if c["replaces"] in {p["id"] for p in preempted}]
            assert len(waiting) == len(preempted), batch.get_containers()
        # prod is gone: batch's replacements get its room back
        containers_in(batch, {"RUNNING"}, 6, timeout=180)
        assert batch.report()["state"] == "RUNNING"
        counts = batch.get_container_counts()
        assert (counts["restarts_used"], counts["failed"]) == (0, 0), counts
        assert not [c for c in batch.get_containers() if c["exit_class"] in ("user", "memory", "lost")]


def test_a_memory_kill_fails_the_app_naming_the_memory_granted_and_the_keyword(queues, point_at):
    point_at(queues)
    k = Knit()
    hog = "python -c \"import time; x = b'x' * (400 << 20); time.sleep(120)\""
    with app(k, hog, num_containers=1, memory=128, queue="prod", max_restarts=0):
        assert k.wait_for_completion(120)
        report = k.report()
    assert report["final_status"] == "FAILED"
    diagnostics = report["diagnostics"]
    assert "exited with code -104" in diagnostics, diagnostics
    assert "granted 128 MB" in diagnostics and "memory=" in diagnostics and "yarn.worker.memory" in diagnostics


# -- the ResourceManager restarted, or failed over ------------------------------------------------------------------

def rm_apps_state(web_address: str, app_id: str) -> str | None:
    r = requests.get(f"http://{web_address}/ws/v1/cluster/apps/{app_id}", timeout=30, allow_redirects=False)
    return r.json()["app"]["state"] if r.status_code == 200 and "app" in r.text else None


def assert_app_carries_on(k: Knit, before: dict) -> None:
    """Still RUNNING on the same container, in its first attempt (the AM resynced), and it can grow."""
    wait_until(lambda: k.report()["state"] == "RUNNING", 60, f"{k.app_id} RUNNING again")
    assert k.yarn_api.state(k.app_id) == "RUNNING"
    assert len(k.yarn_api.app_attempts(k.app_id)) == 1, "the AM resynced rather than being replaced"
    [request_id] = k.add_containers(1)
    wait_until(lambda: [c for c in k.get_containers() if c["request_id"] == request_id and c["state"] == "RUNNING"],
               90, "the container added after the RM came back to run")
    still = [c for c in k.get_containers() if c["id"] == before["id"]]
    assert [c["state"] for c in still] == ["RUNNING"], still


@pytest.fixture(scope="module")
def ha_pair(cluster_factory):
    """An HA pair of ResourceManagers (manual failover) and one NodeManager of 1 GB; a restart or a failover
    leaves it whole for the next test."""
    return cluster_factory(nodes=1, nm_memory=1024, rms=2)


def active_and_standby(lc) -> tuple[str, str]:
    """The web addresses of the active and the standby ResourceManager, now."""
    web = [rm["web_address"] for rm in lc.info["resourcemanagers"]]  # in index order
    states = {rm["index"]: rm["state"] for rm in lc.resourcemanagers()}
    (active,) = [web[i] for i, s in states.items() if s == "ACTIVE"]
    (standby,) = [web[i] for i, s in states.items() if s == "STANDBY"]
    return active, standby


def test_the_app_survives_a_resourcemanager_restart(ha_pair, point_at):
    point_at(ha_pair)
    k = Knit()
    with app(k, SLEEP, num_containers=1, memory=256, keep_alive=True):
        (before,) = containers_in(k, {"RUNNING"}, 1)
        started = time.monotonic()
        ha_pair.restart_resourcemanager()
        print(f"RM restarted in {time.monotonic() - started:.1f} s")
        assert_app_carries_on(k, before)


def test_the_app_follows_a_failover_to_the_standby(ha_pair, point_at):
    point_at(ha_pair)
    old, new = active_and_standby(ha_pair)
    k = Knit()
    with app(k, SLEEP, num_containers=1, memory=256, keep_alive=True):
        (before,) = containers_in(k, {"RUNNING"}, 1)
        assert rm_apps_state(old, k.app_id) == "RUNNING"
        ha_pair.failover()
        assert active_and_standby(ha_pair) == (new, old)
        wait_until(lambda: rm_apps_state(new, k.app_id) == "RUNNING", 60, "the app RUNNING on the new active RM")
        assert rm_apps_state(old, k.app_id) is None, "the old RM is a standby now: it cannot have answered"
        # Knit.report() (the client JVM) and YARNAPI answer: they followed the active RM.
        assert_app_carries_on(k, before)
