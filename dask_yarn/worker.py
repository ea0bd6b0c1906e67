"""One Dask worker = one YARN container.

:class:`YARNWorker` is the ``distributed.deploy.spec.ProcessInterface`` that
:class:`dask_yarn.DaskYARNCluster` puts in its worker spec (as dask-jobqueue's ``Job``
classes are): ``start()`` obtains a running container, ``close()`` removes it.

:class:`ContainerPool` is the worker's only boundary to YARN. It hands out containers of
one application to workers, matching each worker to *its* container request, so that the
worker's name (its container id, which the worker command passes as ``--name
$CONTAINER_ID``) is known exactly once the container runs.

Threading contract: both classes live on the cluster's event loop. Every call into
``Knit`` blocks (it goes through Py4J), so each one runs in a worker thread
(:func:`asyncio.to_thread`); no Knit call is ever made on the loop itself.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from distributed.core import Status
from distributed.deploy.spec import ProcessInterface

from knit.exceptions import KnitException

logger = logging.getLogger(__name__)

#: Container states (ApplicationMaster contract) after which a container never runs again.
TERMINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "KILLED", "RELEASED"})
#: States in which a container holds cluster resources.
LIVE_STATES = frozenset({"ALLOCATED", "RUNNING"})


class WorkerStartError(KnitException):
    """A worker's container could not be obtained or died before it ran."""


class KnitLike(Protocol):
    """The part of :class:`knit.Knit` the pool uses (a fake implements it in unit tests)."""

    def add_containers(self, num_containers: int = 1, virtual_cores: int = 1,
                       memory: int = 128) -> list: ...

    def remove_containers(self, container_id: str) -> Any: ...

    def get_containers(self) -> list[dict]: ...


@dataclass(eq=False)
class _Waiter:
    """A worker waiting for a container answering one of its request ids."""

    request_ids: set | None  # None: any request of the application's initial spec
    future: asyncio.Future = field(repr=False)

    def accepts(self, request_id: Any, issued: set) -> bool:
        if self.request_ids is None:
            return request_id not in issued
        return request_id in self.request_ids


