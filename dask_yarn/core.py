"""DaskYARNCluster: a Dask cluster whose workers run in YARN containers.

Shape (after dask-jobqueue): :class:`dask_yarn.worker.YARNWorker` is one worker = one YARN
container (a ``ProcessInterface``); :class:`DaskYARNCluster` is a ``SpecCluster`` naming it.
Scaling only edits ``worker_spec``; one reconcile step (``_correct_state``) retires and
removes, or requests and adopts, containers to match.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import logging
import os
import re
import warnings
import weakref
from typing import Any, Iterable

import dask
import distributed
from dask.utils import parse_timedelta
from distributed import LocalCluster
from distributed.core import Status
from distributed.deploy.spec import SpecCluster
from distributed.diagnostics.plugin import SchedulerPlugin
from distributed.exceptions import WorkerStartTimeoutError
from distributed.objects import SchedulerInfo
from distributed.utils import Log, Logs, get_ip
from tornado.ioloop import PeriodicCallback

from knit.exceptions import ApplicationFailed, KnitException, SpecError

from . import config  # noqa: F401  (registers the yarn.* defaults)
from .worker import TERMINAL_STATES, ContainerPool, YARNWorker

logger = logging.getLogger(__name__)

#: YARN application states after which the application never runs again.
APP_TERMINAL_STATES = frozenset({"FINISHED", "FAILED", "KILLED"})


class ClusterStateError(KnitException, RuntimeError):
    """The call does not fit the cluster's state (already started, closed, or failed)."""


class WorkerNotFound(KnitException, KeyError):
    """No worker of this cluster runs in that container."""


def worker_command(scheduler_address: str, cpu: int, memory: int, memory_fraction: float = 0.8,
                   nanny: bool = True, death_timeout: str = "60s") -> str:
    """The shell command every worker container runs.

    The worker runs as ``$PYTHON_BIN -m distributed.cli.dask_worker`` (entry-point scripts
    in a shipped environment carry the builder's interpreter path) and is named after its
    container (``--name $CONTAINER_ID``), which is how the cluster maps workers to
    containers. Threads and memory limit follow the container's size: from
    ``$KNIT_CONTAINER_VCORES`` / ``$KNIT_CONTAINER_MEMORY`` when the ApplicationMaster
    exports them, else from ``cpu`` / ``memory`` (the shape the application was started
    with). The memory limit is ``memory_fraction`` of the container so that Dask spills and
    pauses before YARN kills the container for exceeding it.

    The application is started ``keep_alive``: a worker container that ends, even the last one,
    never ends it (the cluster replaces failed workers and removes retired ones itself). A worker
    exits with its own code, so a failing one is seen as FAILED and replaced; one whose scheduler
    is gone exits after ``death_timeout``, and the AM ends the application once it has had no worker
    and no call from the cluster for ``yarn.idle-timeout``.
    """
    percent = int(round(memory_fraction * 100))
    parts = [
        "${PYTHON_BIN:-python3} -m distributed.cli.dask_worker", scheduler_address,
        "--name $CONTAINER_ID",
        f"--nthreads ${{KNIT_CONTAINER_VCORES:-{cpu}}}",
        f"--memory-limit $(( ${{KNIT_CONTAINER_MEMORY:-{memory}}} * {percent} / 100 ))MiB",
        "--nanny" if nanny else "--no-nanny",
        "--no-dashboard",
        f"--death-timeout {int(parse_timedelta(death_timeout))}",
    ]
    return " ".join(parts)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{name} must be a positive integer, got {value!r}")
    return value


def _package_name(spec: str) -> str:
    return re.split(r"[=<>!~\[ ;]", spec.strip(), maxsplit=1)[0].lower()


def env_packages(packages: Iterable[str]) -> list[str]:
    """``packages`` plus this process's dask and distributed versions when not listed.

    Workers must run the same dask/distributed as the scheduler and client.
    """
    out = list(packages)
    names = {_package_name(p) for p in out}
    for mod in (dask, distributed):
        if mod.__name__ not in names:
            out.append(f"{mod.__name__}={mod.__version__}")
    return out


