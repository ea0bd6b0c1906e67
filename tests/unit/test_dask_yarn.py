"""Unit tests for dask_yarn (no Hadoop cluster).

What they claim is the cluster manager's own logic: keyword routing, config, validation,
matching workers to container requests, and SpecCluster bookkeeping (worker name =
container id, scale down removes exactly the retired workers' containers, replacement of
dead workers, fail-fast when the application ends). The YARN side is played by stand-ins
for ``knit.Knit`` at its Python boundary:

- ``FakeKnit`` answers from memory: a requested container is RUNNING at the next listing.
- ``ProcessKnit`` runs each "container" as a local process executing the worker command
  through bash with ``$CONTAINER_ID`` and ``$PYTHON_BIN`` set, so real Dask workers connect.

Real YARN behaviour (allocation, containers, kills, logs) is tested in
tests/integration/test_dask.py on the local cluster.
"""
from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time

import dask
import distributed
import pytest
from distributed import Client, Scheduler
from distributed.core import Status

import knit
from dask_yarn import ContainerPool, DaskYARNCluster, WorkerNotFound, WorkerStartError, YARNWorker
from dask_yarn.core import ClusterStateError, env_packages, worker_command
from knit.exceptions import ApplicationFailed, SpecError

TEST_CONFIG = {"yarn.worker.nanny": False, "yarn.watch-interval": "100ms", "yarn.ip": "127.0.0.1",
               "yarn.dashboard-address": ":0", "yarn.worker.start-timeout": "30s",
               "distributed.deploy.lost-worker-timeout": "1s"}


@pytest.fixture(autouse=True)
def _config():
    with dask.config.set(TEST_CONFIG):
        yield


