"""The Python py4j range pyproject.toml allows speaks knit.jar's wire protocol: a real round trip through the
client JVM and an ApplicationMaster's gateway on the local cluster, from a clean venv per end of the range.

- ``0.10.9.7``: the venv pyspark 3.5.0-3.5.7 makes (they pin ``py4j==0.10.9.7``): Knit is installed next to
  ``pyspark==3.5.7`` by pip's resolver, and runs there;
- ``0.10.9``: the lowest py4j allowed (the first that imports on Python 3.10+);
- ``0.10.9.9``, the highest, is what the rest of the suite runs on (checked below).
"""
from __future__ import annotations

import json
import os
import sys
import textwrap

import py4j.version
import pytest
import requests

from install_helpers import REPO, make_venv, pip_install, run

#: Run inside the venv, from outside the checkout: start an app, reach its AM, list HDFS, kill it.
ROUND_TRIP = textwrap.dedent("""
    import json, sys, time
    import knit, py4j.version
    k = knit.Knit()
    app_id = k.start("sleep 300", num_containers=1, memory=128, app_name="py4j-compat")
    deadline = time.monotonic() + 120
    while not any(c["state"] == "RUNNING" for c in k.get_containers()):  # the AM's gateway
        if time.monotonic() > deadline:
            sys.exit(f"no RUNNING container of {app_id} within 120 s")
        time.sleep(0.5)
    envs = k.list_envs()  # the client JVM's listDir, on HDFS
    print(json.dumps({"py4j": py4j.version.__version__, "knit": knit.__file__, "app_id": app_id,
                      "envs": envs, "killed": k.kill()}))
""")


@pytest.fixture(scope="module")
def knit_wheel(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", out, REPO])
    (wheel,) = out.glob("knit-*.whl")
    return str(wheel)


@pytest.mark.parametrize("py4j_version, extra", [("0.10.9.7", "pyspark==3.5.7"), ("0.10.9", "")])
def test_round_trip_with_py4j(py4j_version, extra, knit_wheel, hadoop_cluster, tmp_path):
    python = make_venv(tmp_path / "venv")
    pins = [extra] if extra else [f"py4j=={py4j_version}"]
    pip_install(python, knit_wheel, *pins)
    env = dict(os.environ, PYTHONPATH="")
    out = run([python, "-c", ROUND_TRIP], env=env, cwd=tmp_path, timeout=300)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["py4j"] == py4j_version
    assert result["knit"].startswith(str(tmp_path / "venv")), "the installed knit ran, not the checkout's"
    assert isinstance(result["envs"], list) and result["killed"] is True
    r = requests.get(f"http://{hadoop_cluster.rm_web_address}/ws/v1/cluster/apps/{result['app_id']}", timeout=30)
    assert r.json()["app"]["state"] == "KILLED"


def test_the_suite_runs_on_the_newest_py4j_allowed():
    assert py4j.version.__version__ == "0.10.9.9"
