"""Dask clusters whose workers run in YARN containers, on top of :mod:`knit`.

Attributes load on first use, so ``knit``'s command line can register ``knit dask ...`` without importing Dask.
"""
from typing import Any

__all__ = ["ClusterStateError", "DaskYARNCluster", "WorkerNotFound", "YARNScheduler", "YARNWorker"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'dask_yarn' has no attribute {name!r}")
    from . import core  # which has them all (the workers' classes from .jobs, the errors from .errors)
    return getattr(core, name)
