"""Upload benchmark: shipping a 200 MB environment the first time vs. when it is already staged.

Measures, on the cluster ``HADOOP_CONF_DIR`` points at (e.g. ``knit cluster up``):

- ``zip``: Knit zipping the environment directory (once; later starts re-use the cached zip);
- ``submit, no env``: ``Knit.start`` of a trivial command without an environment (the baseline);
- ``first upload``: ``Knit.start`` with the env when it must be uploaded (``upload_always=True``);
- ``cached``: ``Knit.start`` with the same env already in ``.knitDeps`` (size + SHA-256 checked);
- ``cached, new process``: the same from a fresh Python process (its client JVM warmed by one
  start without env before timing), so nothing remembered in memory helps;

and prints medians over ``--repeats`` runs, the upload cost over the baseline, and the ratio
first-upload / cached. Every application is killed right after submission.

    python benchmarks/upload.py [--size-mb 200] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from knit import Knit  # noqa: E402
from knit.env import prepare_env  # noqa: E402


def make_env(root: Path, size_mb: int) -> Path:
    """A venv (no pip) with ``size_mb`` of incompressible data: the worst case for upload."""
    env = root / "benchenv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    with open(env / "ballast.bin", "wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(1 << 20))
    return env


def timed_start(env: str | None, upload_always: bool) -> float:
    k = Knit(upload_always=upload_always, replication_factor=1)
    t0 = time.perf_counter()
    k.start("true", env=env, checks=False)
    elapsed = time.perf_counter() - t0
    k.kill()
    return elapsed


NEW_PROCESS = """
import sys, time
from knit import Knit
warm = Knit(replication_factor=1)  # client JVM, HDFS and YARN clients warmed outside the timing
warm.start("true", checks=False)
warm.kill()
k = Knit(replication_factor=1)
t0 = time.perf_counter()
k.start("true", env=sys.argv[1], checks=False)
print(time.perf_counter() - t0)
k.kill()
"""


def timed_start_new_process(env: str) -> float:
    out = subprocess.run([sys.executable, "-c", NEW_PROCESS, env], check=True, capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[1])
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="knit-bench-") as tmp:
        env_dir = make_env(Path(tmp), args.size_mb)
        t0 = time.perf_counter()
        zipped = prepare_env(str(env_dir))["source"]
        zip_time = time.perf_counter() - t0
        size = os.path.getsize(zipped) / 2**20
        timed_start(zipped, upload_always=False)  # warm-up: JVM, JAR staged, env staged once
        rows = {
            "submit, no env": [timed_start(None, False) for _ in range(args.repeats)],
            "first upload": [timed_start(zipped, True) for _ in range(args.repeats)],
            "cached": [timed_start(zipped, False) for _ in range(args.repeats)],
            "cached, new process": [timed_start_new_process(zipped) for _ in range(args.repeats)],
        }
    med = {name: statistics.median(v) for name, v in rows.items()}
    print(f"environment: {args.size_mb} MB of data, zip {size:.0f} MiB, zipped once in {zip_time:.2f} s")
    for name, value in med.items():
        runs = ", ".join(f"{v:.2f}" for v in rows[name])
        print(f"{name:>20}: median {value:6.2f} s  n={len(rows[name])}  (runs: {runs})")
    upload = med["first upload"] - med["submit, no env"]
    print(f"upload cost over baseline: {upload:.2f} s ({size / max(upload, 1e-9):.0f} MiB/s)")
    for name in ("cached", "cached, new process"):
        print(f"{name}: check cost over baseline {med[name] - med['submit, no env']:+.2f} s; "
              f"ratio first upload / {name} start: {med['first upload'] / med[name]:.1f}x")


if __name__ == "__main__":
    main()
