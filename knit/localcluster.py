"""A real Hadoop cluster (HDFS + YARN) on this machine, from Hadoop's own Maven artifacts.

``LocalCluster`` starts one JVM (``org.knit.localcluster.LocalClusterMain``) that runs a MiniDFSCluster and a
MiniYARNCluster, and waits until it has written ``<dir>/cluster.json``. The cluster directory then holds:

- ``conf/``: core-site.xml, hdfs-site.xml, yarn-site.xml: ``HADOOP_CONF_DIR=<dir>/conf`` is all a client needs;
- ``bin/hadoop``, ``bin/yarn``: launchers over Hadoop's jars (``classpath``, ``jar``, ``fs``, ``application``,
  ``logs``, ``node``), so that with ``PATH=<dir>/bin:$PATH`` this machine is an edge node of the cluster;
- ``cluster.json``: ``rm_address``, ``rm_web_address``, ``namenode_address``, ``webhdfs_address``, ``conf_dir``,
  ``pid``; ``cluster.log``: the JVM's own log.

Started from Python, the JVM watches its stdin and exits when this process exits, however it exits. Started
detached (``knit cluster up``), it runs until ``knit cluster down`` (SIGTERM).
"""
from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
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

from .exceptions import ClusterError
from .hadoop_jvm import java_executable, java_home, jvm_options

logger = logging.getLogger(__name__)

_PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = _PACKAGE_DIR.parent
DEFAULT_DIR = Path(os.environ.get("KNIT_CLUSTER_DIR", Path.home() / ".knit" / "cluster"))
MAIN_CLASS = "org.knit.localcluster.LocalClusterMain"


# ---------------------------------------------------------------------------------------------------------------
# Artifacts: the packaged pom and JARs, and Hadoop's jars resolved by Maven
# ---------------------------------------------------------------------------------------------------------------

def _artifact(packaged: str, source_glob: str) -> Path:
    """An artifact shipped in ``knit/java`` (installed) or built in ``target/`` (source checkout)."""
    p = _PACKAGE_DIR / "java" / packaged
    if p.exists():
        return p
    found = sorted(glob.glob(str(_REPO_DIR / source_glob)))
    if found:
        return Path(found[-1])
    raise ClusterError(f"{packaged} not found in {p.parent} nor {_REPO_DIR / source_glob}: "
                       "build it with `pip install .` or `mvn package`")


def pom_path() -> Path:
    """The pom that names Knit's Hadoop version and dependencies."""
    return _artifact("pom.xml", "pom.xml")


def localcluster_jar() -> Path:
    """The JAR holding ``LocalClusterMain``."""
    return _artifact("knit-localcluster.jar", "target/knit-*-localcluster.jar")


def hadoop_version() -> str:
    """The Hadoop version Knit is built against (``hadoop.version`` in the pom)."""
    m = re.search(r"<hadoop\.version>([^<]+)</hadoop\.version>", pom_path().read_text())
    if not m:
        raise ClusterError(f"no <hadoop.version> in {pom_path()}")
    return m.group(1).strip()


def hadoop_lib_dir() -> Path:
    """A directory holding Hadoop's jars (the local cluster's "distribution"), resolved once by Maven.

    ``$KNIT_HADOOP_LIB`` wins; otherwise ``~/.cache/knit/hadoop-<version>-<pom digest>/lib``, filled on first use by
    ``mvn dependency:copy-dependencies`` on Knit's pom (Hadoop's artifacts are its ``provided`` dependencies).
    """
    explicit = os.environ.get("KNIT_HADOOP_LIB")
    if explicit:
        return Path(explicit)
    # Keyed by the pom's content too: a changed dependency list gets a fresh directory.
    digest = hashlib.sha1(pom_path().read_bytes() + _LIB_RECIPE.encode()).hexdigest()[:10]
    base = Path.home() / ".cache" / "knit" / f"hadoop-{hadoop_version()}-{digest}"
    lib = base / "lib"
    if (base / "complete").exists():
        return lib
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one resolver at a time across processes
        if not (base / "complete").exists():
            _resolve_hadoop_jars(lib)
            (base / "complete").write_text(hadoop_version())
    return lib


#: How the lib dir is made; part of its cache key, so a change of recipe resolves afresh.
_LIB_RECIPE = "copy-dependencies compile -py4j"


