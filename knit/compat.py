"""knit 0.2's argument shapes that today's signatures take too (docs/migrating.md lists every point).

Kept here so the classes say once, in one place, what they accept only for knit 0.2 scripts.
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any

from . import gateway

#: knit 0.2 keywords that are accepted and do nothing, and why.
IGNORED = {
    "knit_home": "the knit JAR ships inside the package",
    "hdfs": "Knit reaches HDFS through its client JVM, not hdfs3",
    "miniconda_url": "Knit does not download Miniconda: it uses conda, mamba or micromamba on PATH, else pip",
}


def warn_ignored(**given: Any) -> None:
    """A ``DeprecationWarning`` for each knit 0.2 keyword of :data:`IGNORED` given a value."""
    for name, value in given.items():
        if value is not None:
            warnings.warn(f"{name}= is ignored: {IGNORED[name]}", DeprecationWarning, stacklevel=3)


def logs_args(container_id: Any, shell: bool) -> tuple[Any, bool]:
    """``(container_id, shell)`` of ``logs()``/``print_logs()``: knit 0.2's took ``shell`` first (``logs(True)``)."""
    if isinstance(container_id, bool):
        return None, container_id
    return container_id, bool(shell)


def creator_args(conda_envs: Any, channels: Any, miniconda_url: Any, tool: Any,
                 tools: tuple[str, ...]) -> tuple[Any, Any, Any, Any]:
    """``(conda_envs, channels, miniconda_url, tool)`` of ``CondaCreator(...)``, whose positional order is knit
    0.2's (``conda_root, conda_envs, miniconda_url, channels, conda_pkgs``): a list where knit 0.2 had
    ``conda_envs`` is the channels and a tool name where it had ``miniconda_url`` is the tool, as passed
    positionally before (``CondaCreator(root, channels, tool)``; ``tools`` are the tool names). A directory is never a list, nor a URL a tool."""
    if isinstance(conda_envs, (list, tuple)) and channels is None:
        conda_envs, channels = None, conda_envs
    if miniconda_url in tools and tool is None:
        miniconda_url, tool = None, miniconda_url
    return conda_envs, channels, miniconda_url, tool


class Knit02:
    """knit 0.2's methods of :class:`knit.Knit` that today's API has no other use for (a mixin)."""

    upload_always: bool

    deps_dir: str
    _conf_json: str

    def check_needs_upload(self, path: str) -> bool:
        """Whether ``start()`` would upload local file ``path`` (knit 0.2): unless ``upload_always``, not when
        ``.knitDeps`` holds a file of that name with the same size and SHA-256.

        The client JVM answers from the file's remembered hash (per path, size, mtime and inode; across processes)
        and the one deps-dir copy that hash names: no re-hash of an unchanged file, two HDFS calls."""
        if self.upload_always:
            return True
        os.stat(path)  # FileNotFoundError for a missing file, as before
        copy = gateway.client().call("depsCopy", self.deps_dir, os.path.abspath(path), self._conf_json)
        return json.loads(copy) is None
