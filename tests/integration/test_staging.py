"""Staging and launch on the real local cluster: commands and envvars reach the container byte for byte, any file
name a user has works, a new version of a file never breaks an application that still uses the old one, old
copies are pruned, and only what is the user's is trusted.

Every application is started through :func:`helpers.app`, which kills it if the test fails.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile

import pytest

import hdfs_helpers as hdfs
from knit import Knit
from knit.exceptions import SpecError
from knit.spec import AppSpec, FileSpec
from helpers import app, knit_cli, wait_until

#: Every kind of character the NodeManager rewrites or bash interprets, and a 1 MB argument.
TRICKY = ("print({'a': {'b': 1}}) <LOG_DIR> <CPS> <ADD_OPENS> {{x}} }} {{PWD}} \"dq\" 'sq' $HOME `hostname` \\ "
          "a\nnew line, é 漢 🙂 %PATH% !x")
INJECTION = "x{{(echo INJECTED)}}y"
NAMES = ["2024-01-01T00:00.csv", 'we"ird$name.txt', "a b#1%.txt", "données.csv"]


def sh_quote(s: str) -> str:
    return "'" + s.replace("'", "'\"'\"'") + "'"


def finished_logs(k: Knit, timeout: float = 180, tail: int | None = None) -> dict:
    assert k.wait_for_completion(timeout), f"{k.app_id} did not finish"
    assert k.report()["final_status"] == "SUCCEEDED", k.logs()
    return k.logs(tail=tail) if tail else k.logs()


def worker_stdout(logs: dict) -> list[str]:
    return [files["stdout"] for cid, files in logs.items() if not cid.endswith("_000001")]


def test_command_and_envvars_reach_the_container_byte_for_byte(hadoop_cluster):
    big = ("0123456789{{}}<LOG_DIR>$`\"' " * 40000)[: 1 << 20]
    # printf prints its arguments as they are: the output is what the shell was given.
    cmd = f"printf '%s|%s|%s|%s' {sh_quote(TRICKY)} \"$V\" \"$W\" {sh_quote(big)}"
    k = Knit()
    with app(k, cmd, envvars={"V": INJECTION, "W": TRICKY}):
        (out,) = worker_stdout(finished_logs(k, tail=4 << 20))
    assert out == f"{TRICKY}|{INJECTION}|{TRICKY}|{big}"  # nothing executed that the user did not write


def test_a_launch_script_over_the_limit_is_refused_before_upload(hadoop_cluster):
    k = Knit()
    before = hdfs.listing(hadoop_cluster, hdfs.path_of(k.deps_dir))
    with pytest.raises(SpecError, match="launch script of .* bytes; the limit is"):
        k.start("true", envvars={"BIG": "x" * (5 << 20)})
    assert k.app_id is None
    assert hdfs.listing(hadoop_cluster, hdfs.path_of(k.deps_dir)).keys() == before.keys()


def test_any_file_name_local_or_hdfs_appears_under_its_own_name(hadoop_cluster, tmp_path):
    k = Knit()
    local = []
    for n in NAMES:
        (tmp_path / n).write_text(f"local {n}\n", encoding="utf-8")
        local.append(str(tmp_path / n))
    remote_names = [f"h-{n}" for n in NAMES[1:] + ["[x] (1).txt"]]  # HDFS itself refuses ':' in a name
    base = "/user/root/staging-test-names"
    for n in remote_names:
        hdfs.put(hadoop_cluster, f"{base}/{n}", f"remote {n}\n".encode())
    try:
        everything = NAMES + remote_names
        cmd = "for f in " + " ".join(sh_quote(n) for n in everything) + '; do cat -- "$f"; done'
        files = local + [f"{hadoop_cluster.namenode_address}{base}/{n}" for n in remote_names]
        with app(k, cmd, files=files):
            (out,) = worker_stdout(finished_logs(k))
        assert out == "".join(f"local {n}\n" for n in NAMES) + "".join(f"remote {n}\n" for n in remote_names)
    finally:
        hdfs.delete(hadoop_cluster, base)


def test_names_that_cannot_work_are_refused_before_upload(hadoop_cluster, tmp_path):
    k = Knit()
    (tmp_path / "data.txt").write_text("x")
    before = hdfs.listing(hadoop_cluster, hdfs.path_of(k.deps_dir))
    for name, why in (("launch_container.sh", "YARN itself uses"), ("a/b", "no '/'"), (".knit", "Knit's own")):
        spec = AppSpec(command="true", files=[FileSpec(source=str(tmp_path / "data.txt"), name=name)])
        with pytest.raises(SpecError, match=re.escape(why)):
            k.submit(spec)
    assert k.app_id is None
    assert hdfs.listing(hadoop_cluster, hdfs.path_of(k.deps_dir)).keys() == before.keys()


def _copies(cluster, k: Knit, name: str) -> dict[str, dict]:
    """The deps-dir copies of a file the user calls ``name``: ``<sha256[:16]>-<name>``."""
    return {n: st for n, st in hdfs.listing(cluster, hdfs.path_of(k.deps_dir)).items()
            if re.fullmatch(r"[0-9a-f]{16}-" + re.escape(name), n)}


def _sha_prefix(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _rewrite(path, text: str, mtime: int) -> bytes:
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return text.encode()


def test_a_new_version_never_breaks_a_running_application_and_prune_keeps_what_is_used(hadoop_cluster, tmp_path):
    f = tmp_path / "f.txt"
    cmd = "cat f.txt; sleep 600"
    v0 = _rewrite(f, "version zero\n", 1_600_000_000)
    c = Knit()
    with app(c, "cat f.txt", files=[str(f)]):
        finished_logs(c)
    v1 = _rewrite(f, "version one, longer\n", 1_600_000_100)
    a, b = Knit(), Knit()
    with app(a, cmd, files=[str(f)], keep_alive=True) as app_a:
        first = wait_until(lambda: [x for x in a.get_containers() if x["state"] == "RUNNING"], 180, "A running")
        v2 = _rewrite(f, "version two, the longest\n", 1_600_000_200)
        with app(b, cmd, files=[str(f)]):
            wait_until(lambda: "version two" in "".join(worker_stdout(b.logs())), 180, "B's container's output")
            a.add_containers(1)

            def second_of_a():
                new = [x for x in a.get_containers() if x["state"] == "RUNNING" and x["id"] != first[0]["id"]]
                return new and "version one" in a.logs(new[0]["id"])[new[0]["id"]]["stdout"] and new

            new = wait_until(second_of_a, 180, "A's added container RUNNING with the old content")
            assert a.logs(new[0]["id"])[new[0]["id"]]["stdout"] == v1.decode()
            copies = _copies(hadoop_cluster, a, "f.txt")
            assert {_sha_prefix(v) + "-f.txt" for v in (v0, v1, v2)} <= copies.keys()
            out = knit_cli("envs", "--prune", "--older-than", "0", "--json")
            assert out.returncode == 0, out.stderr
            result = json.loads(out.stdout)
            assert _sha_prefix(v0) + "-f.txt" in result["removed"]  # C has ended: nothing uses it
            assert {_sha_prefix(v) + "-f.txt" for v in (v1, v2)} <= set(result["kept"])
            left = _copies(hadoop_cluster, a, "f.txt").keys()
            assert _sha_prefix(v0) + "-f.txt" not in left and {_sha_prefix(v) + "-f.txt" for v in (v1, v2)} <= left
            assert app_a  # A still runs with v1: its next container localizes fine
            a.add_containers(1)
            wait_until(lambda: sum(x["state"] == "RUNNING" for x in a.get_containers()) == 3, 180,
                       "A's third container RUNNING after the prune")


def test_an_unchanged_file_is_uploaded_once(hadoop_cluster, tmp_path):
    (tmp_path / "same.txt").write_text("the same\n")
    ks = [Knit(), Knit()]
    for k in ks:
        with app(k, "cat same.txt", files=[str(tmp_path / "same.txt")]):
            finished_logs(k)
    copies = _copies(hadoop_cluster, ks[0], "same.txt")
    assert len(copies) == 1, copies


# -- trust --------------------------------------------------------------------------------------------------------

@pytest.fixture
def home(hadoop_cluster):
    """A fresh HDFS home for one Knit's deps dir, removed afterwards."""
    path = "/user/root/staging-test-trust"
    hdfs.delete(hadoop_cluster, path)
    yield path
    hdfs.delete(hadoop_cluster, path)


