"""Dask clusters whose workers run in YARN containers, on top of :mod:`knit`.

Attributes load on first use, so ``knit``'s command line can register ``knit dask ...`` without importing Dask.
"""
import importlib
from typing import Any

__all__ = ["ClusterStateError", "DaskYARNCluster", "WorkerNotFound", "YARNScheduler", "YARNWorker"]
#: The module of each attribute other than ``core``'s (the workers' classes need neither core nor its config).
_MODULES = {"YARNScheduler": "jobs", "YARNWorker": "jobs"}


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'dask_yarn' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULES.get(name, 'core')}", __name__), name)
