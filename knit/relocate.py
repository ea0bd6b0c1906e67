"""Making a built environment's entry points run from wherever the environment is unpacked.

Entry-point scripts (``bin/dask-worker``) carry the absolute interpreter path of the build machine;
:func:`rewrite_shebangs` turns them into a ``/bin/sh`` trampoline that runs the ``python`` next to the script,
so they work both as ``$CONDA_PREFIX/bin/dask-worker`` and as ``$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker``.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .archives import PathLike


def _trampoline(args: str) -> bytes:
    # Valid as both sh and Python: sh runs the `exec` line; Python sees one string literal.
    extra = f" {args}" if args else ""
    return ("#!/bin/sh\n"
            f"'''exec' \"$(dirname -- \"$0\")/python\"{extra} \"$0\" \"$@\"\n"
            "' '''\n").encode()


def _python_shebang(head: bytes) -> tuple[str, int] | None:
    """``(interpreter args, header length)`` when ``head`` starts with an absolute python shebang."""
    first, _, rest = head.partition(b"\n")
    # pip's own form for long paths: "#!/bin/sh\n'''exec' /abs/python "$0" "$@"\n' '''\n"
    if first.strip() == b"#!/bin/sh" and rest.startswith(b"'''exec' "):
        lines = head.split(b"\n", 3)
        if len(lines) == 4 and lines[2].strip() == b"' '''":
            interp = lines[1][len(b"'''exec' "):].split()[0]
            if b"python" in os.path.basename(interp):
                return "", len(b"\n".join(lines[:3])) + 1
        return None
    parts = first[2:].strip().split(None, 1)
    if not parts or not parts[0].startswith(b"/") or b"python" not in os.path.basename(parts[0]):
        return None
    return (parts[1].decode() if len(parts) > 1 else ""), len(first) + 1


_DASK_SCRIPTS = {"dask-worker": "distributed.cli.dask_worker", "dask-scheduler": "distributed.cli.dask_scheduler"}


def add_dask_scripts(prefix: PathLike) -> list[str]:
    """Give an env with ``distributed`` its ``bin/dask-worker`` and ``bin/dask-scheduler`` again.

    distributed dropped these scripts for ``dask worker`` / ``dask scheduler``, but knit's documented
    command is ``$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker <scheduler>``; the scripts written here are
    Python (so ``$PYTHON_BIN script`` runs them) with a shebang that :func:`rewrite_shebangs` makes
    relocatable. Returns the names written; existing scripts are left alone.
    """
    prefix = Path(prefix)
    site = next(iter(sorted(prefix.glob("lib/python3*/site-packages"))), None)
    written = []
    for name, module in _DASK_SCRIPTS.items():
        script = prefix / "bin" / name
        if site is None or script.exists() or not (site / (module.replace(".", "/") + ".py")).exists():
            continue
        script.write_text(f"#!{prefix / 'bin' / 'python'}\n"
                          f"# Written by Knit: `{name}` as distributed used to install it.\n"
                          f"import sys\nfrom {module} import main\nsys.exit(main())\n")
        script.chmod(0o755)
        written.append(name)
    return written


def rewrite_shebangs(prefix: PathLike) -> list[str]:
    """Make ``<prefix>/bin/*`` Python scripts run with the ``python`` next to them, wherever it is.

    Returns the names of the rewritten scripts. Binaries, symlinks and non-Python scripts are left.
    """
    bindir = Path(prefix) / "bin"
    changed = []
    for entry in sorted(os.scandir(bindir), key=lambda e: e.name) if bindir.is_dir() else []:
        if not entry.is_file(follow_symlinks=False):
            continue
        with open(entry.path, "rb") as f:
            head = f.read(4096)
        if not head.startswith(b"#!"):
            continue
        found = _python_shebang(head)
        if found is None:
            continue
        args, header_len = found
        with open(entry.path, "rb") as f:
            body = f.read()[header_len:]
        mode = stat.S_IMODE(os.stat(entry.path).st_mode)
        tmp = entry.path + ".knit-tmp"
        with open(tmp, "wb") as f:
            f.write(_trampoline(args) + body)
        os.chmod(tmp, mode)
        os.replace(tmp, entry.path)
        changed.append(entry.name)
    return changed
