"""DaskYARNCluster: a Dask cluster whose workers (and, in remote mode, scheduler) run in YARN containers.

A ``SpecCluster`` whose workers are :class:`~dask_yarn.jobs.YARNWorker` s, one container each, named as they are
asked for; SpecCluster's own reconcile step opens and closes them. Every container runs ``_knit_dask.py``.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import warnings
from typing import Any, Iterable

import dask
import distributed
from dask.utils import parse_timedelta
from distributed import LocalCluster
from distributed.core import Status
from distributed.deploy.spec import SpecCluster
from distributed.utils import Log, Logs, get_ip
from tornado.ioloop import PeriodicCallback

from knit import secret_envvars as secret_envvars_
from knit.exceptions import ApplicationFailed, SpecError
from knit.spec import check_int
from knit.states import CONTAINER_ENDED

from . import config, security as dask_security
from .compat import Knit02Cluster, pick
from .config import memory_mb
from .errors import ClusterStateError, WorkerNotFound  # noqa: F401 (WorkerNotFound: importable from here too)
from ._knit_dask import DRIVER, SCHEDULER, published
from .jobs import CLUSTER_KEY, MiB, YarnApp, YARNScheduler, YARNWorker
from .watch import WatchYarn

RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_knit_dask.py")


def env_packages(packages: Iterable[str]) -> list[str]:
    """``packages`` plus this process's dask and distributed when not listed (workers must run the same)."""
    out = list(packages)
    names = {re.split(r"[=<>!~\[ ;]", p.strip(), maxsplit=1)[0].lower() for p in out}
    return out + [f"{m.__name__}={m.__version__}" for m in (dask, distributed) if m.__name__ not in names]


def _command(settings: dict) -> str:
    """The one command of every container of the cluster (its role comes from its name)."""
    encoded = base64.b64encode(json.dumps(settings).encode()).decode()
    return f"${{PYTHON_BIN:-python3}} {os.path.basename(RUNNER)} {encoded}"


