"""One root exception for everything Knit raises, with typed subclasses."""


class KnitException(Exception):
    """Root of every error Knit raises on purpose."""


class ConfigError(KnitException, ValueError):
    """Hadoop configuration missing, malformed or contradictory."""


class SpecError(KnitException, ValueError):
    """An application request that cannot be valid (raised before anything is uploaded)."""


class ClusterError(KnitException):
    """The local Hadoop cluster could not be started, found or stopped."""


class YARNError(KnitException):
    """The ResourceManager refused a request or answered with an error."""


class ApplicationNotFound(YARNError, KeyError):
    """No application with that id is known to the ResourceManager."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ApplicationFailed(KnitException):
    """The YARN application ended FAILED or KILLED while we were waiting on it."""


class GatewayError(KnitException):
    """The Java gateway (client JVM or ApplicationMaster) could not be started or reached."""
