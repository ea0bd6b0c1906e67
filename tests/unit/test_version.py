"""One version: pom.xml's <version>, carried into knit.__version__, the installed metadata and both JARs."""
from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import knit
from knit.gateway import find_jar, jar_manifest
from knit.localcluster import localcluster_jar

REPO = Path(__file__).resolve().parents[2]


def _pom_version() -> str:
    return ET.parse(REPO / "pom.xml").getroot().find("{http://maven.apache.org/POM/4.0.0}version").text.strip()


def test_package_metadata_and_jars_carry_the_pom_version():
    version = _pom_version()
    assert knit.__version__ == version
    assert importlib.metadata.version("knit") == version, "the installed knit is stale: pip install ."
    for jar in (find_jar(), str(localcluster_jar())):
        manifest = jar_manifest(jar)
        assert manifest["Knit-Version"] == version, jar
        assert manifest["Implementation-Version"] == version, jar


def test_the_version_is_written_in_one_source_file():
    version = _pom_version()
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    holders = []
    for name in tracked.split():
        path = REPO / name
        if path.suffix in (".py", ".java", ".xml", ".toml", ".cfg", ".sh", ".yaml", ".json") and path.is_file():
            if re.search(rf"(?<![\d.]){re.escape(version)}(?![\d.])", path.read_text(errors="replace")):
                holders.append(name)
    assert holders == ["pom.xml"]


def test_cli_prints_both_versions():
    out = subprocess.run([sys.executable, "-m", "knit.cli", "--version"], capture_output=True, text=True,
                         check=True).stdout
    version = _pom_version()
    assert out.startswith(f"knit {version} (knit.jar {version}: ") and out.rstrip().endswith("knit.jar)")
