"""Unit tests for dask_yarn (no Hadoop cluster).

What they claim is the cluster manager's own logic: config and sizes, validation before anything is submitted,
SpecCluster bookkeeping (worker name = container name given with the request, scale down removes exactly the
retired workers' containers, replacement of dead workers, fail-fast when the application ends), and what the
containers' runner does. The YARN side is played by the stand-ins for ``knit.Knit`` of tests/dask_fakes.py.

Real YARN behaviour (allocation, naming, kills, logs, the AM's store and web server) is tested in
tests/integration/test_dask.py on the local cluster.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import time

import dask
import distributed
import pytest
import yaml
from distributed import Client, Scheduler
from distributed.core import Status

from dask_yarn import ClusterStateError, DaskYARNCluster, WorkerNotFound, YARNWorker
from dask_yarn import _knit_dask as runner
from dask_yarn import config
from dask_yarn import security as dask_security
from dask_yarn.core import RUNNER, _command, env_packages
from dask_yarn.jobs import YarnApp
from knit.exceptions import ApplicationFailed, SpecError

from dask_fakes import (MiB, FakeKnit, _config, names_in_scheduler, no_client_jvm,  # noqa: F401 (fixtures)
                        openssl_identity, process_knit, wait_until)

# -- config and sizes ----------------------------------------------------------------------------------------

def test_sizes_as_dask_users_write_them():
    assert config.memory_mb("2 GiB", "m") == 2048
    assert config.memory_mb("512 MiB", "m") == 512
    assert config.memory_mb("1GB", "m") == 954  # decimal units round up to whole MB
    assert config.memory_mb(1024, "m") == 1024 and config.memory_mb("1024", "m") == 1024  # plain numbers: MB
    for bad in ("lots", 0, True, 1.5, None, "0 B"):
        with pytest.raises(SpecError, match="worker_memory"):
            config.memory_mb(bad, "worker_memory")


def test_dask_yarn_key_names_are_read_when_ours_are_left_alone():
    settings = {"yarn.environment": "/envs/e.tar.gz", "yarn.name": "old", "yarn.worker.env": {"A": "1"},
                "yarn.worker.worker_class": "my.Worker", "yarn.host": "10.0.0.9",
                "yarn.ip": None, "yarn.worker.class": "distributed.Nanny"}  # ours at their defaults
    with dask.config.set(settings):
        assert config.get("env") == "/envs/e.tar.gz" and config.get("app-name") == "old"
        assert config.get("worker.env-vars") == {"A": "1"} and config.get("ip") == "10.0.0.9"
        assert config.get("worker.class") == "my.Worker"
        with dask.config.set({"yarn.env": "/envs/ours.zip"}):
            assert config.get("env") == "/envs/ours.zip"  # ours win when set


def test_defaults_survive_a_reset_of_dask_config():
    saved = dask.config.config.pop("yarn")
    try:
        assert config.get("worker.memory") == "2 GiB" and config.get("deploy-mode") == "local"
    finally:
        dask.config.config["yarn"] = saved


def test_a_commented_yarn_yaml_is_written_for_users(tmp_path):
    subprocess.run([sys.executable, "-c", "import dask_yarn.config"], check=True,
                   env={**os.environ, "DASK_CONFIG": str(tmp_path)})
    text = (tmp_path / "yarn.yaml").read_text()
    assert "worker:" in text and "memory-fraction" in text
    assert all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
    assert yaml.safe_load(text) is None  # commented out: it changes nothing until edited


def test_env_packages_pins_this_dask_and_distributed():
    assert env_packages(["numpy"]) == ["numpy", f"dask={dask.__version__}",
                                       f"distributed={distributed.__version__}"]
    assert env_packages(["dask>=2024", "distributed"]) == ["dask>=2024", "distributed"]


def test_the_command_carries_settings_the_nodemanager_cannot_rewrite():
    settings = {"nested": {"a": {"b": 1}}, "script": ["job.py", "it's"]}
    cmd = _command(settings)
    prefix, encoded = cmd.rsplit(" ", 1)
    assert prefix == "${PYTHON_BIN:-python3} _knit_dask.py"
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", encoded)  # YARN turns {{ into $ and drops }}: none can appear
    assert json.loads(base64.b64decode(encoded)) == settings


# -- validation before anything is submitted -------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"deploy_mode": "cloud"}, "deploy_mode"),
    ({"worker_memory": "lots"}, "worker_memory"),
    ({"worker_vcores": 0}, "worker_vcores"),
    ({"worker_extra_args": "--resources GPU=1"}, "worker_extra_args"),
    ({"worker_restarts": -2}, "worker_restarts"),
    ({"n_workers": -1}, "n_workers"),
    ({"scheduler_memory": 0}, "scheduler_memory"),
    ({"env": "/no/such/env.zip"}, "no such file"),
])
def test_bad_input_is_rejected_before_anything_starts(kwargs, match):
    k = FakeKnit()
    with pytest.raises(SpecError, match=match):
        DaskYARNCluster(knit=k, **kwargs)
    assert k.started == []


def test_bad_worker_shape_is_rejected_before_submission():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        with pytest.raises(SpecError, match="cpu"):
            cluster.start(2, cpu=0)
        with pytest.raises(SpecError, match="memory"):
            cluster.add_workers(1, memory="much")
        assert k.started == [] and cluster.worker_spec == {}


def test_knit_options_cannot_go_two_ways():
    with pytest.raises(SpecError, match="replication_factor"):
        DaskYARNCluster(knit=FakeKnit(), replication_factor=1)


# -- SpecCluster semantics -------------------------------------------------------------------------------------

def test_workers_expose_nthreads_and_memory_limit_for_scale_and_adapt():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(0, cpu=1, memory="512 MiB")
        assert cluster.new_spec["options"]["nthreads"] == 1
        assert cluster.new_spec["options"]["memory_limit"] == 512 * MiB
        cluster.scale(memory="1 GiB")
        assert len(cluster.worker_spec) == 2
        cluster.scale(cores=3)
        assert len(cluster.worker_spec) == 3
        adaptive = cluster.adapt(maximum_memory="2 GiB", minimum_cores=1)
        assert (adaptive.minimum, adaptive.maximum) == (1, 4)
        adaptive.stop()


def test_workers_opened_together_are_requested_together_by_name():
    k = FakeKnit()
    with DaskYARNCluster(knit=k, envvars={"A": "1"}, queue="q", app_name="n", files=[__file__]) as cluster:
        app_id = cluster.start(3, cpu=2, memory=512)
        (start,) = k.started
        assert app_id == "application_1_0001"
        assert sorted(start["names"]) == ["dask-worker-0", "dask-worker-1", "dask-worker-2"]
        assert (start["num_containers"], start["virtual_cores"], start["memory"]) == (3, 2, 512)
        assert (start["queue"], start["app_name"], start["envvars"], start["keep_alive"]) == ("q", "n", {"A": "1"},
                                                                                             True)
        assert start["files"] == [__file__, RUNNER] and not start["detached"]
        assert set(cluster.add_workers(2, memory="256 MiB")) == {"dask-worker-3", "dask-worker-4"}
        assert [(sorted(n), v, m) for n, v, m in k.added] == [(["dask-worker-3", "dask-worker-4"], 2, 256)]
        settings = json.loads(base64.b64decode(start["cmd"].split()[-1]))
        assert settings["scheduler"] == cluster.scheduler_address
    assert k.state == "KILLED"


def test_ProcessInterfaceValid():
    """As distributed's test for its ProcessInterface classes: start, status, close."""
    k = FakeKnit()
    k.app_id = "application_1_0001"

    async def main():
        async with Scheduler(dashboard_address=":0") as s:
            worker = YARNWorker(s.address, name="dask-worker-7", app=YarnApp(k), nthreads=1, memory_limit=256 * MiB)
            assert worker.status == Status.created
            async with worker as w:
                assert w.status == Status.running
                assert k.added == [(["dask-worker-7"], 1, 256)]
            assert worker.status == Status.closed
            await asyncio.wait_for(worker.finished(), 1)

    asyncio.run(main())
    assert k.removed == ["dask-worker-7"]


