"""knit.nodemanager without a cluster: the NodeManager's log format (the live calls: tests/integration)."""
from knit.nodemanager import _log_content


def test_hadoop3_log_header_is_stripped_and_hadoop2_raw_logs_kept():
    wrapped = (b"Container: container_1_0001_01_000002 on host:45454\nLogAggregationType: LOCAL\n"
               b"====\nLogType:stdout\nLogLastModifiedTime:Tue Nov 24 11:56:20 +0000 2026\nLogLength:12\n"
               b"LogContents:\nhello\nworld\nEnd of LogType:stdout.This log file belongs to a running container\n")
    assert _log_content(wrapped) == b"hello\nworld\n"
    assert _log_content(b"just the file\n") == b"just the file\n"
