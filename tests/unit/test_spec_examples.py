"""Every example of spec/examples against Python's reader (Java's suite runs the same files: SpecExamplesTest).

Valid ones parse and write back the same JSON (with the schema's defaults filled in); invalid ones are refused
naming the field the example states. The dataclasses and the schema have the same fields, so a field added on one
side only fails here (and, for Java's classes, in ApplicationSpecFieldsTest).
"""
from __future__ import annotations

import copy
import dataclasses
import json
import typing
from pathlib import Path

import pytest

from knit.exceptions import SpecError
from knit.schema import spec_schema
from knit.spec import AppSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "spec" / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))


def canonical(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False)


def with_defaults(node: dict, value: object) -> object:
    """``value`` with every field it leaves out set to the schema's default (objects filled recursively)."""
    schema = spec_schema()
    node = schema.resolve(node)
    if isinstance(value, dict) and "properties" in node:
        out = {}
        for name, sub in node["properties"].items():
            target = schema.resolve(sub)
            if name in value:
                out[name] = with_defaults(sub, value[name])
            elif "default" in sub:
                out[name] = with_defaults(sub, copy.deepcopy(sub["default"]))
            elif "properties" in target and name not in node.get("required", ()):
                out[name] = with_defaults(sub, {})
        return out
    if isinstance(value, list) and "items" in node:
        return [with_defaults(node["items"], v) for v in value]
    return value


def test_there_are_enough_examples():
    assert len(VALID) >= 15 and len(INVALID) >= 25


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_parses_and_round_trips(path):
    text = path.read_text(encoding="utf-8")
    spec = AppSpec.from_json(text)
    spec.validate()
    assert canonical(json.loads(spec.to_json())) == canonical(with_defaults(spec_schema().doc, json.loads(text)))
    assert AppSpec.from_json(spec.to_json()) == spec


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_is_refused_naming_its_field(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    assert case["reason"]
    text = case["text"] if "text" in case else json.dumps(case["spec"])
    with pytest.raises(SpecError) as info:
        AppSpec.from_json(text).validate()
    assert info.value.field == case["field"], str(info.value)
    if case["field"] is not None:
        leaf = case["field"].rsplit(".", 1)[-1].split("[", 1)[0]
        assert leaf in str(info.value)


def _dataclass_paths(cls: type, prefix: str = "") -> set[str]:
    out: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        full = prefix + f.metadata.get("json", f.name)
        tp = hints[f.name]
        if typing.get_origin(tp) in (typing.Union, __import__("types").UnionType):
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
        if typing.get_origin(tp) is list and dataclasses.is_dataclass(typing.get_args(tp)[0]):
            out |= _dataclass_paths(typing.get_args(tp)[0], full + "[].")
        elif dataclasses.is_dataclass(tp):
            out |= _dataclass_paths(tp, full + ".")
        else:
            out.add(full)
    return out


def schema_paths(node: dict, prefix: str = "") -> set[str]:
    """Every leaf field of the schema: ``containers.count``, ``files[].name`` ..."""
    schema = spec_schema()
    out: set[str] = set()
    for name, sub in schema.resolve(node).get("properties", {}).items():
        target = schema.resolve(sub)
        items = schema.resolve(target.get("items", {}))
        if "properties" in target:
            out |= schema_paths(target, prefix + name + ".")
        elif "properties" in items:
            out |= schema_paths(items, prefix + name + "[].")
        else:
            out.add(prefix + name)
    return out


def test_the_dataclasses_have_the_schemas_fields():
    fields, schema = _dataclass_paths(AppSpec), schema_paths(spec_schema().doc)
    assert fields == schema, f"only in the dataclasses: {fields - schema}; only in the schema: {schema - fields}"
