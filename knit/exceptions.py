"""One root exception for everything Knit raises, with typed subclasses."""


class KnitException(Exception):
    """Root of every error Knit raises on purpose."""


class ConfigError(KnitException, ValueError):
    """Hadoop configuration missing, malformed or contradictory."""


class SpecError(KnitException, ValueError):
    """An application request that cannot be valid (raised before anything is uploaded).

    ``field`` is the spec path of the field at fault (``containers.memory``, ``files[0].name``) when one is,
    as named by ``spec/schema.json``; None for problems that are not one field's.
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


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


class UntrustedGateway(GatewayError):
    """What answered at an ApplicationMaster's address did not present the application's pinned certificate."""


class ControlTimeout(KnitException, TimeoutError):
    """An ApplicationMaster did not answer a call within ``control_timeout`` seconds."""


class MissingPathError(SpecError):
    """A local env or file given to Knit does not exist."""


class UnreadablePathError(SpecError):
    """A local env or file exists but the current user cannot read it."""


class CorruptArchiveError(SpecError):
    """An archive is truncated, fails its checksums, or holds unsafe member paths."""


class EnvBuildError(KnitException):
    """conda / mamba / micromamba / pip could not build the requested environment."""


class PreflightError(KnitException):
    """The cluster cannot run the requested application (raised before anything is uploaded)."""


class QueueError(PreflightError, SpecError):
    """The queue does not exist, is not a leaf queue, or is not RUNNING."""


class ResourceLimitError(PreflightError, SpecError):
    """A container (or the AM) is larger than the scheduler's maximum allocation or than every node."""


class InsufficientResources(PreflightError):
    """The cluster has not enough free memory or vcores for the AM plus the containers right now."""
