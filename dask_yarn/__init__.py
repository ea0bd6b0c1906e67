"""Dask clusters whose workers run in YARN containers, on top of :mod:`knit`."""
from .core import ClusterStateError, DaskYARNCluster, WorkerNotFound
from .worker import ContainerPool, WorkerStartError, YARNWorker

__all__ = ["ClusterStateError", "ContainerPool", "DaskYARNCluster", "WorkerNotFound",
           "WorkerStartError", "YARNWorker"]