class ContainerPool:
    """Hands out the containers of one YARN application to workers.

    A worker either adopts one of the containers requested by the application spec at
    submission (``initial`` shape and count, see :meth:`set_initial`) or asks the
    ApplicationMaster for a new one (``add_containers``), then waits until the container
    answering its request is RUNNING. One poller reads the AM's container list while
    anyone waits; each listed container is claimed by at most one worker.

    Parameters
    ----------
    knit : Knit
        The Knit instance that started (or will start) the application.
    poll_interval : float
        Seconds between two reads of the container list while workers wait.
    timeout : float
        Seconds a worker waits for its container to run before giving up.
    """

    def __init__(self, knit: KnitLike, poll_interval: float = 0.25, timeout: float = 300.0):
        self.knit = knit
        self.poll_interval = poll_interval
        self.timeout = timeout
        self._initial_shape: tuple[int, int] | None = None
        self._initial_left = 0
        self._issued: set = set()  # request ids returned by add_containers
        self._adds_in_flight = 0
        self._claimed: set[str] = set()
        self._waiters: list[_Waiter] = []
        self._poller: asyncio.Task | None = None
        self.error: BaseException | None = None
        self._last_error: BaseException | None = None

    # -- the application's initial containers ---------------------------------------------
    def set_initial(self, cpu: int, memory: int, count: int) -> None:
        """Record that the application spec itself requested ``count`` containers."""
        self._initial_shape = (cpu, memory)
        self._initial_left = count

    # -- what workers call -----------------------------------------------------------------
    async def acquire(self, cpu: int, memory: int) -> str:
        """Return the id of a RUNNING container of ``cpu`` vcores and ``memory`` MB."""
        self._raise_if_failed()
        if self._initial_shape == (cpu, memory) and self._initial_left > 0:
            self._initial_left -= 1
            request_ids = None
        else:
            request_ids = set(await self._add_container(cpu, memory))
        waiter = _Waiter(request_ids, asyncio.get_running_loop().create_future())
        self._waiters.append(waiter)
        self._ensure_poller()
        try:
            return await asyncio.wait_for(waiter.future, self.timeout)
        except asyncio.TimeoutError:
            last = f" (last error listing containers: {self._last_error})" if self._last_error else ""
            raise WorkerStartError(
                f"no container of {cpu} vcores / {memory} MB was RUNNING after {self.timeout:.0f} s; "
                "the cluster may lack free resources (raise dask config "
                f"'yarn.worker.start-timeout' or ask for smaller workers){last}") from None
        finally:
            self._waiters.remove(waiter)

    async def release(self, container_id: str) -> None:
        """Ask the ApplicationMaster to stop and release a container."""
        if self.error is not None:
            return  # the application is gone, and its containers with it
        logger.debug("removing container %s", container_id)
        try:
            await asyncio.to_thread(self.knit.remove_containers, container_id)
        except KnitException as exc:
            # The AM refuses to remove a container that already ended (e.g. a worker that
            # exited after being retired): there is nothing left to stop.
            logger.warning("container %s not removed: %s", container_id, exc)

    def fail(self, error: BaseException) -> None:
        """The application is gone: fail every waiter now and every later acquire."""
        self.error = error
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.set_exception(error)

    # -- matching --------------------------------------------------------------------------
    def match(self, containers: Iterable[dict]) -> None:
        """Hand listed containers to waiting workers (pure bookkeeping, no I/O)."""
        for c in containers:
            cid, state = c.get("id"), c.get("state")
            if not cid or cid in self._claimed or (state not in TERMINAL_STATES and state != "RUNNING"):
                continue
            waiter = self._waiter_for(c.get("request_id"))
            if waiter is None:
                continue
            self._claimed.add(cid)
            if state == "RUNNING":
                waiter.future.set_result(cid)
            else:
                waiter.future.set_exception(WorkerStartError(
                    f"container {cid} ended {state} (exit status {c.get('exit_status')}) before its "
                    f"worker ran: {c.get('diagnostics') or 'no diagnostics'}"))

    def orphans(self, containers: Iterable[dict]) -> list[str]:
        """Live containers of ours that no worker owns or awaits (e.g. after a timeout)."""
        out = []
        for c in containers:
            cid, rid = c.get("id"), c.get("request_id")
            if not cid or cid in self._claimed or c.get("state") not in LIVE_STATES:
                continue
            is_initial = rid not in self._issued
            if is_initial and (self._initial_left > 0 or self._adds_in_flight):
                continue  # may still be adopted (or be an add whose id we do not know yet)
            if self._waiter_for(rid) is None:
                out.append(cid)
        return out

    def claim(self, container_id: str) -> None:
        """Mark a container as handled (e.g. an orphan being removed)."""
        self._claimed.add(container_id)

    # -- internals -------------------------------------------------------------------------
    def _waiter_for(self, request_id: Any) -> _Waiter | None:
        for waiter in self._waiters:
            if waiter.future.done():
                continue
            if waiter.request_ids is None and self._adds_in_flight:
                continue  # an unknown request id may be an add still in flight
            if waiter.accepts(request_id, self._issued):
                return waiter
        return None

    async def _add_container(self, cpu: int, memory: int) -> list:
        self._adds_in_flight += 1
        try:
            request_ids = await asyncio.to_thread(
                self.knit.add_containers, num_containers=1, virtual_cores=cpu, memory=memory)
        finally:
            self._adds_in_flight -= 1
        self._issued.update(request_ids)
        return request_ids

    def _ensure_poller(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.ensure_future(self._poll())

    async def _poll(self) -> None:
        while any(not w.future.done() for w in self._waiters):
            try:
                containers = await asyncio.to_thread(self.knit.get_containers)
            except KnitException as exc:
                # e.g. the ApplicationMaster is not serving yet. If the application is gone,
                # the cluster's watcher calls fail(); otherwise the waiters' timeout reports it.
                logger.debug("listing containers failed: %s", exc)
                self._last_error = exc
            else:
                self.match(containers)
            await asyncio.sleep(self.poll_interval)

    def _raise_if_failed(self) -> None:
        if self.error is not None:
            raise self.error


class YARNWorker(ProcessInterface):
    """A Dask worker running in its own YARN container.

    ``start()`` obtains a RUNNING container from the pool (adopting one requested at
    submission, or requesting a new one) and takes the container id as its ``name``: the
    worker command runs ``--name $CONTAINER_ID``, so the scheduler knows the worker by the
    same name. ``close()`` asks the ApplicationMaster to remove the container (the cluster
    retires the Dask worker gracefully before that).

    Parameters
    ----------
    scheduler : str
        Scheduler address (given by SpecCluster; the command was fixed at submission).
    name : str, optional
        Placeholder name from the cluster's spec; replaced by the container id.
    pool : ContainerPool
        Where containers come from.
    cpu : int
        vcores of the container (= worker threads).
    memory : int
        MB of the container.
    """

    def __init__(self, scheduler: str | None = None, name: str | None = None, *,
                 pool: ContainerPool, cpu: int = 1, memory: int = 2048):
        super().__init__(scheduler=scheduler, name=name)
        self.scheduler = scheduler
        self.name = name
        self.pool = pool
        self.cpu = cpu
        self.memory = memory
        self.container_id: str | None = None

    async def start(self) -> None:
        self.container_id = await self.pool.acquire(self.cpu, self.memory)
        self.name = self.container_id
        logger.info("worker %s running (%d vcores, %d MB)", self.container_id, self.cpu, self.memory)
        await super().start()

    async def close(self) -> None:
        if self.status == Status.closed:
            return
        self.status = Status.closing
        try:
            if self.container_id is not None:
                await self.pool.release(self.container_id)
        finally:
            await super().close()

    def mark_finished(self) -> None:
        """The container ended on its own: nothing left to remove."""
        self.status = Status.closed
        self._event_finished.set()

    def __repr__(self) -> str:
        return f"<YARNWorker {self.container_id or self.name}: status={self.status.name}>"
