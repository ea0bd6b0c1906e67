"""Unit tests for knit.logs: how live and aggregated answers are combined, and the aggregation wait.

No cluster: the REST client is a stand-in returning canned answers. Reading logs from real
NodeManagers and aggregated logs is tested in tests/integration/test_logs.py.
"""
import io
import json

import pytest

from knit import logs as klogs
from knit.exceptions import KnitException, SpecError, YARNError
from knit.nodemanager import LogEnd
from knit.shared import TRUNCATED_LOG_NOTE


class FakeRest:
    """Stands in for YARNAPI's NodeManager/RM calls, to test how answers are combined (not YARN)."""

    def __init__(self, files, logs, attempt_containers, aggregation=None):
        self.files, self.logs, self.attempt = files, logs, attempt_containers
        self.aggregation = aggregation

    def app_containers(self, app_id):
        return self.attempt

    def status(self, app_id):
        return {"logAggregationStatus": next(self.aggregation)}

    def container_log_files(self, address, cid):
        if cid not in self.files:
            raise _not_found()
        return [{"fileName": n} for n in self.files[cid]]

    def container_log_end(self, address, cid, name, tail):
        if (cid, name) not in self.logs:
            raise _not_found()
        data = self.logs[cid, name].encode()
        return LogEnd(data[-tail:].decode(), len(data), min(tail, len(data)))


def _not_found():
    e = YARNError("HTTP 404")
    e.status_code = 404
    return e


def test_live_logs_cover_am_list_and_attempt_containers():
    rest = FakeRest(files={"c2": ["stdout", "stderr", "launch_container.sh"]},
                    logs={("c2", "stdout"): "out", ("c2", "stderr"): "err",
                          ("c2", "launch_container.sh"): "#!/bin/bash", ("c1", "stdout"): "am out",
                          ("c3", "stdout"): "done"},
                    attempt_containers=[{"id": "c1", "node_http_address": "n1:8042"},
                                        {"id": "c2", "node_http_address": "n2:8042"}])
    parts = klogs.LogParts("application_1_0001", lambda: "RUNNING",
                           lambda: [{"id": "c2", "state": "RUNNING", "node_http_address": "n2:8042"},
                                    {"id": "c3", "state": "SUCCEEDED", "node_http_address": "n1:8042"},
                                    {"id": "c4", "state": "REQUESTED"}],
                           lambda a, c, tail, debug: "{}", rest)
    logs = klogs.fetch_logs(parts)
    assert logs == {
        "c1": {"stdout": "am out", "stderr": ""},  # NM forgot the container: default files tried
        "c2": {"stdout": "out", "stderr": "err"},  # the NodeManager's debug files left out unless asked
        "c3": {"stdout": "done", "stderr": ""},
    }
    assert klogs.fetch_logs(parts, "c2", include_debug=True)["c2"]["launch_container.sh"] == "#!/bin/bash"
    assert klogs.fetch_logs(parts, "c3") == {"c3": {"stdout": "done", "stderr": ""}}
    with pytest.raises(KnitException, match="not a launched container"):
        klogs.fetch_logs(parts, "c4")


def test_node_errors_other_than_404_propagate():
    class Down(FakeRest):
        def container_log_files(self, address, cid):
            raise YARNError("NodeManager n1:8042 unreachable: Connection refused")

    parts = klogs.LogParts("application_1_0001", lambda: "RUNNING",
                           lambda: [{"id": "c2", "state": "RUNNING", "node_http_address": "n1:8042"}],
                           lambda a, c, tail, debug: "{}", Down({}, {}, []))
    with pytest.raises(YARNError, match="unreachable"):
        klogs.fetch_logs(parts)


def _parts(state, aggregated):
    return klogs.LogParts(app_id="application_1_0001", state=lambda: state,
                          containers=lambda: [], aggregated=aggregated)


def test_finished_app_reads_aggregated_logs_and_waits_for_them():
    answers = iter(["{}", "{}", json.dumps({"c1": {"stdout": "out"}})])
    calls = []

    def aggregated(app_id, cid, tail, debug):
        calls.append((app_id, cid, tail, debug))
        return next(answers)

    logs = klogs.fetch_logs(_parts("FINISHED", aggregated), timeout=30, tail=10, include_debug=True)
    assert logs == {"c1": {"stdout": "out", "stderr": ""}}
    assert calls == [("application_1_0001", None, 10, True)] * 3


def test_aggregated_logs_wait_for_the_rm_aggregation_status():
    rest = FakeRest({}, {}, [], aggregation=iter(["NOT_START", "RUNNING", "SUCCEEDED"]))
    answers = iter([json.dumps({"c1": {"stdout": "partial"}}),
                    json.dumps({"c1": {"stdout": "partial"}}),
                    json.dumps({"c1": {"stdout": "a"}, "c2": {"stdout": "b"}})])
    parts = klogs.LogParts("application_1_0001", lambda: "FINISHED", lambda: [],
                           lambda a, c, tail, debug: next(answers), rest)
    assert sorted(klogs.fetch_logs(parts, timeout=30)) == ["c1", "c2"]


def test_aggregated_logs_that_never_come_raise_after_the_deadline():
    with pytest.raises(YARNError, match="no aggregated logs"):
        klogs.fetch_logs(_parts("KILLED", lambda a, c, tail, debug: "{}"), timeout=0.5)


def test_live_logs_keep_the_end_of_each_file_after_a_note():
    rest = FakeRest(files={"c2": ["stdout"]}, logs={("c2", "stdout"): "0123456789"},
                    attempt_containers=[{"id": "c2", "node_http_address": "n2:8042"}])
    parts = klogs.LogParts("application_1_0001", lambda: "RUNNING", lambda: [], lambda *a: "{}", rest)
    out = klogs.fetch_logs(parts, tail=4)["c2"]["stdout"]
    assert out == TRUNCATED_LOG_NOTE.format(omitted=6, length=10) + "6789"
    assert klogs.fetch_logs(parts, tail=10)["c2"]["stdout"] == "0123456789"
    for bad in (0, -1, 2 ** 31, 1.5, True):
        with pytest.raises(SpecError, match="tail"):
            klogs.fetch_logs(parts, tail=bad)


def test_print_logs_formats_every_file():
    out = io.StringIO()
    klogs.print_logs({"c2": {"stdout": "b\n", "stderr": ""}, "c1": {"stdout": "a"}}, file=out)
    text = out.getvalue()
    assert text.index("=== c1 ===") < text.index("=== c2 ===")
    assert "--- stdout ---\na\n" in text and "--- stderr ---" in text


def test_a_container_its_node_does_not_track_keeps_the_files_left_on_disk():
    """(A container not running yet: tests/unit/test_logs_not_running.py.)"""
    class Unknown(FakeRest):
        def container_log_files(self, address, cid):
            e = YARNError("HTTP 503 NotFoundException: Unknown container. Container either has not started or has "
                          "already completed or doesn't belong to this node at all.")
            e.status_code = 503
            raise e

    parts = klogs.LogParts("application_1_0001", lambda: "RUNNING",
                           lambda: [{"id": "c2", "state": "RUNNING", "node_http_address": "n1:8042"}],
                           lambda *a: "{}", Unknown({}, {("c2", "stdout"): "left on disk"}, []))
    assert klogs.fetch_logs(parts) == {"c2": {"stdout": "left on disk", "stderr": ""}}
