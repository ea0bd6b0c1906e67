"""Unit tests for knit.logs: parsing NodeManager answers and the aggregated-log wait (no cluster).

The NodeManager bodies below were recorded from the Hadoop 3.4.2 local cluster's REST API; reading
live logs from real NodeManagers is tested in tests/integration/test_logs.py.
"""
import io
import json

import pytest

from knit import logs as klogs
from knit.exceptions import KnitException, YARNError

CONTENT = b"hello-out\nLogLength:99\nLogContents:\n"
FRAMED = (b"Container: container_1_0005_01_000002 on localhost:35475\n"
          b"LogAggregationType: LOCAL\n"
          b"====================================================================\n"
          b"LogType:stdout\n"
          b"LogLastModifiedTime:Tue Nov 24 11:52:05 +0000 2026\n"
          b"LogLength:%d\n"
          b"LogContents:\n%s\n"
          b"End of LogType:stdout.This log file belongs to a running container "
          b"(container_1_0005_01_000002) and so may not be complete.\n"
          b"***********************************************************************\n\n"
          ) % (len(CONTENT), CONTENT)

LISTING = {"containerLogsInfo": {"containerLogInfo": [
    {"fileName": "launch_container.sh", "fileSize": "4975"},
    {"fileName": "stderr", "fileSize": "0"},
    {"fileName": "stdout", "fileSize": "0"}],
    "logAggregationType": "LOCAL", "containerId": "container_1_0005_01_000002"}}


def test_unframe_uses_the_declared_length():
    assert klogs.unframe(FRAMED) == CONTENT.decode()


def test_unframe_passes_raw_files_through():
    assert klogs.unframe(b"plain log\n") == "plain log\n"


def test_log_file_names_from_listing(monkeypatch):
    monkeypatch.setattr(klogs, "_get_json", lambda addr, path: LISTING)
    assert klogs._log_file_names("n:1", "c") == ["launch_container.sh", "stderr", "stdout"]
    listing_as_list = {"containerLogsInfo": [LISTING["containerLogsInfo"]]}
    monkeypatch.setattr(klogs, "_get_json", lambda addr, path: listing_as_list)
    assert klogs._log_file_names("n:1", "c") == ["launch_container.sh", "stderr", "stdout"]
    monkeypatch.setattr(klogs, "_get_json", lambda addr, path: None)
    assert klogs._log_file_names("n:1", "c") == ["stdout", "stderr"]


def test_unreachable_node_is_a_yarn_error():
    with pytest.raises(YARNError, match="cannot reach the NodeManager at 127.0.0.1:9"):
        klogs._get("127.0.0.1:9", "/ws/v1/node/apps/x")


def _parts(state, aggregated):
    return klogs.LogParts(app_id="application_1_0001", state=lambda: state,
                          containers=lambda: [], aggregated=aggregated)


def test_finished_app_reads_aggregated_logs_and_waits_for_them():
    answers = iter(["{}", "{}", json.dumps({"c1": {"stdout": "out"}})])
    calls = []

    def aggregated(app_id, cid):
        calls.append((app_id, cid))
        return next(answers)

    logs = klogs.fetch_logs(_parts("FINISHED", aggregated), timeout=30)
    assert logs == {"c1": {"stdout": "out", "stderr": ""}}
    assert calls == [("application_1_0001", None)] * 3


def test_aggregated_logs_that_never_come_raise_after_the_deadline():
    with pytest.raises(YARNError, match="no aggregated logs"):
        klogs.fetch_logs(_parts("KILLED", lambda a, c: "{}"), timeout=0.5)


def test_unknown_container_while_running():
    parts = klogs.LogParts("application_1_0001", lambda: "RUNNING",
                           lambda: [{"id": "c1", "state": "REQUESTED"}], lambda a, c: "{}")
    with pytest.raises(KnitException, match="not a launched container"):
        klogs.fetch_logs(parts, "c1")


def test_print_logs_formats_every_file():
    out = io.StringIO()
    klogs.print_logs({"c2": {"stdout": "b\n", "stderr": ""}, "c1": {"stdout": "a"}}, file=out)
    text = out.getvalue()
    assert text.index("=== c1 ===") < text.index("=== c2 ===")
    assert "--- stdout ---\na\n" in text and "--- stderr ---" in text


def test_rm_web_address_from_conf_dir(tmp_path, monkeypatch):
    (tmp_path / "yarn-site.xml").write_text(
        "<configuration><property><name>yarn.resourcemanager.webapp.address</name>"
        "<value>0.0.0.0:8088</value></property></configuration>")
    monkeypatch.setenv("HADOOP_CONF_DIR", str(tmp_path))
    assert klogs.rm_web_address() == "localhost:8088"
    monkeypatch.delenv("HADOOP_CONF_DIR")
    assert klogs.rm_web_address() is None
