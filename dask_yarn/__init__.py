"""Dask clusters whose workers run in YARN containers, on top of :mod:`knit`.

Attributes load on first use, so ``knit``'s command line can register ``knit dask ...`` without importing Dask.
"""
from typing import Any

__all__ = ["ClusterStateError", "DaskYARNCluster", "WorkerNotFound", "YARNScheduler", "YARNWorker"]


def __getattr__(name: str) -> Any:
    if name in ("YARNScheduler", "YARNWorker"):
        from . import jobs
        return getattr(jobs, name)
    if name in __all__:
        from . import core
        return getattr(core, name)
    raise AttributeError(f"module 'dask_yarn' has no attribute {name!r}")
