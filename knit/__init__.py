"""Knit: run programs and Dask clusters on Apache Hadoop YARN."""
import logging

from .exceptions import (ApplicationFailed, ApplicationNotFound, ClusterError, ConfigError,
                         GatewayError, KnitException, SpecError, YARNError)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["ApplicationFailed", "ApplicationNotFound", "ClusterError", "ConfigError", "GatewayError",
           "KnitException", "SpecError", "YARNError", "__version__"]
