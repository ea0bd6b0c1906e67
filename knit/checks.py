"""Pre-flight checks (``Knit.start(checks=True)``): can YARN ever run this request, and does it fit now?

Run before anything is uploaded or submitted. What can never run is refused with a specific exception whose
message names the numbers involved and the setting or keyword to change; what only does not fit now is
submitted with a warning (YARN queues it).
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
           "check_queue", "check_sizes", "counts_vcores", "find_queue", "fits_now", "iter_queues", "preflight",
           "queue_headroom", "queue_maximum", "scheduler_limits"]

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


def counts_vcores(info: Mapping[str, Any], queue_info: Mapping[str, Any] | None = None,
                  conf: Mapping[str, str] | None = None) -> bool:
    """Whether the scheduler counts vcores when it places containers (else only memory decides).

    The CapacityScheduler's default ``DefaultResourceCalculator`` counts memory only (so 30 one-vcore
    containers run on 16 vcores); ``DominantResourceCalculator`` counts both. The client's configuration
    says which when it has ``yarn.scheduler.capacity.resource-calculator``; otherwise the queue's AM limit
    tells: the default calculator derives limits from memory alone and gives them 1 vcore
    (``Resources.createResource(memory)``), the dominant one scales vcores too. The FIFO scheduler places by
    memory; the FairScheduler checks every resource on the node, whatever its policy.
    """
    calculator = (conf or {}).get("yarn.scheduler.capacity.resource-calculator")
    if info.get("type") == "capacityScheduler":
        if calculator:
            return "Dominant" in calculator
        _, am_limit_vcores = _resource((queue_info or {}).get("AMResourceLimit"))
        return am_limit_vcores is not None and am_limit_vcores > 1
    return info.get("type") == "fairScheduler"


def check_sizes(limits: Limits, nodes: list[Mapping[str, Any]], memory: int, vcores: int,
                am_memory: int, am_vcores: int, vcores_count: bool = True,
                queue_max: tuple[int | None, int | None] = (None, None), queue: str = "") -> None:
    """Raise ``ResourceLimitError`` if a container or the AM can never run: larger than the maximum
    allocation, than every node, or than the queue's maximum capacity (vcores only where they count)."""
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
            if vcores_count and vc > big_vc:
                raise ResourceLimitError(f"{what} vcores {vc} exceed every node: the largest of {len(totals)} "
                                         f"running nodes has {big_vc} vcores; lower {kw}")
        q_mem, q_vc = (v if v else None for v in queue_max)  # 0: no node has registered yet
        if (q_mem is not None and mem > q_mem) or (vcores_count and q_vc is not None and vc > q_vc):
            raise ResourceLimitError(f"{what} of {mem} MB / {vc} vcores is more than queue {queue!r} can ever "
                                     f"hold ({q_mem} MB / {q_vc} vcores at its maximum capacity); lower {kw} "
                                     "or use another queue (queue=)")


def _node_total(n: Mapping[str, Any]) -> tuple[int, int]:
    return (int(n.get("usedMemoryMB", 0)) + int(n.get("availMemoryMB", 0)),
            int(n.get("usedVirtualCores", 0)) + int(n.get("availableVirtualCores", 0)))