def test_workers_are_named_at_request_and_scale_exactly(process_knit):
    k = process_knit
    with DaskYARNCluster(knit=k) as cluster, Client(cluster) as client:
        cluster.start(2, cpu=1, memory=512)
        cluster.wait_for_workers(2, timeout=60)
        assert set(cluster.workers) == names_in_scheduler(cluster) == set(k.procs)
        added = cluster.add_workers(1, cpu=1, memory=256)
        cluster.wait_for_workers(3, timeout=60)
        assert k.records[-1]["memory"] == 256 and added == [k.records[-1]["name"]]
        before = set(cluster.workers)
        cluster.scale(1)
        wait_until(lambda: len(cluster.workers) == 1 and len(names_in_scheduler(cluster)) == 1, what="scale to 1")
        assert set(k.removed) == before - set(cluster.workers)  # exactly the retired ones
        (last,) = cluster.workers
        with pytest.raises(WorkerNotFound):
            cluster.remove_worker("dask-worker-99")
        cluster.remove_worker(last)
        assert cluster.workers == {} and k.removed[-1] == last
        assert k.state == "RUNNING" and cluster.status == Status.running  # zero workers, app alive
        cluster.scale(2)
        cluster.wait_for_workers(2, timeout=60)
        assert len(k.started) == 1  # the same application
        assert client.submit(lambda x: x + 1, 1).result(timeout=30) == 2
    assert k.state == "KILLED"


