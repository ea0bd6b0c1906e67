"""dask_yarn's own errors (importable from ``dask_yarn`` and ``dask_yarn.core`` too)."""
from knit.exceptions import KnitException


class ClusterStateError(KnitException, RuntimeError):
    """The call does not fit the cluster's state (closed, failed, or not a cluster of ours)."""


class WorkerNotFound(KnitException, KeyError):
    """No worker of this cluster has that name."""
