"""Every state name Knit compares against, read from ``knit/shared/states.json`` (never typed here).

YARN's application states (``YarnApplicationState``), final statuses (``FinalApplicationStatus``),
log-aggregation statuses (``LogAggregationStatus``), node and queue states (``NodeState``, ``QueueState``),
Knit's own container states (the ApplicationMaster's ``ContainerTracker.State``, what
``Knit.get_containers()`` reports) and exit classes (its ``ExitClassifier.ExitClass``, lower case). The Java unit test ``org.knit.common.SharedFilesTest`` checks the file
against those enums, so Python cannot hold a name Java or YARN lacks.

Each family is a ``str`` enum, so members compare equal to the strings in REST and gateway answers
(``report["state"] == AppState.RUNNING``) and a misspelt member is an ``AttributeError``, not a silent
mismatch.
"""
from __future__ import annotations

import enum

from .shared import read_json

_DATA = read_json("states.json")


class StateName(str, enum.Enum):
    """A state name that behaves as the plain string it is: in ``str()``, f-strings, JSON and REST params."""

    __str__ = str.__str__
    __format__ = str.__format__


def _enum(name: str, values: list[str]) -> type[StateName]:
    return StateName(name, [(v, v) for v in values], module=__name__)  # type: ignore[return-value]


def _subset(family: type[StateName], names: list[str]) -> frozenset:
    return frozenset(family[n] for n in names)  # KeyError for a name outside the family


#: YARN application states, in YARN's order.
AppState = _enum("AppState", _DATA["application"]["states"])
#: Application states after which nothing changes.
APP_FINISHED: frozenset = _subset(AppState, _DATA["application"]["finished"])
#: Application states in which an application still holds, or waits for, resources (in YARN's order).
APP_LIVE: tuple = tuple(s for s in AppState if s not in APP_FINISHED)

#: YARN final statuses of an application.
FinalStatus = _enum("FinalStatus", _DATA["final_status"]["values"])
#: Final statuses of an application that did not succeed.
FINAL_FAILED: frozenset = _subset(FinalStatus, _DATA["final_status"]["failed"])

#: YARN log-aggregation statuses (the RM's ``logAggregationStatus``).
LogAggregation = _enum("LogAggregation", _DATA["log_aggregation"]["values"])
#: Log-aggregation statuses after which the aggregated logs will not change.
AGGREGATION_SETTLED: frozenset = _subset(LogAggregation, _DATA["log_aggregation"]["settled"])

#: YARN NodeManager states (``nodes(states=...)``).
NodeState = _enum("NodeState", _DATA["node"]["values"])
#: YARN queue states (the scheduler's ``state`` of a queue).
QueueState = _enum("QueueState", _DATA["queue"]["values"])

#: Knit's container states (the ApplicationMaster's ``ContainerTracker.State``), in lifecycle order.
ContainerState = _enum("ContainerState", _DATA["container"]["states"])
#: Container states that are final (``ContainerTracker.State.isTerminal()``).
CONTAINER_ENDED: frozenset = _subset(ContainerState, _DATA["container"]["ended"])
#: Container states whose process was started, so its NodeManager holds logs.
CONTAINER_LAUNCHED: frozenset = _subset(ContainerState, _DATA["container"]["launched"])
#: What a container's end means (``exit_class`` of ``Knit.get_containers()``, the AM's ``ExitClassifier``):
#: ``platform`` ends (node lost, preempted) are replaced by the AM itself, under the same name, for free.
ExitClass = _enum("ExitClass", _DATA["exit_class"]["values"])
