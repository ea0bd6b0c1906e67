"""knit 0.2.4's ``DaskYARNCluster`` calls, as its users wrote them, on the real local cluster; and a Dask user's test
suite that imports ``distributed.utils_test`` first, whose config reset removes ``yarn.*`` from ``dask.config``.

The workers' environment is :func:`dask_env.local_worker_env` (this process's dask and distributed).
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from dask.distributed import Client

from dask_yarn import DaskYARNCluster
from dask_env import local_worker_env
from helpers import TERMINAL, wait_until

REPO = str(Path(__file__).resolve().parents[2])
CONNECT = 240  # seconds for workers to connect on a busy machine


@pytest.fixture(scope="module")
def worker_env(hadoop_cluster):
    return local_worker_env()


def test_dask_0_2_script(worker_env):
    cluster = DaskYARNCluster(env=worker_env)
    try:
        app_id = cluster.start(2, cpus=1, memory=512)  # 0.2.4's API reference wrote cpus=
        assert app_id == cluster.app_id and cluster.env == worker_env
        client = Client(cluster)
        client.wait_for_workers(2, timeout=CONNECT)
        assert client.submit(lambda x: x + 1, 1).result(timeout=CONNECT) == 2
        ids = wait_until(lambda: len(cluster.container_ids) == 2 and cluster.container_ids, CONNECT,
                         "both workers' containers running")
        assert len(cluster.workers) == 2  # 0.2.4's len(cluster.workers); names now (distributed's dict)

        cluster.add_workers(1, cpus=1, memory=512)
        client.wait_for_workers(3, timeout=CONNECT)
        status = wait_until(lambda: (s := cluster.knit.status())["runningContainers"] == 4 and s, CONNECT,
                            "the AM and three workers' containers in the RM's report")
        assert status["allocatedVCores"] == 4

        cluster.remove_worker(ids[0])  # 0.2.4 removed workers by container id
        wait_until(lambda: len(client.scheduler_info()["workers"]) == 2 and ids[0] not in cluster.container_ids,
                   CONNECT, f"the worker in {ids[0]} retired and its container gone")
        assert sum(client.gather(client.map(lambda x: x * 2, range(10)))) == 90
        client.close()
    finally:
        cluster.close()
    assert cluster.knit.runtime_status() in TERMINAL


UTILS_TEST_FIRST = textwrap.dedent("""
    import sys
    import distributed.utils_test as ut  # first, as a Dask user's test suite does: it snapshots dask.config
    import dask
    from dask.distributed import Client
    from dask_yarn import DaskYARNCluster  # registers the yarn.* defaults, after that snapshot
    with ut.config_for_cluster_tests():  # what distributed's test decorators do: back to the snapshot
        assert "yarn" not in dask.config.config, "the reset left yarn.* in place: this would prove nothing"
        with DaskYARNCluster(env=sys.argv[1]) as cluster:
            cluster.start(1, cpu=1, memory=512)
            with Client(cluster) as client:
                print("RESULT", client.submit(sum, [1, 2]).result(timeout=240))
""")


def test_daskyarncluster_after_distributed_utils_test_resets_the_config(worker_env):
    out = subprocess.run([sys.executable, "-c", UTILS_TEST_FIRST, worker_env], cwd=REPO, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-4000:]
    assert "RESULT 3" in out.stdout
