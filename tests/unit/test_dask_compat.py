"""knit 0.2's ``DaskYARNCluster`` calls on today's cluster, with ``FakeKnit`` (tests/unit/test_dask_yarn.py) playing
``knit.Knit`` at its Python boundary. On the local cluster: tests/integration/test_dask_0_2_api.py.
"""
from __future__ import annotations

import dask
import pytest

from dask_yarn import ClusterStateError, DaskYARNCluster, WorkerNotFound
from knit.exceptions import SpecError
from dask_fakes import TEST_CONFIG, FakeKnit, no_client_jvm, openssl_identity  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _config():
    with dask.config.set(TEST_CONFIG):
        yield


def test_cpus_is_cpu_and_nworkers_is_n_workers():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(nworkers=2, cpus=3, memory=512)
        (start,) = k.started
        assert (start["num_containers"], start["virtual_cores"], start["memory"]) == (2, 3, 512)
        assert cluster.new_spec["options"]["nthreads"] == 3
        cluster.add_workers(1, cpus=1, memory=256)
        assert [(len(n), v, m) for n, v, m in k.added] == [(1, 1, 256)]
        with pytest.raises(TypeError, match="cpu= or cpus="):
            cluster.add_workers(1, cpu=1, cpus=2)
        with pytest.raises(TypeError, match="cpu= or cpus="):
            cluster.start(1, cpu=1, cpus=1)


def test_start_checks_and_kwargs_go_to_the_application_before_it_is_submitted(tmp_path):
    extra = tmp_path / "creds.txt"
    extra.write_text("x")
    k = FakeKnit()
    with DaskYARNCluster(knit=k, envvars={"A": "1"}) as cluster:
        with pytest.raises(SpecError, match="start\\(\\) got \\['cmd'\\]"):
            cluster.start(1, cmd="sleep 1")
        cluster.start(1, cpus=1, memory=512, checks=False, files=[str(extra)], envvars={"B": "2"}, queue="q2")
        (start,) = k.started
        assert start["checks"] is False and start["queue"] == "q2"
        assert start["envvars"] == {"A": "1", "B": "2"} and start["files"][0] == str(extra)
        with pytest.raises(ClusterStateError, match="before it is submitted"):
            cluster.start(2, queue="q3")
        cluster.start(2, checks=True)  # the default asks nothing: fine once submitted


def test_env_is_public_and_settable_until_submission(tmp_path):
    env, other = tmp_path / "env.zip", tmp_path / "other.zip"
    env.write_bytes(b"")
    other.write_bytes(b"")
    k = FakeKnit()
    with DaskYARNCluster(knit=k, env=str(env)) as cluster:
        assert cluster.env == str(env)
        cluster.env = str(other)
        cluster.start(1, memory=512)
        assert k.started[0]["env"] == str(other)
        with pytest.raises(ClusterStateError, match="fixed"):
            cluster.env = str(env)
    k = FakeKnit()
    with DaskYARNCluster(knit=k, packages=["numpy"], conda_pars={"conda_envs": "/envs"}) as cluster:
        assert cluster.env == "/tmp/" + k.created_envs[0][0] + ".zip"  # the zip built from packages
        assert k.created_envs[0][2]["conda_pars"] == {"conda_envs": "/envs"}


def test_container_ids_and_remove_worker_by_container_id():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(2, cpus=1, memory=512)
        ids = cluster.container_ids
        by_id = {c["id"]: c["name"] for c in k.get_containers()}
        assert len(ids) == 2 and ids == sorted(ids) and all(i.startswith("container_") for i in ids)
        assert sorted(cluster.workers) == sorted(by_id[i] for i in ids)  # .workers: names, as distributed has it
        cluster.remove_worker(ids[0])
        assert k.removed == [by_id[ids[0]]] and cluster.container_ids == [ids[1]]
        with pytest.raises(WorkerNotFound):
            cluster.remove_worker("container_1_0001_01_999999")
