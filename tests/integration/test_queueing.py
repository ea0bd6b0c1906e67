"""Pre-flight lets YARN queue: a request larger than what is free now is submitted, waits in YARN, and runs as
resources free up (the local cluster: 2 NodeManagers of 4096 MB and 8 vcores, the default memory-only
resource calculator)."""
from __future__ import annotations

import logging

from knit import Knit
from helpers import app, wait_until


def test_more_than_fits_now_is_submitted_queues_then_runs(hadoop_cluster, caplog):
    k = Knit()
    # 3 x 3000 MB: one per 4096 MB node at a time, so the third waits for one of the first two to end.
    with caplog.at_level(logging.WARNING, logger="knit.checks"):
        with app(k, "sleep 10", num_containers=3, memory=3000):
            assert "does not fit now" in caplog.text and "YARN will queue" in caplog.text
            waiting = wait_until(lambda: (lambda s: s if sorted(s) == ["REQUESTED", "RUNNING", "RUNNING"] else None)(
                [c["state"] for c in k.get_containers()]), 120, "two containers RUNNING and one still queued")
            assert waiting
            # A batch app ends only when no container is requested any more: the queued one ran too.
            assert k.wait_for_completion(180)
            assert k.report()["final_status"] == "SUCCEEDED"


def test_thirty_single_vcore_containers_on_sixteen_vcores_run(hadoop_cluster, caplog):
    """Vcores do not count with the memory-only calculator: 31 vcores asked of 16 is not a reason to refuse."""
    k = Knit()
    with caplog.at_level(logging.WARNING, logger="knit.checks"):
        with app(k, "sleep 5", num_containers=30, memory=64, virtual_cores=1):
            assert "does not fit now" not in caplog.text
            assert k.wait_for_completion(300)
            assert k.report()["final_status"] == "SUCCEEDED"
