"""knit.env: ``env=`` and ``files=`` made into spec entries, refused before any upload when they cannot work.

No cluster is needed.
"""
import os
from pathlib import Path

import pytest

from knit import env as kenv
from knit.exceptions import SpecError
from knit.zipdir import zip_env_dir
from envmakers import make_env_dir, make_tgz, make_zip

pytestmark = pytest.mark.usefixtures("cache")


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


def test_a_corrupt_archive_is_refused_before_upload(tmp_path):
    z = make_zip(tmp_path / "dev.zip", {"dev/bin/python": os.urandom(20000)})
    z.write_bytes(z.read_bytes()[:15000])
    with pytest.raises(kenv.CorruptArchiveError, match="not a valid zip"):
        kenv.prepare_env(z)


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


def test_directory_env_is_zipped_into_the_cache(tmp_path, cache):
    src = make_env_dir(tmp_path / "dev")
    spec = kenv.prepare_env(src)
    assert spec == {"source": str(zip_env_dir(src)), "name": "dev", "root": "dev", "python": "bin/python"}
    assert cache in Path(spec["source"]).parents


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


@pytest.mark.parametrize("members", [{}, {"data/table.csv": b"a,b\n"}, {"dev/lib/x.py": b"", "dev/bin/tool": b""}])
def test_an_env_with_no_python_is_refused_before_upload(tmp_path, members):
    z = make_zip(tmp_path / "notpython.zip", members)
    with pytest.raises(SpecError, match="has no bin/python"):
        kenv.prepare_env(str(z))


def test_a_stated_python_must_be_in_the_archive(tmp_path):
    z = make_zip(tmp_path / "odd.zip", {"odd/bin/mypython": b"x", "odd/lib/a.py": b""})
    assert kenv.prepare_env({"source": str(z), "python": "bin/mypython"})["python"] == "bin/mypython"
    with pytest.raises(SpecError, match="has no bin/nothere"):
        kenv.prepare_env({"source": str(z), "python": "bin/nothere"})
