"""Test tiers and the one local Hadoop cluster shared by every integration test of a run.

Tests under ``tests/integration`` are marked ``integration`` and get a real cluster (HDFS + YARN) through the
``hadoop_cluster`` fixture, started once per test run. ``KNIT_TEST_CLUSTER=<dir>`` points the fixture at a
cluster already running there (``knit cluster up --dir <dir>``) instead, to save the start-up while developing.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from knit.localcluster import LocalCluster

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (HERE / "integration") in Path(item.fspath).parents:
            item.add_marker(pytest.mark.integration)


def _live_apps(rm_web_address: str) -> list[dict]:
    r = requests.get(f"http://{rm_web_address}/ws/v1/cluster/apps",
                     params={"states": "NEW,NEW_SAVING,SUBMITTED,ACCEPTED,RUNNING"}, timeout=30)
    r.raise_for_status()
    return (r.json().get("apps") or {}).get("app") or []


@pytest.fixture(scope="session")
def hadoop_cluster(tmp_path_factory):
    """A running local cluster; ``HADOOP_CONF_DIR`` and ``PATH`` point at it for the whole session.

    At the end of the run it fails the session if any YARN application is still alive: every test must stop
    what it starts.
    """
    existing = os.environ.get("KNIT_TEST_CLUSTER")
    if existing:
        cluster = LocalCluster.attach(existing)
    else:
        cluster = LocalCluster(nodes=2, dir=tmp_path_factory.mktemp("cluster")).start()
    saved = {k: os.environ.get(k) for k in ("HADOOP_CONF_DIR", "PATH")}
    os.environ.update({k: cluster.environ()[k] for k in saved})
    try:
        yield cluster
        if existing:
            return  # a shared dev cluster: other sessions' apps are not ours to judge or kill
        leaked = _live_apps(cluster.rm_web_address)
        for app in leaked:  # stop them so the next run starts clean, then fail loudly
            requests.put(f"http://{cluster.rm_web_address}/ws/v1/cluster/apps/{app['id']}/state",
                         json={"state": "KILLED"}, timeout=30)
        assert not leaked, f"tests left YARN applications running: {[(a['id'], a['name']) for a in leaked]}"
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if not existing:
            cluster.stop()
