"""Cached-env check (issue 15, point 6): how long deciding that an unchanged 200 MB environment needs no upload
takes, in the process that uploaded it and from a new process.

``Knit.check_needs_upload(zip)`` after one ``start()`` uploaded the zip:

- ``in-process``: the same process again (the client JVM remembers the hash);
- ``new process``: a fresh Python process, its client JVM started and its HDFS client connected before the
  timing (JVM and HDFS client start-up are not counted; nothing of the env is in its memory), the hash remembered
  on disk (``<cache>/sha256``, per path, size, mtime and inode);
- ``new process, no memo`` (the control: what it cost before the memo): the same with the memo removed first,
  so the 200 MB are hashed again.

Prints medians over ``--repeats`` and n. Uses ``$KNIT_TEST_CLUSTER`` if set, else a one-node local cluster.

    python benchmarks/env_check.py [--size-mb 200] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from knit import Knit  # noqa: E402
from knit.cache import cache_root  # noqa: E402
from knit.env import prepare_env  # noqa: E402
from knit.localcluster import LocalCluster  # noqa: E402
from upload import make_env  # noqa: E402

NEW_PROCESS = """
import sys, time
from knit import Knit
k = Knit()
k.check_credentials()  # the client JVM up before the timing ...
k.list_envs()  # ... and its HDFS client connected (a call that hashes nothing)
t0 = time.perf_counter()
needs = k.check_needs_upload(sys.argv[1])
print(time.perf_counter() - t0, needs)
"""


def in_process(k: Knit, zipped: str) -> float:
    t0 = time.perf_counter()
    needs = k.check_needs_upload(zipped)
    elapsed = time.perf_counter() - t0
    assert needs is False, "the env was uploaded: the check must find it"
    return elapsed


def new_process(zipped: str, memo: bool) -> float:
    if not memo:
        shutil.rmtree(cache_root() / "sha256", ignore_errors=True)
    out = subprocess.run([sys.executable, "-c", NEW_PROCESS, zipped], check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    elapsed, needs = out.stdout.split()[-2:]
    assert needs == "False", out.stdout
    return float(elapsed)


def show(name: str, samples: list[float]) -> None:
    print(f"{name:>22}: median {statistics.median(samples) * 1000:7.1f} ms  n={len(samples)}  "
          f"(runs: {', '.join(f'{s * 1000:.1f}' for s in samples)})")


def measure(size_mb: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="knit-bench-") as tmp:
        zipped = prepare_env(str(make_env(Path(tmp), size_mb)))["source"]
        k = Knit(replication_factor=1)
        k.start("true", env=zipped, checks=False)  # uploads it
        k.kill()
        rows = {"in-process": [in_process(k, zipped) for _ in range(repeats)],
                "new process": [new_process(zipped, True) for _ in range(repeats)],
                "new process, no memo": [new_process(zipped, False) for _ in range(repeats)]}
        print(f"environment: {size_mb} MB of data, zip {os.path.getsize(zipped) / 2**20:.0f} MiB; "
              f"load average {os.getloadavg()[0]:.2f}")
        for name, samples in rows.items():
            show(name, samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    if os.environ.get("KNIT_TEST_CLUSTER"):
        os.environ.update(LocalCluster.attach(os.environ["KNIT_TEST_CLUSTER"]).environ())
        measure(args.size_mb, args.repeats)
        return
    with LocalCluster(nodes=1) as lc:
        os.environ.update({k: lc.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
        measure(args.size_mb, args.repeats)


if __name__ == "__main__":
    main()
