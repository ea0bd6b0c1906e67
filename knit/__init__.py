"""Knit: run programs and Dask clusters on Apache Hadoop YARN."""
import logging

from .core import Knit
from .env import CondaCreator
from .exceptions import (ApplicationFailed, ApplicationNotFound, ClusterError, ConfigError,
                         GatewayError, KnitException, SpecError, YARNError)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["ApplicationFailed", "ApplicationNotFound", "ClusterError", "CondaCreator", "ConfigError", "GatewayError",
           "Knit", "KnitException", "SpecError", "YARNAPI", "YARNError", "__version__"]


def __getattr__(name):
    # YARNAPI lives in knit.yarn_api; imported on first use so `import knit` stays light.
    if name == "YARNAPI":
        from .yarn_api import YARNAPI
        return YARNAPI
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
