"""``DaskYARNCluster(secret_envvars=)`` and ``knit dask submit --secret-envvar KEY``: the values go to
``Knit.start(secret_envvars=)`` (which keeps them out of the spec, argv and the logs), nowhere else.
The delivery to a real worker, and the logs, are tested in tests/integration/test_dask_secrets.py."""
from __future__ import annotations

import io

import pytest

from dask_fakes import FakeKnit, _config, no_client_jvm, openssl_identity, wait_until  # noqa: F401 (fixtures)
from dask_yarn import DaskYARNCluster
from knit.exceptions import SpecError


def test_secret_envvars_reach_knit_start_and_nothing_else():
    k = FakeKnit()
    with DaskYARNCluster(knit=k, envvars={"PLAIN": "p"}, secret_envvars={"TOKEN": "s3cr3t"}) as cluster:
        cluster.start(1)
        (start,) = k.started
        assert start["secret_envvars"] == {"TOKEN": "s3cr3t"} and start["envvars"] == {"PLAIN": "p"}
        assert "s3cr3t" not in repr({key: v for key, v in start.items() if key != "secret_envvars"})
        wait_until(lambda: "dask.scheduler-address" in k.keys, what="the cluster published")
        assert not any("s3cr3t" in v for v in k.keys.values())  # the AM's store is not for secrets


@pytest.mark.parametrize("secrets, match", [({"1X": "v"}, "not a valid environment variable name"),
                                             ({"PLAIN": "v"}, "also in envvars"), ({"T": 1}, "must be a str")])
def test_bad_secret_envvars_are_refused_before_anything_starts(secrets, match):
    k = FakeKnit()
    with pytest.raises(SpecError, match=match):
        DaskYARNCluster(knit=k, envvars={"PLAIN": "p"}, secret_envvars=secrets)
    assert k.started == []


def test_knit_dask_submit_takes_secret_values_from_the_environment_or_stdin(tmp_path, monkeypatch):
    from dask_yarn import core
    from knit.cli import main
    seen = {}

    class Stop(Exception):
        pass

    def fake_cluster(**kwargs):
        seen.update(kwargs)
        raise Stop

    script = tmp_path / "job.py"
    script.write_text("print(1)\n")
    monkeypatch.setattr(core, "DaskYARNCluster", fake_cluster)
    monkeypatch.setenv("TOKEN", "s3cr3t")
    monkeypatch.setattr("sys.stdin", io.StringIO("from-stdin\n"))
    with pytest.raises(Stop):
        main(["dask", "submit", "--secret-envvar", "TOKEN", "--secret-envvar", "OTHER", str(script)])
    assert seen["secret_envvars"] == {"TOKEN": "s3cr3t", "OTHER": "from-stdin"}