def queue_maximum(info: Mapping[str, Any], q: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """The most the queue can ever hold (its maximum capacity), or (None, None) where not reported."""
    if info.get("type") == "capacityScheduler":
        return _resource(q.get("maxEffectiveCapacity"))
    if info.get("type") == "fairScheduler":
        return _resource(q.get("maxResources"))
    return None, None


def queue_headroom(info: Mapping[str, Any], q: Mapping[str, Any],
                   metrics: Mapping[str, Any]) -> tuple[int, int, str]:
    """Memory and vcores the queue could be given right now: up to its maximum capacity less what it
    uses, and never more than the cluster has free. Returns (memory, vcores, where it came from)."""
    free_mem = int(metrics.get("availableMB", 0))
    free_vc = int(metrics.get("availableVirtualCores", 0))
    max_mem, max_vc = queue_maximum(info, q)
    used_mem, used_vc = _resource(q.get("resourcesUsed") or q.get("usedResources"))
    if not max_mem:
        return free_mem, free_vc, "the cluster's free resources"
    return (min(free_mem, max_mem - (used_mem or 0)), min(free_vc, (max_vc or free_vc) - (used_vc or 0)),
            f"queue {q.get('queuePath') or q.get('queueName')}'s headroom")


def fits_now(headroom: tuple[int, int, str], limits: Limits, containers: int, memory: int, vcores: int,
             am_memory: int, am_vcores: int, vcores_count: bool) -> str | None:
    """None if the AM plus every container fit the headroom now, else why not (YARN will queue them)."""
    step = limits.min_memory
    need_mem = _round_up(am_memory, step) + containers * _round_up(memory, step)
    need_vc = am_vcores + containers * vcores
    free_mem, free_vc, where = headroom
    rounding = f" (memory rounded up to multiples of the {step} MB minimum allocation)" if step > 1 else ""
    if need_mem > free_mem:
        return (f"the AM ({am_memory} MB) plus {containers} x {memory} MB need {need_mem} MB{rounding}; "
                f"{where} is {free_mem} MB now")
    if vcores_count and need_vc > free_vc:
        return (f"the AM ({am_vcores}) plus {containers} x {vcores} vcores need {need_vc}; {where} is "
                f"{free_vc} vcores now")
    return None


def preflight(yarn_api: ClusterREST, queue: str, containers: int, memory: int, vcores: int,
              am_memory: int, am_vcores: int) -> dict[str, Any]:
    """Check that YARN can ever run ``containers`` x (``memory`` MB, ``vcores``) plus the AM in ``queue``.

    Only what can never run is refused: an unknown, parent or stopped queue; a container or AM larger than
    the maximum allocation, every node, or the queue's maximum capacity. A request that merely does not fit
    what is free now is submitted with a logged warning: YARN queues it (shared clusters are usually near
    full), and containers start as others end. Vcores count only where the scheduler counts them
    (:func:`counts_vcores`); headroom is the queue's, not the whole cluster's (:func:`queue_headroom`).

    Returns
    -------
    dict
        What was checked against: ``queue``, ``max_memory``, ``max_vcores``, ``min_memory``, ``free_memory``,
        ``free_vcores`` (the queue's headroom now), ``largest_node_memory``, ``vcores_count``, ``fits_now``.

    Raises
    ------
    QueueError, ResourceLimitError
        Both subclasses of ``PreflightError`` and ``SpecError``.
    """
    info = yarn_api.scheduler()
    q = check_queue(info, queue)
    conf = getattr(yarn_api, "conf", None)
    limits = scheduler_limits(info, q, conf)
    vcores_count = counts_vcores(info, q, conf)
    nodes = yarn_api.nodes(states=NodeState.RUNNING)
    name = str(q.get("queuePath") or q.get("queueName") or queue)
    check_sizes(limits, nodes, memory, vcores, am_memory, am_vcores, vcores_count, queue_maximum(info, q), name)
    headroom = queue_headroom(info, q, yarn_api.cluster_metrics())
    short = fits_now(headroom, limits, containers, memory, vcores, am_memory, am_vcores, vcores_count)
    if short:
        logger.warning("submitting although it does not fit now: %s; YARN will queue what does not fit and "
                       "start it as resources free up", short)
    result = {"queue": name, "max_memory": limits.max_memory, "max_vcores": limits.max_vcores,
              "min_memory": limits.min_memory, "free_memory": headroom[0], "free_vcores": headroom[1],
              "largest_node_memory": max((_node_total(n)[0] for n in nodes), default=None),
              "vcores_count": vcores_count, "fits_now": short is None}
    logger.debug("pre-flight passed: %s", result)
    return result
