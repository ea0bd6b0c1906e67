"""knit.states: every state name comes from knit/shared/states.json, and no module of knit types one.

The Java test ``org.knit.common.SharedFilesTest`` ties that file to YARN's enums and to the AM's
``ContainerTracker.State``; this side checks that Python uses the file and nothing else.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from knit import states
from knit.shared import read_json

KNIT = Path(states.__file__).resolve().parent
FAMILIES = [states.AppState, states.FinalStatus, states.LogAggregation, states.NodeState, states.QueueState,
            states.ContainerState]
ALL_NAMES = {m.value for family in FAMILIES for m in family}


def test_families_are_the_shared_file_in_its_order():
    data = read_json("states.json")
    assert [m.value for m in states.AppState] == data["application"]["states"]
    assert [m.value for m in states.ContainerState] == data["container"]["states"]
    assert sorted(states.APP_FINISHED) == sorted(data["application"]["finished"])
    assert list(states.APP_LIVE) == [s for s in data["application"]["states"]
                                     if s not in data["application"]["finished"]]
    assert sorted(states.CONTAINER_ENDED) == sorted(data["container"]["ended"])


def test_a_state_is_its_plain_string_everywhere_it_travels():
    running = states.AppState.RUNNING
    assert running == "RUNNING" and "RUNNING" in states.APP_LIVE and hash(running) == hash("RUNNING")
    assert str(running) == f"{running}" == "%s" % running == "RUNNING"
    assert json.dumps({"state": running}) == '{"state": "RUNNING"}'
    assert ",".join(states.APP_LIVE).split(",")[-1] == "RUNNING"


def test_a_misspelt_state_is_an_error_not_a_mismatch():
    with pytest.raises(AttributeError):
        states.AppState.RUNING  # noqa: B018


def _state_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants that are state names, where code compares against them or lists them."""
    found: dict[int, tuple[int, str]] = {}  # id(constant node) -> (line, name): each constant once

    def mark(node: ast.AST) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ALL_NAMES:
            found[id(node)] = (node.lineno, node.value)
            return 1
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return sum(mark(elt) for elt in node.elts)
        return 0

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                mark(operand)
        elif isinstance(node, ast.keyword) and node.arg in ("state", "states"):
            mark(node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in ("state", "states"):
                    mark(value)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            names = [e for e in node.elts if isinstance(e, ast.Constant) and e.value in ALL_NAMES]
            if len(names) >= 2:
                mark(node)
    return sorted(found.values())


@pytest.mark.parametrize("path", sorted(KNIT.rglob("*.py")), ids=lambda p: str(p.relative_to(KNIT)))
def test_no_module_types_a_state_name(path):
    assert _state_literals(ast.parse(path.read_text())) == [], "use knit.states instead"


def test_the_literal_check_finds_typed_states():
    code = ('if s == "RUNNING": pass\n'
            'LIVE = ("NEW", "ACCEPTED")\n'
            'api.nodes(states="RUNNING")\n'
            'ok = s in {"FINISHED", "KILLED"}\n'
            'body = {"state": "KILLED"}\n'
            'fine = "running on " + host\n')
    assert [line for line, _ in _state_literals(ast.parse(code))] == [1, 2, 2, 3, 4, 4, 5]
