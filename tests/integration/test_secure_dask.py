"""The usage page's Dask flow on the Kerberized cluster: ``DaskYARNCluster(env=...).start(2, ...)`` and a
computation checked against numpy, after ``kinit``, and with ``principal=`` + ``keytab=`` and no ticket cache."""
from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
from dask.distributed import Client

from dask_yarn import DaskYARNCluster
from dask_env import local_worker_env
from kerberized import NO_TICKET, user

CONNECT = 300  # seconds for workers to connect: the env is localized and dask imported on a busy machine


@pytest.fixture(scope="module")
def worker_env(secure_cluster):
    return local_worker_env()


def compute(cluster: DaskYARNCluster) -> None:
    with Client(cluster) as client:
        client.wait_for_workers(2, timeout=CONNECT)
        x = da.random.random((1000, 1000), chunks=250)
        with dask.config.set(scheduler=client):
            values = x.compute()
            total = x.sum().compute()
        assert values.shape == (1000, 1000) and np.isclose(total, values.sum())
        users = client.run(lambda: __import__("os").environ.get("HADOOP_TOKEN_FILE_LOCATION") is not None)
        assert len(users) == 2 and all(users.values())  # the workers hold the application's tokens


@pytest.mark.parametrize("credential", ["ticket", "keytab"])
def test_dask_on_the_secure_cluster(secure_cluster, point_at, worker_env, credential, tmp_path, monkeypatch):
    point_at(secure_cluster)
    alice = user(secure_cluster, "alice")
    if credential == "ticket":
        monkeypatch.setenv("KRB5CCNAME", secure_cluster.kinit("alice", tmp_path / "cc")["KRB5CCNAME"])
        kwargs = {}
    else:
        monkeypatch.setenv("KRB5CCNAME", NO_TICKET)
        kwargs = {"principal": alice["principal"], "keytab": alice["keytab"]}
    with dask.config.set({"yarn.dashboard-address": ":0"}):
        with DaskYARNCluster(env=worker_env, replication_factor=1, **kwargs) as cluster:
            cluster.start(2, cpu=1, memory=512)  # the usage page's call, sized for this cluster
            assert cluster.knit.user == "alice"
            compute(cluster)
