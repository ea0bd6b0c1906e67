"""Knit's local cache directory (zipped directories, validated archives, built environments)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """Knit's local cache directory: ``$KNIT_CACHE_DIR`` or ``~/.cache/knit``."""
    return Path(os.environ.get("KNIT_CACHE_DIR") or Path.home() / ".cache" / "knit")
