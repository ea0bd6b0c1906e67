#!/usr/bin/env bash
# The lower-bound job: dask_yarn's unit tests on the OLDEST dask and distributed that pyproject.toml's `dask`
# extra allows (read from the installed metadata, so the bound tested is the bound declared), in a venv of its
# own. The main suite runs on the newest allowed. Needs scripts/setup.sh first (it is what gives .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.ci-venvs/oldest-dask
PINS=$(.venv/bin/python - <<'PY'
import importlib.metadata
from packaging.requirements import Requirement
pins = []
for line in importlib.metadata.requires("knit"):
    req = Requirement(line)
    if req.name in ("dask", "distributed") and req.marker is not None and req.marker.evaluate({"extra": "dask"}):
        lowest = [s.version for s in req.specifier if s.operator == ">="]
        assert len(lowest) == 1, f"{req}: one lower bound (>=) expected"
        pins.append(f"{req.name}=={lowest[0]}")
assert len(pins) == 2, pins
print(" ".join(pins))
PY
)
echo "check_oldest_dask: dask_yarn's unit tests with $PINS" >&2
rm -rf "$VENV"
.venv/bin/python -m venv --without-pip "$VENV"
printf '%s\n' $PINS > "$VENV/constraints.txt"
# Knit itself from the checkout (its JARs are built: no Maven), its dask and test extras resolved under the pins.
.venv/bin/python -m pip --python "$VENV/bin/python" install -q -c "$VENV/constraints.txt" ".[dask,test]"
"$VENV/bin/python" - $PINS <<'PY'
import sys, dask, distributed
got = {"dask": dask.__version__, "distributed": distributed.__version__}
want = dict(p.split("==") for p in sys.argv[1:])
assert got == want, f"installed {got}, wanted {want}"
PY
"$VENV/bin/python" -m pytest -q -p no:cacheprovider --timeout=300 tests/unit/test_dask_yarn*.py
