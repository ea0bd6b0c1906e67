"""knit.zipdir: a directory zipped for YARN (modes kept, links resolved), cached while it is unchanged."""
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
