"""knit.zipdir: a directory zipped for YARN (modes kept, links resolved), cached while it is unchanged."""
import os
import stat
import zipfile

import pytest

from knit.archives import inspect_archive
from knit.zipdir import zip_env_dir
from envmakers import make_env_dir

pytestmark = pytest.mark.usefixtures("cache")


def test_directory_zipped_with_permissions_and_cached(tmp_path, cache):
    src = make_env_dir(tmp_path / "dev")
    z = zip_env_dir(src)
    assert z.name == "dev.zip" and cache in z.parents
    layout = inspect_archive(z)
    assert (layout.root, layout.python) == ("dev", "bin/python")
    with zipfile.ZipFile(z) as zf:
        names = set(zf.namelist())
        assert "dev/lib/python3.11/site-packages/mod.py" in names
        assert not any(n.startswith("dev/lib64") for n in names)  # in-tree dir symlink not doubled
        mode = zf.getinfo("dev/bin/python").external_attr >> 16
        assert stat.S_IMODE(mode) == 0o755
        assert stat.S_IMODE(zf.getinfo("dev/bin/tool").external_attr >> 16) == 0o750
        assert zf.testzip() is None
    before = z.stat().st_mtime_ns
    assert zip_env_dir(src) == z
    assert z.stat().st_mtime_ns == before  # unchanged dir: the cached zip is re-used as is


def test_changed_directory_rezipped(tmp_path):
    src = make_env_dir(tmp_path / "dev")
    z = zip_env_dir(src)
    (src / "lib" / "python3.11" / "site-packages" / "new.py").write_text("Y = 2\n")
    assert zip_env_dir(src) == z
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
    z = zip_env_dir(src)
    with zipfile.ZipFile(z) as zf:
        assert zf.read("venv/bin/python") == b"interpreter bytes"
        assert stat.S_IMODE(zf.getinfo("venv/bin/python").external_attr >> 16) == 0o755
        assert "venv/bin/dangling" not in zf.namelist()


def test_file_times_kept_to_the_second_in_utc(tmp_path):
    """An odd-second mtime survives (the zip format's own time would make it even, in local time): the extended
    timestamp field (0x5455) the NodeManager's unzip restores holds it, so a .pyc still matches its .py."""
    import struct
    from knit.zipdir import zip_directory
    src = make_env_dir(tmp_path / "dev")
    mod = src / "lib" / "python3.11" / "site-packages" / "mod.py"
    os.utime(mod, (1_700_000_001, 1_700_000_001))
    z = tmp_path / "out.zip"
    zip_directory(src, z, root="dev")
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo("dev/lib/python3.11/site-packages/mod.py")
        assert struct.unpack("<HHBl", info.extra[:9]) == (0x5455, 5, 1, 1_700_000_001)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert zf.read(info) == mod.read_bytes() and zf.testzip() is None
        assert stat.S_IMODE(zf.getinfo("dev/bin/tool").external_attr >> 16) == 0o750
