"""The ``knit`` command line.

Exit codes: 0 ok, 1 the application (or cluster) failed, 2 usage error.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, Callable

from .exceptions import KnitException

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, sort_keys=True) if getattr(args, "json", False) else text)


# ---- knit cluster up | status | down ----------------------------------------------------------------------

def _cluster_up(args: argparse.Namespace) -> int:
    from .localcluster import start_detached
    lc = start_detached(args.dir, nodes=args.nodes)
    info = dict(lc.info, bin_dir=lc.bin_dir)
    _print(args, info, "\n".join([
        f"local cluster ready in {lc.dir}",
        f"  ResourceManager   {lc.rm_address} (web {lc.rm_web_address})",
        f"  HDFS              {lc.namenode_address} (web {lc.webhdfs_address})",
        "use it with:",
        f"  export HADOOP_CONF_DIR={lc.conf_dir}",
        f"  export PATH={lc.bin_dir}:$PATH",
    ]))
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


def add_cluster_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """``knit cluster up|status|down``: the local Hadoop cluster."""
    from .localcluster import DEFAULT_DIR
    cluster = sub.add_parser("cluster", help="a local Hadoop cluster (HDFS + YARN) on this machine",
                             parents=[parent])
    csub = cluster.add_subparsers(dest="cluster_command", metavar="{up,status,down}", required=True)
    up = csub.add_parser("up", help="start it (returns when it is ready)", parents=[parent])
    up.add_argument("--nodes", type=int, default=2, help="number of NodeManagers (default 2)")
    status = csub.add_parser("status", help="show its addresses and whether it runs", parents=[parent])
    down = csub.add_parser("down", help="stop it", parents=[parent])
    for p, fn in ((up, _cluster_up), (status, _cluster_status), (down, _cluster_down)):
        p.add_argument("--dir", default=str(DEFAULT_DIR), help=f"cluster directory (default {DEFAULT_DIR})")
        p.set_defaults(func=fn)


# ---- entry point -------------------------------------------------------------------------------------------

COMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = [add_cluster_commands]


def build_parser() -> argparse.ArgumentParser:
    """The ``knit`` argument parser with every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON")
    common.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    parser = argparse.ArgumentParser(prog="knit", description="Run programs and Dask clusters on Hadoop YARN.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``knit`` command; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse exits 2 on usage errors, 0 on --help
        return int(e.code or 0)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except KnitException as e:
        print(f"knit: {e}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
