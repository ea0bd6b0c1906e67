"""DaskYARNCluster under real faults: its ApplicationMaster killed -9 (YARN starts attempt 2, which adopts the
running containers), and a NodeManager stopped under one of its workers (the AM replaces the container under the
same name, a platform fault). What is checked is Dask's side: workers stay connected or come back under their
names, no ``worker_restarts`` is spent, the key-value store (scheduler address, settings, dashboard target)
survives the AM, and a computation afterwards succeeds.
"""
from __future__ import annotations

import os
import signal

import pytest
from dask.distributed import Client

from dask_yarn import DaskYARNCluster
from helpers import wait_until
from integration.test_am_faults import node_stopped, off_am_node
from integration.test_am_restart import am_pid, attempts
from integration.test_dask import (CONNECT, _config, check_computation, check_dashboard,  # noqa: F401 (fixtures)
                                   live_containers, names, settle, worker_env)


def kill_am(k) -> None:
    """SIGKILL the AM's JVM and wait for attempt 2 to run."""
    [first] = attempts(k)
    os.kill(wait_until(lambda: am_pid(first["containerId"]), 30, "the AM's JVM"), signal.SIGKILL)
    wait_until(lambda: (lambda a: len(a) == 2 and a[-1].get("appAttemptState") == "RUNNING")(attempts(k)), 180,
               "attempt 2 to be RUNNING")


def test_a_killed_am_keeps_a_local_mode_cluster_working(worker_env, hadoop_cluster):
    with DaskYARNCluster(env=worker_env, worker_memory="512 MiB", worker_restarts=0) as cluster, \
            Client(cluster) as client:
        settle(cluster, 2)
        before = {n: c["id"] for n, c in live_containers(cluster).items()}
        kill_am(cluster.knit)
        # the same workers, still connected, in the same containers (adopted by attempt 2)
        assert {n: c["id"] for n, c in live_containers(cluster).items()} == before
        assert names(cluster) == set(before)
        check_computation(cluster, client, 2)
        check_dashboard(hadoop_cluster, cluster.app_id)  # attempt 2 kept the dashboard's address
        settle(cluster, 3)  # attempt 2 takes new requests
        assert cluster.restarts_used == 0


def test_a_killed_am_keeps_a_remote_cluster_attachable_and_growing(worker_env, hadoop_cluster):
    cluster = DaskYARNCluster(env=worker_env, deploy_mode="remote", n_workers=1, worker_memory="512 MiB")
    try:
        with Client(cluster) as client:
            check_computation(cluster, client, 1)
        kill_am(cluster.knit)
        # another process's view: the settings and the scheduler's address come from attempt 2's store
        other = DaskYARNCluster.from_application_id(cluster.app_id)
        assert other.scheduler_address == cluster.scheduler_address and set(other.workers) == {"dask-worker-0"}
        with Client(other) as client:
            settle(other, 2)  # the new worker (launched by attempt 2) finds the scheduler's address there
            check_computation(other, client, 2)
        check_dashboard(hadoop_cluster, cluster.app_id)
        other.close()
        wait_until(lambda: cluster.knit.report()["state"] in ("KILLED", "FINISHED"), 60, "the application ended")
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def three_nodes(cluster_factory):
    """3 NodeManagers of 896 MB: the AM (256 MB) and two 512 MB workers, never two workers on one node (1 GB
    nodes let YARN put both on one, and the test then lost both); any node's loss leaves room."""
    return cluster_factory(nodes=3, nm_memory=896)


def test_a_worker_on_a_lost_node_comes_back_under_its_name_without_a_restart(three_nodes, point_at, worker_env):
    """The AM hears of the loss (the RM declares the node lost after 5 s) before SpecCluster's default
    ``lost-worker-timeout`` (15 s) closes the missing worker; its replacement, same name, becomes the worker.
    (With a timeout shorter than the node expiry SpecCluster closes the worker first: dask_yarn then removes the
    container and asks for it again, spending no restart either.)"""
    point_at(three_nodes)
    with DaskYARNCluster(env=worker_env, worker_memory="512 MiB", worker_restarts=0) as cluster, \
            Client(cluster) as client:
        settle(cluster, 2)
        running = list(live_containers(cluster).values())
        victim_node = off_am_node(cluster.knit, running)
        [victim] = [c for c in running if c["node_id"] == victim_node]
        with node_stopped(three_nodes, victim_node):
            def back():
                records = [c for c in cluster.knit.get_containers() if c["name"] == victim["name"]]
                return records if len(records) == 2 and records[-1]["state"] == "RUNNING" and \
                    victim["name"] in names(cluster) else None
            lost, replacement = wait_until(back, CONNECT, f"{victim['name']} back under its name")
            assert (lost["id"], lost["exit_status"], lost["exit_class"]) == (victim["id"], -100, "platform")
            assert replacement["replaces"] == victim["id"] and replacement["node_id"] != victim_node
            # nothing asked for by dask_yarn: two workers' records plus the AM's one replacement
            assert len([c for c in cluster.knit.get_containers() if c["name"]]) == 3
            assert cluster.restarts_used == 0 and set(cluster.workers) == names(cluster)
            check_computation(cluster, client, 2)
