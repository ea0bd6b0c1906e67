"""Files the local cluster writes into its directory: log4j settings, Hadoop launchers, the nodes' Python."""
from __future__ import annotations

import sys
from pathlib import Path



LOG4J = """\
hadoop.root.logger={level},console
log4j.rootLogger=${{hadoop.root.logger}}
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.target=System.err
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{{ISO8601}} %p %c{{2}}: %m%n
log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR
log4j.logger.org.apache.hadoop.metrics2=ERROR
"""

#: The cluster JVM's log keeps the daemons' and applications' lifecycle at INFO, but not the ~30 INFO lines each
#: container costs (state transitions, audit lines, scheduler assignments): at 1000 containers that is 30 000
#: lines formatted on the 2 cores that run the containers (issue 15; ARCHITECTURE.md, "Lean test cluster").
LOG4J_QUIET_PER_CONTAINER = "".join(f"log4j.logger.org.apache.hadoop.yarn.server.{name}=WARN\n" for name in (
    "nodemanager.containermanager.container.ContainerImpl",
    "nodemanager.containermanager.monitor.ContainersMonitorImpl",
    "nodemanager.containermanager.AuxServices",
    "nodemanager.containermanager.scheduler.ContainerScheduler",
    "nodemanager.containermanager.launcher.ContainerCleanup",
    "nodemanager.NMAuditLogger",
    "resourcemanager.rmcontainer.RMContainerImpl",
    "resourcemanager.RMAuditLogger",
    "resourcemanager.scheduler.AbstractYarnScheduler",
    "resourcemanager.scheduler.common.fica.FiCaSchedulerNode",
    "resourcemanager.scheduler.capacity.allocator.AbstractContainerAllocator",
    "resourcemanager.scheduler.capacity.AbstractParentQueue",
    "resourcemanager.scheduler.capacity.ParentQueue",
))

_LAUNCHER = """\
#!/usr/bin/env bash
# Hadoop command-line launcher for the Knit local cluster in {dir} (written by knit.localcluster).
LIB={lib}
CONF="${{HADOOP_CONF_DIR:-{conf}}}"
JAVA={java}
OPTS=({opts})
# Kerberos: Java reads no KRB5_CONFIG of its own; a secure cluster's launchers default to its krb5.conf.
KRB5=${{KRB5_CONFIG:-{krb5}}}
if [ -n "$KRB5" ]; then OPTS+=("-Djava.security.krb5.conf=$KRB5"); fi
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
  node) run org.apache.hadoop.yarn.client.cli.NodeCLI "$@" ;;
  rmadmin) run org.apache.hadoop.yarn.client.cli.RMAdminCLI "$@" ;;"""


def write_launchers(bin_dir: Path, cluster_dir: Path, lib: Path, java: str, opts: list[str],
                    krb5_conf: Path | None = None) -> None:
    """``bin/hadoop`` and ``bin/yarn``: Hadoop's command-line entry points over ``lib`` and the cluster's conf.

    ``krb5_conf`` (a secure cluster's) is the default when ``KRB5_CONFIG`` is unset.
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, commands, usage in (("hadoop", _HADOOP_COMMANDS, "fs ARGS"),
                                  ("yarn", _YARN_COMMANDS, "application|logs|node|rmadmin ARGS")):
        text = _LAUNCHER.format(dir=cluster_dir, lib=_sh(str(lib)), conf=cluster_dir / "conf", java=_sh(java),
                                opts=" ".join(_sh(o) for o in opts), commands=commands, usage=usage,
                                krb5=_sh(str(krb5_conf)) if krb5_conf else "")
        path = bin_dir / name
        path.write_text(text)
        path.chmod(0o755)


def write_node_python(cluster_dir: Path) -> Path:
    """``<dir>/pybin`` with ``python`` and ``python3`` running the interpreter that started the cluster.

    On a real cluster the nodes' system Python is on every container's PATH; here that role goes to the
    Python running Knit (a wrapper, not a symlink, so a virtualenv keeps its packages).
    """
    pybin = cluster_dir / "pybin"
    pybin.mkdir(exist_ok=True)
    for name in ("python", "python3"):
        path = pybin / name
        path.write_text(f"#!/bin/sh\nexec {_sh(sys.executable)} \"$@\"\n")
        path.chmod(0o755)
    return pybin


def _sh(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


