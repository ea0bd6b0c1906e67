"""``knit dask submit | status | kill | logs``: Dask clusters on YARN from the command line.

``knit dask submit script.py [args]`` starts a remote-mode cluster whose container ``dask-driver`` runs the
script; the script's ``Client()`` finds the scheduler through ``DASK_SCHEDULER_ADDRESS``, and the application
ends with the script: SUCCEEDED if it exits 0, else FAILED with the traceback's last line in its diagnostics.
Dask is imported only when one of these commands runs.
"""
from __future__ import annotations

import argparse
import os
import sys

from knit import secret_envvars
from knit.cli_start import _pair  # knit start's KEY=VALUE
from knit.cli_output import EXIT_FAILED, EXIT_OK, conf_kwargs, print_result
from knit.exceptions import SpecError
from knit.shared import DEFAULT_LOG_TAIL
from knit.states import APP_FINISHED, CONTAINER_ENDED, FINAL_FAILED, FinalStatus


def _submit(args: argparse.Namespace) -> int:
    from .core import DaskYARNCluster
    if not os.path.isfile(args.script):
        raise SpecError(f"{args.script}: no such file")
    cluster = DaskYARNCluster(
        deploy_mode="remote", env=args.env, n_workers=args.workers, worker_memory=args.worker_memory,
        worker_vcores=args.worker_vcores, scheduler_memory=args.scheduler_memory, queue=args.queue,
        app_name=args.name, files=[args.script, *args.file],
        envvars=dict(_pair("--envvar", pair) for pair in args.envvar),
        secret_envvars=secret_envvars.read_values(args.secret_envvar),
        _script=[os.path.basename(args.script), *args.args], **conf_kwargs(args))
    cluster.quiet = args.json  # its own log lines (e.g. the application's end) would go to stdout, before the JSON
    app_id = cluster.app_id
    if not args.wait:
        print_result(args, {"app_id": app_id, "scheduler_address": cluster.scheduler_address}, app_id)
        return EXIT_OK
    if not args.json:
        print(f"{app_id} running {args.script}; waiting for it to end", file=sys.stderr)
    cluster.knit.wait_for_completion(None)
    report = cluster.knit.report()
    data = {k: report.get(k) for k in ("id", "state", "final_status", "diagnostics")}
    print_result(args, data, f"{app_id} {data['state']} {data['final_status']}\n{data['diagnostics'] or ''}".strip())
    return EXIT_OK if data["final_status"] == FinalStatus.SUCCEEDED else EXIT_FAILED


def _status(args: argparse.Namespace) -> int:
    from knit import Knit

    from ._knit_dask import ADDRESS_KEY, DASHBOARD_KEY
    k = Knit.connect(args.app, **conf_kwargs(args))
    report = k.report()
    data = {k_: report.get(k_) for k_ in ("id", "name", "state", "final_status", "diagnostics", "tracking_url")}
    if report["state"] not in APP_FINISHED:
        data["scheduler_address"], data["dashboard"] = k.get_key(ADDRESS_KEY), k.get_key(DASHBOARD_KEY)
        data["containers"] = {c["name"] or c["id"]: c["state"] for c in k.get_containers()
                              if c["state"] not in CONTAINER_ENDED}
    text = "\n".join(f"{key:18}{'' if v is None else v}" for key, v in data.items() if key != "containers")
    text += "".join(f"\n  {n:24}{s}" for n, s in sorted(data.get("containers", {}).items()))
    print_result(args, data, text)
    return EXIT_FAILED if report.get("final_status") in FINAL_FAILED else EXIT_OK


def add_dask_commands(sub: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    """Register ``knit dask ...`` on the ``knit`` parser."""
    conn = argparse.ArgumentParser(add_help=False, parents=[parent])
    conn.add_argument("--conf-dir", help="Hadoop conf dir (default: HADOOP_CONF_DIR ...)")
    dask = sub.add_parser("dask", help="Dask clusters on YARN", parents=[parent])
    dsub = dask.add_subparsers(dest="dask_command", metavar="{submit,status,kill,logs}", required=True)
    p = dsub.add_parser("submit", parents=[conn], help="run a Python script against a new Dask cluster on YARN")
    p.add_argument("script", metavar="SCRIPT", help="the script; its Client() connects to the cluster")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    p.add_argument("--env", help="environment archive (with dask and distributed) of every container")
    p.add_argument("--workers", type=int, default=None, help="workers to start with (default yarn.worker.count)")
    p.add_argument("--worker-memory", help="memory per worker, e.g. '2 GiB' (default yarn.worker.memory)")
    p.add_argument("--worker-vcores", type=int, help="vcores per worker (default yarn.worker.vcores)")
    p.add_argument("--scheduler-memory", help="memory of the scheduler's and the script's containers")
    p.add_argument("--queue", help="YARN queue (default yarn.queue)")
    p.add_argument("--name", help="application name (default yarn.app-name)")
    p.add_argument("--file", nargs="+", action="extend", default=[], metavar="F",
                   help="more files put in every container's working directory")
    p.add_argument("--envvar", action="append", default=[], metavar="KEY=VALUE",
                   help="environment variable of every container (repeatable)")
    p.add_argument("--secret-envvar", action="append", default=[], metavar="KEY",
                   help="environment variable of every container from KEY in this environment (else a line of "
                   "stdin), never in argv, the spec or the logs (repeatable)")
    p.add_argument("--wait", action="store_true", help="wait for the script to end; exit 1 if it failed")
    p.set_defaults(func=_submit)
    from knit.cli import _kill, _logs  # knit kill | logs (imported here: knit.cli imports this module)
    for name, fn, text in (("status", _status, "a Dask cluster's state, scheduler, dashboard and containers"),
                           ("kill", _kill, "end a Dask cluster"), ("logs", _logs, "its containers' logs")):
        p = dsub.add_parser(name, parents=[conn], help=text)
        p.add_argument("app", metavar="APP", help="application id")
        p.set_defaults(func=fn, container=None, tail=DEFAULT_LOG_TAIL, include_debug=False)  # knit logs' defaults
