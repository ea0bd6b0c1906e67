"""Environments, files and the upload cache on the real local cluster (HDFS + YARN, two NodeManagers).

The environment is a real venv holding ``knitpkg``, a pure-Python package made here as a wheel (no
network) and installed only into that venv, so ``import knitpkg`` in a container proves the
environment came from the archive. Every application is started through :func:`app`, which kills
it if the test fails. ``create_env`` with pip installs dask from PyPI (reachable from this machine).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from knit import Knit
from helpers import app

REPO = Path(__file__).resolve().parents[2]
PROBE = ("$PYTHON_BIN -c 'import knitpkg, os, sys; print(\"PREFIX\", sys.prefix); "
         "print(\"CWD\", os.getcwd()); print(\"PKG\", knitpkg.__file__)'")


def finish(k: Knit, timeout: float = 240) -> dict:
    """Wait for the application to end SUCCEEDED; return its aggregated logs."""
    assert k.wait_for_completion(timeout), f"{k.app_id} still running after {timeout} s"
    report = k.report()
    if report["final_status"] != "SUCCEEDED":
        pytest.fail(f"{k.app_id} ended {report['final_status']}: {report.get('diagnostics')}\n"
                    f"{json.dumps(k.logs(), indent=1)[-4000:]}")
    return k.logs()


def run(cmd: str, timeout: float = 240, **kwargs) -> dict:
    """Run ``cmd`` in a new application until it ends; return its logs."""
    k = Knit()
    with app(k, cmd, **kwargs):
        return finish(k, timeout)


def probe_results(logs: dict, n: int) -> list[dict]:
    """The PREFIX/CWD/PKG lines printed by PROBE in each worker container (the AM prints none)."""
    found = []
    for cid, files in logs.items():
        lines = dict(line.split(" ", 1) for line in files["stdout"].splitlines()
                     if line.split(" ", 1)[0] in ("PREFIX", "CWD", "PKG"))
        if lines:
            found.append(lines)
    assert len(found) == n, f"expected {n} containers printing PREFIX, got: {json.dumps(logs)[-3000:]}"
    return found


def assert_env_from_archive(logs: dict, n: int = 2) -> None:
    for r in probe_results(logs, n):
        assert r["PREFIX"].startswith(r["CWD"] + "/"), r  # the env unpacked in the container
        assert r["PKG"].startswith(r["PREFIX"] + "/"), r  # knitpkg imported from the env


def make_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel (``knitpkg``), written without network or build tools."""
    dist = "knitpkg-1.0.dist-info"
    files = {
        "knitpkg/__init__.py": "VERSION = '1.0'\n",
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: knitpkg\nVersion: 1.0\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: knit-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
    }
    files[f"{dist}/RECORD"] = "".join(f"{n},,\n" for n in files) + f"{dist}/RECORD,,\n"
    whl = directory / "knitpkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return whl


def make_venv(path: Path, wheel: Path, ballast_mb: int = 0) -> Path:
    """A real venv with knitpkg installed only into it (plus ``ballast_mb`` of incompressible data)."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True)
    if ballast_mb:
        with open(path / "ballast.bin", "wb") as f:
            for _ in range(ballast_mb):
                f.write(os.urandom(1 << 20))
    return path


@pytest.fixture(scope="module")
def venvs(tmp_path_factory, hadoop_cluster):
    """A zipped venv (as `zip -r dev.zip dev/` makes), a flat .tar.gz of one, and a venv directory."""
    base = tmp_path_factory.mktemp("envs")
    wheel = make_wheel(base)
    assert subprocess.run([sys.executable, "-c", "import knitpkg"]).returncode != 0
    make_venv(base / "venvzip", wheel)
    subprocess.run(["zip", "-qr", "venvzip.zip", "venvzip/"], cwd=base, check=True)
    tarred = make_venv(base / "venvtar", wheel)
    with tarfile.open(base / "venvtar.tar.gz", "w:gz") as tf:  # flat, like venv-pack output
        for child in sorted(tarred.iterdir()):
            tf.add(child, child.name)
    return {"zip": base / "venvzip.zip", "tgz": base / "venvtar.tar.gz",
            "dir": make_venv(base / "venvdir", wheel), "wheel": wheel, "base": base}


def test_zip_env_and_files_in_every_container(venvs):
    base = venvs["base"]
    (base / "creds.txt").write_text("user=knit\n")
    (base / "data.csv").write_text("a,b\n1,2\n")
    with zipfile.ZipFile(base / "bundle.zip", "w") as zf:
        zf.writestr("inner/note.txt", "unpacked\n")
    files = [str(base / "creds.txt"), str(base / "data.csv"), str(base / "bundle.zip")]
    logs = run(PROBE + " && cat creds.txt data.csv bundle.zip/inner/note.txt",
               num_containers=2, env=str(venvs["zip"]), files=files)
    assert_env_from_archive(logs)
    outputs = [f["stdout"] for f in logs.values() if "PREFIX" in f["stdout"]]
    for out in outputs:
        assert "user=knit\na,b\n1,2\nunpacked\n" in out


def test_tgz_directory_and_hdfs_envs(venvs):
    """A flat .tar.gz, a directory (zipped by Knit) and the zip Knit uploaded, as an hdfs:// URL."""
    ks = {kind: Knit() for kind in ("tgz", "dir", "hdfs")}
    with contextlib.ExitStack() as stack:
        stack.enter_context(app(ks["tgz"], PROBE, num_containers=2, env=str(venvs["tgz"])))
        stack.enter_context(app(ks["dir"], PROBE, num_containers=2, env=str(venvs["dir"])))
        (staged,) = [e["path"] for e in ks["dir"].list_envs() if re.fullmatch(r"[0-9a-f]{16}-venvdir\.zip",
                                                                               e["name"])]
        assert staged.startswith("hdfs://")
        stack.enter_context(app(ks["hdfs"], PROBE, num_containers=2, env=staged))
        for kind, k in ks.items():
            assert_env_from_archive(finish(k))


