#!/usr/bin/env bash
# The main job: set up (idempotent), start a local Hadoop cluster, run the demo on it, stop the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python examples/demo.py "$@"
