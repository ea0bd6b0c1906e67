"""Small environments and archives written by the tests themselves (no network, no conda)."""
from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path


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