def _deps_dir(cluster, home: str, change) -> str:
    deps = f"{home}/.knitDeps"
    hdfs.mkdir(cluster, deps)
    change(cluster, deps)
    return deps


@pytest.mark.parametrize("change, why", [
    (lambda cluster, path: hdfs.chown(cluster, path, "mallory"), "belongs to mallory, not to you"),
    (lambda cluster, path: hdfs.chmod(cluster, path, "777"), "is writable by its group and others (mode rwxrwxrwx)"),
], ids=["another-users", "mode-0777"])
def test_a_deps_dir_not_only_the_users_is_refused_naming_it(hadoop_cluster, home, tmp_path, change, why):
    (tmp_path / "x.txt").write_text("x\n")
    deps = _deps_dir(hadoop_cluster, home, change)
    k = Knit(hdfs_home=home)
    with pytest.raises(SpecError, match=rf"deps dir \S*{re.escape(deps)} {re.escape(why)}"):
        k.start("cat x.txt", files=[str(tmp_path / "x.txt")])
    assert k.app_id is None and hdfs.listing(hadoop_cluster, deps) == {}  # nothing uploaded


def test_upload_always_bypasses_the_deps_dir_check(hadoop_cluster, home, tmp_path):
    (tmp_path / "x.txt").write_text("x\n")
    _deps_dir(hadoop_cluster, home, lambda cluster, path: hdfs.chmod(cluster, path, "777"))
    bypass = Knit(hdfs_home=home, upload_always=True)  # reuses nothing, so nothing of the dir is trusted
    with app(bypass, "cat x.txt", files=[str(tmp_path / "x.txt")]):
        assert worker_stdout(finished_logs(bypass)) == ["x\n"]


