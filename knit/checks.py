"""Pre-flight checks (``Knit.start(checks=True)``): will YARN be able to run this request at all, and now?

Run before anything is uploaded or submitted. Each failure is a specific exception whose message names the
numbers involved and the setting or keyword to change.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .exceptions import InsufficientResources, PreflightError, QueueError, ResourceLimitError
from .states import NodeState, QueueState

# The exceptions live in knit.exceptions; importable from here too (`from knit.checks import QueueError`).
__all__ = ["ClusterREST", "InsufficientResources", "Limits", "PreflightError", "QueueError", "ResourceLimitError",
           "check_free", "check_queue", "check_sizes", "find_queue", "iter_queues", "preflight", "scheduler_limits"]

logger = logging.getLogger(__name__)


class ClusterREST(Protocol):
    """What the checks ask the ResourceManager (:class:`knit.yarn_api.YARNAPI` is one), and its ``conf`` if any."""

    def scheduler(self) -> dict: ...

    def nodes(self, states: Any = None) -> list[dict]: ...

    def cluster_metrics(self) -> dict: ...


@dataclass(frozen=True)
class Limits:
    """What the scheduler will grant one container."""

    max_memory: int | None
    max_vcores: int | None
    min_memory: int
    source: str


def iter_queues(info: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every queue in a ``scheduler()`` answer (capacity or fair scheduler), parents before children."""
    yield info
    children = (info.get("queues") or {}).get("queue") or []
    if isinstance(children, Mapping):
        children = [children]
    for child in children:
        yield from iter_queues(child)
    child_queues = (info.get("childQueues") or {})  # fair scheduler
    fair = child_queues.get("queue") if isinstance(child_queues, Mapping) else child_queues
    for child in fair or []:
        yield from iter_queues(child)


def _queue_names(q: Mapping[str, Any]) -> set[str]:
    names = {str(q.get(k)) for k in ("queueName", "queuePath") if q.get(k)}
    return names | {n.split(".")[-1] for n in names if n.startswith("root.")}


def _is_leaf(q: Mapping[str, Any]) -> bool:
    if "Leaf" in str(q.get("type", "")):
        return True
    children = (q.get("queues") or {}).get("queue") or (q.get("childQueues") or {})
    return not children


def find_queue(info: Mapping[str, Any], queue: str) -> Mapping[str, Any]:
    """The queue named ``queue`` (short name or full path); raises ``QueueError`` listing the leaf queues."""
    if info.get("type") == "fifoScheduler":
        if queue in ("default", "root.default"):
            return info
        raise QueueError(f"queue {queue!r} does not exist: the FIFO scheduler has only 'default'")
    queues = list(iter_queues(info))
    exact = [q for q in queues if queue in _queue_names(q)]
    if not exact:
        leaves = sorted(str(q.get("queuePath") or q.get("queueName")) for q in queues if _is_leaf(q))
        raise QueueError(f"queue {queue!r} does not exist; leaf queues: {', '.join(leaves)} (queue=)")
    return exact[0]


def check_queue(info: Mapping[str, Any], queue: str) -> Mapping[str, Any]:
    """Raise ``QueueError`` unless ``queue`` exists, is a leaf and is RUNNING; returns the queue's info."""
    q = find_queue(info, queue)
    if info.get("type") == "fifoScheduler":
        return q
    if not _is_leaf(q):
        kids = [str(c.get("queueName")) for c in iter_queues(q) if c is not q and _is_leaf(c)]
        raise QueueError(f"queue {queue!r} is a parent queue; applications go to leaf queues "
                         f"such as {', '.join(kids[:5])} (queue=)")
    state = q.get("state")
    if state is not None and state != QueueState.RUNNING:
        raise QueueError(f"queue {queue!r} is {state}, not RUNNING: it accepts no applications")
    return q


def _resource(r: Any) -> tuple[int | None, int | None]:
    if not isinstance(r, Mapping):
        return None, None
    mem = r.get("memory", r.get("memorySize"))
    return (int(mem) if mem is not None else None,
            int(r["vCores"]) if r.get("vCores") is not None else None)


def _min_allocation(info: Mapping[str, Any]) -> int:
    """The scheduler's minimum memory allocation, as the resource types report it (1 if not found)."""
    def walk(x: Any) -> Iterator[Mapping[str, Any]]:
        if isinstance(x, Mapping):
            if x.get("name") == "memory-mb" and "minimumAllocation" in x:
                yield x
            for v in x.values():
                yield from walk(v)
        elif isinstance(x, list):
            for v in x:
                yield from walk(v)
    mins = [int(r["minimumAllocation"]) for r in walk(info) if 0 < int(r["minimumAllocation"]) < 2 ** 31]
    return max(mins) if mins else 1


def scheduler_limits(info: Mapping[str, Any], queue_info: Mapping[str, Any] | None = None,
                     conf: Mapping[str, str] | None = None) -> Limits:
    """The largest and smallest container the scheduler grants, from the queue, the scheduler, or the conf."""
    min_mem = _min_allocation(info)
    for where, r in (("queue maximumAllocation", (queue_info or {}).get("maximumAllocation")),
                     ("queue maxContainerAllocation", (queue_info or {}).get("maxContainerAllocation")),
                     ("scheduler maximumAllocation", info.get("maximumAllocation"))):
        mem, vc = _resource(r)
        if mem:
            return Limits(mem, vc, min_mem, where)
    if info.get("type") == "fifoScheduler" and info.get("maxQueueMemoryCapacity"):
        return Limits(int(info["maxQueueMemoryCapacity"]), None, int(info.get("minQueueMemoryCapacity") or 1),
                      "FIFO scheduler maxQueueMemoryCapacity")
    if conf is not None and conf.get("yarn.scheduler.maximum-allocation-mb"):
        vc = conf.get("yarn.scheduler.maximum-allocation-vcores")
        return Limits(int(conf["yarn.scheduler.maximum-allocation-mb"]), int(vc) if vc else None, min_mem,
                      "yarn.scheduler.maximum-allocation-mb in the client conf")
    return Limits(None, None, min_mem, "unknown")


