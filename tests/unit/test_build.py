"""The build: what knit.jar holds and how setup.py fails without Maven or a JDK."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from knit.localcluster import _artifact

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def knit_jar() -> zipfile.ZipFile:
    with zipfile.ZipFile(_artifact("knit.jar", "target/knit.jar")) as z:
        yield z


def test_knit_jar_bundles_relocated_py4j_and_gson_but_no_hadoop(knit_jar):
    names = knit_jar.namelist()
    assert any(n.startswith("org/knit/shaded/py4j/") for n in names)
    assert any(n.startswith("org/knit/shaded/gson/") for n in names)
    assert not any(n.startswith(("py4j/", "com/google/gson/")) for n in names), "unrelocated classes"
    assert not any(n.startswith("org/apache/hadoop/") for n in names), "Hadoop must be provided, not bundled"
    assert not any(n.startswith("org/knit/localcluster/") for n in names), "the local cluster has its own jar"


def test_knit_jar_is_java8_bytecode_with_client_main(knit_jar):
    ours = [n for n in knit_jar.namelist() if n.startswith("org/knit/") and "/shaded/" not in n
            and n.endswith(".class")]
    assert ours
    for name in ours:
        magic, _minor, major = struct.unpack(">IHH", knit_jar.read(name)[:8])
        assert magic == 0xCAFEBABE and major == 52, f"{name}: class file version {major}, want 52 (Java 8)"
    manifest = knit_jar.read("META-INF/MANIFEST.MF").decode()
    assert "Main-Class: org.knit.client.Client" in manifest


def test_knit_jar_carries_the_shared_files_python_reads(knit_jar):
    shared = sorted(p for p in (REPO / "knit" / "shared").iterdir() if p.suffix in (".json", ".txt"))
    assert {p.name for p in shared} >= {"states.json", "java17-options.txt", "names.json", "gateway.json"}
    for path in shared:
        assert knit_jar.read(f"org/knit/shared/{path.name}") == path.read_bytes(), f"{path.name} differs in the JAR"


def test_setup_py_without_maven_says_so():
    env = {"PATH": "/nonexistent", "HOME": os.environ.get("HOME", "/tmp")}
    proc = subprocess.run([sys.executable, "setup.py", "build_jar"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "needs `mvn` on PATH" in proc.stderr


def test_setup_py_without_jdk_says_so(tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "mvn").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "mvn").chmod(0o755)
    env = {"PATH": str(fake_bin), "HOME": os.environ.get("HOME", "/tmp"), "JAVA_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "setup.py", "build_jar"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "needs a JDK" in proc.stderr
