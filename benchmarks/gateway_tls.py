"""What TLS costs a control call: p50 and p99 of ``containers()`` over the gateway with TLS and without.

1. **TLS against plain, same server.** ``org.knit.common.GatewayBench`` (a Java test class) serves one entry
   point on two gateways of ``Py4jServers`` -- the AM's TLS one and a plain one, the same guarded accept loop --
   so they differ by TLS alone. Python calls it over one connection (as ``Knit`` does): through
   :func:`knit.master_gateway.open_master` (pinned TLS, read timeout, keepalive) and through a plain Py4J
   gateway with the same read timeout. Two calls: the **control call** is ``get_containers()``'s work for two
   containers (the entry point turns two records into JSON, Python decodes it), the **bare call**
   ``ping()`` (an int: Py4J and the transport alone). Each run makes ``--calls`` calls of each kind on each
   gateway, after 100 warm-up calls, alternating which gateway goes first; the figures are the medians over
   ``--runs`` runs of each run's p50 and p99, and the ratios are TLS / plain.
2. **The real AM** (with ``--cluster-dir`` or ``$KNIT_TEST_CLUSTER``): ``Knit.get_containers()`` on an
   application of the local cluster, over TLS (JSON decoding included), for scale.

Usage::

    python benchmarks/gateway_tls.py [--runs 5] [--calls 1000] [--cluster-dir /tmp/knit-dev]

It builds the Java test classes (``mvn -o test-compile``) and reads the test classpath from Maven.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from py4j.java_gateway import GatewayParameters, JavaGateway  # noqa: E402

from knit.hadoop_jvm import java_executable  # noqa: E402
from knit.master_gateway import DEFAULT_CONTROL_TIMEOUT, open_master  # noqa: E402

WARMUP = 100


def test_classpath() -> str:
    subprocess.run(["mvn", "-q", "-o", "-B", "test-compile"], cwd=REPO, check=True)
    with tempfile.NamedTemporaryFile("r", suffix=".cp") as f:
        subprocess.run(["mvn", "-q", "-o", "-B", "dependency:build-classpath", f"-Dmdep.outputFile={f.name}",
                        "-Dmdep.includeScope=test"], cwd=REPO, check=True)
        deps = f.read().strip()
    return os.pathsep.join([os.path.join(REPO, "target", "classes"), os.path.join(REPO, "target", "test-classes"),
                            deps])


def latencies(call: Callable[[], object], n: int) -> list[float]:
    for _ in range(WARMUP):
        call()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def same_server(runs: int, calls: int) -> dict[str, list[float]]:
    proc = subprocess.Popen([java_executable(), "-cp", test_classpath(), "org.knit.common.GatewayBench"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        tls = open_master("127.0.0.1", info["tls_port"], info["secret"], info["certificate"],
                          DEFAULT_CONTROL_TIMEOUT, "bench")
        plain = JavaGateway(gateway_parameters=GatewayParameters(
            port=info["plain_port"], auth_token=info["secret"], read_timeout=DEFAULT_CONTROL_TIMEOUT))
        figures: dict[str, list[float]] = {}
        for run in range(runs):
            order = [("tls", tls), ("plain", plain)]
            for name, gw in order if run % 2 == 0 else order[::-1]:
                containers, ping = gw.entry_point.containers, gw.entry_point.ping
                for kind, call in (("control", lambda: json.loads(containers())), ("bare", ping)):
                    lat = latencies(call, calls)
                    figures.setdefault(f"{kind}_{name}_p50", []).append(p(lat, 0.50))
                    figures.setdefault(f"{kind}_{name}_p99", []).append(p(lat, 0.99))
        tls.close()
        plain.close()
        return figures
    finally:
        proc.stdin.close()
        proc.wait(30)


def real_am(cluster_dir: str, runs: int, calls: int) -> dict[str, list[float]]:
    from knit import Knit
    from knit.localcluster import LocalCluster
    os.environ.update(LocalCluster.attach(cluster_dir).environ())
    k = Knit()
    k.start("sleep 900", num_containers=2, memory=128, app_name="bench-gateway-tls", keep_alive=True)
    try:
        deadline = time.monotonic() + 300
        while sum(c["state"] == "RUNNING" for c in k.get_containers()) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("the benchmark's containers did not run within 300 s")
            time.sleep(0.5)
        figures: dict[str, list[float]] = {"p50": [], "p99": []}
        for _ in range(runs):
            lat = latencies(k.get_containers, calls)
            figures["p50"].append(p(lat, 0.50))
            figures["p99"].append(p(lat, 0.99))
        return figures
    finally:
        k.kill()


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--cluster-dir", default=os.environ.get("KNIT_TEST_CLUSTER"))
    args = parser.parse_args()
    f = same_server(args.runs, args.calls)
    print(f"same server, {args.calls} calls x {args.runs} runs (medians of the runs' percentiles):")
    for kind in ("control", "bare"):
        med = {k: statistics.median(v) for k, v in f.items() if k.startswith(kind)}
        print(f"  {kind} call: plain p50 {ms(f[kind + '_plain_p50'])} p99 {ms(f[kind + '_plain_p99'])}; "
              f"TLS p50 {ms(f[kind + '_tls_p50'])} p99 {ms(f[kind + '_tls_p99'])}; TLS / plain: "
              f"p50 {med[kind + '_tls_p50'] / med[kind + '_plain_p50']:.2f}x "
              f"p99 {med[kind + '_tls_p99'] / med[kind + '_plain_p99']:.2f}x")
    print("  (issue 11's bound: the control call's p50 with TLS at most 2x without)")
    if args.cluster_dir:
        r = real_am(args.cluster_dir, args.runs, args.calls)
        print(f"real AM over TLS, Knit.get_containers() on 2 containers, {args.calls} calls x {args.runs} runs:")
        print(f"  p50 {ms(r['p50'])}  p99 {ms(r['p99'])}")
    else:
        print("(no --cluster-dir or $KNIT_TEST_CLUSTER: the real AM was not measured)")


if __name__ == "__main__":
    main()
