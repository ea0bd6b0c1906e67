#!/usr/bin/env bash
# The test command: set up (idempotent), then the Java unit tests (Maven), dask_yarn's unit tests on the oldest
# dask/distributed allowed, the documentation site (Sphinx, warnings as errors), and the Python suite (pytest:
# unit tests, integration tests on one local Hadoop cluster started for the run — the docs' pages and the example
# notebook run on clusters of their own —, then the install tier: sdist + wheel built and installed in clean
# venvs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BASETEMP="$PWD/.pytest-tmp"
# Whatever happens, nothing this run started survives it; and a run that left a local cluster JVM behind fails,
# naming it (tests/helpers.py reap: exit 1 when it had to stop something, 2 when it could not look).
cleanup() {
  local rc=$?
  .venv/bin/python tests/helpers.py reap "--dir $BASETEMP" || rc=1
  exit "$rc"
}
trap cleanup EXIT
mvn -B -q test
bash scripts/check_oldest_dask.sh
bash scripts/docs.sh
.venv/bin/python -m pytest --basetemp="$BASETEMP" --timeout=900 "$@"