def test_dead_worker_is_replaced_under_a_new_name_then_the_budget_runs_out(process_knit):
    k = process_knit
    with DaskYARNCluster(knit=k, worker_restarts=1) as cluster:
        cluster.start(2, cpu=1, memory=512)
        cluster.wait_for_workers(2, timeout=60)
        victim = sorted(cluster.workers)[0]
        k.crash(victim)
        wait_until(lambda: victim not in cluster.workers and len(cluster.workers) == 2, what="replacement")
        cluster.wait_for_workers(2, timeout=60)
        assert cluster.restarts_used == 1 and victim not in names_in_scheduler(cluster)
        victim2 = sorted(cluster.workers)[0]
        k.crash(victim2)
        wait_until(lambda: victim2 not in cluster.workers, what="dead worker dropped")
        assert len(cluster.worker_spec) == 1  # budget used up: not replaced
        assert any(f"Worker {victim2}" in line and "replacing" not in line
                   for _, line in cluster._cluster_manager_logs)


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


def test_worker_that_exits_cleanly_is_dropped_not_replaced():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(1)
        wait_until(lambda: any(r["state"] == "RUNNING" for r in k.records), what="running")
        k.records[0].update(state="SUCCEEDED", exit_status=0)
        wait_until(lambda: not cluster.worker_spec, what="the worker dropped")
        assert len(k.records) == 1 and cluster.restarts_used == 0


def test_get_logs_has_every_container_keyed_by_id_and_named():
    k = FakeKnit()
    with DaskYARNCluster(knit=k) as cluster:
        cluster.start(2)
        wait_until(lambda: all(r["id"] for r in k.records), what="containers")
        logs = cluster.get_logs()
        for r in k.records:
            assert r["name"] in logs[r["id"]] and f"out of {r['name']}" in logs[r["id"]]
        assert "Scheduler" in logs


def test_submission_failure_reaches_the_caller_and_is_not_retried():
    k = FakeKnit()
    k.start = lambda *a, **kw: (_ for _ in ()).throw(SpecError("queue 'nope' does not exist"))
    with DaskYARNCluster(knit=k) as cluster:
        with pytest.raises(SpecError, match="nope"):
            cluster.start(2)
        assert cluster.worker_spec == {} and cluster.workers == {}


def test_asynchronous_cluster():
    async def main():
        k = FakeKnit()
        async with DaskYARNCluster(knit=k, asynchronous=True) as cluster:
            await cluster._add(2, cluster.new_spec)
            assert sorted(k.started[0]["names"]) == ["dask-worker-0", "dask-worker-1"]
        return k

    assert asyncio.run(main()).state == "KILLED"


