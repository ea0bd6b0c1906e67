"""The application spec: round trips and every rejection, without a cluster or a JVM."""
import json

import numpy as np
import pytest

from knit.exceptions import KnitException, SpecError
from knit.spec import AppSpec, EnvSpec, FileSpec, Resources, Staging

DEPS = "hdfs://nn:8020/user/me/.knitDeps"


def spec(**kwargs) -> AppSpec:
    kwargs.setdefault("command", "python -c 'print(1)'")
    kwargs.setdefault("staging", Staging(deps_dir=DEPS))
    return AppSpec(**kwargs)


def full_spec() -> AppSpec:
    return spec(num_containers=3, resources=Resources(memory=256, vcores=2), name="job", queue="q",
                tags=["a", "b"], max_attempts=2, master=Resources(memory=512, vcores=1), max_restarts=2,
                lang="en_US.UTF-8", envvars={"KEY": "VALUE", "_X1": ""},
                files=[FileSpec(source="/data/data.csv", name="data.csv"),
                       FileSpec(source="hdfs://nn/x/lib.zip", name="lib", type="ARCHIVE")],
                env=EnvSpec(source="/envs/dev.zip", name="dev", root="dev", python="bin/python3"),
                staging=Staging(deps_dir=DEPS, replication=1, upload_always=True), detached=True,
                keep_alive=True, idle_timeout=300, conf={"yarn.resourcemanager.address": "rm:8032"})


def test_json_has_the_contract_shape():
    doc = json.loads(full_spec().to_json())
    assert doc == {
        "version": 1, "name": "job", "queue": "q", "tags": ["a", "b"], "application_type": "KNIT",
        "max_attempts": 2, "master": {"memory": 512, "vcores": 1}, "command": "python -c 'print(1)'",
        "containers": {"count": 3, "memory": 256, "vcores": 2}, "max_restarts": 2, "lang": "en_US.UTF-8",
        "envvars": {"KEY": "VALUE", "_X1": ""},
        "files": [{"source": "/data/data.csv", "name": "data.csv", "type": "FILE"},
                  {"source": "hdfs://nn/x/lib.zip", "name": "lib", "type": "ARCHIVE"}],
        "env": {"source": "/envs/dev.zip", "name": "dev", "root": "dev", "python": "bin/python3"},
        "staging": {"deps_dir": DEPS, "replication": 1, "upload_always": True},
        "detached": True, "keep_alive": True, "idle_timeout": 300, "conf": {"yarn.resourcemanager.address": "rm:8032"},
    }


def test_round_trip():
    s = full_spec()
    s.validate()
    assert AppSpec.from_json(s.to_json()) == s
    minimal = spec()
    assert AppSpec.from_json(minimal.to_json()) == minimal
    assert json.loads(minimal.to_json())["env"] is None


def test_defaults_match_the_contract():
    doc = json.loads(spec().to_json())
    assert doc["master"] == {"memory": 256, "vcores": 1}
    assert doc["containers"] == {"count": 1, "memory": 128, "vcores": 1}
    assert (doc["max_restarts"], doc["lang"], doc["application_type"], doc["max_attempts"]) == \
        (0, "C.UTF-8", "KNIT", 1)


def test_resolved_spec_from_java_parses():
    """The resolved spec (what the client writes for the AM) adds path/size/timestamp to resources."""
    doc = json.loads(full_spec().to_json())
    doc["files"][0].update(path="hdfs://nn/user/me/.knitDeps/data.csv", size=10, timestamp=1700000000000)
    parsed = AppSpec.from_dict(doc)
    assert parsed.files[0].size == 10
    assert json.loads(parsed.to_json())["files"][0]["timestamp"] == 1700000000000


def test_numpy_integers_are_integers():
    s = spec(num_containers=np.int64(2), resources=Resources(memory=np.int32(256)))
    s.validate()
    assert json.loads(s.to_json())["containers"] == {"count": 2, "memory": 256, "vcores": 1}