def wait_until(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class FakeKnit:
    """``knit.Knit`` at its Python boundary, from memory: containers run when next listed."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.started = []
        self.removed = []
        self.created_envs = []
        self.state = "RUNNING"
        self._rids = itertools.count(100)
        self._cids = itertools.count(1)
        self.records = []  # dicts in the AM's containers() format

    def _request(self, vcores, memory):
        rid = next(self._rids)
        self.records.append({"id": None, "state": "REQUESTED", "request_id": rid, "vcores": vcores,
                             "memory": memory, "exit_status": None, "diagnostics": ""})
        return rid

    def start(self, cmd, num_containers=1, virtual_cores=1, memory=128, **kwargs):
        self.started.append(dict(cmd=cmd, num_containers=num_containers, virtual_cores=virtual_cores,
                                 memory=memory, **kwargs))
        for _ in range(num_containers):
            self._request(virtual_cores, memory)
        return "application_1_0001"

    def add_containers(self, num_containers=1, virtual_cores=1, memory=128):
        return [self._request(virtual_cores, memory) for _ in range(num_containers)]

    def get_containers(self):
        for r in self.records:
            if r["state"] == "REQUESTED":
                r.update(id=f"container_1_0001_01_{next(self._cids):06d}", state="RUNNING")
        return [dict(r) for r in self.records]

    def remove_containers(self, container_id):
        self.removed.append(container_id)
        for r in self.records:
            if r["id"] == container_id:
                r["state"] = "KILLED"

    def status(self):
        return {"state": self.state, "final_status": "UNDEFINED", "diagnostics": ""}

    def kill(self):
        self.state = "KILLED"

    def logs(self, container_id=None):
        return {r["id"]: {"stdout": f"out of {r['id']}", "stderr": ""} for r in self.records if r["id"]}

    def create_env(self, env_name, packages=None, **kwargs):
        self.created_envs.append((env_name, list(packages), kwargs))
        return f"/tmp/{env_name}.zip"


class ProcessKnit(FakeKnit):
    """Each container is a local process running the worker command through bash."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.procs = {}
        self.cmd = None

    def start(self, cmd, num_containers=1, virtual_cores=1, memory=128, **kwargs):
        self.cmd = cmd
        return super().start(cmd, num_containers, virtual_cores, memory, **kwargs)

    def get_containers(self):
        for r in self.records:
            if r["state"] == "REQUESTED":
                cid = f"container_1_0001_01_{next(self._cids):06d}"
                env = {**os.environ, "CONTAINER_ID": cid, "PYTHON_BIN": sys.executable,
                       "KNIT_CONTAINER_VCORES": str(r["vcores"])}
                self.procs[cid] = subprocess.Popen(["bash", "-c", self.cmd], env=env, start_new_session=True,
                                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                r.update(id=cid, state="RUNNING")
            elif r["state"] == "RUNNING":
                code = self.procs[r["id"]].poll()
                if code is not None:
                    r.update(state="SUCCEEDED" if code == 0 else "FAILED", exit_status=code,
                             diagnostics=f"exited with {code}")
        return [dict(r) for r in self.records]

    def remove_containers(self, container_id):
        self._stop(container_id)
        super().remove_containers(container_id)

    def crash(self, container_id):
        """What a worker crash looks like from YARN: the container's processes die."""
        os.killpg(self.procs[container_id].pid, signal.SIGKILL)

    def kill(self):
        for cid in list(self.procs):
            self._stop(cid)
        super().kill()

    def _stop(self, cid):
        proc = self.procs.get(cid)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self):
        for cid in list(self.procs):
            self._stop(cid)


@pytest.fixture
def process_knit():
    k = ProcessKnit()
    yield k
    k.stop_all()


# -------------------------------------------------------------------- command and config

def test_worker_command_runs_a_named_worker_with_headroom():
    cmd = worker_command("tcp://10.0.0.1:8786", cpu=2, memory=2048, memory_fraction=0.8)
    assert cmd.startswith("${PYTHON_BIN:-python3} -m distributed.cli.dask_worker tcp://10.0.0.1:8786 ")
    assert "--name $CONTAINER_ID" in cmd
    assert "--nthreads ${KNIT_CONTAINER_VCORES:-2}" in cmd
    assert "--memory-limit $(( ${KNIT_CONTAINER_MEMORY:-2048} * 80 / 100 ))MiB" in cmd
    assert "--no-dashboard" in cmd and "--death-timeout 60" in cmd
    out = subprocess.run(["bash", "-c", "echo " + cmd.split(" --nanny")[0].split("--memory-limit ")[1]],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == "1638MiB"  # bash evaluates the limit: 80 % of the container


def test_config_defaults_are_registered():
    assert dask.config.get("yarn.worker.memory") == 2048
    assert dask.config.get("yarn.worker.vcores") == 1
    assert dask.config.get("yarn.queue") == "default"
    assert dask.config.get("yarn.worker.memory-fraction") == 0.8


def test_env_packages_pins_this_dask_and_distributed():
    assert env_packages(["numpy"]) == ["numpy", f"dask={dask.__version__}",
                                       f"distributed={distributed.__version__}"]
    assert env_packages(["dask[array]>=2024", "distributed"]) == ["dask[array]>=2024", "distributed"]


@pytest.mark.parametrize("kwargs, match", [
    ({"env": "/no/such/env.zip"}, "no such file"),
    ({"worker_restarts": -2}, "worker_restarts"),
    ({"packages": ["numpy", ""]}, "packages"),
    ({"envvars": {"A": 1}}, "envvars"),
])
def test_bad_input_is_rejected_before_anything_starts(kwargs, match):
    k = FakeKnit()
    with pytest.raises(SpecError, match=match):
        DaskYARNCluster(knit=k, **kwargs)
    assert k.started == [] and k.created_envs == []


def test_bad_worker_shape_is_rejected_before_submission():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        with pytest.raises(SpecError, match="cpu"):
            cluster.start(2, cpu=0, memory=512)
        with pytest.raises(SpecError, match="memory"):
            cluster.add_workers(1, memory=-5)
        with pytest.raises(SpecError, match="n_workers"):
            cluster.start(-1)
    assert k.started == []


def test_knit_options_cannot_go_two_ways():
    with pytest.raises(SpecError, match="replication_factor"):
        DaskYARNCluster(knit=FakeKnit(), replication_factor=2)


def test_keywords_are_routed_to_knit_start_and_create_env(monkeypatch):
    monkeypatch.setattr(knit, "Knit", FakeKnit)
    with dask.config.set({"yarn.queue": "science"}):
        cluster = DaskYARNCluster(packages=["numpy"], channels=["conda-forge"], app_name="dy",
                                  replication_factor=2, rm="rm.example", rm_port=8088, upload_always=True)
    with cluster:
        k = cluster.knit
        assert isinstance(k, FakeKnit)
        assert k.kwargs == {"replication_factor": 2, "rm": "rm.example", "rm_port": 8088, "upload_always": True}
        (name, packages, opts), = k.created_envs
        assert packages == env_packages(["numpy"]) and opts == {"channels": ["conda-forge"]}
        cluster.start(2, cpu=2, memory=1024)
        (started,) = k.started
        assert started["env"] == f"/tmp/{name}.zip"
        assert (started["queue"], started["app_name"]) == ("science", "dy")
        assert (started["num_containers"], started["virtual_cores"], started["memory"]) == (2, 2, 1024)
        assert started["max_restarts"] == 0  # the cluster replaces workers itself
        # only the cluster ends the app (a lone worker may die and be replaced); the AM ends it if abandoned
        assert started["keep_alive"] is True and started["idle_timeout"] == 300
        assert cluster.scheduler_address in started["cmd"]
        assert isinstance(cluster.local_cluster, distributed.LocalCluster)
        assert cluster.local_cluster.scheduler is cluster.scheduler
        assert cluster.local_cluster.workers == {}


# -------------------------------------------------------------------- pool and worker class

def test_pool_matches_initial_and_added_requests():
    k = FakeKnit()

    async def main():
        pool = ContainerPool(k, poll_interval=0.01, timeout=5)
        k.start("cmd", num_containers=2, virtual_cores=1, memory=512)
        pool.set_initial(1, 512, 2)
        ids = await asyncio.gather(pool.acquire(1, 512), pool.acquire(1, 512), pool.acquire(2, 1024))
        return ids

    ids = asyncio.run(main())
    assert len(set(ids)) == 3
    by_id = {r["id"]: r for r in k.records}
    assert sorted(by_id[i]["request_id"] for i in ids) == [100, 101, 102]
    assert by_id[ids[2]]["request_id"] == 102 and by_id[ids[2]]["memory"] == 1024


def test_pool_reports_a_container_that_failed_before_running():
    pool = ContainerPool(FakeKnit(), timeout=5)

    async def main():
        fut = asyncio.get_running_loop().create_future()
        from dask_yarn.worker import _Waiter
        pool._issued.add(7)
        pool._waiters.append(_Waiter({7}, fut))
        pool.match([{"id": "c1", "state": "FAILED", "request_id": 7, "exit_status": 1,
                     "diagnostics": "boom"}])
        with pytest.raises(WorkerStartError, match="c1 ended FAILED.*boom"):
            await fut

    asyncio.run(main())


def test_pool_orphans_are_live_unowned_containers():
    pool = ContainerPool(FakeKnit())
    pool._issued.update({1, 2})
    pool._claimed.add("owned")
    containers = [{"id": "owned", "state": "RUNNING", "request_id": 1},
                  {"id": "lost", "state": "RUNNING", "request_id": 2},
                  {"id": "done", "state": "SUCCEEDED", "request_id": 2},
                  {"id": None, "state": "REQUESTED", "request_id": 2}]
    assert pool.orphans(containers) == ["lost"]


def test_pool_times_out_with_advice():
    k = FakeKnit()
    k.get_containers = lambda: []  # the request is never satisfied

    async def main():
        pool = ContainerPool(k, poll_interval=0.01, timeout=0.2)
        await pool.acquire(1, 512)

    with pytest.raises(WorkerStartError, match="yarn.worker.start-timeout"):
        asyncio.run(main())


def test_ProcessInterfaceValid():
    """As distributed's test for its ProcessInterface classes: start, status, close."""
    k = FakeKnit()

    async def main():
        async with Scheduler(dashboard_address=":0") as s:
            pool = ContainerPool(k, poll_interval=0.01)
            worker = YARNWorker(s.address, name="pending-0", pool=pool, cpu=1, memory=256)
            assert worker.status == Status.created
            async with worker as w:
                assert w.status == Status.running
                assert w.name == w.container_id and w.container_id.startswith("container_")
                cid = w.container_id
            assert worker.status == Status.closed
            await asyncio.wait_for(worker.finished(), 1)
            return cid

    cid = asyncio.run(main())
    assert k.removed == [cid]


# -------------------------------------------------------------------- cluster bookkeeping

def names_in_scheduler(cluster):
    return {ws["name"] for ws in cluster.scheduler_info["workers"].values()}


def test_cluster_workers_are_named_by_container_and_scale_exactly(process_knit):
    k = process_knit
    with DaskYARNCluster(knit=k) as cluster, Client(cluster) as client:
        app_id = cluster.start(2, cpu=1, memory=512)
        assert app_id == "application_1_0001"
        cluster.wait_for_workers(2, timeout=60)
        assert set(cluster.workers) == names_in_scheduler(cluster) == set(k.procs)
        assert set(client.run(lambda dask_worker: dask_worker.name).values()) == set(cluster.workers)

        added = cluster.add_workers(1, cpu=1, memory=256)
        assert len(added) == 1 and added[0] in cluster.workers
        assert k.records[-1]["memory"] == 256
        cluster.wait_for_workers(3, timeout=60)

        before = set(cluster.workers)
        cluster.scale(1)
        wait_until(lambda: len(cluster.workers) == 1 and len(names_in_scheduler(cluster)) == 1,
                   what="scale down to 1")
        assert set(k.removed) == before - set(cluster.workers)  # exactly the retired ones
        assert names_in_scheduler(cluster) == set(cluster.workers)

        (last,) = cluster.workers
        with pytest.raises(WorkerNotFound):
            cluster.remove_worker("container_nope")
        cluster.remove_worker(last)
        assert cluster.workers == {} and k.removed[-1] == last
        assert k.state == "RUNNING" and cluster.status == Status.running  # zero workers, app alive

        cluster.scale(2)
        cluster.wait_for_workers(2, timeout=60)
        assert len(k.started) == 1  # the same application
        assert client.submit(lambda x: x + 1, 1).result(timeout=30) == 2
    assert k.state == "KILLED"


def test_dead_worker_container_is_replaced_then_budget_runs_out(process_knit):
    k = process_knit
    with DaskYARNCluster(knit=k, worker_restarts=1) as cluster:
        cluster.start(2, cpu=1, memory=512)
        cluster.wait_for_workers(2, timeout=60)
        victim = sorted(cluster.workers)[0]
        k.crash(victim)
        wait_until(lambda: victim not in cluster.workers and len(cluster.workers) == 2,
                   what="replacement worker")
        cluster.wait_for_workers(2, timeout=60)
        assert cluster.restarts_used == 1
        assert victim not in names_in_scheduler(cluster)

        victim2 = sorted(cluster.workers)[0]
        k.crash(victim2)
        wait_until(lambda: victim2 not in cluster.workers, what="dead worker dropped")
        assert len(cluster.worker_spec) == 1  # budget used up: not replaced
        assert any("not replaced" in line for _, line in cluster._cluster_manager_logs)


def test_app_death_fails_client_and_waits_fast(process_knit):
    k = process_knit
    cluster = DaskYARNCluster(knit=k)
    client = Client(cluster)
    try:
        cluster.start(1, cpu=1, memory=512)
        cluster.wait_for_workers(1, timeout=60)
        fut = client.submit(time.sleep, 60)
        k.kill()  # the application is killed behind the cluster's back
        t0 = time.monotonic()
        with pytest.raises(distributed.client.FutureCancelledError, match="application_1_0001 ended KILLED"):
            fut.result(timeout=30)
        with pytest.raises(ApplicationFailed, match="ended KILLED"):
            cluster.wait_for_workers(2, timeout=30)
        with pytest.raises(distributed.client.FutureCancelledError, match="ended KILLED"):
            client.submit(lambda: 1).result(timeout=30)  # new work is refused, with the reason
        assert time.monotonic() - t0 < 10
        assert cluster.status == Status.failed and cluster.workers == {}
        with pytest.raises(ApplicationFailed):
            cluster.scale(3)
    finally:
        client.close()
        cluster.close()
    assert cluster.status == Status.closed and cluster.local_cluster.status == Status.closed


def test_get_logs_has_container_logs_keyed_by_worker_name():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(1, cpu=1, memory=256)
        (cid,) = cluster.workers
        logs = cluster.get_logs()
        assert "Scheduler" in logs and "Cluster" in logs
        assert "out of " + cid in logs[cid]
        assert cluster.app_id in cluster._repr_html_()
        assert "app_id='application_1_0001'" in repr(cluster)


def test_start_twice_is_an_error():
    with DaskYARNCluster(knit=FakeKnit()) as cluster:
        cluster.start(1, cpu=1, memory=256)
        with pytest.raises(ClusterStateError, match="already running"):
            cluster.start(1)


def test_asynchronous_cluster():
    k = FakeKnit()

    async def main():
        async with DaskYARNCluster(knit=k, asynchronous=True) as cluster:
            app_id = await cluster.start(2, cpu=1, memory=256)
            assert app_id == "application_1_0001" and len(cluster.workers) == 2
            ids = await cluster.add_workers(1)
            assert ids[0] in cluster.workers
        assert k.state == "KILLED"

    asyncio.run(main())


def test_submission_failure_reaches_the_caller_and_is_not_retried():
    k = FakeKnit()

    def refuse(cmd, **kwargs):
        raise SpecError("memory 99999 MB exceeds the maximum allocation")

    k.start = refuse
    with DaskYARNCluster(knit=k) as cluster:
        with pytest.raises(SpecError, match="maximum allocation"):
            cluster.start(2, cpu=1, memory=99999)
        assert cluster.worker_spec == {} and cluster.app_id is None


def test_worker_that_exits_cleanly_is_dropped_not_replaced():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(2, cpu=1, memory=256)
        gone = sorted(cluster.workers)[0]
        for r in k.records:
            if r["id"] == gone:
                r.update(state="SUCCEEDED", exit_status=0)
        wait_until(lambda: gone not in cluster.workers, what="the exited worker dropped")
        assert gone not in cluster.worker_spec and len(cluster.worker_spec) == 1
        assert cluster.restarts_used == 0 and len(k.records) == 2  # nothing new requested