def test_remote_mode_submits_the_scheduler_container_and_outlives_this_process():
    k = FakeKnit()
    k.get_containers = lambda: [dict(r) for r in k.records]
    scheduler = distributed.LocalCluster(n_workers=0, dashboard_address=":0")  # the one in its container
    k.keys["dask.scheduler-address"] = scheduler.scheduler_address  # as the container publishes it
    cluster = DaskYARNCluster(knit=k, deploy_mode="remote", n_workers=2, scheduler_memory="1 GiB", worker_memory=256,
                              security=False)  # the stand-in scheduler above is plain TCP
    try:
        (start,) = k.started
        assert start["names"] == start["finish_with"] == ["dask-scheduler"] and start["memory"] == 1024
        assert start["detached"] and not cluster.shutdown_on_close  # a killed submitter leaves it running
        assert [(sorted(n), v, m) for n, v, m in k.added] == [(["dask-worker-0", "dask-worker-1"], 1, 256)]
        assert cluster.scheduler_address == scheduler.scheduler_address and cluster.local_cluster is None
        wait_until(lambda: "dask.cluster" in k.keys, what="the cluster's settings published")
        assert json.loads(k.keys["dask.cluster"])["memory"] == 256
    finally:
        cluster.close(timeout=10)
        scheduler.close()
    assert k.state == "KILLED"


def test_from_application_id_refuses_an_application_that_is_no_remote_cluster(monkeypatch):
    import knit
    monkeypatch.setattr(knit.Knit, "connect", classmethod(lambda cls, app_id, **kw: FakeKnit()))
    with pytest.raises(ClusterStateError, match="not a remote-mode"):
        DaskYARNCluster.from_application_id("application_1_0002")


# -- the containers' runner ------------------------------------------------------------------------------------

def test_runner_signs_requests_as_the_application_master_checks_them(tmp_path, monkeypatch):
    """The same vector as ContainerTokenTest (Java): token "0123abcd", PUT /knit/kv/k at 1700000000, body v."""
    (tmp_path / runner.TOKEN_FILE).write_text("0123abcd\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KNIT_AM_URL", "http://am:1")
    monkeypatch.setattr(runner.time, "time", lambda: 1700000000)
    sent = []

    class Opener:
        def open(self, req, timeout):
            sent.append(req)
            raise runner.urllib.error.HTTPError(req.full_url, 404, "not found", {}, None)

    am = runner.AM()
    am.opener = Opener()
    assert am.call("PUT", "/knit/kv/k", b"v") is None
    assert sent[0].get_header("X-knit-auth") == \
        "1700000000:7ab0588d2be1f9e9c57a8adafe2e1e1bf518d1327e0574ccea13c946a8780070"
    assert sent[0].full_url == "http://am:1/knit/kv/k" and sent[0].data == b"v"


@pytest.mark.parametrize("cls, flags", [("distributed.Nanny", ["--nanny"]), ("distributed.Worker", ["--no-nanny"]),
                                        ("my.Worker", ["--nanny", "--worker-class", "my.Worker"])])
def test_runner_starts_a_named_worker_sized_by_its_container(monkeypatch, cls, flags):
    monkeypatch.setenv("KNIT_CONTAINER_MEMORY", "1000")
    monkeypatch.setenv("KNIT_CONTAINER_VCORES", "3")
    ran = []
    monkeypatch.setattr(runner.os, "execv", lambda path, args: ran.append(args))
    cfg = {"scheduler": "tcp://s:1", "memory": 512, "vcores": 1, "memory_fraction": 0.8, "death_timeout": 60,
           "worker_class": cls, "extra_args": ["--resources", "GPU=1"], "start_timeout": 1}
    runner.worker(cfg, "dask-worker-3")
    (args,) = ran
    assert args[1:5] == ["-m", "distributed.cli.dask_worker", "tcp://s:1", "--name"] and args[5] == "dask-worker-3"
    assert args[args.index("--nthreads") + 1] == "3" and args[args.index("--memory-limit") + 1] == "800MiB"
    assert args[-2 - len(flags):-2] == flags
    assert args[-2:] == ["--resources", "GPU=1"]


