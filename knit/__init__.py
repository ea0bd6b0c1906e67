"""Knit: run programs and Dask clusters on Apache Hadoop YARN."""
import logging

from .core import Knit
from .env import CondaCreator
from .exceptions import (ApplicationFailed, ApplicationNotFound, ClusterError, CondaException, ConfigError,
                         GatewayError, KerberosError, KnitException, PermissionDenied, SpecError, YARNError,
                         YARNException)
from .zipdir import zip_path

try:
    from ._version import __version__  # written by setup.py from pom.xml's <version> at build time
except ImportError:  # a source checkout that was never built (`pip install .` or setup.sh writes it)
    __version__ = "0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["ApplicationFailed", "ApplicationNotFound", "ClusterError", "CondaCreator", "CondaException", "ConfigError",
           "GatewayError", "KerberosError", "Knit", "KnitException", "PermissionDenied", "SpecError", "YARNAPI",
           "YARNError", "YARNException", "__version__", "zip_path"]


def __getattr__(name):
    # YARNAPI lives in knit.yarn_api; imported on first use so `import knit` stays light.
    if name == "YARNAPI":
        from .yarn_api import YARNAPI
        return YARNAPI
    if name == "DaskYARNCluster":  # knit 0.2 had it here too, deprecated then already
        import warnings

        warnings.warn("knit.DaskYARNCluster is deprecated: use dask_yarn.DaskYARNCluster", DeprecationWarning,
                      stacklevel=2)
        from dask_yarn import DaskYARNCluster
        return DaskYARNCluster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
