"""Unit tests for knit.env: archives, zipped directories, files, spec translation, env building.

No cluster is needed. The conda path is tested with ``tests/fixtures/fake_conda``, a stand-in
executable obeying the conda CLI contract (``create --yes --prefix P [--channel C]... SPEC...``),
because no conda channel is reachable from this machine. The pip path is tested for real with a
wheel written here (no network).
"""
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from knit import env as kenv
from knit.exceptions import KnitException, SpecError

FAKE_CONDA = Path(__file__).resolve().parents[1] / "fixtures" / "fake_conda"


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """Every test gets its own Knit cache directory."""
    d = tmp_path / "knit-cache"
    monkeypatch.setenv("KNIT_CACHE_DIR", str(d))
    return d


def make_env_dir(root: Path) -> Path:
    """A small venv-like tree: bin/python (exec), a script, lib/.../mod.py, lib64 -> lib."""
    (root / "bin").mkdir(parents=True)
    py = root / "bin" / "python"
    py.write_bytes(b"\x7fELF fake python")
    py.chmod(0o755)
    (root / "bin" / "tool").write_text("#!/bin/sh\necho tool\n")
    (root / "bin" / "tool").chmod(0o750)
    site = root / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (site / "mod.py").write_text("X = 1\n")
    (root / "lib64").symlink_to("lib")
    (root / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return root


def make_zip(path: Path, members: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def make_tgz(path: Path, members: dict) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tf.addfile(info, io.BytesIO(data))
    return path


def make_wheel(directory: Path, name: str = "knitpkg", version: str = "1.0") -> Path:
    """A minimal pure-Python wheel with one module and a console script, made without network."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\ndef main():\n    print('{name}', VERSION)\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: knit-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\n{name}-cli = {name}:main\n",
    }
    record = "".join(f"{n},,\n" for n in files) + f"{dist}/RECORD,,\n"
    files[f"{dist}/RECORD"] = record
    whl = directory / f"{name}-{version}-py3-none-any.whl"
    make_zip(whl, files)
    return whl


# ---------------------------------------------------------------------------------- layouts

@pytest.mark.parametrize("names, root, python", [
    (["dev/", "dev/bin/", "dev/bin/python", "dev/lib/x.py"], "dev", "bin/python"),
    (["bin/python3", "bin/python3.11", "lib/x.py"], "", "bin/python3"),
    ([".", "./bin", "./bin/python3.11", "./bin/python3.9", "./lib"], "", "bin/python3.11"),
    (["env/bin/python3.12", "env/lib/x"], "env", "bin/python3.12"),
    (["bin/", "bin/python"], "", "bin/python"),
    (["a/x", "b/y"], "", ""),
    (["dev/share/readme"], "dev", ""),
])
def test_layout_from_names(names, root, python):
    layout = kenv.layout_from_names(names)
    assert (layout.root, layout.python) == (root, python)


@pytest.mark.parametrize("bad", ["../evil", "/etc/passwd", "dev/../../x"])
def test_layout_rejects_members_escaping_the_directory(bad):
    with pytest.raises(kenv.CorruptArchiveError, match="outside"):
        kenv.layout_from_names(["dev/bin/python", bad])


# ---------------------------------------------------------------------------------- archives

def test_zip_with_top_level_dir(tmp_path):
    z = make_zip(tmp_path / "dev.zip", {"dev/bin/python": b"x", "dev/lib/a.py": b"y"})
    spec = kenv.prepare_env(str(z))
    assert spec == {"source": str(z), "name": "dev", "root": "dev", "python": "bin/python"}


def test_flat_tgz(tmp_path):
    t = make_tgz(tmp_path / "packed.tgz", {"bin/python3": b"x", "bin/conda-unpack": b"y"})
    assert kenv.prepare_env(t) == {"source": str(t), "name": "packed", "root": "",
                                   "python": "bin/python3"}


def test_tar_gz_name_strips_both_suffixes(tmp_path):
    t = make_tgz(tmp_path / "myenv.tar.gz", {"bin/python": b"x"})
    assert kenv.prepare_env(t)["name"] == "myenv"


def test_corrupt_zip_member_detected(tmp_path):
    z = tmp_path / "dev.zip"
    payload = b"A" * 5000
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("dev/bin/python", payload)
    data = bytearray(z.read_bytes())
    i = data.index(payload)
    data[i + 100] ^= 0xFF  # flip a byte of stored data: the CRC no longer matches
    z.write_bytes(bytes(data))
    with pytest.raises(kenv.CorruptArchiveError, match="CRC|not a valid zip"):
        kenv.prepare_env(z)


def test_truncated_zip_detected(tmp_path):
    z = make_zip(tmp_path / "dev.zip", {"dev/bin/python": os.urandom(20000)})
    z.write_bytes(z.read_bytes()[:15000])
    with pytest.raises(kenv.CorruptArchiveError, match="not a valid zip"):
        kenv.prepare_env(z)


def test_not_a_zip_detected(tmp_path):
    z = tmp_path / "dev.zip"
    z.write_text("hello")
    with pytest.raises(kenv.CorruptArchiveError):
        kenv.prepare_env(z)


def test_truncated_tgz_detected(tmp_path):
    t = make_tgz(tmp_path / "e.tar.gz", {"bin/python": os.urandom(50000)})
    t.write_bytes(t.read_bytes()[:30000])
    with pytest.raises(kenv.CorruptArchiveError, match="not a valid .tar.gz"):
        kenv.prepare_env(t)


def test_tgz_with_bad_gzip_crc_detected(tmp_path):
    t = make_tgz(tmp_path / "e.tgz", {"bin/python": b"x" * 1000})
    data = bytearray(t.read_bytes())
    data[-8] ^= 0xFF  # the gzip trailer's CRC32
    t.write_bytes(bytes(data))
    with pytest.raises(kenv.CorruptArchiveError):
        kenv.prepare_env(t)


def test_uncompressed_tar_named_tgz_rejected(tmp_path):
    t = tmp_path / "e.tgz"
    with tarfile.open(t, "w") as tf:
        tf.add(__file__, "bin/python")
    with pytest.raises(kenv.CorruptArchiveError, match="not gzip-compressed"):
        kenv.prepare_env(t)


def test_validation_is_remembered_until_the_file_changes(tmp_path, cache, monkeypatch):
    z = make_zip(tmp_path / "dev.zip", {"dev/bin/python": b"x"})
    kenv.prepare_env(z)
    calls = []
    real = kenv.inspect_archive
    monkeypatch.setattr(kenv, "inspect_archive", lambda *a, **k: calls.append(a) or real(*a, **k))
    kenv.prepare_env(z)
    assert calls == []
    make_zip(z, {"dev/bin/python": b"changed", "dev/x": b""})
    os.utime(z, ns=(1, 1))
    kenv.prepare_env(z)
    assert len(calls) == 1
    assert json.loads((cache / "archives.json").read_text())


# ---------------------------------------------------------------------------------- bad input

def test_missing_env(tmp_path):
    with pytest.raises(kenv.MissingPathError, match="does not exist"):
        kenv.prepare_env(tmp_path / "nope.zip")


def test_unreadable_env(tmp_path, monkeypatch):
    z = make_zip(tmp_path / "dev.zip", {"dev/bin/python": b"x"})
    z.chmod(0)
    if os.access(z, os.R_OK):  # root reads anything: make access() answer as for another user
        real = os.access
        monkeypatch.setattr(kenv.os, "access", lambda p, m: False if str(p) == str(z) else real(p, m))
    with pytest.raises(kenv.UnreadablePathError, match="not readable"):
        kenv.prepare_env(z)


def test_env_of_wrong_kind(tmp_path):
    f = tmp_path / "env.txt"
    f.write_text("x")
    with pytest.raises(SpecError, match="neither a directory"):
        kenv.prepare_env(f)


def test_errors_are_knit_spec_errors():
    for cls in (kenv.MissingPathError, kenv.UnreadablePathError, kenv.CorruptArchiveError):
        assert issubclass(cls, SpecError) and issubclass(cls, KnitException)
    assert issubclass(kenv.EnvBuildError, KnitException)


# ---------------------------------------------------------------------------------- hdfs

def test_hdfs_zip_used_in_place_with_root_left_to_the_container():
    spec = kenv.prepare_env("hdfs://nn:8020/user/u/envs/dev.zip")
    assert spec == {"source": "hdfs://nn:8020/user/u/envs/dev.zip", "name": "dev", "root": None,
                    "python": "bin/python"}


def test_hdfs_env_layout_is_overridable():
    assert kenv.prepare_env("hdfs:///e/packed.tar.gz")["root"] is None
    spec = kenv.prepare_env({"source": "hdfs:///e/flat.zip", "root": "", "python": "bin/python3"})
    assert (spec["name"], spec["root"], spec["python"]) == ("flat", "", "bin/python3")


def test_hdfs_env_must_be_an_archive():
    with pytest.raises(SpecError, match="must be a .zip"):
        kenv.prepare_env("hdfs:///user/u/envs/dev")


# ---------------------------------------------------------------------------------- directories

def test_directory_zipped_with_permissions_and_cached(tmp_path, cache):
    src = make_env_dir(tmp_path / "dev")
    spec = kenv.prepare_env(src)
    z = Path(spec["source"])
    assert z.name == "dev.zip" and cache in z.parents
    assert (spec["name"], spec["root"], spec["python"]) == ("dev", "dev", "bin/python")
    with zipfile.ZipFile(z) as zf:
        names = set(zf.namelist())
        assert "dev/lib/python3.11/site-packages/mod.py" in names
        assert not any(n.startswith("dev/lib64") for n in names)  # in-tree dir symlink not doubled
        mode = zf.getinfo("dev/bin/python").external_attr >> 16
        assert stat.S_IMODE(mode) == 0o755
        assert stat.S_IMODE(zf.getinfo("dev/bin/tool").external_attr >> 16) == 0o750
        assert zf.testzip() is None
    before = z.stat().st_mtime_ns
    assert kenv.prepare_env(src)["source"] == str(z)
    assert z.stat().st_mtime_ns == before  # unchanged dir: the cached zip is re-used as is


def test_changed_directory_rezipped(tmp_path):
    src = make_env_dir(tmp_path / "dev")
    z = Path(kenv.prepare_env(src)["source"])
    (src / "lib" / "python3.11" / "site-packages" / "new.py").write_text("Y = 2\n")
    assert kenv.prepare_env(src)["source"] == str(z)
    with zipfile.ZipFile(z) as zf:
        assert "dev/lib/python3.11/site-packages/new.py" in zf.namelist()


def test_symlink_to_outside_file_stored_as_content(tmp_path):
    outside = tmp_path / "real-python"
    outside.write_bytes(b"interpreter bytes")
    outside.chmod(0o755)
    src = tmp_path / "venv"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "python").symlink_to(outside)
    (src / "bin" / "dangling").symlink_to(tmp_path / "missing")
    z = Path(kenv.prepare_env(src)["source"])
    with zipfile.ZipFile(z) as zf:
        assert zf.read("venv/bin/python") == b"interpreter bytes"
        assert stat.S_IMODE(zf.getinfo("venv/bin/python").external_attr >> 16) == 0o755
        assert "venv/bin/dangling" not in zf.namelist()


# ---------------------------------------------------------------------------------- files

def test_prepare_files(tmp_path):
    (tmp_path / "creds.txt").write_text("secret")
    (tmp_path / "data.csv").write_text("a,b\n")
    lib = make_zip(tmp_path / "lib.zip", {"lib/a.py": b""})
    out = kenv.prepare_files([str(tmp_path / "creds.txt"), tmp_path / "data.csv", lib,
                              "hdfs:///user/u/big.tgz"])
    assert out == [
        {"source": str(tmp_path / "creds.txt"), "name": "creds.txt", "type": "FILE"},
        {"source": str(tmp_path / "data.csv"), "name": "data.csv", "type": "FILE"},
        {"source": str(lib), "name": "lib.zip", "type": "ARCHIVE"},
        {"source": "hdfs:///user/u/big.tgz", "name": "big.tgz", "type": "ARCHIVE"},
    ]
    assert kenv.prepare_files(None) == []


def test_relative_files_resolved(tmp_path, monkeypatch):
    (tmp_path / "creds.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert kenv.prepare_files(["creds.txt"])[0]["source"] == str(tmp_path / "creds.txt")


def test_duplicate_base_names_rejected(tmp_path):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "data.csv").write_text("x")
    with pytest.raises(SpecError, match="share the base name 'data.csv'"):
        kenv.prepare_files([tmp_path / "a" / "data.csv", "hdfs:///x/data.csv"][:1]
                           + [tmp_path / "b" / "data.csv"])
    with pytest.raises(SpecError, match="share the base name"):
        kenv.prepare_files([tmp_path / "a" / "data.csv", "hdfs:///x/data.csv"])


def test_missing_file_and_directory_and_corrupt_archive(tmp_path):
    with pytest.raises(kenv.MissingPathError):
        kenv.prepare_files([tmp_path / "creds.txt"])
    with pytest.raises(SpecError, match="is a directory"):
        kenv.prepare_files([tmp_path])
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(kenv.CorruptArchiveError):
        kenv.prepare_files([bad])
    with pytest.raises(SpecError, match="list of paths"):
        kenv.prepare_files("creds.txt")


# ---------------------------------------------------------------------------------- specs

@pytest.mark.parametrize("spec, pip", [
    ("dask", "dask"),
    ("numpy=1.26", "numpy==1.26.*"),
    ("numpy==1.26.4", "numpy==1.26.4"),
    ("pandas>=2,<3", "pandas>=2,<3"),
    ("conda-forge::pandas=2.1=py311_0", "pandas==2.1.*"),
    ("scipy 1.11", "scipy==1.11.*"),
    ("a=1.2*", "a==1.2.*"),
    ("b=*", "b"),
    ("dask[distributed]=2024", "dask[distributed]==2024.*"),
])
def test_conda_spec_to_pip(spec, pip):
    assert kenv.conda_specs_to_pip([spec]) == ([pip], None)


def test_seed_packages_translate():
    reqs, python = kenv.conda_specs_to_pip(
        ["python=3", "distributed", "dask", "pandas", "scikit-learn"])
    assert reqs == ["distributed", "dask", "pandas", "scikit-learn"]
    assert python == "==3.*"
    kenv.check_python_constraint(python, "3.11.7", "/usr/bin/python3")


def test_python_constraint_unmet():
    with pytest.raises(SpecError, match=r"python==2.7.\*.*Python 3.11.7"):
        kenv.check_python_constraint("==2.7.*", "3.11.7", "/usr/bin/python3")
    kenv.check_python_constraint(">=3.8", "3.11.7", "/usr/bin/python3")


# ---------------------------------------------------------------------------------- shebangs

def test_rewrite_shebangs_runs_from_anywhere(tmp_path):
    prefix = tmp_path / "env"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").symlink_to(sys.executable)
    script = prefix / "bin" / "hello"
    script.write_text("#!/build/machine/env/bin/python3.11 -E\n"
                      "import sys\nprint('hi', sys.flags.ignore_environment, sys.argv[1:])\n")
    script.chmod(0o755)
    long_form = prefix / "bin" / "long"
    long_form.write_text("#!/bin/sh\n'''exec' /very/long/build/path/bin/python \"$0\" \"$@\"\n"
                         "' '''\nprint('long ok')\n")
    long_form.chmod(0o755)
    shell = prefix / "bin" / "activate-ish"
    shell.write_text("#!/bin/bash\necho shell\n")
    (prefix / "bin" / "binary").write_bytes(b"\x7fELF...")
    assert kenv.rewrite_shebangs(prefix) == ["hello", "long"]
    assert shell.read_text() == "#!/bin/bash\necho shell\n"
    moved = tmp_path / "elsewhere"
    prefix.rename(moved)
    out = subprocess.run([str(moved / "bin" / "hello"), "a b"], capture_output=True, text=True,
                         check=True).stdout
    assert out == "hi 1 ['a b']\n"
    out = subprocess.run([str(moved / "bin" / "long")], capture_output=True, text=True,
                         check=True).stdout
    assert out == "long ok\n"
    # and run through an interpreter, as in `$PYTHON_BIN $CONDA_PREFIX/bin/hello`
    out = subprocess.run([sys.executable, str(moved / "bin" / "hello")], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("hi ")
    assert os.stat(moved / "bin" / "hello").st_mode & 0o111


# ---------------------------------------------------------------------------------- building

def test_fake_conda_from_conda_root(tmp_path, monkeypatch):
    """conda path through tests/fixtures/fake_conda (a stand-in obeying the conda CLI contract)."""
    calls = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_CONDA_LOG", str(calls))
    cache_dir = tmp_path / "built"
    z = kenv.create_env("dev", ["python=3", "toolz=0.12"], channels=["conda-forge"],
                        conda_root=str(FAKE_CONDA), cache_dir=cache_dir)
    assert Path(z).name == "dev.zip"
    argv = json.loads(calls.read_text().splitlines()[0])
    assert argv[:2] == ["create", "--yes"] and ["--channel", "conda-forge"] == argv[4:6]
    assert argv[-2:] == ["python=3", "toolz=0.12"]
    with zipfile.ZipFile(z) as zf:
        assert kenv.layout_from_names(zf.namelist()).root == "dev"
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
    assert kenv.create_env("dev", ["python=3", "toolz=0.12"], channels=["conda-forge"],
                           conda_root=str(FAKE_CONDA), cache_dir=cache_dir) == z
    assert len(calls.read_text().splitlines()) == 1
    kenv.create_env("dev", ["python=3", "toolz=0.12"], channels=["conda-forge"], remove=True,
                    conda_root=str(FAKE_CONDA), cache_dir=cache_dir)
    assert len(calls.read_text().splitlines()) == 2


def test_conda_found_on_path_and_failure_leaves_nothing(tmp_path, monkeypatch):
    """fake_conda (stand-in for the conda CLI) on PATH as `mamba`; an uninstallable package."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mamba").symlink_to(FAKE_CONDA)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    for other in ("conda", "micromamba"):
        if kenv.shutil.which(other):
            pytest.fail(f"a real {other} on PATH would shadow the stand-in")
    creator = kenv.CondaCreator(cache_dir=tmp_path / "built")
    assert creator.tool == "mamba"
    with pytest.raises(kenv.EnvBuildError, match="(?s)PackagesNotFoundError.*doesnotexist-pkg"):
        creator.create_env("broken", ["python=3", "doesnotexist-pkg"])
    assert list((tmp_path / "built").iterdir()) == []


def test_bad_create_env_arguments(tmp_path):
    with pytest.raises(SpecError, match="env_name"):
        kenv.create_env("../x", ["dask"], tool="pip", cache_dir=tmp_path)
    with pytest.raises(SpecError, match="non-empty list"):
        kenv.create_env("dev", "dask", tool="pip", cache_dir=tmp_path)
    with pytest.raises(SpecError, match="tool must be"):
        kenv.create_env("dev", ["dask"], tool="poetry", cache_dir=tmp_path)
    with pytest.raises(SpecError, match="no executable"):
        kenv.create_env("dev", ["dask"], conda_root=str(tmp_path), cache_dir=tmp_path)
    with pytest.raises(SpecError, match=r"python==2\.7\.\*"):
        kenv.create_env("dev", ["python=2.7", "dask"], tool="pip", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing built for a request that cannot work


def test_pip_env_from_local_wheel(tmp_path):
    """The pip path for real (venv + pip), installing a wheel made here: no network needed."""
    whl = make_wheel(tmp_path)
    cache_dir = tmp_path / "built"
    z = kenv.create_env("pipenv", ["python=3", str(whl)], tool="pip", cache_dir=cache_dir)
    built = os.stat(z)
    assert kenv.create_env("pipenv", ["python=3", str(whl)], tool="pip", cache_dir=cache_dir) == z
    # not built again: a build renames a new zip into place (new inode and mtime)
    assert (os.stat(z).st_ino, os.stat(z).st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        layout = kenv.layout_from_names(names)
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
    with pytest.raises(kenv.EnvBuildError, match="(?s)pip install failed.*does-not-exist.whl"):
        kenv.create_env("bad", ["python=3", str(tmp_path / "does-not-exist.whl")], tool="pip",
                        cache_dir=cache_dir)
    assert list(cache_dir.iterdir()) == []


# ---------------------------------------------------------------------------------- progress

def test_progress_quiet_unless_interactive(capsys, monkeypatch):
    from knit import progress as kprogress
    with kprogress.progress(10 * kprogress.MIN_BYTES_FOR_BAR, "zipping x") as update:
        update(5)  # stderr is captured, not a terminal: nothing drawn
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(sys.modules, "tqdm", None)  # no tqdm: the plain bar
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with kprogress.progress(100, "zipping x", force=True) as update:
        update(50)
        update(50)
    err = capsys.readouterr().err
    assert "zipping x" in err and "100.0%" in err


def test_dask_scripts_restored_as_relocatable_python(tmp_path):
    """`$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker` (knit's documented command) works with today's distributed."""
    prefix = tmp_path / "env"
    cli = prefix / "lib" / "python3.11" / "site-packages" / "distributed" / "cli"
    cli.mkdir(parents=True)
    (cli / "dask_worker.py").write_text("def main():\n    print('worker main')\n    return 0\n")
    (cli / "__init__.py").write_text("")
    (cli.parent / "__init__.py").write_text("")  # a regular package, found before the real one
    (prefix / "bin").mkdir()
    os.symlink(sys.executable, prefix / "bin" / "python")
    assert kenv.add_dask_scripts(prefix) == ["dask-worker"]  # no dask_scheduler module: no script
    kenv.rewrite_shebangs(prefix)
    script = prefix / "bin" / "dask-worker"
    env = dict(os.environ, PYTHONPATH=str(cli.parent.parent))
    as_python = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
    assert as_python.stdout == "worker main\n", as_python.stderr
    as_program = subprocess.run([str(script)], env=env, capture_output=True, text=True)
    assert as_program.stdout == "worker main\n", as_program.stderr
    assert kenv.add_dask_scripts(prefix) == []  # never overwrites
