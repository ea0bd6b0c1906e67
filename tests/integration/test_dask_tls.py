"""DaskYARNCluster over TLS by default, on the real local cluster: ``tls://`` addresses in both deploy modes, a
computation through ``Client(cluster)``, clients without the cluster's certificate refused by the scheduler, and
the identity reaching the containers as private per-application files (on the NodeManagers' disks under the
application's cache only while it runs, in no log).
"""
from __future__ import annotations

import json
from pathlib import Path

import dask
import dask.array as da
import pytest
from dask.distributed import Client
from distributed.security import Security

from dask_yarn import DaskYARNCluster
from dask_yarn.security import FILES
from dask_env import local_worker_env
from helpers import wait_until
from knit import gateway

CONNECT = 240  # seconds for workers to connect on a busy machine (the env is localized, dask imported)


@pytest.fixture(scope="module")
def worker_env(hadoop_cluster):
    return local_worker_env()


@pytest.fixture(autouse=True)
def _config():
    with dask.config.set({"yarn.dashboard-address": ":0", "yarn.scheduler.memory": "512 MiB"}):
        yield


def localized(hadoop_cluster, name: str) -> list[Path]:
    """Every NodeManager's localized copy of a file called ``name``, wherever it was put."""
    return [p for p in Path(hadoop_cluster.dir).rglob(name) if "usercache" in p.parts]


def connected(cluster, n: int) -> bool:
    return len(cluster.scheduler_info["workers"]) == n


def test_local_mode_is_tls_and_refuses_strangers(worker_env, hadoop_cluster, tmp_path):
    with DaskYARNCluster(env=worker_env, worker_memory="512 MiB") as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        cluster.scale(2)
        wait_until(lambda: connected(cluster, 2), CONNECT, "2 workers connected")
        with Client(cluster) as client:  # unchanged: it takes the cluster's Security
            assert client.compute(da.ones((1000, 1000), chunks=100).sum()).result(timeout=120) == 1e6
            assert all(a.startswith("tls://") for a in client.scheduler_info()["workers"])
        with pytest.raises((OSError, TypeError)):  # no certificate at all
            Client(cluster.scheduler_address, timeout=10)
        other = json.loads(gateway.client().call("tlsIdentity", "stranger", 1))
        stranger = Security(tls_ca_file=cluster.security.tls_ca_file, tls_client_cert=other["certificate"],
                            tls_client_key=other["private_key"], require_encryption=True)
        with pytest.raises(OSError):  # it trusts the scheduler, but the scheduler does not trust it
            Client(cluster.scheduler_address, security=stranger, timeout=10)

        key, app_id = cluster._secret_files[FILES["worker_key"]], cluster.app_id
        copies = localized(hadoop_cluster, FILES["worker_key"])
        # earlier applications' copies may still wait for their NodeManager's deletion: look at this one's
        ours = [p for p in copies if app_id in p.parts]
        assert ours and all(p.read_text() == key for p in ours)  # what the workers read, to compare with
        assert all("appcache" in p.parts for p in copies)  # APPLICATION resources: never in a node's filecache
        body = key.splitlines()[1]
        for container, files in cluster.knit.logs().items():
            for name, text in files.items():
                assert body not in text, f"the cluster's private key in {container}'s {name}"
    wait_until(lambda: not any(p.exists() for p in ours), 120,
               "the NodeManagers to delete the application's copy of the key")


def test_remote_mode_is_tls(worker_env, hadoop_cluster):
    with DaskYARNCluster(env=worker_env, deploy_mode="remote", n_workers=1, worker_memory="512 MiB") as cluster:
        assert cluster.scheduler_address.startswith("tls://")  # the scheduler in its container
        wait_until(lambda: connected(cluster, 1), CONNECT, "the worker connected")
        with Client(cluster) as client:
            assert client.submit(lambda x: x * 2, 21).result(timeout=120) == 42
        with pytest.raises((OSError, TypeError)):
            Client(cluster.scheduler_address, timeout=10)