class DaskYARNCluster(SpecCluster):
    """A Dask cluster: scheduler in this process, each worker in its own YARN container.

    ``cluster = DaskYARNCluster(env='my/conda/env.zip')`` starts a scheduler here;
    ``cluster.start(8, cpu=2, memory=2048)`` submits one YARN application whose 8
    containers each run a worker with 2 threads. ``Client(cluster)`` connects;
    ``cluster.scheduler_address`` is for clients in other processes. Used as a context
    manager (or on ``close()``) the YARN application is killed.

    How the seed's ``.local_cluster`` fits ``SpecCluster``: the scheduler is hosted by a
    ``distributed.LocalCluster`` with no workers (``.local_cluster``; the only option
    taken from the user is ``ip``, passed as its ``host``), and this cluster adopts that
    scheduler as its own ``scheduler`` instead of creating one from a scheduler spec
    (``shutdown_scheduler=False``: ``.local_cluster`` owns the scheduler and is closed
    last). Everything ``SpecCluster`` builds on the scheduler — ``Client(cluster)``,
    ``scale``, ``adapt``, ``dashboard_link``, ``get_logs``, the widget — then works
    unchanged.

    Worker ↔ container mapping is exact: a worker's name is its container id. New spec
    entries carry a placeholder name (``pending-N``); when a worker's container is
    RUNNING, its entry in ``worker_spec`` and ``workers`` is renamed to the container id
    (what the worker passes as ``--name``), so ``scale_down``/``adapt`` retire, and then
    remove, exactly the containers of the workers the scheduler chose.

    The YARN application is submitted at the first scale-up (``start()``, ``scale()``,
    ``add_workers()`` or ``adapt()``), with every worker being opened in its spec, so its
    first containers are requested at once; later workers ask the ApplicationMaster for
    one container each. Scaling to zero keeps the application and scheduler alive.

    Failure handling: a periodic watcher reads the application report and container
    list. A worker whose container ends FAILED/KILLED is replaced (at most
    ``worker_restarts`` times); one that ends SUCCEEDED (it closed itself) is dropped.
    (The Knit ApplicationMaster ends the application when its last container ends on its
    own, so the crash of a cluster's only worker ends the application, handled as below.)
    If the application ends, futures of connected clients are cancelled with the
    application's diagnostics, the cluster closes, and ``wait_for_workers`` raises
    :class:`knit.ApplicationFailed`. If this process dies, the Knit client JVM kills the
    application and workers exit after ``death-timeout`` without a scheduler.

    Parameters
    ----------
    env : str, optional
        Environment for the workers: a zipped environment, a ``.tar.gz`` (conda-pack /
        venv-pack), a directory, or an ``hdfs://`` path (see ``Knit.start``). Default:
        dask config ``yarn.env``; with neither, and no ``packages``, workers run
        ``python3`` from the nodes' ``PATH``.
    packages : list of str, optional
        With no ``env``: build an environment with these packages (plus this process's
        ``dask`` and ``distributed`` versions) through ``Knit.create_env``; cached.
    channels : list of str, optional
        Conda channels for that build.
    ip : str, optional
        Address the scheduler listens on; must be reachable from the cluster's nodes.
        Default: ``yarn.ip``, else this host's routable address.
    queue, app_name : str, optional
        YARN queue and application name (``yarn.queue``, ``yarn.app-name``).
    files : list of str, optional
        Files shipped to every worker container (``Knit.start(files=...)``).
    envvars : dict, optional
        Environment variables for every worker (merged over ``yarn.worker.env-vars``).
    worker_restarts : int, optional
        How many dead worker containers are replaced, in total (-1: no limit).
        Default ``yarn.worker.restarts``.
    dashboard_address : str, optional
        Scheduler dashboard address (``yarn.dashboard-address``).
    knit : knit.Knit, optional
        An existing ``Knit`` to submit through; otherwise one is built from ``**kwargs``.
    asynchronous : bool
        Use with ``await`` / ``async with`` in a running event loop.
    loop, name :
        As for ``distributed.SpecCluster``.
    **kwargs :
        Passed to ``knit.Knit`` (``replication_factor``, ``rm``, ``rm_port``, ``nn``,
        ``nn_port``, ``upload_always``, ``hdfs_home``, ``user``, ``lang``, ``pars`` ...).

    Notes
    -----
    Dask config defaults (``dask_yarn/yarn.yaml``): ``yarn.env``, ``yarn.packages``,
    ``yarn.channels``, ``yarn.queue``, ``yarn.app-name``, ``yarn.ip``,
    ``yarn.dashboard-address``, ``yarn.watch-interval``, ``yarn.worker.vcores``,
    ``yarn.worker.memory`` (MB), ``yarn.worker.memory-fraction``, ``yarn.worker.restarts``,
    ``yarn.worker.nanny``, ``yarn.worker.death-timeout``, ``yarn.worker.start-timeout``,
    ``yarn.worker.env-vars``.

    Examples
    --------
    >>> from dask_yarn import DaskYARNCluster
    >>> cluster = DaskYARNCluster(env='my/conda/env.zip')
    >>> cluster.start(8, cpu=2, memory=2048)
    >>> from dask.distributed import Client
    >>> c = Client(cluster)
    """

    def __init__(self, env: str | None = None, packages: list[str] | None = None,
                 channels: list[str] | None = None, ip: str | None = None, *,
                 queue: str | None = None, app_name: str | None = None,
                 files: list[str] | None = None, envvars: dict[str, str] | None = None,
                 worker_restarts: int | None = None, dashboard_address: str | None = None,
                 knit: Any = None, asynchronous: bool = False, loop: Any = None,
                 name: str | None = None, **kwargs: Any):
        cfg = dask.config.get
        self._env = env if env is not None else cfg("yarn.env")
        self._packages = list(packages if packages is not None else cfg("yarn.packages") or [])
        self._channels = list(channels if channels is not None else cfg("yarn.channels") or [])
        self._ip = ip if ip is not None else (cfg("yarn.ip") or get_ip())
        self._queue = queue or cfg("yarn.queue")
        self._app_name = app_name or cfg("yarn.app-name")
        self._files = list(files or [])
        self._envvars = {**(cfg("yarn.worker.env-vars") or {}), **(envvars or {})}
        self.worker_restarts = cfg("yarn.worker.restarts") if worker_restarts is None else worker_restarts
        self._dashboard_address = dashboard_address or cfg("yarn.dashboard-address")
        self._memory_fraction = float(cfg("yarn.worker.memory-fraction"))
        self._validate()

        if knit is not None and kwargs:
            raise SpecError(f"pass Knit options {sorted(kwargs)} to the Knit given as knit=, not here")
        if knit is None:
            from knit import Knit  # the Python API of the Knit core
            knit = Knit(**kwargs)
        self.knit = knit
        self.local_cluster: LocalCluster | None = None
        self.app_id: str | None = None
        self.app_error: ApplicationFailed | None = None
        self.restarts_used = 0
        self._pool = ContainerPool(knit, timeout=parse_timedelta(cfg("yarn.worker.start-timeout")))
        self._names = itertools.count()
        self._renamed: dict[str, str] = {}
        self._closing_app = False
        self._env_ready = False
        if not asynchronous:  # in async mode the (possibly long) build runs off-loop in _start
            self._resolve_env()
        worker = self._worker_spec(cfg("yarn.worker.vcores"), cfg("yarn.worker.memory"))
        super().__init__(workers={}, worker=worker, asynchronous=asynchronous, loop=loop,
                         name=name, shutdown_scheduler=False)

    # ------------------------------------------------------------------ configuration
    def _validate(self) -> None:
        if self._env is not None:
            env = os.fspath(self._env)
            if "://" not in env and not os.path.exists(env):
                raise SpecError(f"env={env!r}: no such file or directory")
            self._env = env
        for key, items in (("packages", self._packages), ("channels", self._channels),
                           ("files", self._files)):
            if not all(isinstance(p, str) and p for p in items):
                raise SpecError(f"{key} must be a list of non-empty strings, got {items!r}")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self._envvars.items()):
            raise SpecError(f"envvars must map str to str, got {self._envvars!r}")
        r = self.worker_restarts
        if isinstance(r, bool) or not isinstance(r, int) or r < -1:
            raise SpecError(f"worker_restarts must be an integer >= -1 (-1: no limit), got {r!r}")
        if not 0 < self._memory_fraction <= 1:
            raise SpecError("dask config yarn.worker.memory-fraction must be in (0, 1], "
                            f"got {self._memory_fraction}")

    def _worker_spec(self, cpu: int, memory: int) -> dict:
        cpu = _positive_int("cpu", cpu)
        memory = _positive_int("memory (MB)", memory)
        return {"cls": YARNWorker, "options": {"pool": self._pool, "cpu": cpu, "memory": memory}}

    def _resolve_env(self) -> None:
        """Build (or find in the cache) the environment asked for with ``packages``."""
        if not self._env_ready and self._env is None and self._packages:
            packages = env_packages(self._packages)
            key = json.dumps([sorted(packages), sorted(self._channels)]).encode()
            env_name = "dask-yarn-" + hashlib.sha256(key).hexdigest()[:12]
            logger.info("building environment %s with %s", env_name, packages)
            self._env = self.knit.create_env(env_name, packages=packages,
                                             channels=self._channels or None)
        self._env_ready = True

    # ------------------------------------------------------------------ lifecycle
    async def _start(self) -> None:
        if self.local_cluster is None and self.status == Status.created:
            if not self._env_ready:
                await asyncio.to_thread(self._resolve_env)
            self.local_cluster = await LocalCluster(
                n_workers=0, host=self._ip, dashboard_address=self._dashboard_address,
                asynchronous=True)
            # this cluster closes it; the atexit hook must not close it a second time
            self.local_cluster.shutdown_on_close = False
            self.scheduler = self.local_cluster.scheduler
        with warnings.catch_warnings():
            # Two cluster managers watch one scheduler: this one's worker-status subscription
            # replaces .local_cluster's (which has no workers to watch), as intended.
            warnings.filterwarnings("ignore", "Scheduler already contains a plugin with name worker-status")
            await super()._start()
        if "yarn-watch" not in self.periodic_callbacks:
            interval = parse_timedelta(dask.config.get("yarn.watch-interval")) * 1000
            pc = PeriodicCallback(self._watch, interval)
            self.periodic_callbacks["yarn-watch"] = pc
            pc.start()

    async def _close(self) -> None:
        if self.status in (Status.closed, Status.closing):
            await super()._close()  # waits for the close under way
            return
        if self._adaptive_running():
            self._adaptive.stop(reason="cluster-closing")
        pc = self.periodic_callbacks.pop("yarn-watch", None)
        if pc is not None:
            pc.stop()
        await self._kill_app()
        await super()._close()
        if self.local_cluster is not None:
            await self.local_cluster.close()

    async def _kill_app(self) -> None:
        """Kill the YARN application: every container goes with it, in one call."""
        if self.app_id is None or self.app_error is not None or self._closing_app:
            return
        self._closing_app = True
        self._pool.fail(ClusterStateError("the cluster is closed"))
        logger.info("killing YARN application %s", self.app_id)
        await asyncio.to_thread(self.knit.kill)

    def stop(self) -> Any:
        """Close the cluster and kill its YARN application (alias of ``close()``)."""
        return self.close()

    def _adaptive_running(self) -> bool:
        return getattr(self, "_adaptive", None) is not None and self._adaptive.state == "running"

    # ------------------------------------------------------------------ seed API
    def start(self, n_workers: int = 1, cpu: int | None = None, memory: int | None = None) -> Any:
        """Submit the YARN application with ``n_workers`` workers and wait until they run.

        Parameters
        ----------
        n_workers : int
            Number of worker containers to start with.
        cpu : int, optional
            vcores per container = threads per worker (``yarn.worker.vcores``).
        memory : int, optional
            MB per container (``yarn.worker.memory``); the worker's Dask memory limit is
            ``yarn.worker.memory-fraction`` of it.

        Returns
        -------
        str
            The YARN application id (an awaitable of it when ``asynchronous``).
        """
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 0:
            raise SpecError(f"n_workers must be a non-negative integer, got {n_workers!r}")
        opts = self.new_spec["options"]
        self.new_spec = self._worker_spec(opts["cpu"] if cpu is None else cpu,
                                          opts["memory"] if memory is None else memory)
        if self.app_id is not None:
            raise ClusterStateError(f"YARN application {self.app_id} is already running; "
                                    "use scale() or add_workers() to change its size")
        return self.sync(self._start_workers, n_workers)

    async def _start_workers(self, n_workers: int) -> str | None:
        self._check_usable()
        while len(self.worker_spec) < n_workers:
            self.worker_spec.update(self.new_worker_spec())
        await self._correct_state()
        return self.app_id

    def add_workers(self, n_workers: int = 1, cpu: int | None = None,
                    memory: int | None = None) -> Any:
        """Add ``n_workers`` workers of ``cpu`` vcores and ``memory`` MB; wait until they run.

        ``cpu`` / ``memory`` default to the shape given to ``start()`` (or the config's).
        Returns the new workers' container ids.
        """
        n_workers = _positive_int("n_workers", n_workers)
        opts = self.new_spec["options"]
        spec = self._worker_spec(opts["cpu"] if cpu is None else cpu,
                                          opts["memory"] if memory is None else memory)
        return self.sync(self._add_workers, n_workers, spec)

    async def _add_workers(self, n_workers: int, spec: dict) -> list[str]:
        self._check_usable()
        names = [self._new_worker_name(0) for _ in range(n_workers)]
        for n in names:
            self.worker_spec[n] = spec
        await self._correct_state()
        return [self._renamed[n] for n in names if n in self._renamed]

    def remove_worker(self, container_id: str) -> Any:
        """Retire the worker in ``container_id`` gracefully, then remove its container."""
        if container_id not in self.workers and container_id not in self.worker_spec:
            raise WorkerNotFound(f"no worker of this cluster runs in container {container_id!r}; "
                                 f"workers: {sorted(self.workers)}")
        return self.sync(self.scale_down, [container_id])

    def scale(self, n: int = 0, memory: Any = None, cores: Any = None) -> Any:
        if self.status != Status.closing:  # SpecCluster's close scales to zero
            self._check_usable()
        return super().scale(n, memory=memory, cores=cores)

    def _new_worker_name(self, worker_number: int) -> str:
        return f"pending-{next(self._names)}"

    def _check_usable(self) -> None:
        if self.app_error is not None:
            raise self.app_error
        if self.status in (Status.closing, Status.closed):
            raise ClusterStateError("the cluster is closed")

    # ------------------------------------------------------------------ reconcile
    async def _correct_state_internal(self) -> None:
        """Match the workers to ``worker_spec``.

        Differs from ``SpecCluster``'s in three ways: surplus workers are retired by
        *name* (the scheduler's ``retire_workers(workers=...)`` takes addresses, so the
        upstream call retires nothing for spec names), workers that fail to start are
        dropped from the spec rather than retried forever, and started workers are renamed
        to their container id. The YARN application is submitted here, when the first
        workers are opened, so that its spec requests them all at once.
        """
        async with self._lock:
            self._correct_state_waiting = None
            await self._close_surplus()
            await self._open_missing()

    async def _close_surplus(self) -> None:
        to_close = [n for n in self.workers if n not in self.worker_spec]
        if not to_close:
            return
        running = [n for n in to_close if self.workers[n].status == Status.running]
        for n in to_close:
            if self.workers[n].status == Status.running:
                self.workers[n].status = Status.closing  # the watcher leaves it alone now
        if running and self.scheduler.status == Status.running and self.app_error is None \
                and not self._closing_app:
            logger.info("retiring workers %s", running)
            await self.scheduler_comm.retire_workers(names=running, close_workers=True)
        await asyncio.gather(*(self.workers[n].close() for n in to_close))
        for n in to_close:
            self.workers.pop(n, None)

    async def _open_missing(self) -> None:
        to_open = [n for n in self.worker_spec if n not in self.workers]
        if not to_open:
            return
        if self.app_error is not None:
            raise self.app_error
        if self.app_id is None:
            try:
                await self._submit(to_open)
            except BaseException:
                for n in to_open:  # not retried by every later reconcile: the caller hears why
                    self.worker_spec.pop(n, None)
                raise
        address = getattr(self.scheduler, "contact_address", None) or self.scheduler.address
        opened = {}
        for n in to_open:
            spec = self.worker_spec[n]
            worker = spec["cls"](address, name=n, **spec.get("options", {}))
            self._created.add(worker)
            opened[n] = worker
        results = await asyncio.gather(*(self._await_worker(w) for w in opened.values()),
                                       return_exceptions=True)
        errors = []
        for (n, worker), result in zip(opened.items(), results):
            if isinstance(result, BaseException):
                errors.append(result)
                worker.status = Status.failed
                self.worker_spec.pop(n, None)
                logger.error("worker %s failed to start: %s", n, result)
                continue
            self._adopt(n, worker)
        if any(n not in self.worker_spec for n in self.workers):
            self.loop.add_callback(self._correct_state)  # scaled down while these started
        if errors:
            raise errors[0]

    @staticmethod
    async def _await_worker(worker: YARNWorker) -> YARNWorker:
        return await worker

    def _adopt(self, placeholder: str, worker: YARNWorker) -> None:
        """Rename a started worker's spec entry to its container id and record it."""
        cid = worker.container_id
        spec = self.worker_spec.pop(placeholder, None)
        if spec is not None:
            self.worker_spec[cid] = spec
        self.workers[cid] = worker
        worker._cluster = weakref.ref(self)
        self._renamed[placeholder] = cid

    async def _submit(self, to_open: list[str]) -> None:
        opts = self.worker_spec[to_open[0]]["options"]
        cpu, memory = opts["cpu"], opts["memory"]
        count = sum(1 for n in to_open
                    if (self.worker_spec[n]["options"]["cpu"], self.worker_spec[n]["options"]["memory"])
                    == (cpu, memory))
        cfg = dask.config.get
        cmd = worker_command(self.scheduler.address, cpu, memory, self._memory_fraction,
                             nanny=cfg("yarn.worker.nanny"), death_timeout=cfg("yarn.worker.death-timeout"))
        logger.info("submitting YARN application: %d x (%d vcores, %d MB): %s", count, cpu, memory, cmd)
        self.app_id = await asyncio.to_thread(
            self.knit.start, cmd, num_containers=count, virtual_cores=cpu, memory=memory,
            files=self._files or None, env=self._env, envvars=self._envvars or None,
            app_name=self._app_name, queue=self._queue, max_restarts=0,
            # Workers come and go (scale to zero, a lone worker replaced): only we end the application. If
            # this process and its client JVM both die hard, the AM ends it once idle (no worker, no call).
            keep_alive=True, idle_timeout=int(parse_timedelta(cfg("yarn.idle-timeout"))))
        self._pool.set_initial(cpu, memory, count)
        self._cluster_info["yarn_application_id"] = self.app_id
        self._log(f"Submitted YARN application {self.app_id}")

    # ------------------------------------------------------------------ watching YARN
    async def _watch(self) -> None:
        """Check the application and its containers once (a periodic callback)."""
        if self.app_id is None or self._closing_app or self.app_error is not None \
                or self.status != Status.running:
            return
        try:
            report = await asyncio.to_thread(self.knit.status)
            state = _app_state(report)
            containers = None
            if state not in APP_TERMINAL_STATES:
                containers = await asyncio.to_thread(self.knit.get_containers)
        except KnitException as exc:
            logger.warning("checking YARN application %s failed: %s", self.app_id, exc)
            return
        if containers is None:
            await self._app_ended(state, report)
            return
        if self._closing_app or self.status != Status.running:
            return
        self._handle_containers(containers)
        await self._remove_orphans(containers)

    def _handle_containers(self, containers: list[dict]) -> None:
        by_id = {c.get("id"): c for c in containers if c.get("id")}
        replace = False
        for name, worker in list(self.workers.items()):
            c = by_id.get(worker.container_id)
            if worker.status != Status.running or c is None or c.get("state") not in TERMINAL_STATES:
                continue
            worker.mark_finished()
            del self.workers[name]
            if c["state"] == "SUCCEEDED":
                logger.info("worker %s exited; not replaced", name)
                self.worker_spec.pop(name, None)
                continue
            detail = f"{c['state']}, exit status {c.get('exit_status')}: {c.get('diagnostics') or ''}"
            if self.worker_restarts < 0 or self.restarts_used < self.worker_restarts:
                self.restarts_used += 1
                self._log(f"Container {name} ended ({detail}); replacing its worker "
                          f"(restart {self.restarts_used} of {self._restarts_label()})")
                replace = True
            else:
                self.worker_spec.pop(name, None)
                self._log(f"Container {name} ended ({detail}); not replaced: "
                          f"worker_restarts={self.worker_restarts} used up")
        if replace:
            self.loop.add_callback(self._correct_state)

    def _restarts_label(self) -> str:
        return "unlimited" if self.worker_restarts < 0 else str(self.worker_restarts)

    async def _remove_orphans(self, containers: list[dict]) -> None:
        for cid in self._pool.orphans(containers):
            logger.warning("removing container %s: no worker owns it", cid)
            self._pool.claim(cid)
            await self._pool.release(cid)

    async def _app_ended(self, state: str, report: Any) -> None:
        """The YARN application ended under us: fail fast, with its diagnostics.

        The scheduler stays up (until ``close()``) so that clients keep a connection on
        which to hear why: their pending futures are cancelled with the application's
        diagnostics, and so is any work submitted afterwards. Closing the scheduler instead
        would make clients replace that message with a generic "connection lost" one.
        """
        diagnostics = report.get("diagnostics") if isinstance(report, dict) else None
        final = report.get("final_status") if isinstance(report, dict) else None
        self.app_error = ApplicationFailed(
            f"YARN application {self.app_id} ended {state}"
            + (f" ({final})" if final else "") + f": {diagnostics or 'no diagnostics'}")
        logger.error("%s", self.app_error)
        self._log(str(self.app_error))
        self.status = Status.failed
        if self._adaptive_running():
            self._adaptive.stop(reason="yarn-application-ended")
        self._pool.fail(self.app_error)
        for worker in self.workers.values():
            worker.mark_finished()
        self.workers.clear()
        self.worker_spec.clear()
        plugin = _RefuseWork(str(self.app_error))
        self.scheduler.add_plugin(plugin)
        plugin.cancel_all(self.scheduler)

    async def _wait_for_workers(self, n_workers: int = 0, timeout: Any = None) -> None:
        deadline = None if not timeout else asyncio.get_running_loop().time() + parse_timedelta(timeout)
        while True:
            self._check_usable()
            try:
                self.scheduler_info = SchedulerInfo(await self.scheduler_comm.identity())
            except OSError:
                self._check_usable()  # the app died meanwhile: say so
                raise
            running = sum(1 for ws in self.scheduler_info["workers"].values()
                          if ws["status"] == Status.running.name)
            if running >= n_workers:
                return
            if deadline is not None and asyncio.get_running_loop().time() > deadline:
                raise WorkerStartTimeoutError(running, n_workers, timeout)
            await asyncio.sleep(0.1)

    # ------------------------------------------------------------------ logs and display
    async def _get_logs(self, cluster: bool = True, scheduler: bool = True,
                        workers: Any = True) -> Logs:
        """Cluster and scheduler logs from Dask; worker logs from YARN (stdout and stderr of
        each container, keyed by container id = worker name), dead workers' included."""
        logs = await super()._get_logs(cluster=cluster, scheduler=scheduler, workers=False)
        if workers and self.app_id is not None:
            wanted = None if workers is True else self._container_ids(workers)
            data = await asyncio.to_thread(self.knit.logs)
            for cid, files in sorted(data.items()):
                if wanted is None or cid in wanted:
                    logs[cid] = Log("\n".join(f"==> {fname} <==\n{text}" for fname, text in files.items()))
        return logs

    def _container_ids(self, workers: Iterable[str]) -> set[str]:
        by_address = {addr: ws.get("name") for addr, ws in self.scheduler_info["workers"].items()}
        return {str(by_address.get(w, w)) for w in workers}

    def _repr_html_(self, cluster_status: Any = None) -> str:
        app = self.app_id or "not submitted yet"
        status = f"<p><strong>YARN application:</strong> {app}</p>" + (cluster_status or "")
        return super()._repr_html_(cluster_status=status)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", app_id={self.app_id!r})"


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
        # Only the client is told: releasing the keys in the scheduler would send further,
        # reason-less cancellations that replace this message.
        if keys:
            scheduler.report({"op": "cancelled-keys", "keys": keys, "reason": "yarn-application-ended",
                              "msg": self.msg}, client=client)


def _app_state(report: Any) -> str:
    """The state from ``Knit.status()``: a report dict (``state``) or a state string."""
    if isinstance(report, dict):
        return str(report.get("state", "")).upper()
    return str(report).upper()


__all__ = ["ClusterStateError", "DaskYARNCluster", "WorkerNotFound", "env_packages", "worker_command"]
