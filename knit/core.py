"""``Knit``: run a command in YARN containers from Python, and control the application while it runs.

A ``Knit`` builds an :class:`~knit.spec.AppSpec`, validates it, and hands it to this process's client JVM
(:func:`knit.gateway.client`), which stages it and submits the ApplicationMaster. The AM requests the
containers at once; ``Knit`` then talks to the AM over its own authenticated gateway to add, remove and list
containers. Any number of ``Knit`` objects may live in one process; they share the client JVM.
"""
from __future__ import annotations

import atexit
import dataclasses
import json
import logging
import threading
import time
import weakref
from typing import Any, Iterable, Mapping

from . import checks, compat, deps, display, env as envs, gateway, kerberos, logs as logs_, master, progress
from . import secret_envvars as secret_envvars_, yarn_cli
from .conf import HadoopConf
from .exceptions import ConfigError, KnitException, SpecError
from . import secret_files as secret_files_
from .master_gateway import DEFAULT_CONTROL_TIMEOUT, check_timeout
from .shared import DEFAULT_LOG_TAIL, DEPS_DIR_NAME
from .spec import AppSpec, Resources, Staging, check_int, check_names
from .states import APP_FINISHED, CONTAINER_ENDED, AppState
from .yarn_api import YARNAPI

logger = logging.getLogger(__name__)

MASTER_TIMEOUT = master.MASTER_TIMEOUT


