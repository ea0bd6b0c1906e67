#!/usr/bin/env bash
# Installs what Knit needs on a fresh machine, idempotently: a JDK, Maven and openssl (Debian's, if missing), a
# virtualenv in .venv with Knit and its test/dask extras (which builds knit.jar with Maven), and Hadoop's jars
# for the local cluster (resolved once by Maven into ~/.cache/knit).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v javac >/dev/null || ! command -v mvn >/dev/null; then
  echo "setup: installing a JDK and Maven from Debian" >&2
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-17-jdk-headless maven
fi
if ! command -v openssl >/dev/null; then  # the gateway's TLS unit tests make certificates with it
  echo "setup: installing openssl from Debian" >&2
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q openssl
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
.venv/bin/python -m pip install -q ".[test,dask]"
# Fetch Hadoop's jars now rather than inside the first test's deadline.
.venv/bin/python -c "from knit.localcluster import hadoop_lib_dir; print('setup: Hadoop jars in', hadoop_lib_dir())"
