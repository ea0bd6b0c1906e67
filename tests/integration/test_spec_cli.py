"""``knit start`` and ``hadoop jar knit.jar``: one options table, one spec, the same application.

Both command lines build the spec from the same ``--spec`` file and flags; their ``--dry-run`` outputs must be
the same document, and the specs they submit (read back from each application's staging dir, as the AM reads
them) must be the same, uploads included.
"""
from __future__ import annotations

import json
import subprocess
import zipfile

import pytest

from helpers import STARTED, hadoop_jar, knit_cli, quiet_env, wait_until

def _ok(proc: subprocess.CompletedProcess, what: str) -> str:
    assert proc.returncode == 0, f"{what} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture
def inputs(tmp_path):
    """A data file, an env archive (its Python is bin/python3, under dev/) and a spec file naming the data."""
    data = tmp_path / "data.txt"
    data.write_text("same-app\n")
    env = tmp_path / "dev.zip"
    with zipfile.ZipFile(env, "w") as z:
        z.writestr("dev/bin/python3", "#!/bin/sh\n")
        z.writestr("dev/lib/site.py", "")
    spec = tmp_path / "app.json"
    spec.write_text(json.dumps({
        "command": "cat data.txt; sleep 600", "name": "knit-same-app", "tags": ["from-file"],
        "files": [{"source": str(data), "name": "data.txt", "type": "FILE"}],
        "envvars": {"FROM": "file", "KEEP": "yes"}, "containers": {"count": 1, "memory": 128},
        "max_restarts": 1}))
    return {"data": str(data), "env": str(env), "spec": str(spec)}


def test_both_dry_runs_print_the_same_spec(hadoop_cluster, inputs):
    flags = ["--spec", inputs["spec"], "--env", inputs["env"], "--tag", "from-flag", "--envvar", "FROM=flag",
             "--master-memory", "384", "--keep-alive", "--idle-timeout", "30", "--conf", "a.b=c", "-n", "2",
             "--max-attempts", "1", "--detached", "--dry-run"]
    knit = json.loads(_ok(knit_cli("start", *flags), "knit start --dry-run"))
    jar = json.loads(_ok(hadoop_jar(*flags), "hadoop jar knit.jar --dry-run"))
    assert knit == jar
    deps_dir = knit["staging"]["deps_dir"]  # resolved by each side: Python from its conf, Java from HDFS
    assert deps_dir.startswith(hadoop_cluster.namenode_address + "/user/") and deps_dir.endswith("/.knitDeps")
    assert knit["env"] == {"source": inputs["env"], "name": "dev", "root": "dev", "python": "bin/python3"}
    assert (knit["tags"], knit["envvars"]) == (["from-file", "from-flag"], {"FROM": "flag", "KEEP": "yes"})


def _resolved_spec(app_id: str) -> dict:
    """The spec the client wrote for the AM (``.knit/<app_id>/spec.json``), as the AM reads it."""
    proc = subprocess.run(["hadoop", "fs", "-cat", f".knit/{app_id}/spec.json"], capture_output=True, text=True,
                          timeout=120, env=quiet_env())
    return json.loads(_ok(proc, f"hadoop fs -cat .knit/{app_id}/spec.json"))


def _app_id(proc: subprocess.CompletedProcess, what: str) -> str:
    app_id = _ok(proc, what).strip().splitlines()[-1]
    assert app_id.startswith("application_"), proc.stdout
    STARTED.append(app_id)
    return app_id


def test_both_submit_the_same_application(hadoop_cluster, inputs):
    from knit.yarn_api import YARNAPI
    api, apps = YARNAPI(), []
    try:
        apps.append(_app_id(knit_cli("start", "--spec", inputs["spec"], "--detached"), "knit start"))
        apps.append(_app_id(hadoop_jar("--spec", inputs["spec"], "--detached"), "hadoop jar knit.jar"))
        by_knit, by_jar = (_resolved_spec(a) for a in apps)
        assert by_knit == by_jar  # the upload too: the second submission reused the first's copy of data.txt
        assert by_knit["files"][0]["path"].endswith("/.knitDeps/data.txt") and by_knit["files"][0]["size"] == 9
        reports = [api.status(a) for a in apps]
        for key in ("name", "applicationType", "applicationTags", "queue"):
            assert reports[0][key] == reports[1][key], key
        assert reports[0]["name"] == "knit-same-app"
    finally:
        for app_id in apps:  # through Knit, so the staging dir goes too
            _ok(knit_cli("kill", app_id), f"knit kill {app_id}")
            wait_until(lambda a=app_id: api.state(a) in ("KILLED", "FINISHED", "FAILED"), 60, f"{app_id} to end")
