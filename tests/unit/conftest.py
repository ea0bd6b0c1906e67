"""Fixtures for the unit tests (no cluster)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A Knit cache directory of the test's own (``$KNIT_CACHE_DIR``)."""
    d = tmp_path / "knit-cache"
    monkeypatch.setenv("KNIT_CACHE_DIR", str(d))
    return d


@pytest.fixture
def offline(tmp_path, monkeypatch) -> Path:
    """A Hadoop conf naming a cluster (``hdfs://nn.example:8020``, user ``alice``) and no ``hadoop`` on PATH, so
    nothing can start a JVM or reach a cluster: a SpecError rather than a GatewayError proves that bad input was
    refused before any JVM call. The working directory is ``tmp_path``."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "core-site.xml").write_text(
        "<configuration><property><name>fs.defaultFS</name><value>hdfs://nn.example:8020</value>"
        "</property></configuration>")
    monkeypatch.setenv("HADOOP_CONF_DIR", str(conf))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("HADOOP_HOME", raising=False)
    monkeypatch.setenv("HADOOP_USER_NAME", "alice")
    monkeypatch.chdir(tmp_path)
    return tmp_path
