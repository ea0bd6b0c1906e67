"""Dask config of ``dask_yarn`` (keys ``yarn.*``, defaults in ``yarn.yaml`` beside this file).

Importing this module registers the defaults and writes a commented copy of them to
``~/.config/dask/yarn.yaml`` if there is none (:func:`dask.config.ensure_file`), for users to edit. Values are
read with :func:`get`, which falls back to the packaged defaults (so a reset of ``dask.config`` does not break
it) and reads dask-yarn's key names (:data:`ALIASES`) when ours are left at their defaults, so a leftover
dask-yarn config file keeps working.
"""
from __future__ import annotations

import math
import os
from typing import Any

import dask
import yaml
from dask.utils import parse_bytes

from knit.exceptions import SpecError
from knit.spec import check_int

FILE = os.path.join(os.path.dirname(__file__), "yarn.yaml")
with open(FILE) as f:
    DEFAULTS: dict = yaml.safe_load(f)

#: dask-yarn's key -> ours (both under ``yarn.``).
ALIASES = {"env": "environment", "app-name": "name", "ip": "host", "worker.env-vars": "worker.env",
           "worker.class": "worker.worker_class"}

dask.config.update_defaults(DEFAULTS)
dask.config.ensure_file(source=FILE, comment=True)


def get(key: str) -> Any:
    """``yarn.<key>``: the user's value, else that of dask-yarn's name for it, else the packaged default."""
    default = dask.config.get(f"yarn.{key}", config=DEFAULTS)
    value = dask.config.get(f"yarn.{key}", default=default)
    if value == default and key in ALIASES:
        return dask.config.get(f"yarn.{ALIASES[key]}", default=default)
    return value


def memory_mb(value: Any, keyword: str) -> int:
    """MB from a size as Dask users write it: ``"2 GiB"``, ``"512 MiB"``; an int (or a plain number) is MB.

    Raises
    ------
    SpecError
        Naming ``keyword``, for anything else or a size under 1 MB.
    """
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    elif isinstance(value, str):
        try:
            value = math.ceil(parse_bytes(value) / 2**20)
        except ValueError as e:
            raise SpecError(f"{keyword}={value!r} is not a size such as '2 GiB': {e}") from None
    return check_int(value, keyword)  # ints (not bools) of at least 1 MB
