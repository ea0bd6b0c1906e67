"""The deps dir (``<hdfs home>/.knitDeps``): the shared, content-addressed copies of what applications ship.

Every upload is stored as ``<sha256[:16]>-<name>`` (the name reduced to ``[A-Za-z0-9._+-]``, its extension kept)
and localized in the containers under its own name, so a new version of a file never replaces a copy that a
running application still localizes; an unchanged file is not uploaded again (same name, size and SHA-256). Old
copies stay until pruned: :func:`prune` (``Knit.prune_deps``, ``knit envs --prune``) removes those that no live
application of the user references (the client JVM's ``pruneDeps``, ARCHITECTURE.md).
"""
from __future__ import annotations

import json
import numbers
from typing import Any, Iterable, Mapping

from . import envbuild, gateway
from .archives import archive_suffix
from .exceptions import SpecError


def list_envs(deps_dir: str, conf_json: str) -> list[dict]:
    """Environments in ``deps_dir``: ``name, path, size, modification_time, sha256``."""
    entries = json.loads(gateway.client().call("listDir", deps_dir, conf_json))
    return [e for e in entries if archive_suffix(e["name"]) is not None]


def prune(deps_dir: str, conf_json: str, older_than: float = 0) -> dict[str, list[str]]:
    """Remove the copies in ``deps_dir`` that no live application of this user references and that were not
    uploaded or reused for ``older_than`` seconds.

    Returns
    -------
    dict
        ``{"removed": [names], "kept": [names]}``.

    Raises
    ------
    SpecError
        If ``older_than`` is negative, or the deps dir is not this user's.
    """
    if isinstance(older_than, bool) or not isinstance(older_than, numbers.Real) or older_than < 0:
        raise SpecError(f"older_than must be a number of seconds >= 0; got {older_than!r}")
    text = gateway.client().call("pruneDeps", deps_dir, int(older_than * 1000), conf_json)
    return json.loads(text)


class DepsMethods:
    """:class:`knit.Knit`'s methods for environments and its deps dir (a mixin)."""

    deps_dir: str
    _conf_json: str

    @staticmethod
    def create_env(env_name: str, packages: Iterable[str] | None = None, remove: bool = False,
                   channels: Iterable[str] | None = None, conda_pars: Mapping[str, Any] | None = None,
                   **kwargs: Any) -> str:
        """Build a zipped environment (conda tool, else pip), or re-use the one of that name without ``packages``;
        return its path (:func:`knit.envbuild.create_env`; ``conda_pars``: ``CondaCreator`` arguments, knit 0.2)."""
        return envbuild.create_env(env_name, packages=packages, remove=remove, channels=channels,
                                   **{**(conda_pars or {}), **kwargs})

    def list_envs(self) -> list[dict]:
        """Environments already uploaded to ``<hdfs_home>/.knitDeps``: ``name, path, size, ...``."""
        return list_envs(self.deps_dir, self._conf_json)

    def prune_deps(self, older_than: float = 0) -> dict[str, list[str]]:
        """Remove the copies in ``.knitDeps`` that no live application of yours references and that were not
        used for ``older_than`` seconds; ``{"removed": [...], "kept": [...]}`` (:func:`knit.deps.prune`)."""
        return prune(self.deps_dir, self._conf_json, older_than)