def test_a_reused_copy_of_another_user_is_refused_naming_it(hadoop_cluster, home, tmp_path):
    data = b"planted?\n"
    (tmp_path / "x.txt").write_bytes(data)
    deps = f"{home}/.knitDeps"
    hdfs.mkdir(hadoop_cluster, deps)
    planted = f"{deps}/{_sha_prefix(data)}-x.txt"
    hdfs.put(hadoop_cluster, planted, data)
    hdfs.chown(hadoop_cluster, planted, "mallory")
    k = Knit(hdfs_home=home)
    with pytest.raises(SpecError, match=rf"copy of \S+x.txt \S*{re.escape(planted)} belongs to mallory"):
        k.start("cat x.txt", files=[str(tmp_path / "x.txt")])
    assert k.app_id is None and set(hdfs.listing(hadoop_cluster, deps)) == {planted.rsplit("/", 1)[1]}


# -- env checks ---------------------------------------------------------------------------------------------------

def test_an_env_without_python_is_refused_before_upload(hadoop_cluster, tmp_path):
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    data = tmp_path / "data.zip"
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("data/table.csv", "a,b\n")
    k = Knit()
    before = hdfs.listing(hadoop_cluster, hdfs.path_of(k.deps_dir))
    for env in (empty, data):
        with pytest.raises(SpecError, match="has no bin/python"):
            k.start("true", env=str(env))
    assert k.app_id is None
    assert hdfs.listing(hadoop_cluster, hdfs.path_of(k.deps_dir)).keys() == before.keys()