NEW_PROCESS = """
import json, sys
from knit import Knit
k = Knit()
k.start(sys.argv[1], env=sys.argv[2])
try:
    assert k.wait_for_completion(240)
    print(json.dumps(k.report()))
finally:
    k.kill()
"""


def test_unchanged_env_uploads_nothing(venvs, tmp_path):
    """A ~100 MB env: the second application and one from a new Python process upload nothing."""
    env = make_venv(tmp_path / "bigenv", venvs["wheel"], ballast_mb=100)
    k = Knit()

    def staged():
        copies = [e for e in k.list_envs() if re.fullmatch(r"[0-9a-f]{16}-bigenv\.zip", e["name"])]
        assert len(copies) <= 1, copies  # content-addressed: one copy of one content
        return copies[0] if copies else None

    run(PROBE, num_containers=1, env=str(env))
    first = staged()
    assert first and first["size"] > 100 * 2**20
    logs = run(PROBE, num_containers=1, env=str(env))
    assert_env_from_archive(logs, n=1)
    assert staged()["modification_time"] == first["modification_time"]  # not written again
    out = subprocess.run([sys.executable, "-c", NEW_PROCESS, PROBE, str(env)], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1])["final_status"] == "SUCCEEDED"
    assert staged()["modification_time"] == first["modification_time"]
    assert staged()["sha256"] == first["sha256"]


def test_create_env_with_pip_builds_caches_and_ships(tmp_path, hadoop_cluster):
    cache = tmp_path / "built"
    packages = ["python=3", "dask", "distributed"]
    path = Knit.create_env("knitdask", packages=packages, tool="pip", cache_dir=cache)
    assert path.endswith("knitdask.zip") and os.path.exists(path)
    built = os.stat(path)
    again = Knit.create_env("knitdask", packages=packages, tool="pip", cache_dir=cache)
    # cached: the same zip, not built again (a rebuild renames a new file into place: new inode and mtime)
    assert again == path and (os.stat(path).st_ino, os.stat(path).st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    # the usage page's form, `$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker ...` (with --help: no scheduler here)
    logs = run("$PYTHON_BIN -c 'import dask, sys; print(\"DASK\", dask.__version__, sys.prefix)' "
               "&& $CONDA_PREFIX/bin/pip --version && $PYTHON_BIN $CONDA_PREFIX/bin/dask-worker --help",
               num_containers=1, env=path)
    outs = [f["stdout"] for f in logs.values() if "DASK" in f["stdout"]]
    assert len(outs) == 1 and "/knitdask" in outs[0]
    assert "pip " in outs[0]  # an entry point script runs after relocation
    assert "Usage:" in outs[0] and "SCHEDULER" in outs[0]  # dask-worker's own help


def test_bad_env_and_files_rejected_before_anything_is_submitted(tmp_path, hadoop_cluster):
    from knit.env import CorruptArchiveError, MissingPathError
    from knit.exceptions import SpecError

    k = Knit()
    staged_before = {(e["name"], e["modification_time"]) for e in k.list_envs()}
    corrupt = tmp_path / "broken.zip"
    with zipfile.ZipFile(corrupt, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("broken/bin/python", b"A" * 4096)
    data = bytearray(corrupt.read_bytes())
    data[data.index(b"A" * 4096) + 10] ^= 0xFF
    corrupt.write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError):
        k.start("true", env=str(corrupt))
    with pytest.raises(MissingPathError):
        k.start("true", files=[str(tmp_path / "creds.txt")])
    with pytest.raises(SpecError, match="(?i)does not exist|not found|no such"):
        k.start("true", env=k.deps_dir + "/no-such-env.zip")
    with pytest.raises(SpecError, match="(?i)does not exist|not found|no such"):
        k.start("true", files=[k.hdfs_home + "/no-such-file.csv"])
    assert k.app_id is None
    # nothing uploaded (list_envs shows an upload at once: test_unchanged_env_uploads_nothing)
    assert {(e["name"], e["modification_time"]) for e in k.list_envs()} == staged_before
