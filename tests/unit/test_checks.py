"""knit.checks' arithmetic without a cluster (the live pre-flight checks are in tests/integration/test_yarn_api.py
and tests/integration/test_queueing.py), against fabricated ResourceManager scheduler answers: what can never run
is refused, what does not fit now is submitted (YARN queues it), and vcores count only where the scheduler counts
them.

The local cluster runs the Capacity Scheduler; these dicts follow the RM's documented answers for the FIFO and
Fair schedulers, to check our reading of them.
"""
from __future__ import annotations

import logging

import pytest

from knit.checks import (Limits, QueueError, ResourceLimitError, check_queue, check_sizes, counts_vcores, fits_now,
                         preflight, queue_headroom, queue_maximum, scheduler_limits)


def test_fifo_scheduler_has_only_the_default_queue_and_reports_its_limits():
    fifo = {"type": "fifoScheduler", "minQueueMemoryCapacity": 1024, "maxQueueMemoryCapacity": 8192}
    assert check_queue(fifo, "default") is fifo
    with pytest.raises(QueueError, match="only 'default'"):
        check_queue(fifo, "etl")
    limits = scheduler_limits(fifo)
    assert (limits.max_memory, limits.min_memory) == (8192, 1024)


def test_fair_scheduler_queues_are_found_by_full_or_short_name():
    fair = {"type": "fairScheduler", "queueName": "root", "childQueues": {"queue": [
        {"type": "fairSchedulerLeafQueueInfo", "queueName": "root.default"},
        {"type": "fairSchedulerQueueInfo", "queueName": "root.teams", "childQueues": {"queue": [
            {"type": "fairSchedulerLeafQueueInfo", "queueName": "root.teams.ml"}]}}]}}
    assert check_queue(fair, "ml")["queueName"] == "root.teams.ml"
    assert check_queue(fair, "root.default")["queueName"] == "root.default"
    with pytest.raises(QueueError, match="parent queue"):
        check_queue(fair, "root.teams")


def test_a_container_larger_than_every_node_is_rejected():
    nodes = [{"usedMemoryMB": 512, "availMemoryMB": 3584, "usedVirtualCores": 1, "availableVirtualCores": 7}]
    check_sizes(Limits(None, None, 1, "unknown"), nodes, 4096, 8, 256, 1)
    with pytest.raises(ResourceLimitError, match="largest of 1 running nodes has 4096 MB"):
        check_sizes(Limits(None, None, 1, "unknown"), nodes, 6000, 1, 256, 1)


def capacity_queue(name="default", max_mem=8192, max_vc=16, used_mem=0, used_vc=0, am_limit_vcores=1):
    """A CapacityScheduler leaf queue as /ws/v1/cluster/scheduler reports it (the fields Knit reads)."""
    return {"type": "capacitySchedulerLeafQueueInfo", "queueName": name, "queuePath": f"root.{name}",
            "state": "RUNNING", "resourcesUsed": {"memory": used_mem, "vCores": used_vc},
            "maxEffectiveCapacity": {"memory": max_mem, "vCores": max_vc},
            "maximumAllocation": {"memory": 4096, "vCores": 8},
            "AMResourceLimit": {"memory": max_mem, "vCores": am_limit_vcores}}


def capacity(*queues):
    return {"type": "capacityScheduler", "queueName": "root", "queuePath": "root",
            "queues": {"queue": list(queues)}}


NODES = [{"usedMemoryMB": 0, "availMemoryMB": 4096, "usedVirtualCores": 0, "availableVirtualCores": 8}] * 2
METRICS = {"availableMB": 8192, "availableVirtualCores": 16, "totalMB": 8192, "totalVirtualCores": 16}


class FakeRM:
    """The three answers preflight reads, fabricated."""

    def __init__(self, info, nodes=NODES, metrics=METRICS, conf=None):
        self.info, self._nodes, self.metrics, self.conf = info, nodes, metrics, conf

    def scheduler(self):
        return self.info

    def nodes(self, states=None):
        return self._nodes

    def cluster_metrics(self):
        return self.metrics


def test_the_default_resource_calculator_counts_memory_only():
    q = capacity_queue(am_limit_vcores=1)  # DefaultResourceCalculator: limits get 1 vcore
    assert not counts_vcores(capacity(q), q)
    dominant = capacity_queue(am_limit_vcores=16)
    assert counts_vcores(capacity(dominant), dominant)
    conf = {"yarn.scheduler.capacity.resource-calculator":
            "org.apache.hadoop.yarn.util.resource.DominantResourceCalculator"}
    assert counts_vcores(capacity(q), q, conf), "the client's configuration says so"
    assert counts_vcores({"type": "fairScheduler"}, {})
    assert not counts_vcores({"type": "fifoScheduler"}, {})


