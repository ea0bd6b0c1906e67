"""A knit 0.2.4 user's script, run as it was written, on the real local cluster.

Everything here is knit 0.2.4's documented API (its ``docs/source/api.rst``, ``quickstart.rst``, ``usage.rst``,
``troubleshooting.rst``): the imports, ``zip_path``, ``CondaCreator(conda_envs=)`` re-using an environment by name,
``Knit.status()`` as the ResourceManager's REST report, ``logs(shell=True)`` through Hadoop's ``yarn logs``,
``YARNAPI``'s ``apps`` property and its other calls, and ``except YARNException`` / ``except CondaException``.
Only the assertions are new. The Dask part of such a script is in tests/integration/test_dask_0_2_api.py.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from knit import Knit, YARNAPI, zip_path
from knit.env import CondaCreator
from knit.exceptions import CondaException, KnitException, YARNException
from helpers import TERMINAL, wait_until

CMD = ("$PYTHON_BIN -c 'import sys, os; print(\"PREFIX\", sys.prefix); print(\"MARK\", os.environ[\"CONTAINER_ID\"])';"
       " sleep 600")


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory, hadoop_cluster):
    """A Python environment directory under ``envs/`` (a venv with real copies of the interpreter)."""
    envs = tmp_path_factory.mktemp("envs")
    subprocess.run([sys.executable, "-m", "venv", "--copies", "--without-pip", str(envs / "dev")], check=True)
    return envs / "dev"


def both_marked(read):
    """A poll: the logs ``read()`` returns once both workers' markers are in them."""
    def poll():
        logs = read()
        return logs if len(marks(logs)) == 2 else None
    return poll


def marks(logs: dict) -> dict[str, str]:
    """``{container_id: its own marker line}`` for the containers whose stdout has one."""
    out = {}
    for cid, files in logs.items():
        for line in files.get("stdout", "").splitlines():
            if line.startswith("MARK "):
                out[cid] = line.split(" ", 1)[1]
    return out


def test_knit_0_2_script(env_dir, tmp_path):
    # "CondaCreator can zip up any directory": zip_path, and an environment re-used by name
    env_zip = zip_path(str(env_dir))
    assert env_zip == str(env_dir) + ".zip"
    assert CondaCreator(conda_envs=str(env_dir.parent)).create_env("dev").endswith("dev.zip")
    try:
        CondaCreator(tool="pip").create_env("broken", packages=[str(tmp_path / "missing.whl")])
        pytest.fail("a build that cannot work raised nothing")
    except CondaException as e:
        assert "missing.whl" in str(e)

    k = Knit(autodetect=True)
    app_id = k.start(CMD, num_containers=2, memory=128, env=env_zip)
    try:
        status = wait_until(lambda: (s := k.status())["runningContainers"] == 3 and s, 180,
                            "the AM and both containers running (status()['runningContainers'] == 3)")
        assert (status["id"], status["state"], status["finalStatus"]) == (app_id, "RUNNING", "UNDEFINED")
        assert status["allocatedMB"] >= 3 * 128 and status["allocatedVCores"] == 3
        assert status["amHostHttpAddress"] and status["name"] == "knit"

        api = YARNAPI()
        assert app_id in api.apps and app_id in k.yarn_api.apps  # a property: a list of ids
        containers = k.yarn_api.app_containers(app_id)
        assert len(containers) == 3 and len(k.yarn_api.app_containers(info=k.yarn_api.status(app_id))) == 3
        worker = next(c["id"] for c in containers if not c["id"].endswith("_000001"))
        assert worker in k.yarn_api.container_status(worker)

        live = wait_until(both_marked(lambda: k.logs(shell=True)), 180, "both markers through `yarn logs`")
        assert all(cid == mark for cid, mark in marks(live).items()), live  # each printed its own id
        prefix = next(line for line in live[worker]["stdout"].splitlines() if line.startswith("PREFIX "))
        assert prefix.endswith("/dev"), prefix  # the Python of the zipped environment ran
        assert marks(k.yarn_api.logs(app_id)) == marks(live)  # over REST, the same

        assert k.check_needs_upload(env_zip) is False  # uploaded by start(), unchanged
        (tmp_path / "new.txt").write_text("not in HDFS\n")
        assert k.check_needs_upload(str(tmp_path / "new.txt")) is True

        syslogs = k.yarn_api.system_logs()
        assert syslogs["on_rm"] is True and syslogs["single_node"] is False  # two NodeManagers here
    finally:
        assert k.kill()
    assert k.runtime_status() in TERMINAL
    assert k.yarn_api.kill(app_id) is False  # it has ended: nothing to kill
    after = wait_until(both_marked(lambda: k.logs(True)), 180,
                       "both markers in the aggregated logs, read by `yarn logs` (logs(True): shell first)")
    assert marks(after) == marks(live)

    try:
        k.yarn_api.status("application_1_0001")
        pytest.fail("an unknown application raised nothing")
    except YARNException as e:
        assert "application_1_0001" in str(e)
    try:
        Knit(autodetect=True).status()
        pytest.fail("status() of nothing raised nothing")
    except KnitException as e:
        assert "no application" in str(e)