def _resolve_hadoop_jars(lib: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ClusterError("the local cluster needs Maven (`mvn` on PATH) to fetch Hadoop's jars once, "
                           "or KNIT_HADOOP_LIB pointing at a directory of Hadoop jars")
    tmp = lib.with_name("lib.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    # Scope "compile" also brings Hadoop's own compile deps that knit.jar declares too (gson: the RM's REST
    # API needs it); py4j is only ours, and stays out of the "distribution".
    cmd = [mvn, "-B", "-q", "-f", str(pom_path()), "dependency:copy-dependencies", "-DincludeScope=compile",
           "-DexcludeArtifactIds=py4j", f"-DoutputDirectory={tmp}"]
    logger.info("resolving Hadoop jars: %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ClusterError(f"Maven could not resolve Hadoop's jars (exit {proc.returncode}):\n"
                           f"{(proc.stdout + proc.stderr)[-3000:]}")
    shutil.rmtree(lib, ignore_errors=True)
    tmp.rename(lib)


# ---------------------------------------------------------------------------------------------------------------
# Files written into the cluster directory
# ---------------------------------------------------------------------------------------------------------------

_LOG4J = """\
hadoop.root.logger={level},console
log4j.rootLogger=${{hadoop.root.logger}}
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.target=System.err
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{{ISO8601}} %p %c{{2}}: %m%n
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.org.apache.hadoop.metrics2=ERROR
"""

_LAUNCHER = """\
#!/usr/bin/env bash
# Hadoop command-line launcher for the Knit local cluster in {dir} (written by knit.localcluster).
LIB={lib}
CONF="${{HADOOP_CONF_DIR:-{conf}}}"
JAVA={java}
OPTS=({opts})
CP="$CONF:$LIB/*"
if [ -n "$HADOOP_CLASSPATH" ]; then CP="$CP:$HADOOP_CLASSPATH"; fi
# Like Hadoop's own scripts: INFO to the console unless HADOOP_ROOT_LOGGER says otherwise.
run() {{ exec "$JAVA" "${{OPTS[@]}}" "-Dhadoop.root.logger=${{HADOOP_ROOT_LOGGER:-INFO,console}}" $HADOOP_CLIENT_OPTS \
  -cp "$CP" "$@"; }}
usage() {{ echo "usage: $(basename "$0") classpath [--glob] | jar JAR [MAIN] ARGS | version | {usage}" >&2; exit 2; }}
cmd="$1"; shift
case "$cmd" in
  classpath)
    if [ "$1" = "--glob" ]; then
      printf '%s' "$CONF"; for j in "$LIB"/*.jar; do printf ':%s' "$j"; done; echo
    else
      echo "$CP"
    fi ;;
  jar) run org.apache.hadoop.util.RunJar "$@" ;;
  version) run org.apache.hadoop.util.VersionInfo ;;
{commands}
  *) usage ;;
esac
"""

_HADOOP_COMMANDS = """\
  fs|dfs) run org.apache.hadoop.fs.FsShell "$@" ;;"""
_YARN_COMMANDS = """\
  application|app|applicationattempt|container) run org.apache.hadoop.yarn.client.cli.ApplicationCLI "$cmd" "$@" ;;
  logs) run org.apache.hadoop.yarn.client.cli.LogsCLI "$@" ;;
  node) run org.apache.hadoop.yarn.client.cli.NodeCLI "$@" ;;"""


def _write_launchers(bin_dir: Path, cluster_dir: Path, lib: Path, java: str, opts: list[str]) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, commands, usage in (("hadoop", _HADOOP_COMMANDS, "fs ARGS"),
                                  ("yarn", _YARN_COMMANDS, "application|logs|node ARGS")):
        text = _LAUNCHER.format(dir=cluster_dir, lib=_sh(str(lib)), conf=cluster_dir / "conf", java=_sh(java),
                                opts=" ".join(_sh(o) for o in opts), commands=commands, usage=usage)
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)


def _sh(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------------------------------------------------------
# The cluster
# ---------------------------------------------------------------------------------------------------------------

class LocalCluster:
    """A real local Hadoop cluster: HDFS (NameNode + DataNode) and YARN (ResourceManager + NodeManagers).

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

    Examples
    --------
    >>> with LocalCluster(nodes=2) as lc:  # doctest: +SKIP
    ...     print(lc.conf_dir, lc.rm_web_address)
    """

    def __init__(self, nodes: int = 2, dir: str | os.PathLike | None = None, nm_memory: int = 4096,
                 nm_vcores: int = 8, start_timeout: float = 180.0) -> None:
        if not isinstance(nodes, int) or nodes < 1:
            raise ClusterError(f"nodes must be a positive integer, got {nodes!r}")
        self.nodes = nodes
        self.nm_memory = nm_memory
        self.nm_vcores = nm_vcores
        self.start_timeout = start_timeout
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
        lc = cls(nodes=status.get("nodes", 2), dir=dir)
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
        """ResourceManager RPC address, ``host:port``."""
        return self.info["rm_address"]

    @property
    def rm_web_address(self) -> str:
        """ResourceManager web/REST address, ``host:port``."""
        return self.info["rm_web_address"]

    @property
    def namenode_address(self) -> str:
        """``fs.defaultFS``, e.g. ``hdfs://127.0.0.1:port``."""
        return self.info["namenode_address"]

    @property
    def webhdfs_address(self) -> str:
        """NameNode HTTP (WebHDFS) address, ``host:port``."""
        return self.info["webhdfs_address"]

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
        """``os.environ`` plus ``HADOOP_CONF_DIR`` and ``PATH`` pointing at this cluster (for subprocesses)."""
        env = dict(os.environ)
        env["HADOOP_CONF_DIR"] = self.conf_dir
        env["PATH"] = self.bin_dir + os.pathsep + env.get("PATH", "")
        return env

    # -- lifecycle -------------------------------------------------------------------------------------------
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
        if existing and _pid_alive(existing.get("pid")):
            raise ClusterError(f"a local cluster already runs in {self.dir} (pid {existing['pid']}); "
                               f"`knit cluster down --dir {self.dir}` stops it")
        (self.dir / "cluster.json").unlink(missing_ok=True)
        lib = hadoop_lib_dir()
        java = java_executable()
        opts = jvm_options(java)
        conf_dir = self.dir / "conf"
        conf_dir.mkdir(exist_ok=True)
        (conf_dir / "log4j.properties").write_text(_LOG4J.format(level="WARN"))
        (self.dir / "log4j-cluster.properties").write_text(_LOG4J.format(level="INFO"))
        _write_launchers(self.dir / "bin", self.dir, lib, java, opts)

        cmd = [java, *opts, "-Xmx1536m", "-XX:+UseSerialGC",
               f"-Dlog4j.configuration=file:{self.dir / 'log4j-cluster.properties'}",
               f"-Dknit.application.classpath={conf_dir},{lib}/*",
               "-cp", f"{localcluster_jar()}:{lib}/*", MAIN_CLASS,
               "--dir", str(self.dir), "--nodes", str(self.nodes),
               "--nm-memory", str(self.nm_memory), "--nm-vcores", str(self.nm_vcores)]
        if not detached:
            cmd.append("--watch-stdin")
        env = dict(os.environ)
        env.update(JAVA_HOME=java_home(), HADOOP_CONF_DIR=str(conf_dir),
                   KNIT_CONTAINER_JAVA_OPTIONS=" ".join(opts))
        env.pop("HADOOP_HOME", None)
        log = open(self.dir / "cluster.log", "ab")
        logger.info("starting local cluster in %s", self.dir)
        # Own session: a Ctrl-C meant for a notebook cell must not reach the cluster; its lifetime is tied to
        # our stdin pipe instead (attached) or to `knit cluster down` (detached).
        self._proc = subprocess.Popen(cmd, cwd=self.dir, env=env, stdout=log, stderr=subprocess.STDOUT,
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


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_cluster_jvm(pid: int, dir: Path) -> bool:
    """Guard against a recycled pid: the process must be our JVM for this directory."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return MAIN_CLASS.encode() in args and str(dir).encode() in args


def start_detached(dir: str | os.PathLike = DEFAULT_DIR, nodes: int = 2, **kwargs: Any) -> LocalCluster:
    """Start a cluster that outlives this process (``knit cluster up``)."""
    return LocalCluster(nodes=nodes, dir=dir, **kwargs).start(detached=True)


def stop_detached(dir: str | os.PathLike = DEFAULT_DIR, timeout: float = 60.0) -> bool:
    """Stop the cluster running in ``dir`` (``knit cluster down``). Returns False if none was running."""
    dir = Path(dir).resolve()
    info = read_cluster_json(dir)
    if info is None or not _pid_alive(info.get("pid")) or not _is_cluster_jvm(info["pid"], dir):
        (dir / "cluster.json").unlink(missing_ok=True)
        return False
    pid = info["pid"]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _pid_alive(pid):
        logger.warning("local cluster JVM %s did not stop within %.0f s; killing it", pid, timeout)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return True


def cluster_status(dir: str | os.PathLike = DEFAULT_DIR) -> dict[str, Any] | None:
    """What ``knit cluster status`` shows: cluster.json plus whether the JVM is alive, or None."""
    info = read_cluster_json(dir)
    if info is None:
        return None
    info["running"] = _pid_alive(info.get("pid")) and _is_cluster_jvm(info["pid"], Path(dir).resolve())
    return info
