#!/usr/bin/env bash
# Builds the documentation site (docs/ -> docs/_build/index.html) from a clean state, with every warning an
# error: a broken cross-reference, a stale docstring parameter, an exception class missing from the
# troubleshooting page or a constructor parameter missing from its docstring fails it. Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf docs/_build
TIMEFORMAT='docs: built in %R s (docs/_build/index.html)'
time .venv/bin/python -m sphinx -E -W --keep-going -q -b html docs docs/_build
