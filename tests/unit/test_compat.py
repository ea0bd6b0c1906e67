"""knit 0.2.4's API without a cluster: names, argument shapes, ``zip_path``, ``CondaCreator(conda_envs=)``,
``password=`` against a gateway that asks for it, ``system_logs``' process scan, ``yarn logs`` parsing.

What a real cluster does with these is tested in tests/integration/test_knit_0_2_api.py.
"""
from __future__ import annotations

import base64
import json
import os
import threading
import warnings
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import knit
from knit import compat, syslogs
from knit.envbuild import CondaCreator
from knit.exceptions import (ApplicationNotFound, AuthenticationError, CondaException, ConfigError, EnvBuildError,
                             HDFSConfigException, KnitException, MissingPathError, SpecError, YARNError,
                             YARNException)
from knit.yarn_api import YARNAPI
from knit.yarn_cli import parse_yarn_logs

pytestmark = pytest.mark.usefixtures("cache")


def test_knit_0_2_exception_names_are_bases_of_today_s():
    assert issubclass(YARNError, YARNException) and issubclass(ApplicationNotFound, YARNException)
    assert issubclass(EnvBuildError, CondaException)
    assert issubclass(ConfigError, HDFSConfigException)
    assert all(issubclass(c, KnitException) for c in (YARNException, CondaException, HDFSConfigException))
    assert not issubclass(SpecError, YARNException)  # bad input never was a YARN error
    assert knit.YARNException is YARNException and knit.CondaException is CondaException


def _env_dir(root: Path, name: str = "myenv") -> Path:
    d = root / name
    (d / "bin").mkdir(parents=True)
    (d / "bin" / "python").write_text("#!/bin/sh\n")
    (d / "bin" / "python").chmod(0o755)
    (d / "lib").mkdir()
    (d / "lib" / "mod.py").write_text("x = 1\n")
    return d


def test_zip_path_zips_beside_the_directory_with_it_at_the_top(tmp_path):
    d = _env_dir(tmp_path)
    z = knit.zip_path(str(d))
    assert z == str(tmp_path / "myenv.zip")
    with zipfile.ZipFile(z) as zf:
        assert {"myenv/bin/python", "myenv/lib/mod.py"} <= set(zf.namelist())
        assert zf.getinfo("myenv/bin/python").external_attr >> 16 & 0o111  # still executable
    out = tmp_path / "elsewhere" / "env.zip"
    assert knit.env.zip_path(d, out_file=str(out)) == str(out) and zipfile.is_zipfile(out)


