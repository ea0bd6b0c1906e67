"""Fixtures for the unit tests (no cluster)."""
from __future__ import annotations

import pytest


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A Knit cache directory of the test's own (``$KNIT_CACHE_DIR``)."""
    d = tmp_path / "knit-cache"
    monkeypatch.setenv("KNIT_CACHE_DIR", str(d))
    return d
