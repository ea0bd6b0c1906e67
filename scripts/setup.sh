#!/usr/bin/env bash
# Installs what Knit needs on a fresh machine, idempotently: a JDK, Maven and openssl (Debian's, if missing), MIT
# Kerberos clients for the secure local cluster (kinit/klist, and the headers python-gssapi builds against),
# Chromium for the docs tests, a virtualenv in .venv with Knit and its test/dask/kerberos/docs extras (which builds
# knit.jar with Maven; the kerberos extra builds python-gssapi from source against libkrb5-dev: about 1 min of
# CPU, 4.5 min on a loaded 2-core machine, once per fresh venv), and Hadoop's jars for the local cluster
# (resolved once by Maven into ~/.cache/knit).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=() BROWSER_DEBS=()
if ! command -v javac >/dev/null || ! command -v mvn >/dev/null; then DEBS+=(openjdk-17-jdk-headless maven); fi
if ! command -v kinit >/dev/null; then DEBS+=(krb5-user); fi
if ! command -v curl >/dev/null; then DEBS+=(curl); fi  # SPNEGO checks in the secure cluster's tests
if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then DEBS+=(libkrb5-dev); fi
# Chromium loads the example notebook's HTML export in the docs tests (tests/integration/test_docs.py); a font
# so that its screenshot shows text. Without recommends: no desktop services for a headless browser.
if ! command -v chromium >/dev/null; then BROWSER_DEBS+=(chromium fonts-liberation); fi
if [ ${#DEBS[@]} -gt 0 ] || [ ${#BROWSER_DEBS[@]} -gt 0 ]; then
  echo "setup: installing from Debian: ${DEBS[*]} ${BROWSER_DEBS[*]}" >&2
  apt-get update -q
  # noninteractive: krb5-user's debconf would otherwise ask for a default realm
  [ ${#DEBS[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${DEBS[@]}"
  [ ${#BROWSER_DEBS[@]} -eq 0 ] ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${BROWSER_DEBS[@]}"
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
.venv/bin/python -m pip install -q ".[test,dask,kerberos,docs]"
# Fetch Hadoop's jars now rather than inside the first test's deadline.
.venv/bin/python -c "from knit.localcluster import hadoop_lib_dir; print('setup: Hadoop jars in', hadoop_lib_dir())"
