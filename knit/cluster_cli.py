"""``knit cluster ...``: the local Hadoop cluster from the command line.

``up | status | down`` start, show and stop it; ``node stop|start|list`` and ``rm restart|failover|list`` break it
on purpose (through its control channel, so any shell of the same user can).
"""
from __future__ import annotations

import argparse
from typing import Any

from .cli_output import EXIT_FAILED, EXIT_OK, table
from .exceptions import SpecError


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    from .cli_output import print_result as print_
    print_(args, data, text)


def _queues(spec: str) -> dict[str, int]:
    """``prod=70,batch=30`` as a dict; LocalCluster checks names and the sum."""
    out: dict[str, int] = {}
    for part in spec.split(","):
        name, sep, pct = part.partition("=")
        if not sep or not pct.strip().isdigit():
            raise SpecError(f"--queues {spec!r}: expected NAME=PERCENT,NAME=PERCENT,...")
        out[name.strip()] = int(pct)
    return out


def _cluster_up(args: argparse.Namespace) -> int:
    from .exceptions import ClusterError
    from .localcluster import LocalCluster
    try:
        lc = LocalCluster(nodes=args.nodes, dir=args.dir, nm_memory=args.nm_memory, nm_vcores=args.nm_vcores,
                          rms=args.rms, queues=_queues(args.queues) if args.queues else None,
                          preemption=args.preemption, memory_checks=args.memory_checks, secure=args.secure)
    except ClusterError as e:
        raise SpecError(str(e)) from None  # bad options: a usage error (exit 2)
    lc.start(detached=True)
    info = dict(lc.info, bin_dir=lc.bin_dir)
    lines = [f"local cluster ready in {lc.dir}",
             f"  ResourceManager   {lc.rm_address} (web {lc.rm_web_address})",
             f"  HDFS              {lc.namenode_address} (web {lc.webhdfs_address})",
             f"  NodeManagers      {' '.join(lc.node_ids)}",
             "use it with:",
             f"  export HADOOP_CONF_DIR={lc.conf_dir}",
             f"  export PATH={lc.bin_dir}:$PATH"]
    if lc.kerberos:
        lines.append(f"  export KRB5_CONFIG={lc.kerberos['krb5_conf']}")
        lines += [f"  kinit -kt {u['keytab']} {u['principal']}" for u in lc.kerberos["users"].values()][:1]
    _print(args, info, "\n".join(lines))
    return EXIT_OK


def _cluster_status(args: argparse.Namespace) -> int:
    from .localcluster import cluster_status
    info = cluster_status(args.dir)
    if info is None or not info["running"]:
        _print(args, {"running": False, "dir": str(args.dir)}, f"no local cluster running in {args.dir}")
        return EXIT_FAILED
    _print(args, info, "\n".join(f"{k:18}{v}" for k, v in sorted(info.items())))
    return EXIT_OK


def _cluster_down(args: argparse.Namespace) -> int:
    from .localcluster import stop_detached
    stopped = stop_detached(args.dir)
    _print(args, {"stopped": stopped, "dir": str(args.dir)},
           f"local cluster in {args.dir} stopped" if stopped else f"no local cluster was running in {args.dir}")
    return EXIT_OK


def _node(args: argparse.Namespace) -> int:
    from .localcluster import LocalCluster
    lc = LocalCluster.attach(args.dir)
    if args.action == "list":
        rows = lc.node_states()
        _print(args, rows, table(rows, ["index", "node_id", "running", "state", "http_address"]))
        return EXIT_OK
    if args.node is None:
        raise SpecError(f"knit cluster node {args.action}: which node? give its index or NodeManager id")
    row = lc.stop_node(args.node) if args.action == "stop" else lc.start_node(args.node)
    _print(args, row, f"node {row['index']} ({row['node_id']}): {'running' if row['running'] else 'stopped'}")
    return EXIT_OK


def _rm(args: argparse.Namespace) -> int:
    from .localcluster import LocalCluster
    lc = LocalCluster.attach(args.dir)
    if args.action == "list":
        rows = lc.resourcemanagers()
        _print(args, rows, table(rows, ["index", "id", "state"]))
        return EXIT_OK
    if args.action == "restart":
        row = lc.restart_resourcemanager()
        _print(args, row, f"ResourceManager {row['index']} restarted in {row['seconds']:.1f} s ({row['state']})")
    else:
        row = lc.failover()
        _print(args, row, f"ResourceManager {row['id']} is now {row['state']}")
    return EXIT_OK


def _add_up(csub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> argparse.ArgumentParser:
    up = csub.add_parser("up", help="start it (returns when it is ready)", parents=[parent])
    up.add_argument("--nodes", type=int, default=2, help="number of NodeManagers (default 2)")
    up.add_argument("--nm-memory", type=int, default=4096, metavar="MB", help="memory per NodeManager (4096)")
    up.add_argument("--nm-vcores", type=int, default=8, metavar="V", help="vcores per NodeManager (8)")
    up.add_argument("--rms", type=int, default=1, help="ResourceManagers: 2 for an HA pair (default 1)")
    up.add_argument("--queues", metavar="NAME=PCT,...", help="CapacityScheduler queues, e.g. prod=70,batch=30")
    up.add_argument("--preemption", action="store_true", help="preempt between queues (needs --queues)")
    up.add_argument("--memory-checks", action="store_true", help="kill containers over their memory (-104)")
    up.add_argument("--secure", action="store_true", help="Kerberos, with a KDC and users alice and bob")
    return up


def add_cluster_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """``knit cluster up|status|down|node|rm``: the local Hadoop cluster."""
    from .localcluster import DEFAULT_DIR
    cluster = sub.add_parser("cluster", help="a local Hadoop cluster (HDFS + YARN) on this machine",
                             parents=[parent])
    csub = cluster.add_subparsers(dest="cluster_command", metavar="{up,status,down,node,rm}", required=True)
    up = _add_up(csub, parent)
    status = csub.add_parser("status", help="show its addresses and whether it runs", parents=[parent])
    down = csub.add_parser("down", help="stop it", parents=[parent])
    node = csub.add_parser("node", help="stop or start a NodeManager (a node lost on purpose)", parents=[parent])
    node.add_argument("action", choices=["stop", "start", "list"])
    node.add_argument("node", nargs="?", metavar="NODE", help="index or NodeManager id (host:port)")
    rm = csub.add_parser("rm", help="restart the ResourceManager, or fail over an HA pair", parents=[parent])
    rm.add_argument("action", choices=["restart", "failover", "list"])
    for p, fn in ((up, _cluster_up), (status, _cluster_status), (down, _cluster_down), (node, _node), (rm, _rm)):
        p.add_argument("--dir", default=str(DEFAULT_DIR), help=f"cluster directory (default {DEFAULT_DIR})")
        p.set_defaults(func=fn)
