"""knit.nodemanager without a cluster: the NodeManager's log format (the live calls: tests/integration)."""
from knit.nodemanager import LogEnd, _log_end, log_files

HEADER = (b"Container: container_1_0001_01_000002 on host:45454\nLogAggregationType: LOCAL\n"
          b"====\nLogType:stdout\nLogLastModifiedTime:Tue Nov 24 11:56:20 +0000 2026\nLogLength:%d\nLogContents:\n")
TRAILER = b"End of LogType:stdout.This log file belongs to a running container\n"


def test_hadoop3_log_header_is_stripped_and_hadoop2_raw_logs_kept():
    assert _log_end(HEADER % 12 + b"hello\nworld\n" + TRAILER, None) == LogEnd("hello\nworld\n", 12, 12)
    assert _log_end(b"just the file\n", None) == LogEnd("just the file\n", 14, 14)


def test_a_tail_request_keeps_the_end_and_the_whole_length():
    # With ?size=-N the NodeManager sends the last N bytes, but LogLength is the whole file's.
    assert _log_end(HEADER % 1000 + b"world\n" + TRAILER, 6) == LogEnd("world\n", 1000, 6)
    assert _log_end(HEADER % 3 + b"ab\n" + TRAILER, 6) == LogEnd("ab\n", 3, 3)
    assert _log_end(b"0123456789", 4) == LogEnd("6789", 10, 4)


STDOUT = {"fileName": "stdout", "fileSize": "12", "lastModifiedTime": "Tue Nov 24 11:56:20 +0000 2026"}
STDERR = {"fileName": "stderr", "fileSize": "0", "lastModifiedTime": "Tue Nov 24 11:56:20 +0000 2026"}


def test_log_files_of_every_json_shape_the_nodemanager_writes():
    # YARN's JSON writer gives a one-element list as the element itself, at either level (seen in CI: a container
    # with one log file so far had a dict there, and its keys were taken for files)
    assert log_files({"containerLogsInfo": [{"containerLogInfo": [STDOUT, STDERR], "logAggregationType": "LOCAL"},
                                            {"containerLogInfo": [], "logAggregationType": "AGGREGATED"}]}) == [
        STDOUT, STDERR]
    assert log_files({"containerLogsInfo": {"containerLogInfo": [STDOUT, STDERR]}}) == [STDOUT, STDERR]
    assert log_files({"containerLogsInfo": {"containerLogInfo": STDOUT}}) == [STDOUT]
    assert log_files({"containerLogsInfo": [{"containerLogInfo": STDOUT}, {"logAggregationType": "x"}]}) == [STDOUT]
    assert log_files({"containerLogsInfo": None}) == [] == log_files(None) == log_files({})