class Knit(compat.Knit02, deps.DepsMethods, master.MasterLink):
    """Connection to YARN and HDFS that runs one application: a command in a number of containers.

    Parameters
    ----------
    autodetect : bool
        Read the Hadoop configuration of this edge node (``HADOOP_CONF_DIR``) to find HDFS and YARN.
    upload_always : bool
        Upload files and environments even when an identical copy (same size and SHA-256) is already in
        ``<hdfs_home>/.knitDeps``.
    hdfs_home : str, optional
        Writable HDFS directory for Knit's dependencies; default the user's home, ``/user/<user>``.
    replication_factor : int
        HDFS replication of uploaded files (default 3).
    rm, rm_port : str, int, optional
        ResourceManager host and web (REST) port, as in knit, overriding the configuration.
    nn, nn_port : str, int, optional
        NameNode host and port, overriding ``fs.defaultFS``.
    user : str, optional
        User whose HDFS home holds the dependencies, and the REST APIs' ``user.name``; default
        ``$HADOOP_USER_NAME`` or the login name.
    password, gateway_path, ws_path : str, optional
        For the RM's REST API (knit 0.2's ``password=``, ``gateway_path=``): see :class:`~knit.yarn_api.YARNAPI`.
    lang : str
        ``LANG``/``LC_ALL`` in the containers (default ``C.UTF-8``, which ``click`` needs).
    pars : dict, optional
        Hadoop configuration entries (``{"yarn.resourcemanager.address": "host:8032"}``) overriding the
        configuration files.
    principal, keytab : str, optional
        Kerberos: log in from ``keytab`` instead of the ticket cache (``kinit``); the ApplicationMaster gets a
        private copy to renew the delegation tokens, so applications outlive their maximum lifetime.
    knit_home, hdfs :
        knit 0.2's, accepted and ignored with a warning (:data:`knit.compat.IGNORED` says why).
    control_timeout : float
        Seconds a call to the ApplicationMaster may take before :class:`~knit.exceptions.ControlTimeout`
        (default 75: a little over the longest the AM itself holds a call, while it starts).
    **kwargs
        Further configuration for :mod:`knit.conf`.

    Examples
    --------
    >>> k = Knit()
    >>> app_id = k.start("python -c 'print(1)'", num_containers=2, memory=256)
    >>> k.wait_for_completion(60)
    True
    """

    _instances: "weakref.WeakSet[Knit]" = weakref.WeakSet()

    def __init__(self, autodetect: bool = True, upload_always: bool = False, hdfs_home: str | None = None,
                 replication_factor: int = 3, rm: str | None = None, rm_port: int | None = None,
                 nn: str | None = None, nn_port: int | None = None, user: str | None = None,
                 lang: str = "C.UTF-8", pars: Mapping[str, Any] | None = None, password: str | None = None,
                 gateway_path: str = "", ws_path: str | None = None, knit_home: str | None = None,
                 hdfs: Any = None, principal: str | None = None, keytab: str | None = None,
                 control_timeout: float = DEFAULT_CONTROL_TIMEOUT, **kwargs: Any):
        check_int(replication_factor, "staging.replication")
        compat.warn_ignored(knit_home=knit_home, hdfs=hdfs)
        self.control_timeout = check_timeout(control_timeout, "control_timeout")
        if not isinstance(upload_always, bool):
            raise SpecError(f"upload_always must be True or False; got {upload_always!r}")
        if not isinstance(lang, str) or not lang.strip():
            raise SpecError(f"lang must be a non-empty string such as 'C.UTF-8'; got {lang!r}")
        self.upload_always = upload_always
        self.replication_factor = int(replication_factor)
        self.lang = lang
        if pars is not None and not isinstance(pars, Mapping):
            raise ConfigError(f"pars must be a dict of Hadoop configuration entries; got {pars!r}")
        self.identity = kerberos.identity(principal, keytab)
        self.conf = HadoopConf(pars={**(pars or {}), **self.identity.conf_entries()} or None, rm=rm,
                               rm_port=rm_port, nn=nn, nn_port=nn_port, user=user, hdfs_home=hdfs_home,
                               autodetect=autodetect, **kwargs)
        kerberos.adopt_user(self.conf, self.identity)
        self.user: str = self.conf.user
        self.hdfs_home: str = self._qualify(self.conf.home_dir)
        self.hdfs = hdfs
        self._conf_json = json.dumps(self.conf.overrides())
        self._rest_options = dict(username=self.user, password=password, gateway_path=gateway_path, ws_path=ws_path)
        self._yarn_api = None
        self.app_id: str | None = None
        self.detached = False
        self._master_gateway = None
        self._master_lock = threading.Lock()
        self._instances.add(self)

    def _qualify(self, path: str) -> str:
        """``/user/me`` -> ``hdfs://nn:port/user/me`` when ``fs.defaultFS`` is known."""
        default_fs = self.conf.default_fs
        if "://" in path or not default_fs or default_fs.startswith("file:"):
            return path.rstrip("/") or "/"
        return default_fs.rstrip("/") + "/" + path.lstrip("/").rstrip("/")

    @property
    def deps_dir(self) -> str:
        """Where shared dependencies (the knit JAR, environments, files) are kept in HDFS."""
        return f"{self.hdfs_home.rstrip('/')}/{DEPS_DIR_NAME}"

    @property
    def yarn_api(self) -> YARNAPI:
        """A :class:`knit.yarn_api.YARNAPI` on this Knit's configuration (the ResourceManager's REST API)."""
        if self._yarn_api is None:
            self._yarn_api = YARNAPI(conf=self.conf, **self._rest_options)
        return self._yarn_api

    def start(self, cmd: str, num_containers: int = 1, virtual_cores: int = 1, memory: int = 128,
              files: Iterable[str] | None = None, env: str | None = None,
              envvars: Mapping[str, str] | None = None, app_name: str = "knit", queue: str = "default",
              checks: bool = True, max_restarts: int = 0, detached: bool = False,
              tags: Iterable[str] | None = None, keep_alive: bool = False, idle_timeout: int = 0,
              names: Iterable[str] | None = None, finish_with: Iterable[str] | None = None,
              max_attempts: int = AppSpec.max_attempts, secret_envvars: Mapping[str, str] | None = None,
              file_systems: Iterable[str] | None = None, acls: Mapping[str, str] | None = None,
              secret_files: Mapping[str, str | bytes] | None = None) -> str:
        """Run ``cmd`` in ``num_containers`` YARN containers; return the application id.

        Parameters
        ----------
        cmd : str
            Shell command run in each container (``$CONDA_PREFIX`` and ``$PYTHON_BIN`` are set when ``env``
            is given).
        num_containers : int
            Number of containers (default 1).
        virtual_cores : int
            Virtual cores per container (default 1).
        memory : int
            Memory per container in MB (default 128).
        files : list of str, optional
            Local paths or ``hdfs://`` URIs localized into every container's working directory.
        env : str, optional
            An environment archive (zip, tar.gz) or directory, shipped to every container.
        envvars : dict of str -> str, optional
            Environment variables set in every container.
        app_name, queue : str
            YARN application name and queue.
        checks : bool
            Check the request against the cluster (maximum allocation, queue) before submitting.
        max_restarts : int
            Times a failed container is restarted before the application fails (default 0). A container the
            cluster took away (node lost, preempted: ``exit_class`` ``"platform"`` in :meth:`get_containers`)
            is replaced without using one.
        detached : bool
            Leave the application running when this Python process exits.
        tags : list of str, optional
            YARN application tags.
        keep_alive : bool
            Keep the application running when every container has ended (it then ends only by
            :meth:`kill` or the AM's shutdown): for services whose containers come and go, like Dask workers.
        idle_timeout : int
            With ``keep_alive``: end the application (FAILED, "abandoned") after this many seconds with no
            container alive and no call from a client, so one whose client died without killing it does not
            linger; 0 (default) means never. A client that polls (e.g. :meth:`get_containers`) keeps it.
        names, finish_with : list of str, optional
            One name per container (its ``$KNIT_CONTAINER_NAME``); names whose end ends the application.
        max_attempts : int
            ApplicationMaster attempts YARN makes (default 2). A new attempt adopts the running containers,
            runs nothing again that already ended, and this ``Knit`` follows it (same secret, new address).
        secret_envvars : dict of str -> str, optional
            Environment variables whose values (tokens, passwords) must stay out of the spec, logs and
            launch_container.sh: they reach the containers in a private file (:mod:`knit.secret_envvars`).
        file_systems : list of str, optional
            Other file systems the application reaches (``hdfs://ns2``); Kerberos: it gets delegation tokens.
        acls : dict, optional
            ``{"VIEW_APP": "users groups", "MODIFY_APP": ...}`` (YARN's ACL form, ``"*"`` everyone): who else may
            see it and read its logs, kill it. Default: the owner and the cluster's admins only.
        secret_files : dict of str -> str or bytes, optional
            Files (name -> content) in every container's working directory whose content stays out of the spec,
            logs and shared caches: private to the application (:mod:`knit.secret_files`).

        Returns
        -------
        str
            The YARN application id.

        Raises
        ------
        SpecError
            Bad input, before anything is uploaded or submitted.
        """
        self._require_idle()
        spec = AppSpec(
            command=cmd, num_containers=num_containers,
            resources=Resources(memory=memory, vcores=virtual_cores),
            name=app_name, queue=queue, tags=list(tags or []), max_restarts=max_restarts,
            max_attempts=max_attempts, lang=self.lang,
            envvars=dict(envvars) if isinstance(envvars, Mapping) else ({} if envvars is None else envvars),
            staging=Staging(deps_dir=self.deps_dir, replication=self.replication_factor,
                            upload_always=self.upload_always),
            detached=detached, keep_alive=keep_alive, idle_timeout=idle_timeout, conf=self.conf.overrides(),
            names=names, finish_with=finish_with,
            file_systems=list(file_systems) if isinstance(file_systems, (list, tuple)) else (file_systems or []),
            acls=dict(acls) if isinstance(acls, Mapping) else (acls or {}))
        spec.validate()  # cheap checks first, before any file is zipped or inspected
        secrets = secret_envvars_.check(secret_envvars, spec.envvars)
        secret_files_.check(secret_files)
        spec.files, spec.env = envs.file_specs(files), envs.env_spec(env)
        return self.submit(spec, checks=checks, secret_envvars=secrets, secret_files=secret_files)

    def _require_idle(self) -> None:
        if self.app_id is not None and self.runtime_status() not in APP_FINISHED:
            raise KnitException(f"this Knit is already running {self.app_id}; kill() it first or create "
                                "another Knit (any number can run in one process)")

    def prepare(self, spec: AppSpec) -> AppSpec:
        """The spec this Knit would submit for ``spec``, validated (else :class:`SpecError`); nothing is uploaded.

        ``staging.deps_dir`` is qualified (this Knit's ``deps_dir`` when unset) and this Knit's configuration
        overrides (``pars=``, ``rm=`` ...) go under the spec's ``conf``. ``knit start --dry-run`` prints it.
        """
        deps_dir = spec.staging.deps_dir
        staging = dataclasses.replace(spec.staging, deps_dir=self._qualify(deps_dir) if deps_dir else self.deps_dir)
        resolved = dataclasses.replace(spec, staging=staging, conf={**self.conf.overrides(), **spec.conf})
        resolved.validate()
        return resolved

    def submit(self, spec: AppSpec, checks: bool = True, secret_envvars: Mapping[str, str] | None = None,
               secret_files: Mapping[str, Any] | None = None) -> str:
        """Run a complete spec (:meth:`start` builds one from keywords; ``knit start --spec`` reads one);
        return the application id. ``checks``, ``secret_envvars`` and ``secret_files`` as for :meth:`start`; the
        spec goes through :meth:`prepare`, its files and env are used as they are."""
        self._require_idle()
        spec = self.prepare(spec)
        secrets = secret_envvars_.to_json(secret_envvars_.check(secret_envvars, spec.envvars))
        taken = {f.name for f in spec.files} | ({spec.env.name} if spec.env else set())
        files_json = secret_files_.to_json(secret_files_.check(secret_files, taken))
        if self.conf.kerberos:  # no ticket nor keytab: say so now, not as the pre-flight's HTTP 401
            self.check_credentials()
        if checks:
            self._pre_flight_checks(spec)
        client = gateway.client()
        with progress.watch_uploads(lambda: json.loads(client.call("uploadProgress"))):
            result = json.loads(client.call("submit", spec.to_json(), secrets, files_json))
        self.app_id, self.detached = result["app_id"], spec.detached
        self._close_master()
        logger.info("submitted %s (uploaded %s, reused %s)", self.app_id, result.get("uploaded"),
                    result.get("reused"))
        return self.app_id

    def check_credentials(self) -> dict:
        """Who the client JVM acts as here, ``{user, principal, keytab, kerberos}``; a :class:`KerberosError` on a
        Kerberos cluster with neither a ticket (``kinit``) nor a keytab that logs in."""
        return json.loads(gateway.client().call("identity", self._conf_json))

    def _pre_flight_checks(self, spec: AppSpec) -> None:
        """Can YARN run this request at all (queue, maximum allocation, largest node), and now (free
        resources)? Raises before anything is uploaded (:mod:`knit.checks`)."""
        checks.preflight(self.yarn_api, spec.queue, spec.num_containers, spec.resources.memory,
                         spec.resources.vcores, spec.master.memory, spec.master.vcores)

    @classmethod
    def connect(cls, app_id: str, **kwargs: Any) -> "Knit":
        """Control an application that is already running (started by this or another process).

        The returned ``Knit`` never kills the application on exit (it did not start it).

        Raises
        ------
        ApplicationNotFound
            If the ResourceManager does not know ``app_id``.
        """
        if not isinstance(app_id, str) or not app_id.startswith("application_"):
            raise SpecError(f"app_id must look like 'application_<cluster>_<n>'; got {app_id!r}")
        k = cls(**kwargs)
        k.app_id, k.detached = app_id, True
        k.report()  # raises ApplicationNotFound for an unknown id
        gateway.client().call("checkView", app_id, k._conf_json)  # PermissionDenied without VIEW_APP
        return k

    def _require_app(self, what: str) -> str:
        if self.app_id is None:
            raise KnitException(f"cannot {what}: no application started (call start() or Knit.connect())")
        return self.app_id

    def add_containers(self, num_containers: int = 1, virtual_cores: int = 1, memory: int = 128,
                       names: Iterable[str] | None = None) -> list:
        """Request more containers running the same command; return the AM's request ids.

        With ``names`` (then one container each), each is told its name (``$KNIT_CONTAINER_NAME``); a name may
        not be that of a container still requested or running.

        Raises
        ------
        SpecError
            Non-integer or non-positive arguments, or bad names.
        """
        vcores = check_int(virtual_cores, "containers.vcores")
        mb = check_int(memory, "containers.memory")
        if names is not None:
            listed = json.dumps(check_names(names, "names"))
            return json.loads(self._call_master("addNamedContainers", listed, vcores, mb))
        n = check_int(num_containers, "containers.count")
        return json.loads(self._call_master("addContainers", n, vcores, mb))

    def remove_containers(self, container_id: str | Iterable[str]) -> None:
        """Stop and release containers (by id, or name while live); the application keeps running, even with none.

        Raises
        ------
        KnitException
            If a container is not part of this application.
        """
        ids = [container_id] if isinstance(container_id, str) else list(container_id)
        cs = self.get_containers()
        known = {c["id"] for c in cs} | {c["name"] for c in cs if c.get("name") and c["state"] not in CONTAINER_ENDED}
        unknown = [c for c in ids if c not in known]
        if unknown:
            raise KnitException(f"{unknown} are not containers of {self.app_id} (it has {sorted(map(str, known))})")
        for cid in ids:
            if not self._call_master("removeContainer", cid):
                raise KnitException(f"the ApplicationMaster of {self.app_id} could not remove {cid}")

    def get_containers(self) -> list[dict]:
        """Every container of the application on every node, as the AM tracks it.

        Returns
        -------
        list of dict
            ``id``, ``state`` (REQUESTED ALLOCATED RUNNING SUCCEEDED FAILED KILLED RELEASED),
            ``node_id``, ``node_http_address``, ``vcores``, ``memory``, ``exit_status``, ``exit_class``,
            ``diagnostics``, ``restarts``, ``replaces``, ``request_time``, ``allocate_time``, ``launch_time`` (the
            AM sent the start request), ``start_time`` (RUNNING), ``finish_time`` (ms since the epoch, 0 until
            then), ``request_id``.
            ``exit_class`` (null while live): ``success``, ``user``, ``memory`` (these two spend
            ``max_restarts``), ``platform`` (node lost, preempted: replaced for free), ``removed`` or ``lost``.
            The last 1000 ended containers are listed; :meth:`get_container_counts` has the totals.
        """
        return json.loads(self._call_master("containers"))

    def set_key(self, key: str, value: str | None) -> None:
        """Set ``key`` in the ApplicationMaster's key-value store (``None`` removes it), which the containers
        also reach (over the AM's web server): how an application's parts find each other."""
        if value is not None and not isinstance(value, str):
            raise SpecError(f"the value of {key!r} must be a string; got {value!r}")
        self._call_master("setKey", key, value)

    def get_key(self, key: str) -> str | None:
        """The value of ``key`` in the ApplicationMaster's key-value store, or ``None``."""
        return self._call_master("getKey", key)

    def get_container_counts(self) -> dict:
        """Totals since the application started, across AM attempts (``restarts_used``, ``exit_class``...)."""
        return json.loads(self._call_master("counts"))

    def secret_file(self, name: str) -> bytes:
        """The content of one of the application's ``secret_files`` (:func:`knit.secret_files.read`)."""
        return secret_files_.read(self._require_app("read a secret file"), name, self._conf_json)

    def get_container_statuses(self) -> dict[str, str]:
        """``{container_id: state}`` for every container of the application."""
        return {c["id"]: c["state"] for c in self.get_containers()}

    def status(self) -> dict:
        """The RM's application report as its REST API gives it (knit 0.2): ``state``, ``finalStatus``,
        ``runningContainers``, ``allocatedMB``, ``amHostHttpAddress``, ... . :meth:`report` is Knit's summary."""
        return self.yarn_api.status(self._require_app("get the status"))

    def report(self) -> dict:
        """Knit's summary, the client JVM's ``report`` (ARCHITECTURE.md lists its keys: ``state``, ``final_status``
        ...); reporting a finished application also removes its staging directory if its AM could not."""
        app_id = self._require_app("get the report")
        return json.loads(gateway.client().call("report", app_id, self._conf_json))

    def runtime_status(self) -> str:
        """The YARN state (``ACCEPTED``, ``RUNNING``, ``FINISHED``, ``FAILED``, ``KILLED`` ...), or
        ``"NONE"`` before :meth:`start`."""
        return "NONE" if self.app_id is None else self.report()["state"]

    def wait_for_completion(self, timeout: float | None = 10) -> bool:
        """Wait up to ``timeout`` seconds (None: no limit) for the application to end; True if it did.

        Whether it succeeded is ``report()["final_status"]`` (``status()["finalStatus"]``).
        """
        app_id = self._require_app("wait for completion")
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.1
        while True:
            if self.runtime_status() in APP_FINISHED:
                self._close_master()
                return True
            if deadline is not None and time.monotonic() >= deadline:
                logger.debug("%s still running after %s s", app_id, timeout)
                return False
            remaining = delay if deadline is None else max(0.0, deadline - time.monotonic())
            time.sleep(min(delay, remaining))
            delay = min(delay * 1.5, 1.0)

    def kill(self, timeout: float = 30) -> bool:
        """Kill the application; True if it ends KILLED (within ``timeout`` s), False if it had already
        ended or no application was started."""
        if self.app_id is None:
            return False
        if self.runtime_status() in APP_FINISHED:
            self._close_master()
            return False
        self._close_master()
        gateway.client().call("kill", self.app_id, self._conf_json)
        self.wait_for_completion(timeout)
        return self.runtime_status() == AppState.KILLED

    def logs(self, container_id: str | None = None, shell: bool = False, tail: int = DEFAULT_LOG_TAIL,
             include_debug: bool = False) -> dict[str, dict[str, str]]:
        """``{container_id: {"stdout": ..., "stderr": ..., <other log file>: ...}}``: live from the NodeManagers
        while the application runs, aggregated once it has ended (:mod:`knit.logs`). The last ``tail`` bytes of
        each file (default 1 MiB; a file cut short starts with a note); the NodeManager's debug files
        (``launch_container.sh``, ``directory.info``) only with ``include_debug``. ``shell=True`` (knit 0.2;
        ``logs(True)`` too) reads everything through Hadoop's ``yarn logs`` (:mod:`knit.yarn_cli`)."""
        container_id, shell = compat.logs_args(container_id, shell)
        app_id = self._require_app("get logs")
        if shell:
            return yarn_cli.yarn_logs(app_id, container_id, yarn_cli.conf_dir_of(self.conf))
        return logs_.fetch_logs(self, container_id, tail=tail, include_debug=include_debug)

    def print_logs(self, container_id: str | None = None, shell: bool = False) -> None:
        """Print :meth:`logs` in a readable form."""
        logs_.print_logs(self.logs(container_id, shell))


    def __enter__(self) -> "Knit":
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self.detached:
            self.kill()
        self._close_master()

    def __repr__(self) -> str:
        return display.text(self)

    def _repr_html_(self) -> str:
        return display.html(self)

    @classmethod
    def _cleanup(cls) -> None:
        """At exit: kill the applications this process started (unless detached), close AM gateways.

        The client JVM does the same when its stdin closes; this is the orderly path.
        """
        for k in list(cls._instances):
            k._close_master()
            if k.app_id is None or k.detached or not gateway.client_running():
                continue
            try:  # ask, don't wait: the RM finishes the kill on its own
                if k.runtime_status() not in APP_FINISHED:
                    gateway.client().call("kill", k.app_id, k._conf_json)
            except KnitException as e:
                logger.warning("could not kill %s at exit: %s", k.app_id, e)


atexit.register(Knit._cleanup)
