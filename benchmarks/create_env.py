"""Building an environment with ``Knit.create_env`` (pip: venv + pip install + relocation + zip), and the cached
call that returns the zip already built for the same arguments.

- ``build``: a new, empty cache dir each time (``--builds``), so each is a full build; pip's own download cache
  is warm after the first (what a user who builds twice sees);
- ``cached``: the same call again (``--calls``): the cache key is checked, nothing is built.

Usage: ``python benchmarks/create_env.py [--builds 3] [--calls 5] [--packages python=3 dask distributed]``
(needs PyPI, as the integration test of create_env does).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from knit import Knit  # noqa: E402


def timed(fn) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def show(name: str, samples: list[float], unit: str = "s") -> None:
    scale = 1000 if unit == "ms" else 1
    med = statistics.median(samples) * scale
    print(f"{name:>8}: median {med:8.2f} {unit}  n={len(samples)}  samples "
          + " ".join(f"{s * scale:.2f}" for s in samples))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--builds", type=int, default=3)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--packages", nargs="+", default=["python=3", "dask", "distributed"])
    args = ap.parse_args()
    builds, cached = [], []
    for _ in range(args.builds):
        cache = tempfile.mkdtemp(prefix="knit-bench-built-")
        try:
            def create():
                return Knit.create_env("benchenv", packages=args.packages, tool="pip", cache_dir=cache)
            elapsed, path = timed(create)
            builds.append(elapsed)
            for _ in range(args.calls):
                elapsed, again = timed(create)
                assert again == path
                cached.append(elapsed)
        finally:
            shutil.rmtree(cache)
    print(f"create_env(tool='pip', packages={args.packages}); {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    show("build", builds)
    show("cached", cached, unit="ms")


if __name__ == "__main__":
    main()