def test_kerberos_identity_from_dask_config_reaches_knit(monkeypatch, tmp_path):
    """yarn.principal / yarn.keytab (as DaskYARNCluster(principal=, keytab=)) are the Knit's identity."""
    import knit
    seen = {}

    def fake_knit(**kwargs):
        seen.update(kwargs)
        return FakeKnit()
    monkeypatch.setattr(knit, "Knit", fake_knit)
    with dask.config.set({"yarn.principal": "alice@R", "yarn.keytab": str(tmp_path / "a.keytab")}):
        DaskYARNCluster().close()
    assert (seen["principal"], seen["keytab"]) == ("alice@R", str(tmp_path / "a.keytab"))
    seen.clear()
    DaskYARNCluster(principal="bob@R", keytab="/k").close()  # keywords win; no config, no identity keywords
    assert (seen["principal"], seen["keytab"]) == ("bob@R", "/k")
    seen.clear()
    DaskYARNCluster().close()
    assert "principal" not in seen and "keytab" not in seen


# -- TLS -----------------------------------------------------------------------------------------------------

def test_tls_by_default_with_the_identity_shipped_as_secret_files(process_knit, openssl_identity, tmp_path):
    from distributed.security import Security
    k = process_knit
    cert, key = openssl_identity
    with DaskYARNCluster(knit=k) as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        cluster.start(1, cpu=1, memory=256)
        cluster.wait_for_workers(1, timeout=60)
        with Client(cluster) as client:  # unchanged: the cluster's Security comes with it
            assert client.submit(lambda x: x + 1, 1).result(timeout=30) == 2
            assert all(a.startswith("tls://") for a in client.scheduler_info()["workers"])
        (start,) = k.started
        assert start["secret_files"] == {dask_security.FILES[r]: v for r, v in (
            ("ca", cert), ("worker_cert", cert), ("worker_key", key), ("scheduler_cert", cert),
            ("scheduler_key", key))}
        body = key.splitlines()[1]  # nowhere but in the secret files: not the command, not an env var
        assert body not in start["cmd"] and body not in json.dumps(start.get("envvars"))
        # A client that trusts the cluster's certificate but presents another is refused by the scheduler.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-subj", "/CN=stranger", "-days", "1", "-keyout", str(tmp_path / "k.pem"),
                        "-out", str(tmp_path / "c.pem")], check=True, capture_output=True, timeout=60)
        stranger = Security(tls_ca_file=cert, tls_client_cert=str(tmp_path / "c.pem"),
                            tls_client_key=str(tmp_path / "k.pem"), require_encryption=True)
        with pytest.raises(OSError):
            Client(cluster.scheduler_address, security=stranger, timeout=5)
        with pytest.raises((OSError, TypeError)):  # no certificates at all
            Client(cluster.scheduler_address, timeout=5)


def test_security_false_is_plain_tcp_and_bad_security_is_refused_first():
    k = FakeKnit()
    with DaskYARNCluster(knit=k, security=False) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
    for bad in ("yes", 1):
        with pytest.raises(SpecError, match="security must be True"):
            DaskYARNCluster(knit=FakeKnit(), security=bad)


def test_ones_own_security_ships_its_files(openssl_identity, tmp_path):
    from distributed.security import Security
    cert, key = openssl_identity
    (tmp_path / "ca.pem").write_text(cert)
    (tmp_path / "w.pem").write_text(cert + key)  # certificate and key in one file
    own = Security(tls_ca_file=str(tmp_path / "ca.pem"), tls_worker_cert=str(tmp_path / "w.pem"),
                   tls_client_cert=str(tmp_path / "w.pem"), require_encryption=True)
    security, files = dask_security.resolve(own)
    assert security is own
    names = dask_security.FILES
    assert files[names["ca"]] == cert and files[names["worker_cert"]] == files[names["worker_key"]] == cert + key
    assert files[names["scheduler_cert"]] == cert + key  # the worker's, when it names no scheduler's
    with pytest.raises(SpecError, match="tls_ca_file and tls_worker_cert"):
        dask_security.check(Security(tls_ca_file=str(tmp_path / "ca.pem")))
