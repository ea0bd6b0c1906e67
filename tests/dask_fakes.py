"""Stand-ins for ``knit.Knit`` at its Python boundary, for dask_yarn's unit tests (no Hadoop cluster).

- ``FakeKnit`` answers from memory: a requested container is RUNNING at the next listing.
- ``ProcessKnit`` runs each "container" as a local process executing the application's command through bash
  (``_knit_dask.py`` in its working directory, ``$KNIT_CONTAINER_NAME`` set), so real Dask workers connect.

The fixtures are imported by the test modules that use them.
"""
from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time

import dask
import pytest

from dask_yarn import security as dask_security
from dask_yarn.core import RUNNER
from knit.exceptions import ApplicationFailed

TEST_CONFIG = {"yarn.worker.class": "distributed.Worker", "yarn.watch-interval": "100ms", "yarn.ip": "127.0.0.1",
               "yarn.dashboard-address": ":0", "distributed.deploy.lost-worker-timeout": "1s"}
MiB = 2**20


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


@pytest.fixture(scope="module")
def openssl_identity(tmp_path_factory):
    """A key and self-signed certificate made by openssl: the client JVM's ``tlsIdentity`` is the boundary
    faked here (tests/integration/test_dask.py runs the real one)."""
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-subj", "/CN=dask-knit", "-days", "1", "-keyout", str(d / "k.pem"),
                    "-out", str(d / "c.pem")], check=True, capture_output=True, timeout=60)
    return (d / "c.pem").read_text(), (d / "k.pem").read_text()


@pytest.fixture(autouse=True)
def no_client_jvm(monkeypatch, openssl_identity):
    monkeypatch.setattr(dask_security, "new_identity", lambda: openssl_identity)


class FakeKnit:
    """``knit.Knit`` at its Python boundary, from memory: containers run when next listed."""

    def __init__(self):
        self.app_id = None
        self.started, self.added, self.removed, self.created_envs = [], [], [], []
        self.state = "RUNNING"
        self.keys = {}
        self._cids = itertools.count(1)
        self.records = []  # dicts in the AM's containers() format

    def _request(self, name, vcores, memory, replaces=None):
        self.records.append({"id": None, "name": name, "state": "REQUESTED", "vcores": vcores, "memory": memory,
                             "exit_status": None, "exit_class": None, "diagnostics": "", "replaces": replaces})

    def lose(self, name, replace=True):
        """What the AM does when the cluster takes a container away (node lost): it ends FAILED, exit -100,
        class ``platform``, and (``replace``) the AM asks for a replacement under the same name."""
        (r,) = [r for r in self.records if r["name"] == name and r["state"] == "RUNNING"]
        r.update(state="FAILED", exit_status=-100, exit_class="platform", diagnostics="Container released on a "
                 "*lost* node")
        if replace:
            self._request(name, r["vcores"], r["memory"], replaces=r["id"])
        return r["id"]

    def start(self, cmd, num_containers=1, virtual_cores=1, memory=128, names=None, **kwargs):
        self.started.append(dict(cmd=cmd, num_containers=num_containers, virtual_cores=virtual_cores,
                                 memory=memory, names=names, **kwargs))
        for name in names:
            self._request(name, virtual_cores, memory)
        self.app_id = "application_1_0001"
        return self.app_id

    def add_containers(self, num_containers=1, virtual_cores=1, memory=128, names=None):
        self.added.append((list(names), virtual_cores, memory))
        for name in names:
            self._request(name, virtual_cores, memory)

    def _alive(self):
        if self.state != "RUNNING":
            raise ApplicationFailed(f"{self.app_id} has ended ({self.state})")

    def get_containers(self):
        self._alive()
        for r in self.records:
            if r["state"] == "REQUESTED":
                r.update(id=f"container_1_0001_01_{next(self._cids):06d}", state="RUNNING")
        return [dict(r) for r in self.records]

    def remove_containers(self, name):
        self.removed.append(name)
        for r in self.records:
            if r["name"] == name and r["state"] in ("REQUESTED", "RUNNING"):
                r["state"] = "KILLED"

    def set_key(self, key, value):
        self.keys[key] = value

    def get_key(self, key):
        return self.keys.get(key)

    def report(self):
        return {"state": self.state, "final_status": "UNDEFINED", "diagnostics": "", "tracking_url": ""}

    def kill(self):
        self.state = "KILLED"

    def logs(self, container_id=None):
        return {r["id"]: {"stdout": f"out of {r['name']}", "stderr": ""} for r in self.records if r["id"]}

    def create_env(self, env_name, packages=None, **kwargs):
        self.created_envs.append((env_name, list(packages), kwargs))
        return f"/tmp/{env_name}.zip"


class ProcessKnit(FakeKnit):
    """Each container is a local process running the application's command through bash."""

    def __init__(self, workdir):
        super().__init__()
        self.workdir = workdir
        shutil.copy(RUNNER, workdir)  # YARN localizes it as a file of the application
        self.procs = {}

    def start(self, cmd, secret_files=None, **kwargs):
        for name, content in (secret_files or {}).items():  # YARN localizes them too
            (self.workdir / name).write_text(content)
        return super().start(cmd, secret_files=secret_files, **kwargs)

    def get_containers(self):
        self._alive()
        for r in self.records:
            if r["state"] == "REQUESTED" and time.monotonic() >= r.get("not_before", 0):
                cid = f"container_1_0001_01_{next(self._cids):06d}"
                env = {**os.environ, "CONTAINER_ID": cid, "PYTHON_BIN": sys.executable, "KNIT_CONTAINER_NAME":
                       r["name"], "KNIT_CONTAINER_VCORES": str(r["vcores"]), "KNIT_CONTAINER_MEMORY": str(r["memory"])}
                self.procs[r["name"]] = subprocess.Popen(
                    ["bash", "-c", self.started[0]["cmd"]], env=env, cwd=self.workdir, start_new_session=True,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                r.update(id=cid, state="RUNNING")
            elif r["state"] == "RUNNING":
                code = self.procs[r["name"]].poll()
                if code is not None:
                    r.update(state="SUCCEEDED" if code == 0 else "FAILED", exit_status=code,
                             diagnostics=f"exited with {code}")
        return [dict(r) for r in self.records]

    def remove_containers(self, name):
        self._stop(name)
        super().remove_containers(name)

    def crash(self, name):
        """What a worker crash looks like from YARN: the container's processes die."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)

    def lose(self, name, replace=True, delay=0.0):
        """The node of ``name``'s container is lost: its processes die with it; the AM's replacement (same name)
        runs ``delay`` seconds later (allocation and start-up take that long)."""
        self._stop(name)
        lost = super().lose(name, replace)
        if replace:
            self.records[-1]["not_before"] = time.monotonic() + delay
        return lost

    def kill(self):
        self.stop_all()
        super().kill()

    def _stop(self, name):
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self):
        for name in list(self.procs):
            self._stop(name)


@pytest.fixture
def process_knit(tmp_path):
    k = ProcessKnit(tmp_path)
    yield k
    k.stop_all()


def names_in_scheduler(cluster):
    return {ws["name"] for ws in cluster.scheduler_info["workers"].values()}