def test_thirty_one_vcore_containers_on_sixteen_vcores_are_submitted(caplog):
    rm = FakeRM(capacity(capacity_queue()))
    with caplog.at_level(logging.WARNING, logger="knit.checks"):
        result = preflight(rm, "default", containers=30, memory=128, vcores=1, am_memory=256, am_vcores=1)
    assert result["fits_now"] and not result["vcores_count"]
    assert not caplog.records, "memory fits, and vcores do not count: no warning"


def test_with_the_dominant_calculator_vcores_beyond_the_headroom_only_warn(caplog):
    rm = FakeRM(capacity(capacity_queue(am_limit_vcores=16)))
    with caplog.at_level(logging.WARNING, logger="knit.checks"):
        result = preflight(rm, "default", containers=30, memory=128, vcores=1, am_memory=256, am_vcores=1)
    assert not result["fits_now"]
    assert "need 31; queue root.default's headroom is 16 vcores now" in caplog.text
    assert "YARN will queue" in caplog.text


def test_more_than_is_free_now_is_submitted_with_a_warning(caplog):
    busy = capacity(capacity_queue(used_mem=7168, used_vc=7))
    rm = FakeRM(busy, metrics=dict(METRICS, availableMB=1024, availableVirtualCores=9))
    with caplog.at_level(logging.WARNING, logger="knit.checks"):
        result = preflight(rm, "default", containers=3, memory=1024, vcores=1, am_memory=256, am_vcores=1)
    assert not result["fits_now"] and result["free_memory"] == 1024
    assert "need 3328 MB" in caplog.text and "1024 MB now" in caplog.text


def test_headroom_is_the_queues_not_the_clusters():
    batch = capacity_queue("batch", max_mem=2458, max_vc=5, used_mem=2048, used_vc=2)
    info = capacity(capacity_queue("prod"), batch)
    assert queue_headroom(info, batch, METRICS) == (410, 3, "queue root.batch's headroom")
    limits = Limits(4096, 8, 64, "test")
    short = fits_now(queue_headroom(info, batch, METRICS), limits, 1, 512, 1, 256, 1, False)
    assert "queue root.batch's headroom is 410 MB" in short
    assert queue_headroom({"type": "fifoScheduler"}, {}, METRICS)[:2] == (8192, 16)


def test_memory_is_rounded_up_to_the_minimum_allocation():
    limits = Limits(max_memory=8192, max_vcores=8, min_memory=1024, source="test")
    room = (3072, 16, "the cluster's free resources")
    assert fits_now(room, limits, 2, 128, 1, 256, 1, True) is None  # 3 x 1024
    assert "need 4096 MB (memory rounded up to multiples of the 1024 MB minimum allocation)" in \
        fits_now(room, limits, 3, 128, 1, 256, 1, True)


def test_what_can_never_run_is_still_refused():
    small = capacity_queue("small", max_mem=2048, max_vc=4)
    rm = FakeRM(capacity(small))
    with pytest.raises(ResourceLimitError, match="more than queue 'root.small' can ever hold"):
        preflight(rm, "small", containers=1, memory=3072, vcores=1, am_memory=256, am_vcores=1)
    with pytest.raises(ResourceLimitError, match="maximum allocation 4096 MB"):
        preflight(rm, "small", containers=1, memory=8192, vcores=1, am_memory=256, am_vcores=1)
    with pytest.raises(ResourceLimitError, match="maximum allocation 8"):
        preflight(rm, "small", containers=1, memory=128, vcores=9, am_memory=256, am_vcores=1)


def test_vcores_beyond_every_node_are_refused_only_where_vcores_count():
    big_max = dict(capacity_queue(), maximumAllocation={"memory": 4096, "vCores": 32})
    rm = FakeRM(capacity(big_max))
    preflight(rm, "default", containers=1, memory=128, vcores=12, am_memory=256, am_vcores=1)
    dominant = dict(big_max, AMResourceLimit={"memory": 8192, "vCores": 16})
    with pytest.raises(ResourceLimitError, match="vcores 12 exceed every node"):
        preflight(FakeRM(capacity(dominant)), "default", containers=1, memory=128, vcores=12, am_memory=256,
                  am_vcores=1)


def test_a_queue_with_no_node_yet_is_not_taken_for_a_zero_sized_one():
    empty = capacity_queue(max_mem=0, max_vc=0)
    assert queue_maximum(capacity(empty), empty) == (0, 0)
    preflight(FakeRM(capacity(empty), nodes=[], metrics=dict(METRICS, availableMB=0, availableVirtualCores=0)),
              "default", containers=1, memory=128, vcores=1, am_memory=256, am_vcores=1)
