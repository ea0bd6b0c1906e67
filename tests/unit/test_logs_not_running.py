"""Which NodeManager errors mean "no logs here" (empty logs) and which are errors (knit.logs).

The answers are the ones a Hadoop 3.4.2 NodeManager gave on the local cluster (see
tests/integration/test_logs_polling.py for the real thing); here the REST client is a stand-in.
"""
import pytest

from knit import logs as klogs
from knit.exceptions import YARNError

NOT_RUNNING = ("org.apache.hadoop.yarn.webapp.NotFoundException: java.lang.Exception: Container is not yet "
               "running. Current state is SCHEDULED")
UNKNOWN = ("org.apache.hadoop.yarn.webapp.NotFoundException: java.lang.Exception: Unknown container. Container "
           "either has not started or has already completed or doesn't belong to this node at all.")


def _error(status, message):
    e = YARNError(f"HTTP {status} {message}")
    e.status_code = status
    e.remote_exception = {"exception": "WebApplicationException", "message": message}
    return e


class OneAnswer:
    """A NodeManager whose log list answers with ``error``; files answer 404 (what the NM does then)."""

    def __init__(self, error):
        self.error = error

    def container_log_files(self, address, cid):
        raise self.error

    def container_log_end(self, address, cid, name, tail):
        raise _error(404, "java.lang.Exception: Cannot find this log on the local disk.")


@pytest.mark.parametrize("message", [NOT_RUNNING, UNKNOWN])
def test_a_container_not_running_yet_or_gone_has_empty_logs(message):
    logs = klogs.container_logs_live(OneAnswer(_error(503, message)), "n1:8042", "container_1_0001_01_000002")
    assert logs == {"stdout": "", "stderr": ""}


@pytest.mark.parametrize("status, message", [
    (503, "java.lang.IllegalStateException: the NodeManager is shutting down"),  # a 503 that is not "not found"
    (500, NOT_RUNNING),  # "not found" under another status: not the NodeManager's known answer
])
def test_other_node_errors_still_raise(status, message):
    with pytest.raises(YARNError, match=f"HTTP {status}"):
        klogs.container_logs_live(OneAnswer(_error(status, message)), "n1:8042", "container_1_0001_01_000002")
