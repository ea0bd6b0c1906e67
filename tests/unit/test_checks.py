"""knit.checks' arithmetic without a cluster (the live pre-flight checks are in tests/integration/test_yarn_api.py).

The local cluster runs the Capacity Scheduler; these dicts follow the RM's documented answers for the FIFO and
Fair schedulers, to check our reading of them.
"""
import pytest

from knit.checks import (InsufficientResources, Limits, QueueError, ResourceLimitError, check_free, check_queue,
                         check_sizes, scheduler_limits)


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


def test_free_memory_check_rounds_up_to_the_minimum_allocation():
    limits = Limits(max_memory=8192, max_vcores=8, min_memory=1024, source="test")
    metrics = {"availableMB": 3072, "availableVirtualCores": 16, "totalMB": 4096, "totalVirtualCores": 16}
    check_free(metrics, limits, containers=2, memory=128, vcores=1, am_memory=256, am_vcores=1)  # 3 x 1024
    with pytest.raises(InsufficientResources, match="need 4096 MB .*1024 MB minimum allocation.*3072 MB free"):
        check_free(metrics, limits, containers=3, memory=128, vcores=1, am_memory=256, am_vcores=1)


def test_a_container_larger_than_every_node_is_rejected():
    nodes = [{"usedMemoryMB": 512, "availMemoryMB": 3584, "usedVirtualCores": 1, "availableVirtualCores": 7}]
    check_sizes(Limits(None, None, 1, "unknown"), nodes, 4096, 8, 256, 1)
    with pytest.raises(ResourceLimitError, match="largest of 1 running nodes has 4096 MB"):
        check_sizes(Limits(None, None, 1, "unknown"), nodes, 6000, 1, 256, 1)
