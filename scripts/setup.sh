#!/usr/bin/env bash
# Installs what Knit needs on a fresh machine, idempotently: a JDK, Maven and Chromium (Debian's, if missing), a
# virtualenv in .venv with Knit and its test/dask/docs extras (which builds knit.jar with Maven), and Hadoop's
# jars for the local cluster (resolved once by Maven into ~/.cache/knit).
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA_DEBS=() BROWSER_DEBS=()
command -v javac >/dev/null && command -v mvn >/dev/null || JAVA_DEBS=(openjdk-17-jdk-headless maven)
# Chromium loads the example notebook's HTML export in the docs tests (tests/integration/test_docs.py); a font
# so that its screenshot shows text. Without recommends: no desktop services for a headless browser.
command -v chromium >/dev/null || BROWSER_DEBS=(chromium fonts-liberation)
if [ ${#JAVA_DEBS[@]} -gt 0 ] || [ ${#BROWSER_DEBS[@]} -gt 0 ]; then
  echo "setup: installing ${JAVA_DEBS[*]} ${BROWSER_DEBS[*]} from Debian" >&2
  apt-get update -q
  [ ${#JAVA_DEBS[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${JAVA_DEBS[@]}"
  [ ${#BROWSER_DEBS[@]} -eq 0 ] ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${BROWSER_DEBS[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
.venv/bin/python -m pip install -q ".[test,dask,docs]"
# Fetch Hadoop's jars now rather than inside the first test's deadline.
.venv/bin/python -c "from knit.localcluster import hadoop_lib_dir; print('setup: Hadoop jars in', hadoop_lib_dir())"
