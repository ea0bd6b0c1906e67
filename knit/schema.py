"""The JSON Schema subset the application spec's schema uses, checked at run time from the packaged schema.

``knit/shared/schema.json`` (``spec/schema.json`` in the source tree) is the contract between Python and
Java; ``org.knit.spec.Schema`` reads the same file from ``knit.jar`` and applies the same keywords in the same
order, so both sides refuse the same documents and name the same field. The keywords, and the two readings
stricter than JSON Schema (integer literals, a final ``$``), are listed in the schema's ``$comment``.

Errors are :class:`~knit.exceptions.SpecError` with ``field`` set to the spec path (``containers.memory``,
``files[0].name``, ``envvars["A"]``); the message names the user keyword where the schema gives one
(``x-keyword``): ``memory (spec field containers.memory) must be a positive integer; got 0``.
"""
from __future__ import annotations

import functools
import json
import numbers
import re
from typing import Any, Mapping

from .exceptions import SpecError
from .shared import read_json

_REPR_MAX = 100


class _Failure(Exception):
    """One violated keyword; turned into a SpecError (message + field) by :meth:`Schema.check`."""

    def __init__(self, path: str, keyword: str | None, problem: str, value: Any = None, *, show_value: bool = True,
                 text: str | None = None):
        super().__init__(problem)
        self.path, self.keyword, self.problem = path, keyword, problem
        self.value, self.show_value, self.text = value, show_value, text

    def message(self) -> str:
        if self.text is not None:
            return self.text
        got = f"; got {_short_repr(self.value)}" if self.show_value else ""
        return f"{label(self.path, self.keyword)} {self.problem}{got}"


def label(path: str, keyword: str | None = None) -> str:
    """``memory (spec field containers.memory)`` when a keyword sets the field, else the spec path."""
    path = path or "spec"
    return f"{keyword} (spec field {path})" if keyword and keyword != path else path


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_MAX else text[:_REPR_MAX] + "..."


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _entry(path: str, key: str) -> str:
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


@functools.lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    # JSON Schema patterns are ECMA-262: a final "$" is the end of the string. Python's "$" also matches
    # before a trailing newline (so "A\n" would pass as an environment variable name); \Z does not.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _is(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, (list, tuple))
    raise ValueError(f"schema type {kind!r} is not in the subset Knit reads")


