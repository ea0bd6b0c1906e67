"""Watching a cluster's YARN application (a mixin of :class:`~dask_yarn.core.DaskYARNCluster`).

Every ``yarn.watch-interval`` the cluster reads the ApplicationMaster's containers and acts on each worker's
container end by its ``exit_class`` (the AM's classification, :class:`knit.states.ExitClass`):

- ``platform`` (node lost, preempted...): the AM itself asks for a replacement under the same name without spending
  a restart, so the worker keeps its name, its spec and its ``YARNWorker``; nothing here asks again or spends
  ``worker_restarts``. Until the replacement's worker connects, the name is in ``YarnApp.replacing``, so that
  SpecCluster's lost-worker handling (which closes a worker missing for ``lost-worker-timeout``) does not remove
  the replacement's container.
- a failure (``user``, ``memory``) or ``lost`` (its end died with a previous AM attempt): replaced here under a
  new name (so that SpecCluster's lost-worker handling cannot close the replacement); a failure spends one of
  ``worker_restarts``, ``lost`` does not (it is no fault of the worker's).
- exit 0: dropped from the spec.

When the application ends under the cluster, clients' futures are cancelled with its diagnostics.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from distributed.core import Status
from distributed.diagnostics.plugin import SchedulerPlugin

from knit.exceptions import ApplicationFailed, KnitException
from knit.states import CONTAINER_ENDED, ContainerState, ExitClass

logger = logging.getLogger(__name__)


class WatchYarn:
    """The cluster's side of its containers' ends (``self`` is the ``DaskYARNCluster``)."""

    async def _watch(self) -> None:
        """Once an interval: act on workers' container ends; notice the application's end."""
        if self.status != Status.running or self._app.gone or self.app_id is None or self._watching.locked():
            return
        async with self._watching:
            try:
                containers = await self._app.containers()
            except ApplicationFailed:
                return await self._app_ended()
            except KnitException as e:
                logger.warning("checking YARN application %s failed: %s", self.app_id, e)
                return
            except RuntimeError:  # "cannot schedule new futures after shutdown": this process is exiting
                return
            latest = {c["name"]: c for c in containers if c.get("name")}  # the AM lists oldest first
            self._note_platform_faults(containers)
            for name, job in list(self.workers.items()):
                c = latest.get(name)
                if job.status == Status.running and c and c["state"] in CONTAINER_ENDED \
                        and self.status == Status.running and c.get("exit_class") != ExitClass.platform:
                    await job.ended()
                    del self.workers[name]
                    self._replace(name, c)
            if set(self.worker_spec) - set(self.workers):
                self._correct_state()  # a replacement, or a worker SpecCluster closed as lost

    def _note_platform_faults(self, containers: list[dict]) -> None:
        """Workers whose container the AM is replacing (a platform fault): told once, followed until the
        replacement's worker connects (at an address other than those the name had when the fault was seen)."""
        connected: dict[str, set[str]] = {}
        for address, w in self.scheduler_info.get("workers", {}).items():
            connected.setdefault(w.get("name"), set()).add(address)
        for c in containers:
            name = c.get("name")
            if c.get("exit_class") == ExitClass.platform and name in self.worker_spec \
                    and c["id"] not in self._platform_faults:
                self._platform_faults.add(c["id"])
                self._app.replacing[name] = connected.get(name, set())
                self._log(f"Worker {name} ({c['id']}) lost to the cluster (exit status {c.get('exit_status')}: "
                          f"{c.get('diagnostics') or ''}); the ApplicationMaster replaces it under the same name")
        for name, before in list(self._app.replacing.items()):
            if name not in self.worker_spec or connected.get(name, set()) - before:
                del self._app.replacing[name]

    def _replace(self, name: str, c: dict) -> None:
        """A worker's container ended on its own: replace it under a new name (if it failed and restarts are
        left, or it was lost with an AM attempt), or drop it from the spec (it exited cleanly)."""
        spec = self.worker_spec.get(name)
        free = c.get("exit_class") == ExitClass.lost
        left = free or self.worker_restarts < 0 or self.restarts_used < self.worker_restarts
        restart = c["state"] != ContainerState.SUCCEEDED and left
        self._log(f"Worker {name} ({c['id']}) ended {c['state']}, exit status {c.get('exit_status')}: "
                  f"{c.get('diagnostics') or ''}" + ("; replacing it" if restart and spec else ""))
        if restart and spec is not None:
            self.restarts_used += 0 if free else 1
            self.worker_spec[next(iter(self.new_worker_spec()))] = spec  # named while the dead one is in the spec
        self.worker_spec.pop(name, None)

    async def _app_ended(self) -> None:
        """The application ended under us: fail fast, with its diagnostics. A local scheduler stays up (until
        ``close()``) so that clients hear why: their futures are cancelled with the reason, and so is new work."""
        report = await asyncio.to_thread(self.knit.report)
        self.app_error = ApplicationFailed(
            f"YARN application {self.app_id} ended {report.get('state')} ({report.get('final_status')}): "
            f"{report.get('diagnostics') or 'no diagnostics'}")
        logger.error("%s", self.app_error)
        self._log(str(self.app_error))
        self._app.gone = True
        self.status = Status.failed
        if self._adaptive is not None:
            self._adaptive.stop()
        for job in list(self.workers.values()):
            await job.ended()
        self.workers.clear()
        self.worker_spec.clear()
        if self.local_cluster is not None:
            plugin = _RefuseWork(str(self.app_error))
            self.scheduler.add_plugin(plugin)
            plugin.cancel_all(self.scheduler)


class _RefuseWork(SchedulerPlugin):
    """Cancels every client's futures, and any new work, with the reason the cluster died."""

    name = "dask-yarn-application-ended"

    def __init__(self, msg: str):
        self.msg = msg

    def cancel_all(self, scheduler: Any) -> None:
        for client_id, cs in list(scheduler.clients.items()):
            self._cancel(scheduler, client_id, [ts.key for ts in cs.wants_what])

    def update_graph(self, scheduler: Any, *, client: str, keys: set, **kwargs: Any) -> None:
        self._cancel(scheduler, client, list(keys))

    def _cancel(self, scheduler: Any, client: str, keys: list) -> None:
        # Only the client is told: releasing the keys in the scheduler would send further, reason-less
        # cancellations that replace this message.
        if keys:
            scheduler.report({"op": "cancelled-keys", "keys": keys, "reason": "yarn-application-ended",
                              "msg": self.msg}, client=client)
