"""`python -m build` from the checkout: an sdist and a wheel that build, install and run with no JDK or Maven."""
from __future__ import annotations

import email
import hashlib
import json
import re
import subprocess
import tarfile
import zipfile

import pytest

from install_helpers import REPO, make_venv, pip_install, pom_version, run
from knit.gateway import jar_manifest

pytestmark = pytest.mark.install


def _wheel_files(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist() if not n.endswith("/")}


def _metadata(wheel) -> email.message.Message:
    with zipfile.ZipFile(wheel) as z:
        return email.message_from_bytes(z.read(f"knit-{pom_version()}.dist-info/METADATA"))


def test_build_needs_no_maven_and_prints_no_warnings(dists):
    assert "not running Maven" in dists.log
    assert "knit: running mvn" not in dists.log
    warnings = [line for line in dists.log.splitlines() if re.search(r"(?i)warn", line)]
    assert not warnings, "\n".join(warnings)
    assert dists.sdist.is_file() and dists.wheel.is_file()


def test_sdist_carries_the_jars_the_java_sources_and_the_pom(dists):
    top = f"knit-{pom_version()}/"
    with tarfile.open(dists.sdist) as t:
        names = {n[len(top):] for n in t.getnames() if n.startswith(top)}
    java_sources = subprocess.run(["git", "ls-files", "java"], cwd=REPO, capture_output=True, text=True,
                                  check=True).stdout.split()
    assert java_sources and set(java_sources) <= names, set(java_sources) - names
    assert {"pom.xml", "pyproject.toml", "setup.py", "LICENSE", "README.md", "CHANGELOG.md", "PKG-INFO",
            "knit/java/knit.jar", "knit/java/knit-localcluster.jar", "knit/java/pom.xml",
            "knit/py.typed", "dask_yarn/py.typed", "dask_yarn/yarn.yaml"} <= names
    assert not any(n.endswith((".pyc", ".class")) or "__pycache__" in n or n.startswith("target/")
                   for n in names)


def test_wheel_from_sdist_equals_wheel_from_checkout(dists):
    from_sdist, from_checkout = _wheel_files(dists.wheel), _wheel_files(dists.checkout_wheel)
    assert sorted(from_sdist) == sorted(from_checkout)
    # Every file, RECORD included (it lists the others' hashes, so it differs only if they do); what differs
    # between the two builds is only the zip entries' dates, which are not content.
    differing = [n for n in from_sdist if from_sdist[n] != from_checkout[n]]
    assert not differing


def test_wheel_contents_and_metadata(dists):
    version = pom_version()
    names = set(_wheel_files(dists.wheel))
    assert {"knit/py.typed", "dask_yarn/py.typed", "knit/java/knit.jar", "knit/java/knit-localcluster.jar",
            "knit/java/pom.xml", "knit/_version.py", "dask_yarn/yarn.yaml", "knit/shared/states.json",
            "knit/shared/names.json", "knit/shared/java17-options.txt", "knit/shared/gateway.json",
            f"knit-{version}.dist-info/licenses/LICENSE"} <= names
    assert not any(n.startswith(("tests/", "java/", "benchmarks/")) for n in names)
    with zipfile.ZipFile(dists.wheel) as z:
        assert z.read("knit/_version.py").decode().endswith(f'__version__ = "{version}"\n')
    meta = _metadata(dists.wheel)
    assert meta["Version"] == version
    assert meta["License-Expression"] == "BSD-3-Clause" and meta["License-File"] == "LICENSE"
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().lstrip().startswith("# Knit")
    requires = meta.get_all("Requires-Dist")
    assert any(r.startswith("py4j") and "<=0.10.9.9" in r and ">=0.10.9" in r for r in requires), requires
    assert any(r.startswith("distributed") and "<" in r and 'extra == "dask"' in r for r in requires)
    assert "Typing :: Typed" in meta.get_all("Classifier")
    assert meta.get_all("Project-URL")


def test_jars_in_the_wheel_carry_the_version(dists, tmp_path):
    with zipfile.ZipFile(dists.wheel) as z:
        z.extractall(tmp_path, members=["knit/java/knit.jar", "knit/java/knit-localcluster.jar"])
    for jar in ("knit.jar", "knit-localcluster.jar"):
        manifest = jar_manifest(str(tmp_path / "knit" / "java" / jar))
        assert manifest["Knit-Version"] == pom_version(), jar
        assert manifest["Implementation-Version"] == pom_version(), jar


def _smoke(python, no_jdk_env, tmp_path) -> None:
    """What an installed Knit must do without a cluster, a JDK or Maven, run from outside the checkout."""
    version = pom_version()
    out = run([python.parent / "knit", "--version"], env=no_jdk_env, cwd=tmp_path)
    assert re.fullmatch(rf"knit {re.escape(version)} \(knit\.jar {re.escape(version)}: "
                        rf"{re.escape(str(python.parent.parent))}/lib/python3\.\d+/site-packages/knit/java/knit\.jar\)\n",
                        out), out
    out = run([python, "-c", "import importlib.metadata as m, knit; print(knit.__version__, m.version('knit'), "
               "knit.__file__)"], env=no_jdk_env, cwd=tmp_path)
    got_version, metadata_version, where = out.split()
    assert got_version == metadata_version == version
    assert where.startswith(str(python.parent.parent))


def test_wheel_installs_and_runs_without_jdk_or_maven(dists, no_jdk_env, tmp_path):
    python = make_venv(tmp_path / "venv")
    pip_install(python, f"{dists.wheel}[dask]", env=no_jdk_env)
    _smoke(python, no_jdk_env, tmp_path)
    out = run([python, "-c", "import dask_yarn, knit, pathlib; print(dask_yarn.DaskYARNCluster.__name__, "
               "pathlib.Path(knit.__file__).with_name('py.typed').is_file())"], env=no_jdk_env, cwd=tmp_path)
    assert out.split() == ["DaskYARNCluster", "True"]


def test_sdist_installs_without_jdk_or_maven(dists, no_jdk_env, tmp_path):
    python = make_venv(tmp_path / "venv")
    log = pip_install(python, "-v", str(dists.sdist), env=no_jdk_env)
    assert "not running Maven" in log  # it built a wheel from the sdist, with the sdist's JARs
    _smoke(python, no_jdk_env, tmp_path)


def test_resolves_next_to_pyspark_3_5(dists, tmp_path):
    """pip's resolver (a dry run: nothing installed) puts Knit next to the newest pyspark 3.5; the real install
    next to one that pins py4j==0.10.9.7, and a run there, is tests/integration/test_py4j_compat.py."""
    python = make_venv(tmp_path / "venv")
    report = tmp_path / "report.json"
    pip_install(python, "--dry-run", "--report", str(report), str(dists.wheel), "pyspark==3.5.*")
    installs = json.loads(report.read_text())["install"]
    chosen = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in installs}
    assert chosen["knit"] == pom_version() and chosen["pyspark"].startswith("3.5."), chosen
    assert chosen["py4j"].startswith("0.10.9"), chosen
