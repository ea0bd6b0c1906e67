"""One YARN application and the ``ProcessInterface`` s that live in it (after dask-jobqueue's ``Job``).

:class:`YarnApp` is the cluster's one boundary to YARN (a :class:`knit.Knit`). :class:`YARNWorker` is one worker =
one container named after the worker: ``start()`` requests the container under that name, ``close()`` retires the
worker and removes the container. :class:`YARNScheduler` is the scheduler's container of a remote-mode cluster.

Threading contract: everything here runs on the cluster's event loop, and every Knit call blocks (Py4J), so each
runs in a thread (:func:`asyncio.to_thread`), never on the loop itself.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from distributed.core import Status, rpc
from distributed.deploy.spec import ProcessInterface

from knit.exceptions import ApplicationFailed, KnitException

from ._knit_dask import ADDRESS_KEY

logger = logging.getLogger(__name__)

CLUSTER_KEY = "dask.cluster"
MiB = 2**20


class YarnApp:
    """The YARN application of one cluster: submits it, names, adds and removes its containers.

    Workers opened together (one ``scale()``) are requested together: the first batch is the application's
    own spec (``submit`` holds the other ``Knit.start`` keywords), later ones one ``add_containers`` each.
    ``wanted(name)`` says whether the cluster still wants a worker of that name (it is in its spec).
    """

    def __init__(self, knit: Any, submit: dict | None = None, wanted: Any = lambda name: False):
        self.knit = knit
        self.submit = submit
        self.wanted = wanted
        self.requested: set[str] = set()  # names with a live request of ours (or adopted)
        #: names whose container the AM is replacing (a platform fault) -> the addresses the name had then
        self.replacing: dict[str, set[str]] = {}
        self.gone = False  # killed, or ended under us
        self.on_submit: Any = None  # called (in a thread, in the background) once the application is submitted
        self.security: Any = None  # the cluster's distributed.Security (None: plain TCP), set as it starts
        self._batch: list[tuple[str, int, int]] = []
        self._sending: asyncio.Future | None = None
        self._lock = asyncio.Lock()

    async def request(self, name: str, vcores: int, memory: int) -> None:
        """Make sure a container named ``name`` is requested (nothing to do for an adopted one)."""
        if name in self.requested:
            return
        self._batch.append((name, vcores, memory))
        if self._sending is None:
            self._sending = asyncio.ensure_future(self._send())
        await asyncio.shield(self._sending)

    async def _send(self) -> None:
        await asyncio.sleep(0.05)  # let every worker of this reconcile join the batch
        async with self._lock:  # one batch at a time: the first one submits the application
            batch, self._batch, self._sending = self._batch, [], None
            if self.gone:
                return  # closing or ended: the cluster closes these workers next
            shapes: dict[tuple[int, int], list[str]] = {}
            for name, vcores, memory in batch:
                shapes.setdefault((vcores, memory), []).append(name)
            for (vcores, memory), names in shapes.items():
                if self.knit.app_id is None:
                    await self.start(num_containers=len(names), names=names, virtual_cores=vcores, memory=memory)
                else:
                    await asyncio.to_thread(self.knit.add_containers, names=names, virtual_cores=vcores,
                                            memory=memory)
                self.requested.update(names)

    async def start(self, **kwargs: Any) -> None:
        """Submit the application (``submit`` plus ``kwargs``), then run ``on_submit`` in the background."""
        await asyncio.to_thread(self.knit.start, **{**self.submit, **kwargs})
        if self.on_submit is not None:
            task = asyncio.ensure_future(asyncio.to_thread(self.on_submit))
            task.add_done_callback(lambda t: t.cancelled() or t.exception() is None or logger.warning(
                "publishing the cluster in %s failed: %s", self.knit.app_id, t.exception()))

    async def remove(self, name: str) -> None:
        self.requested.discard(name)
        if self.gone:
            return
        try:
            await asyncio.to_thread(self.knit.remove_containers, name)
        except KnitException as e:  # it has ended already (e.g. the retired worker exited): nothing to stop
            logger.debug("container %s not removed: %s", name, e)

    async def containers(self) -> list[dict]:
        return await asyncio.to_thread(self.knit.get_containers)

    async def wait_key(self, key: str, timeout: float) -> str:
        """The value of ``key`` in the AM's store, once published (raises if the application ends first)."""
        deadline = time.monotonic() + timeout
        while (value := await asyncio.to_thread(self.knit.get_key, key)) is None:
            if time.monotonic() > deadline:
                raise ApplicationFailed(f"{self.knit.app_id} did not publish {key} within {timeout:.0f} s; "
                                        "see its logs (knit dask logs)")
            await asyncio.sleep(0.2)
        return value

    async def kill(self) -> None:
        if not self.gone and self.knit.app_id is not None:
            self.gone = True
            await asyncio.to_thread(self.knit.kill)