def _same(a: Any, b: Any) -> bool:
    """JSON equality: True is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


class Schema:
    """A JSON schema document, and the subset of the keywords Knit uses, applied to Python values."""

    def __init__(self, doc: Mapping[str, Any]):
        self.doc = doc

    # -- navigation ---------------------------------------------------------------------------------------

    def node(self, pointer: str) -> Mapping[str, Any]:
        """The schema at a local JSON pointer such as ``#/properties/files/items``."""
        if not pointer.startswith("#"):
            raise ValueError(f"only local references are supported, not {pointer!r}")
        node: Any = self.doc
        for part in filter(None, pointer[1:].split("/")):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow ``$ref`` chains to the first node that states a type (for messages and field walks)."""
        while "$ref" in node and "type" not in node:
            node = self.node(node["$ref"])
        return node

    # -- checking -----------------------------------------------------------------------------------------

    def check(self, value: Any, pointer: str = "#", path: str = "", node: Mapping[str, Any] | None = None) -> None:
        """Raise :class:`SpecError` (``field`` = spec path) for the first keyword ``value`` violates.

        ``value`` sits at ``path`` in the spec and is checked against the schema at ``pointer`` (or ``node``).
        """
        try:
            self._check(self.node(pointer) if node is None else node, value, path, None)
        except _Failure as f:
            raise SpecError(f.message(), field=f.path or None) from None

    def valid(self, node: Mapping[str, Any], value: Any) -> bool:
        try:
            self._check(node, value, "", None)
        except _Failure:
            return False
        return True

    def _check(self, node: Mapping[str, Any], value: Any, path: str, keyword: str | None) -> None:
        keyword = node.get("x-keyword", keyword)
        if "$ref" in node:
            self._check(self.node(node["$ref"]), value, path, keyword)
        if "type" in node:
            kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
            if not any(_is(k, value) for k in kinds):
                raise _Failure(path, keyword, self._type_problem(node, kinds), value)
        if "enum" in node and not any(_same(value, e) for e in node["enum"]):
            raise _Failure(path, keyword, node.get("x-message", f"must be one of {node['enum']}"), value)
        if _is("number", value):
            self._check_number(node, value, path, keyword)
        if isinstance(value, str):
            self._check_string(node, value, path, keyword)
        if "not" in node and self.valid(node["not"], value):
            raise _Failure(path, keyword, node.get("x-message", "is not allowed"), value)
        for sub in node.get("allOf", ()):
            self._check(sub, value, path, keyword)
        if isinstance(value, Mapping):
            self._check_object(node, value, path, keyword)
        if isinstance(value, (list, tuple)):
            self._check_array(node, value, path, keyword)

    @staticmethod
    def _check_number(node: Mapping, value: Any, path: str, keyword: str | None) -> None:
        low, high = node.get("minimum"), node.get("maximum")
        if low is not None and value < low:
            kind = "a positive integer" if low == 1 else f"an integer >= {low}"
            raise _Failure(path, keyword, f"must be {kind}", value)
        if high is not None and value > high:
            raise _Failure(path, keyword, f"must be at most {high}", value)

    @staticmethod
    def _check_string(node: Mapping, value: str, path: str, keyword: str | None) -> None:
        if "maxLength" in node and len(value) > node["maxLength"]:
            raise _Failure(path, keyword, f"must be at most {node['maxLength']} characters long", value)
        if "pattern" in node and not _regex(node["pattern"]).search(value):
            raise _Failure(path, keyword, node.get("x-message", f"must match {node['pattern']!r}"), value)

    def _check_object(self, node: Mapping, value: Mapping, path: str, keyword: str | None) -> None:
        bad_keys = [k for k in value if not isinstance(k, str)]
        if bad_keys:  # only Python objects can have these; JSON keys are strings
            raise _Failure(path, keyword, f"must map str -> str; got key {bad_keys[0]!r}", show_value=False)
        props = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        if extra is False:
            unknown = sorted(k for k in value if k not in props)
            if unknown:
                raise _Failure(_child(path, unknown[0]), None, "is not a field of the spec",
                               text=f"{label(path)}: unknown field(s) {unknown}")
        for name in node.get("required", ()):
            if name not in value:
                raise _Failure(_child(path, name), props.get(name, {}).get("x-keyword"), "is required",
                               show_value=False)
        if "propertyNames" in node:
            for key in value:
                self._check_name(node["propertyNames"], key, path, keyword)
        for name, sub in props.items():
            if name in value:
                self._check(sub, value[name], _child(path, name), None)
        if isinstance(extra, Mapping):
            for key, item in value.items():
                if key not in props:
                    self._check(extra, item, _entry(path, key), keyword)

    def _check_name(self, node: Mapping, key: str, path: str, keyword: str | None) -> None:
        try:
            self._check(node, key, _entry(path, key), None)
        except _Failure as f:
            raise _Failure(f.path, None, f.problem,
                           text=f"{label(path, keyword)}: {key!r} {f.problem}") from None

    def _check_array(self, node: Mapping, value: Any, path: str, keyword: str | None) -> None:
        if "maxItems" in node and len(value) > node["maxItems"]:
            raise _Failure(path, keyword, f"must have at most {node['maxItems']} items", list(value))
        if "items" in node:
            for i, item in enumerate(value):
                self._check(node["items"], item, f"{path}[{i}]", keyword)

    # -- messages -----------------------------------------------------------------------------------------

    def _type_problem(self, node: Mapping, kinds: list[str]) -> str:
        return "must be " + " or ".join(self._kind_name(node, k) for k in kinds)

    def _kind_name(self, node: Mapping, kind: str) -> str:
        if kind == "array":
            items = self.resolve(node.get("items", {}))
            return "a list of strings" if items.get("type") == "string" else "a list"
        if kind == "object":
            extra = node.get("additionalProperties")
            if isinstance(extra, Mapping) and self.resolve(extra).get("type") == "string":
                return "a dict of str -> str"
            return "a JSON object"
        return {"integer": "an integer", "number": "a number", "string": "a string", "boolean": "True or False",
                "null": "null"}[kind]


@functools.lru_cache(maxsize=1)
def spec_schema() -> Schema:
    """The application spec's schema, as packaged with Knit (``knit/shared/schema.json``)."""
    return Schema(read_json("schema.json"))
