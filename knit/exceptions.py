"""One root exception for everything Knit raises, with typed subclasses.

knit 0.2.4's names are the bases of today's classes, so its users' ``except`` clauses catch what they caught
then: ``YARNException`` (0.2.4 raised it for the ResourceManager's error answers and when its REST API could not be
reached) is the base of :class:`YARNError`; ``CondaException`` (a failed environment build) of
:class:`EnvBuildError`; ``HDFSConfigException`` of :class:`ConfigError`.
"""


class KnitException(Exception):
    """Root of every error Knit raises on purpose."""


class HDFSConfigException(KnitException):
    """knit 0.2.4's configuration error (it never raised it); the base of :class:`ConfigError`."""


class YARNException(KnitException):
    """knit 0.2.4's error for YARN's answers; the base of :class:`YARNError` (and so of ``ApplicationNotFound``)."""


class CondaException(KnitException):
    """knit 0.2.4's error for a failed environment build; the base of :class:`EnvBuildError`."""


class ConfigError(HDFSConfigException, ValueError):
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


class YARNError(YARNException):
    """The ResourceManager refused a request or answered with an error."""


class AuthenticationError(YARNError):
    """The REST API wants credentials it was not given, or refused those it was (HTTP 401)."""


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


class EnvBuildError(CondaException):
    """conda / mamba / micromamba / pip could not build the requested environment."""


class PreflightError(KnitException):
    """The cluster cannot run the requested application (raised before anything is uploaded)."""


class QueueError(PreflightError, SpecError):
    """The queue does not exist, is not a leaf queue, or is not RUNNING."""


class ResourceLimitError(PreflightError, SpecError):
    """A container (or the AM) is larger than the scheduler's maximum allocation, every node, or its queue."""


class InsufficientResources(PreflightError):
    """Kept for code that catches it: the pre-flight no longer raises it, since YARN queues a request that
    does not fit the resources free right now (it logs a warning instead)."""


class KerberosError(ConfigError):
    """No usable Kerberos credential: no ticket and no keytab, a keytab that cannot log in, or delegation tokens
    past their lifetime. The message says what to do (``kinit``, ``principal=``/``keytab=``)."""


class PermissionDenied(YARNError, PermissionError):
    """The cluster refused this user: an application's ACL (VIEW_APP, MODIFY_APP) or an HDFS permission. The
    message names the user and what was refused."""