@pytest.mark.parametrize("kwargs, message", [
    ({"resources": Resources(memory=0)}, "memory (spec field containers.memory) must be a positive integer"),
    ({"resources": Resources(memory=-5)}, "memory (spec field containers.memory) must be a positive"),
    ({"resources": Resources(memory=128.0)}, "memory (spec field containers.memory) must be an integer"),
    ({"resources": Resources(memory="128")}, "memory (spec field containers.memory) must be an integer"),
    ({"resources": Resources(memory=True)}, "memory (spec field containers.memory) must be an integer"),
    ({"resources": Resources(vcores=0)}, "virtual_cores (spec field containers.vcores) must be a positive"),
    ({"resources": Resources(vcores=1.5)}, "virtual_cores (spec field containers.vcores) must be an integer"),
    ({"num_containers": 0}, "num_containers (spec field containers.count) must be a positive integer"),
    ({"num_containers": "2"}, "num_containers (spec field containers.count) must be an integer"),
    ({"master": Resources(memory=0)}, "master_memory (spec field master.memory) must be a positive"),
    ({"command": ""}, "cmd (spec field command) must not be empty"),
    ({"command": "   "}, "cmd (spec field command) must not be empty"),
    ({"command": None}, "cmd (spec field command) must be a string"),
    ({"command": "a\0b"}, "must not contain NUL"),
    ({"envvars": {"A": 1}}, 'envvars["A"] must be a string; got 1'),
    ({"envvars": {1: "a"}}, "envvars must map str -> str"),
    ({"envvars": ["A=1"]}, "envvars must be a dict of str -> str"),
    ({"envvars": {"1A": "x"}}, "'1A' is not a valid environment variable name"),
    ({"envvars": {"A=B": "x"}}, "not a valid environment variable name"),
    ({"staging": Staging(deps_dir=DEPS, replication=0)},
     "replication_factor (spec field staging.replication) must be a positive integer"),
    ({"staging": Staging(deps_dir="")}, "hdfs_home (spec field staging.deps_dir) must not be empty"),
    ({"staging": Staging(deps_dir=DEPS, upload_always="yes")}, "upload_always"),
    ({"max_restarts": -1}, "max_restarts must be an integer >= 0"),
    ({"max_attempts": 0}, "max_attempts must be a positive integer"),
    ({"name": ""}, "app_name (spec field name) must not be empty"),
    ({"queue": ""}, "queue must not be empty"),
    ({"tags": "a,b"}, "tags must be a list of strings"),
    ({"tags": ["a", 3]}, "tags[1] must be a string"),
    ({"detached": 1}, "detached must be True or False"),
    ({"keep_alive": "yes"}, "keep_alive must be True or False"),
    ({"idle_timeout": -1}, "idle_timeout must be an integer >= 0"),
    ({"idle_timeout": 1.5}, "idle_timeout must be an integer"),
    ({"conf": {"a": 1}}, 'pars (spec field conf["a"]) must be a string; got 1'),
    ({"files": [FileSpec(source="relative/x.csv", name="x.csv")]}, "files[0].source must be an absolute"),
    ({"files": [FileSpec(source="/a/x.csv", name="sub/x.csv")]}, "files[0].name must be a plain file name"),
    ({"files": [FileSpec(source="/a/x.csv", name="x.csv", type="DIR")]}, "files[0].type must be one of"),
    ({"files": [FileSpec(source="/a/x.csv", name="x.csv"), FileSpec(source="/b/x.csv", name="x.csv")]},
     "two files would both appear as 'x.csv'"),
    ({"files": [FileSpec(source="/a/dev", name="dev")], "env": EnvSpec(source="/e/dev.zip", name="dev")},
     "env: its link name 'dev' is also the name of the file /a/dev"),
    ({"env": EnvSpec(source="/e/dev.zip", name="dev", python="/usr/bin/python")},
     "env.python must be a relative path inside the archive"),
    ({"env": EnvSpec(source="/e/dev.zip", name="dev", root="../x")}, "env.root must be a relative path"),
    ({"env": EnvSpec(source="/e/dev.zip", name="")}, "env.name must not be empty"),
    ({"version": 2}, "version must be 1"),
])
def test_rejections_name_the_keyword(kwargs, message):
    with pytest.raises(SpecError) as info:
        spec(**kwargs).validate()
    assert message in str(info.value)
    assert isinstance(info.value, KnitException) and isinstance(info.value, ValueError)


def test_from_json_rejects_unknown_fields_and_bad_json():
    doc = json.loads(spec().to_json())
    with pytest.raises(SpecError, match=r"spec: unknown field\(s\) \['colour'\]"):
        AppSpec.from_dict({**doc, "colour": "red"})
    doc["containers"]["gpus"] = 1
    with pytest.raises(SpecError, match=r"containers: unknown field\(s\) \['gpus'\]"):
        AppSpec.from_dict(doc)
    with pytest.raises(SpecError, match="not valid JSON"):
        AppSpec.from_json("{nope")


# -- Knit rejects bad input before any JVM is started -----------------------------------------------------

@pytest.fixture
def offline_knit(offline):
    """A Knit whose configuration names a cluster but which cannot start a JVM (conftest.py: ``offline``)."""
    from knit import Knit
    return Knit()


def test_knit_resolves_hdfs_home(offline_knit):
    assert offline_knit.hdfs_home == "hdfs://nn.example:8020/user/alice"
    assert offline_knit.deps_dir == "hdfs://nn.example:8020/user/alice/.knitDeps"
    assert offline_knit.runtime_status() == "NONE"
    assert "no application" in repr(offline_knit)


@pytest.mark.parametrize("kwargs, match", [
    ({"memory": 0}, r"memory \(spec field containers.memory\) must be a positive integer"),
    ({"memory": 256.0}, "memory .* must be an integer"),
    ({"virtual_cores": 0}, "virtual_cores"),
    ({"num_containers": -1}, "num_containers"),
    ({"cmd": ""}, "cmd"),
    ({"envvars": {"A": 1}}, r'envvars\["A"\] must be a string'),
    ({"envvars": "A=1"}, "envvars must be a dict"),
    ({"max_restarts": -2}, "max_restarts"),
    ({"files": "data.csv"}, "files must be a list"),
    ({"files": ["/no/such/file.csv"]}, "file.csv"),
    ({"env": "/no/such/env.zip"}, "env.zip"),
    ({"tags": ["t" * 200]}, r"tags\[0\] must be at most 100 characters long"),  # the RM's raw YarnException before
    ({"tags": [str(i) for i in range(11)]}, "tags must have at most 10 items"),
    ({"files": ["launch_container.sh"]}, r"files\[0\].name is a name YARN itself uses"),
])
def test_start_rejects_bad_input_before_any_jvm(offline_knit, kwargs, match):
    kwargs = {"cmd": "hostname", **kwargs}
    if kwargs.get("files") == ["launch_container.sh"]:
        with open("launch_container.sh", "w") as f:  # a real file of that name: only its name is refused
            f.write("echo hi\n")
    with pytest.raises(SpecError, match=match):
        offline_knit.start(**kwargs)
    assert offline_knit.app_id is None


def test_knit_keywords_are_checked(offline_knit):
    from knit import Knit
    with pytest.raises(SpecError, match="replication_factor"):
        Knit(replication_factor=0)
    with pytest.raises(SpecError, match="upload_always"):
        Knit(upload_always="no")
    with pytest.raises(KnitException, match="no application started"):
        offline_knit.add_containers(1)
    with pytest.raises(SpecError, match="num_containers"):
        offline_knit.add_containers(0)
