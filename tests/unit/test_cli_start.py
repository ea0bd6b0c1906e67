"""``knit start``: its options come from the table it shares with ``hadoop jar knit.jar`` (knit/shared/cli.json).

No cluster and no JVM (the ``offline`` fixture): ``--dry-run`` needs neither, and bad input exits 2 before any JVM
call.
"""
from __future__ import annotations

import inspect
import json

import pytest

from helpers import listed_options
from knit import Knit
from knit.cli import build_parser, main
from knit.cli_start import build_spec, cli_table, help_text
from knit.exceptions import SpecError
from knit.schema import spec_schema


def parse(*argv: str):
    return build_parser().parse_args(["start", *argv])


def dry_run(capsys, *argv: str) -> dict:
    assert main(["start", *argv, "--dry-run"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _keyword(opt: dict) -> str:
    if "client" in opt:
        return opt.get("keyword", opt["client"])
    node = spec_schema().node("#" + "".join(f"/properties/{p}" for p in opt["spec"].split(".")))
    return node.get("x-keyword", opt["spec"].rsplit(".", 1)[-1])


def test_every_keyword_of_knit_start_has_an_option():
    keywords = {_keyword(opt) for opt in cli_table()["options"]}
    start = set(inspect.signature(Knit.start).parameters) - {"self"}
    assert start <= keywords, f"Knit.start keywords without an option: {start - keywords}"
    staging = {"upload_always", "replication_factor", "hdfs_home", "lang", "pars"}  # Knit()'s, in the spec
    assert staging <= keywords


def test_help_lists_every_option_of_the_table_and_no_deprecated_alias(capsys):
    assert main(["start", "--help"]) == 0
    text = capsys.readouterr().out
    expected = {"-h", "--help"}
    for opt in cli_table()["options"]:
        expected |= {opt["flag"], *([opt["short"]] if "short" in opt else [])}
    assert listed_options(text) == expected
    assert "--env-var" not in text and "--detach " not in text
    assert " ".join(help_text({"spec": "containers.memory"}).split()) in " ".join(text.split())
    assert "(default: 128)" in help_text({"spec": "containers.memory"})


def test_flags_build_the_spec_over_the_spec_file(offline):
    data = offline / "data.txt"
    data.write_text("x")
    (offline / "app.json").write_text(json.dumps({
        "command": "from-file", "name": "from-file", "tags": ["a"], "envvars": {"A": "1", "B": "2"},
        "files": [{"source": str(data), "name": "first.txt"}], "containers": {"count": 2, "memory": 512}}))
    spec = build_spec(parse("--spec", "app.json", "--name", "flag", "--tag", "b", "--envvar", "B=3",
                            "--file", "data.txt", "--memory", "256", "--keep-alive", "--idle-timeout", "9",
                            "--master-memory", "384", "--conf", "k=v", "--replication", "1"))
    assert (spec.command, spec.name, spec.tags, spec.envvars) == ("from-file", "flag", ["a", "b"],
                                                                    {"A": "1", "B": "3"})
    assert [f.name for f in spec.files] == ["first.txt", "data.txt"]
    assert (spec.num_containers, spec.resources.memory, spec.master.memory) == (2, 256, 384)
    assert (spec.keep_alive, spec.idle_timeout, spec.conf, spec.staging.replication) == (True, 9, {"k": "v"}, 1)


def test_deprecated_spellings_still_work_and_warn(offline, capsys):
    for name in ("a.txt", "b.txt"):
        (offline / name).write_text(name)
    spec = build_spec(parse("x", "--files", "a.txt,b.txt", "--env-var", "K=V", "--detach"))
    assert ([f.name for f in spec.files], spec.envvars, spec.detached) == (["a.txt", "b.txt"], {"K": "V"}, True)
    assert build_spec(parse("x", "--wait")).detached is False
    err = capsys.readouterr().err
    for old, new in (("--files", "--file"), ("--env-var", "--envvar"), ("--detach", "--detached"),
                     ("--wait", "--detached")):
        assert f"knit: {old} is deprecated; use {new}" in err


def test_dry_run_prints_the_resolved_spec_without_a_jvm(offline, capsys):
    doc = dry_run(capsys, "hostname", "-n", "2", "--tag", "t")
    assert doc["staging"]["deps_dir"] == "hdfs://nn.example:8020/user/alice/.knitDeps"
    assert (doc["command"], doc["containers"]["count"], doc["tags"]) == ("hostname", 2, ["t"])
    (offline / "app.json").write_text(json.dumps({"command": "c", "staging": {"deps_dir": "/user/alice/deps"}}))
    assert dry_run(capsys, "--spec", "app.json")["staging"]["deps_dir"] == "hdfs://nn.example:8020/user/alice/deps"


@pytest.mark.parametrize("argv, message", [
    (["x", "--memory", "0"], "--memory: memory (spec field containers.memory) must be a positive integer; got 0"),
    (["x", "--tag", "café"], "--tag: tags[0] must be printable ASCII"),
    (["x", "--file", "/etc/hostname", "--file", "/tmp"], "is a directory"),
    (["x", "--envvar", "NOEQUALS"], "--envvar 'NOEQUALS': expected KEY=VALUE"),
    (["x", "--command", "y"], "give CMD once"),
    (["--spec", "missing.json"], "--spec missing.json: No such file"),
    ([], "cmd (spec field command) is required"),
    (["x", "--timeout", "inf"], "--timeout: must be a number; got 'inf'"),
    (["x", "--memory", "1_000"], "--memory: must be an integer; got '1_000'"),
])
def test_bad_input_exits_2_naming_the_flag(offline, capsys, argv, message):
    assert main(["start", *argv]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_spec_file_names_its_field(offline, capsys):
    (offline / "app.json").write_text(json.dumps({"command": "x", "colour": "red"}))
    assert main(["start", "--spec", "app.json", "--dry-run"]) == 2
    assert "spec: unknown field(s) ['colour']" in capsys.readouterr().err
    with pytest.raises(SpecError) as info:
        build_spec(parse("--spec", "app.json"))
    assert info.value.field == "colour"
