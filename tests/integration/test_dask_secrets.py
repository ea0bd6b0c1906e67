"""``DaskYARNCluster(secret_envvars=)`` on the real local cluster: the value reaches the workers' processes and
is in no file ``Knit.logs(include_debug=True)`` returns (launch_container.sh included); a plain ``envvars``
value a worker prints, the positive control, is found by the same probe."""
from __future__ import annotations

import hashlib
import os
import uuid

import dask
from dask.distributed import Client

from dask_yarn import DaskYARNCluster
from dask_env import local_worker_env
from helpers import wait_until
from integration.test_dask import CONFIG, settle

SECRET = "s3cr3t-" + uuid.uuid4().hex[:8]  # unique to this run: nothing another run left can match it
PLAIN = "plain-" + uuid.uuid4().hex[:8]


def holding(logs: dict, text: str) -> list[str]:
    return sorted(f"{cid}/{name}" for cid, files in logs.items() for name, body in files.items() if text in body)


def test_secret_envvars_reach_the_workers_and_no_log(hadoop_cluster):
    env = local_worker_env()
    with dask.config.set(CONFIG), DaskYARNCluster(env=env, worker_memory="512 MiB", envvars={"PLAIN": PLAIN},
                                                  secret_envvars={"TOKEN": SECRET}) as cluster, \
            Client(cluster) as client:
        settle(cluster, 1)
        digests = client.run(lambda: hashlib.sha256(os.environ["TOKEN"].encode()).hexdigest())
        assert list(digests.values()) == [hashlib.sha256(SECRET.encode()).hexdigest()]
        client.run(lambda: print("PLAIN is", os.environ["PLAIN"], flush=True))  # into the container's stdout
        # the probe finds a value that is there: the positive control of the check below
        logs = wait_until(lambda: (lambda x: x if holding(x, PLAIN) else None)(cluster.knit.logs(include_debug=True)),
                          60, "the plain value in the worker's stdout")
        assert any("KNIT_CONTAINER_NAME" in body for files in logs.values() for name, body in files.items()
                   if name == "launch_container.sh"), logs.keys()  # the debug files are read whole
        assert holding(logs, SECRET) == []