def _round_up(memory: int, step: int) -> int:
    return -(-memory // step) * step if step > 1 else memory


def check_sizes(limits: Limits, nodes: list[Mapping[str, Any]], memory: int, vcores: int,
                am_memory: int, am_vcores: int) -> None:
    """Raise ``ResourceLimitError`` if a container or the AM exceeds the maximum allocation or every node."""
    for what, mem, vc, kw in (("container", memory, vcores, "memory=/virtual_cores="),
                              ("ApplicationMaster", am_memory, am_vcores, "the AM's memory/vcores")):
        if limits.max_memory is not None and mem > limits.max_memory:
            raise ResourceLimitError(f"{what} memory {mem} MB exceeds the scheduler's maximum allocation "
                                     f"{limits.max_memory} MB ({limits.source}; "
                                     f"yarn.scheduler.maximum-allocation-mb); lower {kw}")
        if limits.max_vcores is not None and vc > limits.max_vcores:
            raise ResourceLimitError(f"{what} vcores {vc} exceed the scheduler's maximum allocation "
                                     f"{limits.max_vcores} ({limits.source}; "
                                     f"yarn.scheduler.maximum-allocation-vcores); lower {kw}")
        totals = [_node_total(n) for n in nodes]
        if totals:
            big_mem = max(t[0] for t in totals)
            big_vc = max(t[1] for t in totals)
            if mem > big_mem:
                raise ResourceLimitError(f"{what} memory {mem} MB is larger than every node: the largest of "
                                         f"{len(totals)} running nodes has {big_mem} MB; lower {kw}")
            if vc > big_vc:
                raise ResourceLimitError(f"{what} vcores {vc} exceed every node: the largest of {len(totals)} "
                                         f"running nodes has {big_vc} vcores; lower {kw}")


def _node_total(n: Mapping[str, Any]) -> tuple[int, int]:
    return (int(n.get("usedMemoryMB", 0)) + int(n.get("availMemoryMB", 0)),
            int(n.get("usedVirtualCores", 0)) + int(n.get("availableVirtualCores", 0)))


def check_free(metrics: Mapping[str, Any], limits: Limits, containers: int, memory: int, vcores: int,
               am_memory: int, am_vcores: int) -> None:
    """Raise ``InsufficientResources`` unless the cluster has room now for the AM plus every container."""
    step = limits.min_memory
    need_mem = _round_up(am_memory, step) + containers * _round_up(memory, step)
    need_vc = am_vcores + containers * vcores
    free_mem = int(metrics.get("availableMB", 0))
    free_vc = int(metrics.get("availableVirtualCores", 0))
    rounding = f" (memory rounded up to multiples of the {step} MB minimum allocation)" if step > 1 else ""
    if need_mem > free_mem:
        raise InsufficientResources(
            f"not enough free memory: the AM ({am_memory} MB) plus {containers} x {memory} MB need {need_mem} MB"
            f"{rounding}, the cluster has {free_mem} MB free of {metrics.get('totalMB')} MB; "
            "use fewer or smaller containers, or checks=False to queue anyway")
    if need_vc > free_vc:
        raise InsufficientResources(
            f"not enough free vcores: the AM ({am_vcores}) plus {containers} x {vcores} need {need_vc}, the "
            f"cluster has {free_vc} free of {metrics.get('totalVirtualCores')}; "
            "use fewer containers or vcores, or checks=False to queue anyway")


def preflight(yarn_api: ClusterREST, queue: str, containers: int, memory: int, vcores: int,
              am_memory: int, am_vcores: int) -> dict[str, Any]:
    """Check that YARN can run ``containers`` x (``memory`` MB, ``vcores``) plus the AM in ``queue``.

    Order: queue (exists, leaf, RUNNING), sizes (maximum allocation, largest node), free resources now.

    Returns
    -------
    dict
        What was checked against: ``queue``, ``max_memory``, ``max_vcores``, ``min_memory``, ``free_memory``,
        ``free_vcores``, ``largest_node_memory``.

    Raises
    ------
    QueueError, ResourceLimitError, InsufficientResources
        All subclasses of ``PreflightError``; the first two are also ``SpecError``.
    """
    info = yarn_api.scheduler()
    q = check_queue(info, queue)
    limits = scheduler_limits(info, q, getattr(yarn_api, "conf", None))
    nodes = yarn_api.nodes(states=NodeState.RUNNING)
    check_sizes(limits, nodes, memory, vcores, am_memory, am_vcores)
    metrics = yarn_api.cluster_metrics()
    check_free(metrics, limits, containers, memory, vcores, am_memory, am_vcores)
    result = {"queue": str(q.get("queuePath") or q.get("queueName") or queue), "max_memory": limits.max_memory,
              "max_vcores": limits.max_vcores, "min_memory": limits.min_memory,
              "free_memory": metrics.get("availableMB"), "free_vcores": metrics.get("availableVirtualCores"),
              "largest_node_memory": max((_node_total(n)[0] for n in nodes), default=None)}
    logger.debug("pre-flight passed: %s", result)
    return result
