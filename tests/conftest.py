"""Test tiers and the local Hadoop clusters of the integration tests.

Tests under ``tests/integration`` are marked ``integration`` and get real clusters (HDFS + YARN):

- ``hadoop_cluster``: the one plain cluster shared by every integration test of a run, started once.
  ``KNIT_TEST_CLUSTER=<dir>`` points it at a cluster already running there (``knit cluster up --dir <dir>``)
  instead, to save the start-up while developing.
- ``secure_cluster``: one Kerberized cluster per run (KDC, users ``alice`` and ``bob``), started the first time a
  test asks for it (``KNIT_TEST_SECURE_CLUSTER=<dir>``: one already running there, as for the plain one).
- ``cluster_factory``: small clusters of a test module's own, for tests that break them on purpose (a node
  stopped, the RM restarted...); ``point_at(cluster)`` makes this process (``HADOOP_CONF_DIR``, ``PATH``, Knit's
  client JVM) use one of them until the test ends.

Every cluster fails the run if a YARN application is still alive when it is stopped: tests stop what they start.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from helpers import wait_until
from knit import gateway
from knit.localcluster import LocalCluster

HERE = Path(__file__).parent
#: What points a process at a cluster (LocalCluster.environ() sets these).
_ENV_KEYS = ("HADOOP_CONF_DIR", "PATH", "KRB5_CONFIG")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (HERE / "integration") in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)


@contextlib.contextmanager
def _pointed_at(cluster: LocalCluster) -> Iterator[LocalCluster]:
    """This process's Hadoop environment and Knit's client JVM on ``cluster``; restored on exit.

    The client JVM reads its Hadoop conf once, at launch, so it is restarted on the way in and out (lazily: the
    next Knit call starts it again).
    """
    saved = {k: os.environ.get(k) for k in _ENV_KEYS}
    gateway.shutdown_client()
    env = cluster.environ()
    for k in _ENV_KEYS:
        if k in env:
            os.environ[k] = env[k]
        else:
            os.environ.pop(k, None)
    try:
        yield cluster
    finally:
        gateway.shutdown_client()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def assert_no_live_apps(cluster: LocalCluster) -> None:
    """Fail if an application is still alive on ``cluster``, after killing them so the cluster stops clean."""
    leaked = cluster.live_applications()
    for a in leaked:
        cluster.kill_application(a["id"])
    if leaked:
        wait_until(lambda: not cluster.live_applications(), 60, "the leaked applications to be killed")
    assert not leaked, f"tests left YARN applications running: {[(a['id'], a['name']) for a in leaked]}"


@contextlib.contextmanager
def _session_cluster(cluster: LocalCluster, owned: bool) -> Iterator[LocalCluster]:
    """Yields a started cluster; at the end checks that nothing is left alive on it (if ours) and stops it."""
    try:
        yield cluster
        if owned:  # a shared dev cluster: other sessions' apps are not ours to judge or kill
            assert_no_live_apps(cluster)
    finally:
        if owned:
            cluster.stop()


@pytest.fixture(scope="session")
def hadoop_cluster(tmp_path_factory):
    """A running local cluster; ``HADOOP_CONF_DIR`` and ``PATH`` point at it for the whole session."""
    existing = os.environ.get("KNIT_TEST_CLUSTER")
    if existing:
        cluster = LocalCluster.attach(existing)
    else:
        # YARN's debugging copy of each container's launch_container.sh, off in a lean local cluster: the secret
        # checks (test_secrets_and_big_logs, test_dask_secrets) look for leaks in it.
        cluster = LocalCluster(nodes=2, dir=tmp_path_factory.mktemp("cluster"),
                               conf={"yarn.nodemanager.log-container-debug-info.enabled": "true"}).start()
    with _session_cluster(cluster, owned=not existing), _pointed_at(cluster):
        yield cluster


@pytest.fixture(scope="session")
def secure_cluster(tmp_path_factory):
    """The run's one Kerberized cluster (users ``alice`` and ``bob``, see ``LocalCluster.kerberos``).

    It does not point the process at itself: tests use ``point_at(secure_cluster)`` for that.
    """
    existing = os.environ.get("KNIT_TEST_SECURE_CLUSTER")  # `knit cluster up --secure --dir <dir>`, while developing
    if existing:
        cluster = LocalCluster.attach(existing)
    else:
        cluster = LocalCluster(nodes=2, nm_memory=2048, dir=tmp_path_factory.mktemp("secure"), secure=True).start()
    with _session_cluster(cluster, owned=not existing):
        yield cluster


@pytest.fixture(scope="module")
def cluster_factory(tmp_path_factory) -> Iterator[Callable[..., LocalCluster]]:
    """``cluster_factory(**LocalCluster keywords)``: a small cluster of this module's own, to break on purpose.

    Defaults: 2 NodeManagers of 1 GB. Every cluster made is checked for live applications and stopped when the
    module ends.
    """
    made: list[LocalCluster] = []

    def make(**kwargs: Any) -> LocalCluster:
        kwargs.setdefault("nodes", 2)
        kwargs.setdefault("nm_memory", 1024)
        cluster = LocalCluster(dir=tmp_path_factory.mktemp("faults"), **kwargs)
        made.append(cluster)
        return cluster.start()

    yield make
    errors = []
    for cluster in made:
        with contextlib.ExitStack() as stack:
            stack.callback(cluster.stop)
            try:
                assert_no_live_apps(cluster)
            except AssertionError as e:
                errors.append(str(e))
    assert not errors, errors


@pytest.fixture
def point_at() -> Iterator[Callable[[LocalCluster], LocalCluster]]:
    """``point_at(cluster)``: this process uses ``cluster`` (env and Knit's client JVM) until the test ends."""
    with contextlib.ExitStack() as stack:
        yield lambda cluster: stack.enter_context(_pointed_at(cluster))
