"""dask_yarn and the ApplicationMaster's classification of container ends (``exit_class``), no Hadoop cluster.

A worker whose container the cluster took away (``platform``: node lost, preempted) is replaced by the AM under the
same name without spending a restart: dask_yarn must neither spend ``worker_restarts`` nor ask a second time, and
SpecCluster's lost-worker handling must not remove the AM's replacement. Failures keep their behaviour (replaced
under a new name, one restart spent; tests/unit/test_dask_yarn.py). The real fault (a NodeManager stopped) is in
tests/integration/test_dask_faults.py.
"""
from __future__ import annotations

import dask
from distributed import Client

from dask_fakes import (FakeKnit, _config, names_in_scheduler, no_client_jvm,  # noqa: F401 (fixtures)
                        openssl_identity, process_knit, wait_until)
from dask_yarn import DaskYARNCluster


def logged(cluster, text):
    return [line for _, line in cluster._cluster_manager_logs if text in line]


def test_a_platform_fault_spends_no_restart_and_is_not_asked_for_again():
    k = FakeKnit()
    with DaskYARNCluster(knit=k, worker_restarts=0) as cluster:
        cluster.start(2)
        wait_until(lambda: all(r["state"] == "RUNNING" for r in k.records), what="2 running")
        names = set(cluster.worker_spec)
        victim = sorted(names)[0]
        # The listing between the end and the AM's new request: the platform end alone.
        lost = k.lose(victim, replace=False)
        wait_until(lambda: logged(cluster, f"Worker {victim} ({lost}) lost to the cluster"), what="the loss told")
        k._request(victim, 1, 2048, replaces=lost)  # the AM's replacement, same name
        wait_until(lambda: k.records[-1]["state"] == "RUNNING", what="the replacement running")
        wait_until(lambda: logged(cluster, "Worker"), what="a watch round")
        assert set(cluster.worker_spec) == names and victim in cluster.workers  # same worker, same name
        assert cluster.restarts_used == 0 and k.added == [] and k.removed == []
        assert len(logged(cluster, "lost to the cluster")) == 1 and not logged(cluster, "replacing it")


def test_the_am_s_replacement_survives_specclusters_lost_worker_handling(process_knit):
    """Real workers: the lost one's replacement connects after ``lost-worker-timeout`` (1 s here), when
    SpecCluster has closed the missing worker; its container must not be removed, nor a third one asked for."""
    k = process_knit
    with DaskYARNCluster(knit=k, worker_restarts=0) as cluster, Client(cluster) as client:
        cluster.start(2, cpu=1, memory=512)
        cluster.wait_for_workers(2, timeout=60)
        victim = sorted(cluster.workers)[0]
        old = {a for a, w in cluster.scheduler_info["workers"].items() if w["name"] == victim}
        k.lose(victim, delay=4)
        wait_until(lambda: victim not in names_in_scheduler(cluster), 30, "the lost worker gone from the scheduler")
        wait_until(lambda: victim in names_in_scheduler(cluster) and not old & set(cluster.scheduler_info["workers"]),
                   60, "the AM's replacement connected under the same name")
        assert k.removed == [] and k.added == []  # nothing removed, nothing asked for twice
        assert cluster.restarts_used == 0 and set(cluster.workers) == names_in_scheduler(cluster)
        assert [r["state"] for r in k.records if r["name"] == victim] == ["FAILED", "RUNNING"]
        wait_until(lambda: victim not in cluster._app.replacing, 10, "the name followed until it connected")
        assert client.submit(lambda x: x + 1, 1).result(timeout=30) == 2
        cluster.scale(1)  # a scale-down still removes it
        wait_until(lambda: len(cluster.workers) == 1, 30, "scale to 1")
        assert len(k.removed) == 1


def test_a_container_lost_with_an_am_attempt_is_replaced_here_for_free():
    k = FakeKnit()
    with DaskYARNCluster(knit=k, worker_restarts=0) as cluster:
        cluster.start(1)
        wait_until(lambda: k.records[0]["state"] == "RUNNING", what="running")
        k.records[0].update(state="FAILED", exit_class="lost", diagnostics="lost with attempt 1")
        wait_until(lambda: len(k.added) == 1, what="a replacement asked for by dask_yarn")
        assert cluster.restarts_used == 0 and logged(cluster, "replacing it")
        assert k.added[0][0] != [k.records[0]["name"]]  # a new name: lost-worker handling cannot close it


def test_a_failure_still_spends_a_restart():
    k = FakeKnit()
    with dask.config.set({"yarn.worker.restarts": 1}), DaskYARNCluster(knit=k) as cluster:
        cluster.start(1)
        wait_until(lambda: k.records[0]["state"] == "RUNNING", what="running")
        k.records[0].update(state="FAILED", exit_status=1, exit_class="user")
        wait_until(lambda: len(k.added) == 1, what="a replacement asked for by dask_yarn")
        assert cluster.restarts_used == 1 and logged(cluster, "replacing it")


def test_a_remote_scheduler_whose_am_moved_judges_idleness_by_its_own_clock(tmp_path, monkeypatch, capsys):
    """After an AM restart the scheduler's KNIT_AM_URL names the dead attempt: the idle check must not crash."""
    from dask_yarn import _knit_dask as runner
    (tmp_path / runner.TOKEN_FILE).write_text("0123abcd\n")
    monkeypatch.chdir(tmp_path)
    import socket
    with socket.socket() as s:  # a port nobody listens on: the dead attempt's
        s.bind(("127.0.0.1", 0))
        monkeypatch.setenv("KNIT_AM_URL", f"http://127.0.0.1:{s.getsockname()[1]}")
    assert runner.AM().idle_seconds() == float("inf")  # idle by any timeout: the scheduler's clock decides
    assert "cannot be reached" in capsys.readouterr().err
