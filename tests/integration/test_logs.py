"""Container logs on the real local cluster: live from both NodeManagers, then aggregated after the end.

Each of the two containers asks for 2100 MB (bookkeeping only: they run ``sleep``) so that the two
cannot share one 4096 MB NodeManager of the local cluster: the test sees logs on two nodes for sure.
"""
from __future__ import annotations

import io


from knit import Knit
from knit import logs as klogs
from helpers import TERMINAL, wait_until

CMD = 'echo "out-$CONTAINER_ID"; echo "err-$CONTAINER_ID" >&2; sleep 600'


def markers_present(logs: dict, ids: list[str]) -> bool:
    return all(f"out-{c}" in logs.get(c, {}).get("stdout", "")
               and f"err-{c}" in logs.get(c, {}).get("stderr", "") for c in ids)


def test_logs_live_on_two_nodes_then_aggregated(hadoop_cluster):
    k = Knit()
    k.start(CMD, num_containers=2, memory=2100)
    try:
        def two_running():
            running = [c for c in k.get_containers() if c["state"] == "RUNNING"]
            return running if len(running) == 2 else None

        def live_with_markers():
            logs = k.logs()
            return logs if markers_present(logs, ids) else None

        containers = wait_until(two_running, 180, "2 RUNNING containers")
        ids = sorted(c["id"] for c in containers)
        assert len({c["node_http_address"] for c in containers}) == 2, containers

        live = wait_until(live_with_markers, 120, "both containers' markers in live logs")
        am = [cid for cid in live if cid not in ids]
        assert len(am) == 1 and am[0].endswith("_000001"), sorted(live)  # the AM's own logs too
        one = k.logs(ids[0])
        assert list(one) == [ids[0]] and f"out-{ids[0]}" in one[ids[0]]["stdout"]
        out = io.StringIO()
        klogs.print_logs(live, file=out)
        assert f"=== {ids[1]} ===" in out.getvalue()
    finally:
        k.kill()
    assert k.runtime_status() in TERMINAL
    after = k.logs()  # from the aggregated logs now
    assert markers_present(after, ids), sorted(after)
