"""knit.archives: an env archive's layout, and every member read before anything is uploaded."""
import json
import os
import tarfile
import zipfile

import pytest

from knit import archives
from knit.exceptions import (CorruptArchiveError, EnvBuildError, KnitException, MissingPathError, SpecError,
                             UnreadablePathError)
from envmakers import make_tgz, make_zip

pytestmark = pytest.mark.usefixtures("cache")


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
    layout = archives.layout_from_names(names)
    assert (layout.root, layout.python) == (root, python)


@pytest.mark.parametrize("bad", ["../evil", "/etc/passwd", "dev/../../x"])
def test_layout_rejects_members_escaping_the_directory(bad):
    with pytest.raises(CorruptArchiveError, match="outside"):
        archives.layout_from_names(["dev/bin/python", bad])


def test_corrupt_zip_member_detected(tmp_path):
    z = tmp_path / "dev.zip"
    payload = b"A" * 5000
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("dev/bin/python", payload)
    data = bytearray(z.read_bytes())
    i = data.index(payload)
    data[i + 100] ^= 0xFF  # flip a byte of stored data: the CRC no longer matches
    z.write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError, match="CRC|not a valid zip"):
        archives.inspect_archive(z)


@pytest.mark.parametrize("make, name, member, size, keep, match", [
    (make_zip, "dev.zip", "dev/bin/python", 20000, 15000, "not a valid zip"),
    (make_tgz, "e.tar.gz", "bin/python", 50000, 30000, "not a valid .tar.gz"),
])
def test_truncated_archive_detected(tmp_path, make, name, member, size, keep, match):
    path = make(tmp_path / name, {member: os.urandom(size)})
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(CorruptArchiveError, match=match):
        archives.inspect_archive(path)


def test_not_a_zip_detected(tmp_path):
    z = tmp_path / "dev.zip"
    z.write_text("hello")
    with pytest.raises(CorruptArchiveError):
        archives.inspect_archive(z)


def test_tgz_with_bad_gzip_crc_detected(tmp_path):
    t = make_tgz(tmp_path / "e.tgz", {"bin/python": b"x" * 1000})
    data = bytearray(t.read_bytes())
    data[-8] ^= 0xFF  # the gzip trailer's CRC32
    t.write_bytes(bytes(data))
    with pytest.raises(CorruptArchiveError):
        archives.inspect_archive(t)


def test_uncompressed_tar_named_tgz_rejected(tmp_path):
    t = tmp_path / "e.tgz"
    with tarfile.open(t, "w") as tf:
        tf.add(__file__, "bin/python")
    with pytest.raises(CorruptArchiveError, match="not gzip-compressed"):
        archives.inspect_archive(t)


def test_validation_is_remembered_until_the_file_changes(tmp_path, cache, monkeypatch):
    z = make_zip(tmp_path / "dev.zip", {"dev/bin/python": b"x"})
    archives.validated_layout(z)
    calls = []
    real = archives.inspect_archive
    monkeypatch.setattr(archives, "inspect_archive", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert archives.validated_layout(z).root == "dev"
    assert calls == []
    make_zip(z, {"dev/bin/python": b"changed", "dev/x": b""})
    os.utime(z, ns=(1, 1))
    archives.validated_layout(z)
    assert len(calls) == 1
    assert json.loads((cache / "archives.json").read_text())


def test_errors_are_knit_spec_errors():
    for cls in (MissingPathError, UnreadablePathError, CorruptArchiveError):
        assert issubclass(cls, SpecError) and issubclass(cls, KnitException)
    assert issubclass(EnvBuildError, KnitException)