def test_zip_path_refuses_what_is_not_a_directory(tmp_path):
    with pytest.raises(MissingPathError):
        knit.zip_path(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(SpecError, match="not a directory"):
        knit.zip_path(tmp_path / "f.txt")


def test_conda_creator_takes_knit_0_2_arguments(tmp_path):
    c = CondaCreator(conda_envs=str(tmp_path / "envs"), channels=["conda-forge"], tool="pip")
    assert c.conda_envs == str(tmp_path / "envs") and c.channels == ["conda-forge"]
    assert CondaCreator(tool="pip").conda_envs.endswith("conda-envs")  # always a path, as in knit 0.2
    # today's positional order (conda_root, channels, tool) still means what it meant
    c = CondaCreator(None, ["conda-forge"], "pip")
    assert (c.channels, c.tool, c.keep_envs) == (["conda-forge"], "pip", False)
    with pytest.warns(DeprecationWarning, match="miniconda_url= is ignored"):
        CondaCreator(miniconda_url="https://repo.example.com/Miniconda3.sh", tool="pip")


def test_create_env_without_packages_reuses_the_env_of_that_name(tmp_path):
    envs = tmp_path / "envs"
    _env_dir(envs, "dev")
    c = CondaCreator(conda_envs=str(envs), tool="pip")
    z = c.create_env("dev")
    assert Path(z).name == "dev.zip"
    with zipfile.ZipFile(z) as zf:
        assert "dev/lib/mod.py" in zf.namelist()
    assert c.create_env("dev", packages=[]) == z  # unchanged: the same cached zip
    assert knit.Knit.create_env("dev", conda_pars={"conda_envs": str(envs), "tool": "pip"}) == z
    with pytest.raises(SpecError, match="no environment named 'other'"):
        c.create_env("other")


def test_create_env_without_packages_finds_the_zip_built_under_that_name(tmp_path):
    built = tmp_path / "built"
    for key, mtime in (("old", 1_000), ("new", 2_000)):  # what two builds of "dev" leave in the cache
        (built / key).mkdir(parents=True)
        (built / key / "request.json").write_text(json.dumps({"env_name": "dev", "tool": "pip"}))
        (built / key / "dev.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
        os.utime(built / key / "dev.zip", (mtime, mtime))
    c = CondaCreator(cache_dir=built, tool="pip", conda_envs=str(tmp_path / "none"))
    assert c.create_env("dev") == str(built / "new" / "dev.zip")


def test_knit_0_2_keywords_that_do_nothing_say_so(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        k = knit.Knit(autodetect=False, rm="rm.example.com", knit_home=str(tmp_path), hdfs=object())
    assert sorted(str(w.message).split("=")[0] for w in caught) == ["hdfs", "knit_home"]
    assert k.hdfs is not None


def test_logs_takes_shell_first_as_in_knit_0_2():
    assert compat.logs_args(True, False) == (None, True)
    assert compat.logs_args("container_1_0001_01_000002", True) == ("container_1_0001_01_000002", True)
    assert compat.logs_args(None, False) == (None, False)


class BasicAuthGateway:
    """A loopback HTTP server playing a gateway that wants HTTP basic authentication (as Knox does) in front of
    the RM's REST API; it records what each request carried."""

    def __init__(self, user: str, password: str):
        self.seen: list[dict] = []
        outer, expected = self, "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.seen.append({"path": urlsplit(self.path).path, "query": parse_qs(urlsplit(self.path).query),
                                   "auth": self.headers.get("Authorization")})
                ok = self.headers.get("Authorization") == expected
                body = json.dumps({"clusterMetrics": {"activeNodes": 2}} if ok else {}).encode()
                self.send_response(200 if ok else 401)
                if not ok:
                    self.send_header("WWW-Authenticate", 'Basic realm="gateway"')
                self.send_header("Content-Type", "application/json" if ok else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.address = f"127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def gateway():
    g = BasicAuthGateway("alternate_user", "mypass")
    yield g
    g.close()


def test_password_is_basic_auth_as_user_and_user_name_is_sent_too(gateway):
    k = knit.Knit(autodetect=False, rm=f"http://{gateway.address}", password="mypass", user="alternate_user")
    assert k.yarn_api.cluster_metrics() == {"activeNodes": 2}
    (seen,) = gateway.seen
    assert seen["query"]["user.name"] == ["alternate_user"]
    assert "mypass" not in repr(k) and "mypass" not in repr(k.yarn_api)


def test_a_gateway_that_wants_a_password_is_a_clear_error_without_one(gateway):
    k = knit.Knit(autodetect=False, rm=f"http://{gateway.address}", user="alternate_user")
    with pytest.raises(AuthenticationError, match=r"HTTP 401.*pass Knit\(password=\.\.\., user=\.\.\.\)"):
        k.yarn_api.cluster_metrics()
    with pytest.raises(AuthenticationError, match="password given for 'alternate_user' were refused"):
        knit.Knit(autodetect=False, rm=f"http://{gateway.address}", user="alternate_user",
                  password="wrong").yarn_api.cluster_metrics()
    assert gateway.seen[0]["auth"] is None  # positive control: the first request did go without credentials


def test_system_logs_finds_the_daemons_and_their_log_files(tmp_path):
    def proc(pid: int, *args: str) -> None:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in args) + b"\0")

    proc(10, "/usr/bin/java", "-Dproc_resourcemanager", "-Dyarn.log.dir=/wrong", "-Dyarn.log.dir=/var/log/yarn",
         "-Dyarn.log.file=rm.log", syslogs.DAEMONS["rm"])
    proc(11, "/usr/bin/java", "-Dproc_nodemanager", syslogs.DAEMONS["nm"])
    proc(12, "/usr/bin/python", "-c", "print('org.apache.hadoop.yarn.server.nodemanager.NodeManager')")
    (tmp_path / "self").mkdir()
    assert syslogs.daemon_logs(tmp_path) == {"rm_pid": 10, "rm_logfile": "/var/log/yarn/rm.log", "nm_pid": 11}
    assert syslogs.is_local_host("localhost") and not syslogs.is_local_host("no-such-host.invalid")


YARN_LOGS = (
    b"Container: container_1_0001_01_000002 on node1_40001\n"
    b"LogAggregationType: AGGREGATED\n"
    b"=========================================\n"
    b"LogType:stdout\n"
    b"LogLastModifiedTime:Tue Dec 01 22:47:21 +0000 2026\n"
    b"LogLength:33\n"
    b"LogContents:\n"
    b"hello\nLogType:stderr\nLogLength:3\n"  # a log that looks like a header: cut by length, not by lines
    b"End of LogType:stdout\n"
    b"*****************************************\n\n"
    b"Container: container_1_0001_01_000002 on node1_40001\n"
    b"LogAggregationType: AGGREGATED\n"
    b"LogType:stderr\n"
    b"LogLength:4\n"
    b"LogContents:\n"
    b"oops\n"
    b"End of LogType:stderr.This log file belongs to a running container and so may not be complete.\n"
    b"Container: container_1_0001_01_000001 on node2_40002\n"
    b"LogType:launch_container.sh\n"
    b"LogLength:10\n"
    b"Log Contents:\n"  # Hadoop 2's spelling
    b"#!/bin/sh\n\n"
    b"End of LogType:launch_container.sh\n"
)


def test_yarn_logs_output_is_cut_by_log_lengths():
    assert parse_yarn_logs(YARN_LOGS) == {
        "container_1_0001_01_000002": {"stdout": "hello\nLogType:stderr\nLogLength:3\n", "stderr": "oops"},
        "container_1_0001_01_000001": {"stdout": "", "stderr": "", "launch_container.sh": "#!/bin/sh\n"},
    }


def test_yarnapi_apps_is_a_list_of_ids_and_app_containers_takes_info():
    api = YARNAPI(rm="http://127.0.0.1:9", retries=0)
    assert isinstance(type(api).apps, property)
    with pytest.raises(TypeError, match="app_id or info"):
        api.app_containers()
    with pytest.raises(TypeError, match="app_id or info"):
        api.app_containers("application_1_0001", info={"id": "application_1_0001"})
    assert api.kill("not-an-app") is False  # knit 0.2: False, not an exception, for what cannot be killed


def test_yarnapi_auth_is_settable_as_in_knit_0_2():
    api = YARNAPI(rm="http://127.0.0.1:9")
    assert api.auth is None
    api.auth = ("u", "p")
    assert api.session.auth == ("u", "p")
