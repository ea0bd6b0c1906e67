"""knit.envbuild: building environments (conda tools, or venv + pip) and zipping them.

The conda path is tested with ``tests/fixtures/fake_conda``, a stand-in executable obeying the conda CLI
contract (``create --yes --prefix P [--channel C]... SPEC...``), because no conda channel is reachable from
this machine. The pip path is tested for real with a wheel written here (no network).
"""
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from knit.archives import layout_from_names
from knit.envbuild import CondaCreator, create_env
from knit.exceptions import EnvBuildError, SpecError
from envmakers import make_wheel

pytestmark = pytest.mark.usefixtures("cache")

FAKE_CONDA = Path(__file__).resolve().parents[1] / "fixtures" / "fake_conda"


def test_fake_conda_from_conda_root(tmp_path, monkeypatch):
    """conda path through tests/fixtures/fake_conda (a stand-in obeying the conda CLI contract)."""
    calls = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CONDA_LOG", str(calls))
    cache_dir = tmp_path / "built"
    z = create_env("dev", ["python=3", "toolz=0.12"], channels=["conda-forge"],
                        conda_root=str(FAKE_CONDA), cache_dir=cache_dir)
    assert Path(z).name == "dev.zip"
    argv = json.loads(calls.read_text().splitlines()[0])
    assert argv[:2] == ["create", "--yes"] and ["--channel", "conda-forge"] == argv[4:6]
    assert argv[-2:] == ["python=3", "toolz=0.12"]
    with zipfile.ZipFile(z) as zf:
        assert layout_from_names(zf.namelist()).root == "dev"
        zf.extractall(tmp_path / "unpacked")
    # relocated twice now: built, moved, zipped, unpacked elsewhere; it must still run
    prefix = tmp_path / "unpacked" / "dev"
    for p in (prefix / "bin").iterdir():
        with zipfile.ZipFile(z) as zf:
            os.chmod(p, zf.getinfo(f"dev/bin/{p.name}").external_attr >> 16 & 0o777)
    out = subprocess.run([str(prefix / "bin" / "python"), "-c",
                          "import sys, toolz; print(sys.prefix, toolz.__version__, toolz.channels)"],
                         capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert out[0] == str(prefix) and out[1] == "0.12"
    assert "conda-forge" in out[2]
    assert subprocess.run([str(prefix / "bin" / "toolz-version")], capture_output=True,
                          text=True, check=True).stdout == "0.12\n"
    # cached: the second call returns the same zip without running the tool
    assert create_env("dev", ["python=3", "toolz=0.12"], channels=["conda-forge"],
                           conda_root=str(FAKE_CONDA), cache_dir=cache_dir) == z
    assert len(calls.read_text().splitlines()) == 1
    create_env("dev", ["python=3", "toolz=0.12"], channels=["conda-forge"], remove=True,
                    conda_root=str(FAKE_CONDA), cache_dir=cache_dir)
    assert len(calls.read_text().splitlines()) == 2


def test_conda_found_on_path_and_failure_leaves_nothing(tmp_path, monkeypatch):
    """fake_conda (stand-in for the conda CLI) on PATH as `mamba`; an uninstallable package."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mamba").symlink_to(FAKE_CONDA)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    for other in ("conda", "micromamba"):
        if shutil.which(other):
            pytest.fail(f"a real {other} on PATH would shadow the stand-in")
    creator = CondaCreator(cache_dir=tmp_path / "built")
    assert creator.tool == "mamba"
    with pytest.raises(EnvBuildError, match="(?s)PackagesNotFoundError.*doesnotexist-pkg"):
        creator.create_env("broken", ["python=3", "doesnotexist-pkg"])
    assert list((tmp_path / "built").iterdir()) == []


def test_bad_create_env_arguments(tmp_path):
    with pytest.raises(SpecError, match="env_name"):
        create_env("../x", ["dask"], tool="pip", cache_dir=tmp_path)
    with pytest.raises(SpecError, match="non-empty list"):
        create_env("dev", "dask", tool="pip", cache_dir=tmp_path)
    with pytest.raises(SpecError, match="tool must be"):
        create_env("dev", ["dask"], tool="poetry", cache_dir=tmp_path)
    with pytest.raises(SpecError, match="no executable"):
        create_env("dev", ["dask"], conda_root=str(tmp_path), cache_dir=tmp_path)
    with pytest.raises(SpecError, match=r"python==2\.7\.\*"):
        create_env("dev", ["python=2.7", "dask"], tool="pip", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing built for a request that cannot work


def test_pip_env_from_local_wheel(tmp_path):
    """The pip path for real (venv + pip), installing a wheel made here: no network needed."""
    whl = make_wheel(tmp_path)
    cache_dir = tmp_path / "built"
    z = create_env("pipenv", ["python=3", str(whl)], tool="pip", cache_dir=cache_dir)
    built = os.stat(z)
    assert create_env("pipenv", ["python=3", str(whl)], tool="pip", cache_dir=cache_dir) == z
    # not built again: a build renames a new zip into place (new inode and mtime)
    assert (os.stat(z).st_ino, os.stat(z).st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        layout = layout_from_names(names)
        assert (layout.root, layout.python) == ("pipenv", "bin/python")
        assert not any(zf.read(n).startswith(b"#!/") and b"/build/" in zf.read(n)[:200]
                       for n in names if n.startswith("pipenv/bin/") and not n.endswith("/"))
        zf.extractall(tmp_path / "node")
        for info in zf.infolist():
            os.chmod(tmp_path / "node" / info.filename, info.external_attr >> 16 & 0o777)
    prefix = tmp_path / "node" / "pipenv"
    out = subprocess.run([str(prefix / "bin" / "python"), "-c",
                          "import sys, knitpkg; print(sys.prefix); print(knitpkg.__file__)"],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == str(prefix) and out[1].startswith(str(prefix))
    assert subprocess.run([str(prefix / "bin" / "knitpkg-cli")], capture_output=True, text=True,
                          check=True).stdout == "knitpkg 1.0\n"


def test_pip_failure_raises_pip_error_and_leaves_nothing(tmp_path):
    cache_dir = tmp_path / "built"
    with pytest.raises(EnvBuildError, match="(?s)pip install failed.*does-not-exist.whl"):
        create_env("bad", ["python=3", str(tmp_path / "does-not-exist.whl")], tool="pip",
                        cache_dir=cache_dir)
    assert list(cache_dir.iterdir()) == []


def test_build_tools_do_not_see_this_process_s_pythonpath(monkeypatch):
    """A source checkout on PYTHONPATH (its knit.egg-info) made the new env's `pip check` fail on knit's deps."""
    import sys
    from knit import envbuild
    monkeypatch.setenv("PYTHONPATH", "/some/checkout")
    monkeypatch.setenv("KNIT_PROBE", "kept")
    probe = "import os; print(os.environ.get('PYTHONPATH'), os.environ.get('KNIT_PROBE'), os.environ.get('X'))"
    out = envbuild._run([sys.executable, "-c", probe], "probe", env={"X": "extra"}).stdout.split()
    assert out == ["None", "kept", "extra"]


def test_a_built_env_is_not_read_again_on_first_use(tmp_path, monkeypatch):
    """create_env leaves its zip validated: prepare_env's first call on it does no full read (testzip), and a
    zip changed afterwards is validated again."""
    from knit import archives
    from knit.env import prepare_env
    z = create_env("dev", ["python=3"], conda_root=str(FAKE_CONDA), cache_dir=tmp_path / "built")
    full_reads = []
    real = archives.inspect_archive
    monkeypatch.setattr(archives, "inspect_archive",
                        lambda *a, **k: full_reads.append(a) or real(*a, **k))
    assert prepare_env(z)["root"] == "dev" and full_reads == []
    os.utime(z, ns=(1, 1))
    prepare_env(z)
    assert len(full_reads) == 1
