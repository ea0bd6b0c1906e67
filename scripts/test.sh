#!/usr/bin/env bash
# The test command: set up (idempotent), then the Java unit tests (Maven) and the Python suite (pytest: unit tests,
# then integration tests on one local Hadoop cluster started for the run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BASETEMP="$PWD/.pytest-tmp"
# Whatever happens, nothing this run started survives it.
cleanup() { pkill -f -- "--dir $BASETEMP" 2>/dev/null || true; }
trap cleanup EXIT
mvn -B -q test
.venv/bin/python -m pytest --basetemp="$BASETEMP" --timeout=900 "$@"
