"""knit 0.2's ``DaskYARNCluster`` API on today's (docs/migrating.md): ``cpus=``, ``nworkers=``, ``start(checks=,
**kwargs)`` for ``Knit.start``, ``conda_pars=``, ``.env``, container ids where 0.2 used them.

``.workers`` stays distributed's (worker name -> worker object, which ``SpecCluster`` relies on); 0.2's list of the
workers' container ids is :attr:`Knit02Cluster.container_ids`, and ``remove_worker`` takes either.
"""
from __future__ import annotations

from typing import Any

from knit.exceptions import SpecError
from knit.states import CONTAINER_ENDED

from .errors import ClusterStateError, WorkerNotFound

#: ``Knit.start`` keywords that knit 0.2's ``start(**kwargs)`` may still give the cluster's application.
START_KEYWORDS = ("files", "envvars", "queue", "app_name", "tags", "checks")


def pick(value: Any, alias: Any, name: str, alias_name: str) -> Any:
    """``value``, or ``alias`` (the same argument under knit 0.2's name) when only that is given."""
    if alias is None:
        return value
    if value is not None:
        raise TypeError(f"give {name}= or {alias_name}= (the same thing), not both")
    return alias


class Knit02Cluster:
    """knit 0.2's attributes of ``DaskYARNCluster`` (a mixin: ``self`` is the cluster)."""

    @property
    def env(self) -> Any:
        """The workers' environment: the path given, or the zip built from ``packages`` (knit 0.2's ``.env``);
        None on a cluster attached with ``from_application_id``."""
        return self._env

    @env.setter
    def env(self, value: Any) -> None:
        if self.app_id is not None:
            raise ClusterStateError(f"the environment of {self.app_id} is fixed: it was submitted with it")
        self._env = value
        if self._app.submit is not None:
            self._app.submit["env"] = value

    @property
    def container_ids(self) -> list[str]:
        """Ids of the containers of this cluster's running workers, sorted (knit 0.2's ``.workers``)."""
        if self.app_id is None:
            return []
        return sorted(c["id"] for c in self.knit.get_containers()
                      if c.get("name") in self.worker_spec and c.get("id") and c["state"] not in CONTAINER_ENDED)

    def _worker_name(self, name_or_id: str) -> str:
        """A worker's name from its name or (knit 0.2) its container's id."""
        name = name_or_id
        if name not in self.worker_spec and self.app_id is not None:
            name = {c.get("id"): c.get("name") for c in self.knit.get_containers()}.get(name_or_id, name_or_id)
        if name not in self.worker_spec:
            raise WorkerNotFound(f"no worker of this cluster is named {name_or_id!r} or runs in that container; "
                                 f"workers: {sorted(self.worker_spec)}")
        return name

    def _start_options(self, checks: bool, kwargs: dict) -> None:
        """knit 0.2's ``start(checks=, **kwargs)``, passed to ``Knit.start``: given to the application before it is
        submitted (``checks=True``, the default, asks nothing)."""
        options = dict(kwargs, **({} if checks else {"checks": False}))
        if not options:
            return
        bad = sorted(set(options) - set(START_KEYWORDS))
        if bad:
            raise SpecError(f"start() got {bad}: it takes {list(START_KEYWORDS)} for the application, and the "
                            "cluster's own options in DaskYARNCluster(...)")
        if self.app_id is not None or self._app.submit is None:
            raise ClusterStateError(f"start({sorted(options)}) applies to the application before it is submitted; "
                                    f"{self.app_id or 'this cluster'} already runs")
        submit = self._app.submit  # files go before the cluster's own, envvars over them
        submit.update(options, files=[*options.get("files", []), *submit["files"]],
                      envvars={**(submit["envvars"] or {}), **options.get("envvars", {})} or None)