class DaskYARNCluster(Knit02Cluster, WatchYarn, SpecCluster):
    """A Dask cluster on YARN: one worker per YARN container, the scheduler here or in a container.

    ``cluster = DaskYARNCluster(env='my/conda/env.zip')`` starts a scheduler; ``cluster.start(8, cpu=2,
    memory=2048)`` submits one YARN application whose 8 containers each run a worker with 2 threads.
    ``Client(cluster)`` connects; ``cluster.scheduler_address`` is for clients in other processes. ``scale(n)``,
    ``scale(memory="8 GiB")``, ``scale(cores=8)`` and ``adapt(...)`` are SpecCluster's: each worker's
    ``options`` carry ``nthreads`` and ``memory_limit`` (its container's bytes). A worker's name is its
    container's, given when the container is requested (``$KNIT_CONTAINER_NAME``).

    ``deploy_mode="local"`` (default): the scheduler runs in this process, in ``.local_cluster``, a
    ``distributed.LocalCluster`` with no workers; the application is submitted at the first scale-up and killed
    by ``close()`` or when this process ends. ``deploy_mode="remote"``: the constructor submits the application,
    whose container ``dask-scheduler`` runs the scheduler and publishes its address through the
    ApplicationMaster; the cluster outlives this process (until ``close()`` from any process,
    :meth:`from_application_id`, or ``idle_timeout`` with no client, task or cluster object).

    Dead workers' containers are replaced (``worker_restarts``); those the cluster took away (node lost,
    preempted) are replaced by the ApplicationMaster under the same name, spending nothing. If the application
    ends under the cluster, work is cancelled with its diagnostics and ``wait_for_workers`` raises
    :class:`knit.ApplicationFailed`.

    Parameters
    ----------
    env : str, optional
        Environment of the containers (zip, tar.gz from conda-pack/venv-pack, directory, ``hdfs://``); it must
        hold dask and distributed (and bokeh for the dashboard in remote mode). Default ``yarn.env``.
    packages, channels : list of str, optional
        With no ``env``: build one with these packages (plus this process's dask and distributed), cached.
    ip : str, optional
        Local mode: the scheduler's address, reachable from the nodes (``yarn.ip``; else this host's).
    n_workers : int, optional
        Workers to start with (``yarn.worker.count``).
    deploy_mode : {"local", "remote"}, optional
        Where the scheduler runs (``yarn.deploy-mode``).
    worker_vcores, worker_memory : int or str, optional
        Size of each worker's container; memory as ``"2 GiB"`` or an int of MB (``yarn.worker.*``).
    worker_class : str, optional
        ``distributed.Nanny`` (default), ``distributed.Worker``, or a Worker subclass run under a nanny.
    worker_extra_args : list of str, optional
        More ``dask worker`` options (``yarn.worker.extra-args``).
    worker_env, envvars : dict, optional
        Environment variables of every container of the cluster (over ``yarn.worker.env-vars``).
    secret_envvars : dict, optional
        Environment variables of every container whose values stay out of the spec, argv and every log
        (``Knit.start(secret_envvars=)``: a private file the launch script sources).
    worker_restarts : int, optional
        Dead worker containers replaced over the cluster's life (-1: no limit; ``yarn.worker.restarts``).
    scheduler_vcores, scheduler_memory : int or str, optional
        Remote mode: the scheduler's container (``yarn.scheduler.*``).
    queue, app_name : str, optional
        YARN queue and application name (``yarn.queue``, ``yarn.app-name``; ``name`` also sets it).
    files : list of str, optional
        Files shipped to every container.
    dashboard_address : str, optional
        Local mode: the scheduler's dashboard (``yarn.dashboard-address``).
    idle_timeout : str or float, optional
        End an application nobody uses this long (``yarn.idle-timeout``).
    security : bool or distributed.Security, optional
        TLS between scheduler, workers and clients: True (default; None too) generates the cluster's certificate
        (``tls://``), False is plain TCP, a ``Security`` brings one's own. ``Client(cluster)`` takes the cluster's.
    knit : knit.Knit, optional
        An existing ``Knit`` to submit through; otherwise one is built from ``**kwargs`` (``control_timeout``
        from ``yarn.control-timeout``).
    asynchronous : bool
        For use on a running event loop (``await DaskYARNCluster(..., asynchronous=True)``), as any Dask cluster.
    loop : tornado.ioloop.IOLoop, optional
        The event loop to run on (Dask's own by default).
    name : str, optional
        The cluster's name in Dask; also the YARN application name when ``app_name`` is not given.
    **kwargs
        Passed to ``knit.Knit`` (``replication_factor``, ``rm``, ``nn``, ``user``, ``pars`` ...), but
        ``conda_pars``: knit 0.2's ``CondaCreator`` arguments for the environment built from ``packages``.
    """

    def __init__(self, env: str | None = None, packages: list[str] | None = None,
                 channels: list[str] | None = None, ip: str | None = None, *, n_workers: int | None = None,
                 deploy_mode: str | None = None, worker_vcores: int | None = None, worker_memory: Any = None,
                 worker_class: str | None = None, worker_extra_args: list[str] | None = None,
                 worker_env: dict | None = None, envvars: dict | None = None,
                 secret_envvars: dict[str, str] | None = None, worker_restarts: int | None = None,
                 scheduler_vcores: int | None = None, scheduler_memory: Any = None, queue: str | None = None,
                 app_name: str | None = None, files: list[str] | None = None, dashboard_address: str | None = None,
                 idle_timeout: Any = None, knit: Any = None, asynchronous: bool = False, loop: Any = None,
                 name: str | None = None, security: Any = True, _script: list[str] | None = None, **kwargs: Any):
        cfg = config.get
        pick = lambda value, key: cfg(key) if value is None else value  # noqa: E731
        mode = pick(deploy_mode, "deploy-mode")
        if mode not in ("local", "remote"):
            raise SpecError(f"deploy_mode must be 'local' or 'remote'; got {mode!r}")
        extra = pick(worker_extra_args, "worker.extra-args")
        if isinstance(extra, str) or not all(isinstance(a, str) for a in extra):
            raise SpecError(f"worker_extra_args must be a list of strings; got {extra!r}")
        settings = {
            "deploy_mode": mode, "vcores": check_int(pick(worker_vcores, "worker.vcores"), "worker_vcores"),
            "memory": memory_mb(pick(worker_memory, "worker.memory"), "worker_memory"),
            "worker_class": str(pick(worker_class, "worker.class")), "extra_args": list(extra),
            "memory_fraction": float(cfg("worker.memory-fraction")),
            "death_timeout": int(parse_timedelta(cfg("worker.death-timeout"))),
            "restarts": check_int(pick(worker_restarts, "worker.restarts"), "worker_restarts", -1),
            "idle_timeout": int(parse_timedelta(pick(idle_timeout, "idle-timeout"))),
            "scheduler_vcores": check_int(pick(scheduler_vcores, "scheduler.vcores"), "scheduler_vcores"),
            "scheduler_memory": memory_mb(pick(scheduler_memory, "scheduler.memory"), "scheduler_memory"),
            "start_timeout": 300, "scheduler": None, "script": _script, "tls": None}
        dask_security.check(security)
        self._env = pick(env, "env")
        if self._env is not None and "://" not in str(self._env) and not os.path.exists(self._env):
            raise SpecError(f"env={self._env!r}: no such file or directory")
        self._packages, self._channels = list(pick(packages, "packages")), list(pick(channels, "channels"))
        self._ip, self._dashboard_address = pick(ip, "ip") or get_ip(), pick(dashboard_address, "dashboard-address")
        self._queue, self._app_name = pick(queue, "queue"), app_name or name or cfg("app-name")
        self._files = [*(files or []), RUNNER]
        self._envvars = {**cfg("worker.env-vars"), **(worker_env or {}), **(envvars or {})}
        self._secret_envvars = secret_envvars_.check(secret_envvars, self._envvars)
        self._conda_pars = kwargs.pop("conda_pars", None)  # knit 0.2: CondaCreator arguments for packages=
        if knit is not None and kwargs:
            raise SpecError(f"pass Knit options {sorted(kwargs)} to the Knit given as knit=, not here")
        if knit is None:
            from knit import Knit
            # Kerberos with a keytab (yarn.principal / yarn.keytab); no identity keywords unless set
            kwargs.update({key: cfg(key) for key in ("principal", "keytab")
                           if kwargs.get(key) is None and cfg(key) is not None})
            if cfg("control-timeout") is not None:
                kwargs.setdefault("control_timeout", parse_timedelta(cfg("control-timeout")))
            knit = Knit(**kwargs)
        n = check_int(pick(n_workers, "worker.count"), "n_workers", 0)
        self._setup(knit, settings, {f"dask-worker-{i}": None for i in range(n)}, asynchronous, loop, name, security)

    def _setup(self, knit: Any, settings: dict, workers: dict, asynchronous: bool, loop: Any, name: Any,
               security: Any) -> None:
        """Shared by the constructor and :meth:`from_application_id` (``workers``: name -> adopted or None)."""
        self.knit, self._settings, self.deploy_mode = knit, settings, settings["deploy_mode"]
        self._security_arg, self._secret_files = security, {}  # resolved in _start (certificates made there)
        self.worker_restarts, self.restarts_used = settings["restarts"], 0
        self.app_error: ApplicationFailed | None = None
        self.local_cluster: LocalCluster | None = None
        self._watching = asyncio.Lock()
        self._app = YarnApp(knit, wanted=lambda name: name in self.worker_spec)
        self._platform_faults: set[str] = set()  # container ids whose end the AM repairs (dask_yarn/watch.py)
        self._app.requested.update(n for n, c in workers.items() if c is not None)  # adopted: no request
        spec = self._worker_spec(settings["vcores"], settings["memory"])
        worker_spec = {n: spec if c is None else self._worker_spec(c["vcores"], c["memory"]) for n, c in
                       workers.items()}
        remote = self.deploy_mode == "remote"
        # remote mode: the new workers' containers are requested with the scheduler's
        initial = [(n, settings["vcores"], settings["memory"]) for n, c in workers.items() if c is None]
        scheduler = {"cls": YARNScheduler, "options": {"app": self._app, "workers": initial,
                                                       "timeout": settings["start_timeout"]}} if remote else None
        if not asynchronous:  # in async mode the (possibly long) build runs off-loop in _start
            self._resolve_env()
        super().__init__(workers=worker_spec, scheduler=scheduler, worker=spec, asynchronous=asynchronous,
                         loop=loop, name=name, shutdown_on_close=not remote, shutdown_scheduler=remote)

    @classmethod
    def from_application_id(cls, app_id: str, asynchronous: bool = False, loop: Any = None,
                            **kwargs: Any) -> "DaskYARNCluster":
        """Attach to a remote-mode cluster started by any process of this user: scale, adapt, logs, close.

        Closing the returned cluster ends the application; letting this process end leaves it running.

        Raises
        ------
        ClusterStateError
            If ``app_id`` is not a remote-mode cluster of dask_yarn.
        """
        from knit import Knit
        knit = Knit.connect(app_id, **kwargs)
        settings = knit.get_key(CLUSTER_KEY)
        if settings is None:
            raise ClusterStateError(f"{app_id} is not a remote-mode dask_yarn cluster (its ApplicationMaster "
                                    f"has no {CLUSTER_KEY}); a local-mode cluster's scheduler is in the process "
                                    "that started it")
        live = {c["name"]: c for c in knit.get_containers()
                if c.get("name") and c["name"] not in (SCHEDULER, DRIVER) and c["state"] not in CONTAINER_ENDED}
        self, settings = cls.__new__(cls), json.loads(settings)
        self._env = None  # the submitting process's local path: not published, and meaningless here
        security = dask_security.of_application(knit) if settings.get("tls") else False
        self._setup(knit, settings, live, asynchronous, loop, None, security)
        return self

    # -- configuration -------------------------------------------------------------------------------------

    def _worker_spec(self, vcores: Any, memory: Any) -> dict:
        options = {"app": self._app, "nthreads": check_int(vcores, "cpu"),
                   "memory_limit": memory_mb(memory, "memory") * MiB}
        return {"cls": YARNWorker, "options": options}

    def _spec_like_new(self, vcores: Any, memory: Any) -> dict:
        """A worker spec of ``vcores`` and ``memory``, each that of ``new_spec`` when None."""
        opts = self.new_spec["options"]
        return self._worker_spec(opts["nthreads"] if vcores is None else vcores,
                                 opts["memory_limit"] // MiB if memory is None else memory)

    def _resolve_env(self) -> None:
        """Build (or find in the cache) the environment asked for with ``packages``."""
        if getattr(self, "_env", None) is None and getattr(self, "_packages", None):
            packages = env_packages(self._packages)
            key = json.dumps([sorted(packages), sorted(self._channels)]).encode()
            self._env = self.knit.create_env("dask-yarn-" + hashlib.sha256(key).hexdigest()[:12],
                                             packages=packages, channels=self._channels or None,
                                             conda_pars=getattr(self, "_conda_pars", None))
            self._packages = []

    def _submit_kwargs(self) -> dict:
        """``Knit.start`` keywords of the application (local mode: the initial workers are added by YarnApp)."""
        remote, s = self.deploy_mode == "remote", self._settings
        kwargs = {"cmd": _command(s), "files": self._files, "env": self._env, "envvars": self._envvars or None,
                  "app_name": self._app_name, "queue": self._queue, "max_restarts": 0, "keep_alive": True,
                  "idle_timeout": s["idle_timeout"], "detached": remote, "secret_files": self._secret_files or None,
                  "secret_envvars": self._secret_envvars or None}
        if remote:  # the scheduler's (and a submitted script's) container; their end ends the application
            names = [SCHEDULER] + ([DRIVER] if s["script"] else [])
            kwargs.update(num_containers=len(names), names=names, finish_with=names,
                          virtual_cores=s["scheduler_vcores"], memory=s["scheduler_memory"])
        return kwargs

    def _publish(self) -> None:
        """After submission: what other processes, containers and the tracking URL read from the AM."""
        keys = {CLUSTER_KEY: json.dumps(self._settings)} if self.deploy_mode == "remote" else \
            published(self.scheduler.address, f"http://{self._ip}:{self.scheduler.http_server.port}")
        for key, value in keys.items():
            self.knit.set_key(key, value)

    # -- lifecycle -----------------------------------------------------------------------------------------

    async def _start(self) -> None:
        if self.status == Status.created:  # the cluster's Security (certificates made now, off the loop)
            security, self._secret_files = await asyncio.to_thread(dask_security.resolve, self._security_arg)
            self._app.security, self._settings["tls"] = security, dask_security.FILES if security else None
            self.security = security or self.security  # SpecCluster's own connections to the scheduler
        if self.status == Status.created and self.knit.app_id is None:
            await asyncio.to_thread(self._resolve_env)
            if self.deploy_mode == "local":
                self.local_cluster = await LocalCluster(n_workers=0, host=self._ip, asynchronous=True,
                                                        dashboard_address=self._dashboard_address,
                                                        security=self._app.security,
                                                        protocol="tls://" if self._app.security else None)
                self.local_cluster.shutdown_on_close = False  # closed by this cluster, not at exit
                self.scheduler = self.local_cluster.scheduler
                self._settings["scheduler"] = self.scheduler.address
            self._app.submit, self._app.on_submit = self._submit_kwargs(), self._publish
        interval = parse_timedelta(config.get("watch-interval")) * 1000
        self.periodic_callbacks.setdefault("yarn-watch", PeriodicCallback(self._watch, interval))  # Cluster starts it
        with warnings.catch_warnings():  # ours replaces .local_cluster's subscription (it has no workers)
            warnings.filterwarnings("ignore", "Scheduler already contains a plugin with name worker-status")
            await super()._start()

    async def _close(self) -> None:
        if self.status not in (Status.closing, Status.closed):
            if self._adaptive is not None:
                self._adaptive.stop()
            # no AM call of the watch may be in flight (it could reopen a gateway to the dead AM); its later ticks
            # see ._app.gone, until Cluster._close stops it
            async with self._watching:
                await self._app.kill()  # every container goes with the application, in one call
            if isinstance(self.scheduler, YARNScheduler):  # gone with it: SpecCluster must not call it
                await self.scheduler.close()
                self.shutdown_scheduler = False
        await super()._close()
        if self.local_cluster is not None:
            await self.local_cluster.close()

    def stop(self) -> Any:
        """Close the cluster and end its YARN application (alias of ``close()``)."""
        return self.close()

    @property
    def app_id(self) -> str | None:
        """The YARN application id (None before the first worker in local mode)."""
        return self.knit.app_id

    @property
    def dashboard_link(self) -> str:
        """The dashboard: through the ResourceManager's proxy in remote mode, else where the scheduler is."""
        if self.deploy_mode == "remote" and self.app_id:
            tracking = self.knit.report().get("tracking_url") or ""  # the RM's proxy URL of the application
            return tracking.rstrip("/") + "/status" if tracking else ""
        return super().dashboard_link

    # -- scaling -------------------------------------------------------------------------------------------

    def start(self, n_workers: int = 1, cpu: int | None = None, memory: Any = None, *, cpus: int | None = None,
              nworkers: int | None = None, checks: bool = True, **kwargs: Any) -> Any:
        """New workers get ``cpu`` vcores and ``memory`` (int MB or ``"2 GiB"``); scale to ``n_workers``.

        ``cpus``, ``nworkers``, ``checks`` and ``**kwargs`` (``files``, ``envvars``, ``queue``, ``app_name``,
        ``tags``, for ``Knit.start`` before the application is submitted) are knit 0.2's. Returns the YARN
        application id once the workers' containers are requested.
        """
        cpu, n_workers = pick(cpu, cpus, "cpu", "cpus"), n_workers if nworkers is None else nworkers
        self._start_options(checks, kwargs)
        self.new_spec = self._spec_like_new(cpu, memory)
        check_int(n_workers, "n_workers", 0)
        return self.sync(self._add, max(0, n_workers - len(self.worker_spec)), self.new_spec)

    def add_workers(self, n_workers: int = 1, cpu: int | None = None, memory: Any = None, *,
                    cpus: int | None = None) -> Any:
        """Add ``n_workers`` workers of ``cpu`` (knit 0.2: ``cpus``) vcores and ``memory``; returns their names."""
        spec = self._spec_like_new(pick(cpu, cpus, "cpu", "cpus"), memory)
        return self.sync(self._add, check_int(n_workers, "n_workers"), spec, True)

    async def _add(self, n: int, spec: dict, names: bool = False) -> Any:
        self._check_usable()
        added = []
        for _ in range(n):
            added.append(next(iter(self.new_worker_spec())))
            self.worker_spec[added[-1]] = spec
        try:
            await self._correct_state()
        except BaseException:
            for name in added:  # not retried by every later reconcile: the caller hears why
                self.worker_spec.pop(name, None)
                self.workers.pop(name, None)
            raise
        return added if names else self.app_id

    def remove_worker(self, name: str) -> Any:
        """Retire the worker ``name`` (or knit 0.2: in container ``name``) gracefully, then remove its container."""
        return self.sync(self.scale_down, [self._worker_name(name)])

    def scale(self, n: int = 0, memory: Any = None, cores: Any = None) -> Any:
        if self.status != Status.closing:  # SpecCluster's close scales to zero
            self._check_usable()
        return super().scale(n, memory=memory, cores=cores)

    def adapt(self, *args: Any, **kwargs: Any) -> Any:
        self._check_usable()
        return super().adapt(*args, **kwargs)

    def _new_worker_name(self, worker_number: int) -> str:
        return f"dask-worker-{worker_number}"

    def _check_usable(self) -> None:
        if self.app_error is not None:
            raise self.app_error
        if self.status in (Status.closing, Status.closed):
            raise ClusterStateError("the cluster is closed")

    async def _wait_for_workers(self, n_workers: int = 0, timeout: Any = None) -> None:
        waiting = asyncio.ensure_future(super()._wait_for_workers(n_workers, timeout))
        while not waiting.done():
            if self.app_error is not None:
                waiting.cancel()
                raise self.app_error
            await asyncio.wait([waiting], timeout=0.2)
        return waiting.result()

    # -- logs ----------------------------------------------------------------------------------------------

    async def _get_logs(self, cluster: bool = True, scheduler: bool = True, workers: Any = True) -> Logs:
        """Cluster and scheduler logs from Dask; each container's stdout and stderr from YARN, keyed by
        container id (dead workers' included), for ``workers=True`` or those named in ``workers``."""
        logs = await super()._get_logs(cluster=cluster, scheduler=scheduler, workers=False)
        if workers and self.app_id is not None:
            names = {} if self._app.gone else {c["id"]: c.get("name") for c in await self._app.containers()}
            for cid, files in sorted((await asyncio.to_thread(self.knit.logs)).items()):
                if workers is True or cid in workers or names.get(cid) in workers:
                    text = "\n".join(f"==> {f} <==\n{t}" for f, t in files.items())
                    logs[cid] = Log(f"container {cid} ({names.get(cid) or 'ended'})\n{text}")
        return logs

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", app_id={self.app_id!r})"