class YARNWorker(ProcessInterface):
    """A Dask worker in its own YARN container, which is named (and tells the worker its name) as it is asked for.

    Parameters
    ----------
    scheduler : str
        Scheduler address (from SpecCluster; the containers' command was fixed at submission).
    name : str
        The worker's name = its container's name.
    app : YarnApp
        Where containers come from.
    nthreads : int
        vcores of the container (= worker threads).
    memory_limit : int
        Bytes of the container (the worker's Dask memory limit is ``yarn.worker.memory-fraction`` of it).
    security : distributed.Security, optional
        For the call that retires the worker (the scheduler's TLS, when it has some).
    adopted : bool
        The container exists already (a cluster attached with ``from_application_id``).
    """

    def __init__(self, scheduler: str | None = None, name: str | None = None, *, app: YarnApp,
                 nthreads: int = 1, memory_limit: int = 2048 * MiB, security: Any = None, adopted: bool = False):
        super().__init__(scheduler=scheduler, name=name)
        self.scheduler, self.name, self.app = scheduler, name, app
        self.vcores, self.memory = nthreads, memory_limit // MiB
        self.security = security
        if adopted:
            app.requested.add(name)

    async def start(self) -> None:
        try:
            await self.app.request(self.name, self.vcores, self.memory)
        except BaseException:
            self.status = Status.failed
            raise
        await super().start()

    async def close(self) -> None:
        if self.status == Status.running and not self.app.gone:
            self.status = Status.closing
            if self.name in self.app.replacing and self.app.wanted(self.name):
                # Closed as lost while the AM brings its container back under this name: keep that request
                # (the next YARNWorker of this name adopts it).
                logger.info("worker %s: its container is being replaced by the ApplicationMaster", self.name)
            else:
                await self._retire()
                await self.app.remove(self.name)
        await super().close()

    async def _retire(self) -> None:
        """Move the worker's data to others before its container goes (SpecCluster retires by address)."""
        security = self.security or self.app.security
        args = security.get_connection_args("client") if security else {}
        try:
            async with rpc(self.scheduler, connection_args=args) as s:
                await asyncio.wait_for(s.retire_workers(names=[self.name], close_workers=True), 60)
        except (OSError, asyncio.TimeoutError) as e:
            logger.info("worker %s not retired gracefully: %s", self.name, e)

    async def ended(self) -> None:
        """Its container ended on its own: nothing is left to remove."""
        self.app.requested.discard(self.name)
        await super().close()

    def __repr__(self) -> str:
        return f"<YARNWorker {self.name}: status={self.status.name}>"


class YARNScheduler(ProcessInterface):
    """The scheduler of a remote-mode cluster: the application's container ``dask-scheduler``.

    ``start()`` submits the application (unless attaching), requests ``workers`` at once so that they start
    alongside the scheduler, and waits for the scheduler to publish its address in the AM's key-value store.
    ``close()`` ends the application.
    """

    def __init__(self, app: YarnApp, workers: list[tuple[str, int, int]], timeout: float):
        super().__init__()
        self.app, self.workers, self.timeout = app, workers, timeout

    async def start(self) -> None:
        if self.app.knit.app_id is None:
            await self.app.start()
        await asyncio.gather(*(self.app.request(*w) for w in self.workers))
        self.address = await self.app.wait_key(ADDRESS_KEY, self.timeout)
        await super().start()

    async def close(self) -> None:
        await self.app.kill()
        await super().close()
