"""A real Hadoop cluster (HDFS + YARN) on this machine, from Hadoop's own Maven artifacts.

``LocalCluster`` starts one JVM (``org.knit.localcluster.LocalClusterMain``) that runs a MiniDFSCluster and a
MiniYARNCluster, and waits until it has written ``<dir>/cluster.json``. The cluster directory then holds:

- ``conf/``: core-site.xml, hdfs-site.xml, yarn-site.xml: ``HADOOP_CONF_DIR=<dir>/conf`` is all a client needs;
- ``bin/hadoop``, ``bin/yarn``: launchers over Hadoop's jars (``classpath``, ``jar``, ``fs``, ``application``,
  ``logs``, ``node``, ``rmadmin``), so that with ``PATH=<dir>/bin:$PATH`` this machine is an edge node;
- ``cluster.json``: ``rm_address``, ``rm_web_address``, ``namenode_address``, ``webhdfs_address``, ``conf_dir``,
  ``node_ids``, ``resourcemanagers``, ``control_port``, ``pid``, and ``kerberos`` on a secure cluster;
  ``cluster.log``: the JVM's own log; ``control.key`` (0600): the key of the control channel.

The cluster can fail on purpose (``stop_node``, ``start_node``, ``restart_resourcemanager``, ``failover``),
through its control channel (``knit/cluster_control.py``), from this process or any other of the same user.

Started from Python, the JVM watches its stdin and exits when this process exits, however it exits. Started
detached (``knit cluster up``), it runs until ``knit cluster down`` (SIGTERM).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from . import cluster_control
from .cluster_files import LOG4J, LOG4J_QUIET_PER_CONTAINER, write_launchers, write_node_python
from .exceptions import ClusterError
from .hadoop_jars import _artifact, hadoop_lib_dir, hadoop_version, localcluster_jar, pom_path  # noqa: F401
from .hadoop_jvm import java_executable, java_home, jvm_options
from .processes import pid_alive

logger = logging.getLogger(__name__)

DEFAULT_DIR = Path(os.environ.get("KNIT_CLUSTER_DIR", Path.home() / ".knit" / "cluster"))
MAIN_CLASS = "org.knit.localcluster.LocalClusterMain"
#: The cluster daemons' own site files (first on the cluster JVM's classpath; written by the JVM at start).
SERVER_CONF = "server-conf"
#: Where a secure cluster writes its krb5.conf, keytabs and TLS stores (inside its directory).
KERBEROS_DIR = "kerberos"


def _check_options(nodes: Any, nm_memory: Any, nm_vcores: Any, rms: Any, queues: Any, preemption: Any) -> None:
    """Bad options fail here, in Python, before any JVM starts."""
    for name, value, low in (("nodes", nodes, 1), ("nm_memory", nm_memory, 64), ("nm_vcores", nm_vcores, 1),
                             ("rms", rms, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ClusterError(f"{name} must be an integer >= {low}, got {value!r}")
    if queues is not None:
        if not isinstance(queues, dict) or not queues:
            raise ClusterError(f"queues must be a dict of queue name to capacity percent, got {queues!r}")
        for name, pct in queues.items():
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
                raise ClusterError(f"queue names are letters, digits, '_' and '-', got {name!r}")
            if not isinstance(pct, int) or isinstance(pct, bool) or pct < 1:
                raise ClusterError(f"queue {name!r}: capacity must be a positive integer percent, got {pct!r}")
        if sum(queues.values()) != 100:
            raise ClusterError(f"queue capacities must sum to 100, got {sum(queues.values())} in {queues}")
    if preemption and (queues is None or len(queues) < 2):
        raise ClusterError("preemption=True needs queues= with at least two queues (preemption moves "
                           "resources between queues)")


class LocalCluster:
    """A real local Hadoop cluster: HDFS (NameNode + DataNode) and YARN (ResourceManager(s) + NodeManagers).

    Parameters
    ----------
    nodes : int
        Number of NodeManagers.
    dir : str or Path, optional
        Cluster directory (conf, launchers, state, log). A temporary directory, removed on stop, by default.
    nm_memory : int
        Memory (MB) each NodeManager offers.
    nm_vcores : int
        Virtual cores each NodeManager offers.
    start_timeout : float
        Seconds to wait for the cluster to be ready before giving up.
    rms : int
        ResourceManagers: 2 makes an HA pair (manual failover, see :meth:`failover`).
    queues : dict, optional
        CapacityScheduler leaf queues and their capacity in percent, e.g. ``{"prod": 70, "batch": 30}`` (sum
        100). Each may grow to the whole cluster when the others are idle. Default: one queue, ``default``.
    preemption : bool
        Run the preemption monitor (needs two queues or more): a queue under its capacity takes containers back
        from one over it within seconds (exit status -102 PREEMPTED).
    memory_checks : bool
        Kill containers that use more physical memory than granted (exit status -104).
    secure : bool
        Kerberos everywhere, with a KDC in the cluster JVM (see :attr:`kerberos`).
    conf : dict of str to str, optional
        More Hadoop properties for the daemons, set last, also written to the client's ``core-site.xml``, e.g.
        ``{"hadoop.http.authentication.simple.anonymous.allowed": "false"}``. They are on the cluster JVM's
        command line: never secrets.

    Examples
    --------
    >>> with LocalCluster(nodes=2) as lc:  # doctest: +SKIP
    ...     print(lc.conf_dir, lc.rm_web_address)
    """

    def __init__(self, nodes: int = 2, dir: str | os.PathLike | None = None, nm_memory: int = 4096,
                 nm_vcores: int = 8, start_timeout: float = 180.0, *, rms: int = 1,
                 queues: dict[str, int] | None = None, preemption: bool = False, memory_checks: bool = False,
                 secure: bool = False, conf: dict[str, str] | None = None) -> None:
        _check_options(nodes, nm_memory, nm_vcores, rms, queues, preemption)
        if conf is not None and not (isinstance(conf, dict) and all(
                isinstance(k, str) and k and "=" not in k and isinstance(v, str) for k, v in conf.items())):
            raise ClusterError(f"conf must be a dict of Hadoop property names to string values, got {conf!r}")
        self.conf = dict(conf or {})
        self.nodes = nodes
        self.nm_memory = nm_memory
        self.nm_vcores = nm_vcores
        self.start_timeout = start_timeout
        self.rms = rms
        self.queues = dict(queues) if queues else None
        self.preemption = bool(preemption)
        self.memory_checks = bool(memory_checks)
        self.secure = bool(secure)
        self._owns_dir = dir is None
        self.dir = Path(dir).resolve() if dir is not None else None
        self.info: dict[str, Any] = {}
        self._proc: subprocess.Popen | None = None

    @classmethod
    def attach(cls, dir: str | os.PathLike) -> "LocalCluster":
        """A handle on a cluster already running in ``dir`` (started by someone else, who stops it).

        Raises
        ------
        ClusterError
            If no cluster runs there.
        """
        status = cluster_status(dir)
        if not status or not status["running"]:
            raise ClusterError(f"no local cluster is running in {dir} (`knit cluster up --dir {dir}` starts one)")
        lc = cls(nodes=status.get("nodes", 2), dir=dir, rms=len(status.get("resourcemanagers") or [None]),
                 queues=status.get("queues"), preemption=status.get("preemption", False),
                 memory_checks=status.get("memory_checks", False), secure=status.get("secure", False),
                 conf=status.get("conf") or None)
        lc._owns_dir = False
        lc.info = status
        lc.info["lib_dir"] = str(hadoop_lib_dir())
        lc.info["dir"] = str(lc.dir)
        return lc

    # -- addresses -------------------------------------------------------------------------------------------
    @property
    def conf_dir(self) -> str:
        """``HADOOP_CONF_DIR`` of the running cluster."""
        return self.info["conf_dir"]

    @property
    def rm_address(self) -> str:
        """ResourceManager RPC address, ``host:port`` (the RM active at start in an HA pair)."""
        return self.info["rm_address"]

    @property
    def rm_web_address(self) -> str:
        """ResourceManager web/REST address, ``host:port`` (the RM active at start in an HA pair)."""
        return self.info["rm_web_address"]

    @property
    def namenode_address(self) -> str:
        """``fs.defaultFS``, e.g. ``hdfs://127.0.0.1:port``."""
        return self.info["namenode_address"]

    @property
    def webhdfs_address(self) -> str:
        """NameNode HTTP (WebHDFS) address, ``host:port`` (HTTPS on a secure cluster)."""
        return self.info["webhdfs_address"]

    @property
    def node_ids(self) -> list[str]:
        """The NodeManagers' ids (``host:port``, as containers report them in ``node_id``), by index."""
        return list(self.info["node_ids"])

    @property
    def kerberos(self) -> dict[str, Any] | None:
        """On a secure cluster: ``{"krb5_conf", "realm", "kdc", "users": {"alice": {"principal", "keytab"},
        "bob": {...}}}``; None otherwise."""
        return self.info.get("kerberos")

    @property
    def bin_dir(self) -> str:
        """Directory of the ``hadoop`` and ``yarn`` launchers."""
        return str(self.dir / "bin")

    @property
    def lib_dir(self) -> str:
        """Directory of the Hadoop jars the cluster runs on."""
        return self.info["lib_dir"]

    @property
    def pid(self) -> int:
        """Process id of the cluster JVM."""
        return self.info["pid"]

    def environ(self) -> dict[str, str]:
        """``os.environ`` plus ``HADOOP_CONF_DIR``, ``PATH`` (and ``KRB5_CONFIG`` if secure) for this cluster."""
        env = dict(os.environ)
        env["HADOOP_CONF_DIR"] = self.conf_dir
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", "")
        if self.kerberos:
            env["KRB5_CONFIG"] = self.kerberos["krb5_conf"]
        return env

    def kinit(self, user: str, ccache: str | os.PathLike) -> dict[str, str]:
        """Put ``user``'s ticket into the cache ``ccache`` (``kinit -kt`` with the user's keytab).

        Parameters
        ----------
        user : str
            ``"alice"``, ``"bob"``, or ``"knit"``: the cluster's own service identity (HDFS superuser, YARN admin).
        ccache : str or Path
            The ticket cache file to write.

        Returns
        -------
        dict
            :meth:`environ` with ``KRB5CCNAME`` set to ``ccache``: the environment of a process acting as ``user``.
        """
        if not self.kerberos:
            raise ClusterError("kinit needs a secure cluster (LocalCluster(secure=True))")
        ids = dict(self.kerberos["users"], **{self.kerberos["service"]["principal"].split("/")[0]:
                                               self.kerberos["service"]})
        if user not in ids:
            raise ClusterError(f"no Kerberos identity {user!r} on this cluster: it has {sorted(ids)}")
        env = self.environ()
        env["KRB5CCNAME"] = str(ccache)
        proc = subprocess.run(["kinit", "-kt", ids[user]["keytab"], ids[user]["principal"]], env=env,
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise ClusterError(f"kinit {ids[user]['principal']} failed (exit {proc.returncode}): {proc.stderr.strip()}")
        return env

    # -- faults on purpose -----------------------------------------------------------------------------------
    def _control(self, command: str, arg: str | None = None) -> Any:
        if self.dir is None or not self.info:
            raise ClusterError("the local cluster is not started")
        return cluster_control.request(self.dir, command, arg)

    def stop_node(self, node: int | str) -> dict[str, Any]:
        """Stop a NodeManager as if its machine died: its containers die, and the RM declares the node LOST
        within seconds and ends those containers with exit status -100 (ABORTED).

        Parameters
        ----------
        node : int or str
            The node's index, or its id as containers report it in ``node_id`` (see :attr:`node_ids`).

        Returns
        -------
        dict
            ``{"index", "node_id", "http_address", "running", "state"}`` (``state`` as the RM sees it now).
        """
        return self._control("stop_node", str(node))

    def start_node(self, node: int | str) -> dict[str, Any]:
        """Start a stopped NodeManager again (same id); returns once the RM sees it RUNNING."""
        return self._control("start_node", str(node))

    def node_states(self) -> list[dict[str, Any]]:
        """Every NodeManager: ``{"index", "node_id", "http_address", "running", "state"}``."""
        return self._control("nodes")

    def restart_resourcemanager(self) -> dict[str, Any]:
        """Restart the (active) ResourceManager with recovery: running applications survive, NodeManagers keep
        their containers. Returns once every running NodeManager is back; ``"seconds"`` is how long it took."""
        return self._control("restart_resourcemanager")

    def failover(self) -> dict[str, Any]:
        """Make the standby ResourceManager of an HA pair (``rms=2``) active; returns the new active RM."""
        return self._control("failover")

    def resourcemanagers(self) -> list[dict[str, Any]]:
        """Every ResourceManager: ``{"index", "id", "state"}`` (ACTIVE, STANDBY or STOPPED)."""
        return self._control("resourcemanagers")

    def live_applications(self) -> list[dict[str, Any]]:
        """Applications not yet ended, from the active RM itself (no REST, so no SPNEGO on a secure cluster):
        ``{"id", "name", "user", "queue", "state"}``."""
        return self._control("applications")

    def kill_application(self, app_id: str) -> None:
        """Kill an application as the cluster's admin (asynchronous: poll :meth:`live_applications`)."""
        self._control("kill_application", app_id)

    # -- lifecycle -------------------------------------------------------------------------------------------
    def _command(self, java: str, opts: list[str], lib: Path, detached: bool) -> list[str]:
        conf_dir = self.dir / "conf"
        cmd = [java, *opts, "-Xmx1536m", "-XX:+UseSerialGC",
               f"-Dlog4j.configuration=file:{self.dir / 'log4j-cluster.properties'}",
               f"-Dknit.application.classpath={conf_dir},{lib}/*",
               "-cp", f"{self.dir / SERVER_CONF}:{localcluster_jar()}:{lib}/*", MAIN_CLASS,
               "--dir", str(self.dir), "--nodes", str(self.nodes),
               "--nm-memory", str(self.nm_memory), "--nm-vcores", str(self.nm_vcores), "--rms", str(self.rms)]
        if self.queues:
            cmd += ["--queues", ",".join(f"{q}={p}" for q, p in self.queues.items())]
        for key, value in sorted(self.conf.items()):
            cmd += ["--conf", f"{key}={value}"]
        for flag, on in (("--preemption", self.preemption), ("--memory-checks", self.memory_checks),
                         ("--secure", self.secure), ("--watch-stdin", not detached)):
            if on:
                cmd.append(flag)
        return cmd

    def start(self, detached: bool = False) -> "LocalCluster":
        """Start the cluster and return once it is ready.

        Parameters
        ----------
        detached : bool
            Run the JVM in its own session, outliving this process (``knit cluster up``). Otherwise it exits
            with this process.

        Raises
        ------
        ClusterError
            If a cluster already runs in ``dir``, or it is not ready by ``start_timeout``; the message carries
            the tail of the cluster's log.
        """
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="knit-cluster-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        existing = read_cluster_json(self.dir)
        if existing and pid_alive(existing.get("pid")):
            raise ClusterError(f"a local cluster already runs in {self.dir} (pid {existing['pid']}); "
                               f"`knit cluster down --dir {self.dir}` stops it")
        (self.dir / "cluster.json").unlink(missing_ok=True)
        lib = hadoop_lib_dir()
        java = java_executable()
        opts = jvm_options(java)
        conf_dir = self.dir / "conf"
        conf_dir.mkdir(exist_ok=True)
        (conf_dir / "log4j.properties").write_text(LOG4J.format(level="WARN"))
        (self.dir / "log4j-cluster.properties").write_text(LOG4J.format(level="INFO") + LOG4J_QUIET_PER_CONTAINER)
        # Emptied before the JVM starts: its Configurations would read a previous run's site files.
        shutil.rmtree(self.dir / SERVER_CONF, ignore_errors=True)
        (self.dir / SERVER_CONF).mkdir()
        krb5 = self.dir / KERBEROS_DIR / "krb5.conf" if self.secure else None
        write_launchers(self.dir / "bin", self.dir, lib, java, opts, krb5)

        env = dict(os.environ)
        env.update(JAVA_HOME=java_home(), HADOOP_CONF_DIR=str(conf_dir),
                   KNIT_CONTAINER_JAVA_OPTIONS=" ".join(opts + ([f"-Djava.security.krb5.conf={krb5}"] if krb5 else [])),
                   KNIT_CONTAINER_PATH=f"{write_node_python(self.dir)}:/usr/local/bin:/usr/bin:/bin")
        if krb5:
            env["KNIT_CONTAINER_KRB5_CONFIG"] = str(krb5)
        env.pop("HADOOP_HOME", None)
        log = open(self.dir / "cluster.log", "ab")
        logger.info("starting local cluster in %s", self.dir)
        # Own session: a Ctrl-C meant for a notebook cell must not reach the cluster; its lifetime is tied to
        # our stdin pipe instead (attached) or to `knit cluster down` (detached).
        self._proc = subprocess.Popen(self._command(java, opts, lib, detached), cwd=self.dir, env=env, stdout=log,
                                      stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL if detached else subprocess.PIPE,
                                      start_new_session=True)
        log.close()
        try:
            self.info = self._wait_ready()
        except BaseException:
            self._terminate()
            raise
        self.info["lib_dir"] = str(lib)
        self.info["dir"] = str(self.dir)
        logger.info("local cluster ready: RM %s, HDFS %s", self.rm_address, self.namenode_address)
        return self

    def _wait_ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            info = read_cluster_json(self.dir)
            if info is not None:
                return info
            if self._proc.poll() is not None:
                raise ClusterError(f"the local cluster JVM exited with code {self._proc.returncode} before it was "
                                   f"ready; end of {self.dir / 'cluster.log'}:\n{self.log_tail()}")
            time.sleep(0.2)
        raise ClusterError(f"the local cluster was not ready within {self.start_timeout:.0f} s; end of "
                           f"{self.dir / 'cluster.log'}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the cluster JVM's log."""
        try:
            return "\n".join((self.dir / "cluster.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the cluster JVM (and remove the cluster directory if it was a temporary one)."""
        if self._proc is not None:
            self._terminate(timeout)
        if self._owns_dir and self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _terminate(self, timeout: float = 60.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the JVM's stdin watcher stops the clusters cleanly
        else:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("local cluster JVM %s did not stop within %.0f s; killing it", proc.pid, timeout)
            proc.kill()
            proc.wait(10)

    def __enter__(self) -> "LocalCluster":
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        if not self.info:
            return f"<LocalCluster nodes={self.nodes} (not started)>"
        return f"<LocalCluster nodes={self.nodes} rm={self.rm_web_address} hdfs={self.namenode_address}>"


def read_cluster_json(dir: str | os.PathLike) -> dict[str, Any] | None:
    """The ``cluster.json`` of a cluster directory, or None if there is none (not started, or stopped)."""
    try:
        return json.loads((Path(dir) / "cluster.json").read_text())
    except FileNotFoundError:
        return None


def _is_cluster_jvm(pid: int, dir: Path) -> bool:
    """Guard against a recycled pid: the process must be our JVM for this directory."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MAIN_CLASS.encode() in args and str(dir).encode() in args


def start_detached(dir: str | os.PathLike = DEFAULT_DIR, nodes: int = 2, **kwargs: Any) -> LocalCluster:
    """Start a cluster that outlives this process (``knit cluster up``); ``kwargs`` as for :class:`LocalCluster`."""
    return LocalCluster(nodes=nodes, dir=dir, **kwargs).start(detached=True)


def stop_detached(dir: str | os.PathLike = DEFAULT_DIR, timeout: float = 60.0) -> bool:
    """Stop the cluster running in ``dir`` (``knit cluster down``). Returns False if none was running."""
    dir = Path(dir).resolve()
    info = read_cluster_json(dir)
    if info is None or not pid_alive(info.get("pid")) or not _is_cluster_jvm(info["pid"], dir):
        (dir / "cluster.json").unlink(missing_ok=True)
        return False
    pid = info["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid_alive(pid):
        logger.warning("local cluster JVM %s did not stop within %.0f s; killing it", pid, timeout)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return True


def cluster_status(dir: str | os.PathLike = DEFAULT_DIR) -> dict[str, Any] | None:
    """What ``knit cluster status`` shows: cluster.json plus whether the JVM is alive, or None."""
    info = read_cluster_json(dir)
    if info is None:
        return None
    info["running"] = pid_alive(info.get("pid")) and _is_cluster_jvm(info["pid"], Path(dir).resolve())
    return info
