"""The ``knit`` command line.

Exit codes: 0 ok, 1 the application (or cluster) failed, 2 usage error.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any, Callable

from .cli_output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from .cli_output import conf_kwargs as _conf_kwargs
from .cli_output import logs_text as _logs_text
from .cli_output import print_result as _print
from .cli_output import table as _table
from .cli_start import add_start_command
from .cluster_cli import add_cluster_commands
from .exceptions import ApplicationNotFound, ConfigError, KnitException, SpecError
from .shared import DEPS_DIR_NAME
from .states import APP_LIVE, FINAL_FAILED, AppState

# ---- applications: knit start | ls | status | containers | logs | add | remove | kill | envs ------------------

def _knit(args: argparse.Namespace) -> Any:
    from .core import Knit
    return Knit(**_conf_kwargs(args))


def _connect(args: argparse.Namespace) -> Any:
    from .core import Knit
    return Knit.connect(args.app, **_conf_kwargs(args))


def _yarn(args: argparse.Namespace) -> Any:
    from .conf import HadoopConf
    from .yarn_api import YARNAPI
    return YARNAPI(conf=HadoopConf(**_conf_kwargs(args)))


def _app_row(a: dict) -> dict:
    """The fields of an RM application report the CLI shows (snake_case, stable for --json)."""
    return {"id": a.get("id"), "name": a.get("name"), "user": a.get("user"), "queue": a.get("queue"),
            "state": a.get("state"), "final_status": a.get("finalStatus"), "progress": a.get("progress"),
            "application_type": a.get("applicationType"), "started_time": a.get("startedTime"),
            "finished_time": a.get("finishedTime"), "diagnostics": a.get("diagnostics"),
            "tracking_url": a.get("trackingUrl"), "am_host_http_address": a.get("amHostHttpAddress")}


def _ls(args: argparse.Namespace) -> int:
    api = _yarn(args)
    states = None if "all" in [s.lower() for s in args.state] else ([s.upper() for s in args.state] or list(APP_LIVE))
    apps = api.apps(states=states, user=None if args.all_users else api.user,
                    application_types=None if args.all_types else "KNIT")
    rows = sorted((_app_row(a) for a in apps), key=lambda r: r["id"])
    _print(args, rows, _table(rows, ["id", "name", "user", "queue", "state", "final_status", "progress"]))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    row = _app_row(_yarn(args).status(args.app))
    _print(args, row, "\n".join(f"{k:22}{'' if v is None else v}" for k, v in row.items()))
    return EXIT_FAILED if row["final_status"] in FINAL_FAILED else EXIT_OK


def _containers(args: argparse.Namespace) -> int:
    api = _yarn(args)
    app = api.status(args.app)
    if app.get("applicationType") == "KNIT" and app.get("state") == AppState.RUNNING:
        containers = _connect(args).get_containers()  # the AM's view: requested ... released, restarts
    else:
        containers = api.app_containers(args.app)
    rows = [{k: c.get(k) for k in ("id", "state", "node_id", "node_http_address", "memory", "vcores",
                                   "exit_status", "diagnostics") if k in c} for c in containers]
    _print(args, rows, _table(rows, ["id", "state", "node_id", "memory", "vcores", "exit_status"]))
    return EXIT_OK


def _logs(args: argparse.Namespace) -> int:
    logs = _connect(args).logs(args.container)
    _print(args, logs, _logs_text(logs))
    return EXIT_OK


def _add(args: argparse.Namespace) -> int:
    ids = _connect(args).add_containers(args.n, virtual_cores=args.vcores, memory=args.memory)
    _print(args, {"app_id": args.app, "request_ids": ids}, f"requested {args.n} container(s): {ids}")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    _connect(args).remove_containers(args.container)
    _print(args, {"app_id": args.app, "removed": args.container}, f"removed {', '.join(args.container)}")
    return EXIT_OK


def _kill(args: argparse.Namespace) -> int:
    api = _yarn(args)
    app = api.status(args.app)
    if app.get("state") not in APP_LIVE:
        state = app.get("state")
    elif app.get("applicationType") == "KNIT":  # through Knit: its staging dir goes too
        k = _connect(args)
        k.kill()
        state = k.runtime_status()
    else:
        state = api.kill(args.app)
    _print(args, {"app_id": args.app, "state": state}, f"{args.app} {state}")
    return EXIT_OK


def _envs(args: argparse.Namespace) -> int:
    envs = _knit(args).list_envs()
    _print(args, envs, _table(envs, ["name", "size", "path"]))
    return EXIT_OK


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be at least 1")
    return n


def add_app_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """``knit start | ls | status | containers | logs | add | remove | kill | envs``."""
    conn = argparse.ArgumentParser(add_help=False, parents=[parent])
    conn.add_argument("--conf-dir", help="Hadoop conf dir (default: HADOOP_CONF_DIR, YARN_CONF_DIR, "
                                         "HADOOP_HOME/etc/hadoop, /etc/hadoop/conf)")

    def cmd(name: str, fn: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[conn])
        p.set_defaults(func=fn)
        return p

    add_start_command(sub)  # its options come from the table it shares with `hadoop jar knit.jar`

    p = cmd("ls", _ls, "list your Knit applications (live ones unless --state)")
    p.add_argument("--state", action="append", default=[], metavar="S",
                   help=f"{', '.join(AppState)} or 'all' (repeatable)")
    p.add_argument("--all-users", action="store_true", help="every user's applications")
    p.add_argument("--all-types", action="store_true", help="applications of every type, not only KNIT")

    p = cmd("status", _status, "an application's state (exit 1 if it FAILED or was KILLED)")
    p.add_argument("app", metavar="APP", help="application id")

    p = cmd("containers", _containers, "an application's containers on every node")
    p.add_argument("app", metavar="APP", help="application id")

    p = cmd("logs", _logs, "the logs of an application's containers")
    p.add_argument("app", metavar="APP", help="application id")
    p.add_argument("container", metavar="CONTAINER", nargs="?", help="only this container")

    p = cmd("add", _add, "add containers to a running Knit application")
    p.add_argument("app", metavar="APP", help="application id")
    p.add_argument("n", metavar="N", type=_positive, help="number of containers")
    p.add_argument("--vcores", type=_positive, default=1, help="virtual cores per container (default 1)")
    p.add_argument("--memory", type=_positive, default=128, help="MB per container (default 128)")

    p = cmd("remove", _remove, "stop and release containers of a running Knit application")
    p.add_argument("app", metavar="APP", help="application id")
    p.add_argument("container", metavar="CONTAINER", nargs="+", help="container id(s)")

    p = cmd("kill", _kill, "kill an application")
    p.add_argument("app", metavar="APP", help="application id")

    cmd("envs", _envs, f"environments already uploaded to your HDFS home ({DEPS_DIR_NAME})")


# ---- entry point -------------------------------------------------------------------------------------------

class _Version(argparse.Action):
    """``knit --version``: the package's version and the one knit.jar was built as (they must agree)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from . import __version__
        from .gateway import find_jar, jar_manifest
        jar = find_jar()
        print(f"knit {__version__} (knit.jar {jar_manifest(jar).get('Knit-Version', 'unknown')}: {jar})")
        parser.exit()


COMMANDS: list[Callable[[argparse._SubParsersAction, argparse.ArgumentParser], None]] = [add_app_commands,
                                                                                       add_cluster_commands]
from dask_yarn.cli import add_dask_commands  # noqa: E402  (knit dask ...: dask_yarn/cli.py)
COMMANDS.append(add_dask_commands)


def build_parser() -> argparse.ArgumentParser:
    """The ``knit`` argument parser with every subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON")
    common.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    parser = argparse.ArgumentParser(prog="knit", description="Run programs and Dask clusters on Hadoop YARN.")
    parser.add_argument("--version", action=_Version, nargs=0, help="print the versions of knit and knit.jar")
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
        # bad input (a request that cannot be valid, an unknown id, a broken conf) is a usage error
        usage = isinstance(e, (SpecError, ApplicationNotFound, ConfigError))
        if getattr(args, "json", False):
            print(json.dumps({"error": str(e), "type": type(e).__name__}))
        print(f"knit: {e}", file=sys.stderr)
        return EXIT_USAGE if usage else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
