"""What every container of a dask_yarn cluster runs (shipped with the application: stdlib and distributed only).

Usage (the application's one command): ``$PYTHON_BIN _knit_dask.py <base64 JSON settings>``. The container's role
is its name, given with its request (``$KNIT_CONTAINER_NAME``): ``dask-scheduler`` runs the scheduler and
publishes its address in the ApplicationMaster's key-value store, ``dask-driver`` runs a user script whose
``Client()`` finds that scheduler through ``DASK_SCHEDULER_ADDRESS``, anything else is a worker named so.
Settings travel base64-encoded because the NodeManager rewrites braces in a container's command.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import os
import runpy
import socket
import sys
import time
import traceback
import urllib.error
import urllib.request

SCHEDULER, DRIVER = "dask-scheduler", "dask-driver"
ADDRESS_KEY, DASHBOARD_KEY, WEB_TARGET_KEY = "dask.scheduler-address", "dask.dashboard", "knit.web-target"
TOKEN_FILE = ".knit_am_token"


class AM:
    """The ApplicationMaster's key-value store, over its HTTP server, each request signed with the token file."""

    def __init__(self) -> None:
        self.url = os.environ["KNIT_AM_URL"]
        with open(TOKEN_FILE, "rb") as f:
            self.token = f.read().strip()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never an HTTP proxy

    def call(self, method: str, path: str, body: bytes = b"") -> str | None:
        ts = str(int(time.time()))
        sig = hmac.new(self.token, f"{method}\n{path}\n{ts}\n".encode() + body, hashlib.sha256).hexdigest()
        req = urllib.request.Request(self.url + path, data=body if method == "PUT" else None, method=method,
                                     headers={"X-Knit-Auth": f"{ts}:{sig}"})
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def wait(self, key: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while (value := self.call("GET", "/knit/kv/" + key)) is None:
            if time.monotonic() > deadline:
                sys.exit(f"{key} was not published within {timeout:.0f} s")
            time.sleep(0.25)
        return value

    def idle_seconds(self) -> float:
        """Seconds since a client last called the AM; infinite if this AM cannot be reached (KNIT_AM_URL names the
        attempt that launched this container: a later attempt serves elsewhere), which cannot say otherwise."""
        try:
            return json.loads(self.call("GET", "/knit/idle") or "{}").get("seconds_since_client_call", 0)
        except OSError as e:
            print(f"the ApplicationMaster at {self.url} cannot be reached ({e}): idle by this scheduler's own clock",
                  file=sys.stderr, flush=True)
            return math.inf


def published(address: str, dashboard: str) -> dict[str, str]:
    """What a cluster's scheduler publishes in the AM's store (here or, local mode, in the cluster's process)."""
    return {ADDRESS_KEY: address, DASHBOARD_KEY: dashboard, WEB_TARGET_KEY: dashboard}  # tracking URL -> dashboard


def worker(cfg: dict, name: str) -> None:
    address = cfg["scheduler"] or AM().wait(ADDRESS_KEY, cfg["start_timeout"])
    memory = int(os.environ.get("KNIT_CONTAINER_MEMORY", cfg["memory"]))
    args = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--name", name,
            "--nthreads", os.environ.get("KNIT_CONTAINER_VCORES", str(cfg["vcores"])),
            "--memory-limit", f"{int(memory * cfg['memory_fraction'])}MiB",  # headroom below YARN's limit
            "--no-dashboard", "--death-timeout", str(cfg["death_timeout"])]
    cls = cfg["worker_class"]
    if tls := cfg.get("tls"):  # the cluster's TLS identity: the application's secret files, in the working dir
        args += ["--tls-ca-file", tls["ca"], "--tls-cert", tls["worker_cert"], "--tls-key", tls["worker_key"]]
    if cls == "distributed.Worker":
        args.append("--no-nanny")
    else:
        args += ["--nanny"] + ([] if cls == "distributed.Nanny" else ["--worker-class", cls])
    os.execv(sys.executable, args + cfg["extra_args"])


def scheduler(cfg: dict, name: str) -> None:
    from distributed import Scheduler
    from distributed.core import Status
    from distributed.security import Security

    am = AM()
    host = os.environ.get("NM_HOST") or socket.getfqdn()
    tls = cfg.get("tls")
    security = Security(tls_ca_file=tls["ca"], tls_scheduler_cert=tls["scheduler_cert"],
                        tls_scheduler_key=tls["scheduler_key"], require_encryption=True) if tls else None

    async def run() -> None:
        async with Scheduler(host=host, port=0, dashboard=True, dashboard_address=":0", security=security,
                             protocol="tls://" if tls else None) as s:
            for key, value in published(s.address, f"http://{host}:{s.http_server.port}").items():
                am.call("PUT", "/knit/kv/" + key, value.encode())
            quiet_since = time.monotonic()
            while s.status not in (Status.closing, Status.closed):
                await asyncio.sleep(2)
                if any(c != "fire-and-forget" for c in s.clients) or s.check_idle() is None:
                    quiet_since = time.monotonic()
                elif time.monotonic() - quiet_since > cfg["idle_timeout"] > 0 \
                        and await asyncio.to_thread(am.idle_seconds) > cfg["idle_timeout"]:
                    print(f"no client, task or cluster call for {cfg['idle_timeout']} s: closing",
                          file=sys.stderr, flush=True)
                    await s.close(reason="idle")
            await s.finished()

    asyncio.run(run())


def driver(cfg: dict, name: str) -> None:
    os.environ["DASK_SCHEDULER_ADDRESS"] = AM().wait(ADDRESS_KEY, cfg["start_timeout"])  # before dask is imported
    if tls := cfg.get("tls"):  # the script's Client() connects with the cluster's identity (dask config from env)
        os.environ.update({"DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True",
                           "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": os.path.abspath(tls["ca"]),
                           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": os.path.abspath(tls["worker_cert"]),
                           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": os.path.abspath(tls["worker_key"])})
    script, *args = cfg["script"]
    sys.argv = [script, *args]
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as e:  # the container's exit decides the application's: say why, last
        traceback.print_exc()
        last = traceback.format_exception_only(type(e), e)[-1].strip()
        print(f"knit dask submit: {script} failed: {last}", file=sys.stderr, flush=True)
        os._exit(1)


if __name__ == "__main__":
    settings = json.loads(base64.b64decode(sys.argv[1]))
    role = os.environ.get("KNIT_CONTAINER_NAME", "")
    {SCHEDULER: scheduler, DRIVER: driver}.get(role, worker)(settings, role)
