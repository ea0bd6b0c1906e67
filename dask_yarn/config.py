"""Dask config defaults for ``dask_yarn`` (keys ``yarn.*``; see ``yarn.yaml`` beside this file)."""
from __future__ import annotations

import os

import dask
import yaml

_FILE = os.path.join(os.path.dirname(__file__), "yarn.yaml")

with open(_FILE) as f:
    defaults = yaml.safe_load(f)

dask.config.update_defaults(defaults)
