"""Sphinx extension of Knit's docs: pages generated from the code, and a check that every error is explained.

- ``.. knit-dask-config::`` renders every ``yarn.*`` key of ``dask_yarn/yarn.yaml`` (its default and its comment),
  the ``DaskYARNCluster`` keyword that overrides it (read from the constructor's source: ``pick(keyword,
  "key")``) and dask-yarn's name for it (``dask_yarn.config.ALIASES``).
- ``.. knit-keywords:: knit.Knit`` renders a class's constructor keywords: each one's default from the signature
  and its description from the numpy-style docstring.
- At the end of reading, every class documented with ``autoclass`` must document each public parameter of its
  constructor (numpydoc's ``Parameters``; ``numpydoc_validation_checks`` in ``conf.py`` holds the checks of
  every docstring), and every exception class defined in ``knit`` and ``dask_yarn`` must have been documented
  with ``autoexception`` somewhere (the troubleshooting page); a missing one is a warning, so ``sphinx-build
  -W`` fails.
"""
from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import Any, Iterator

from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGES = ("knit", "dask_yarn")
#: Modules that are programs run elsewhere (in a YARN container), not importable as part of the library.
NOT_LIBRARY = {"dask_yarn._knit_dask"}


# ---- the yarn.* table ----------------------------------------------------------------------------------

def yaml_keys(path: Path) -> Iterator[tuple[str, str]]:
    """(dotted key, comment) for every leaf of ``yarn.yaml``, in file order; the comment is the line's ``# ...``,
    else that of the section the key is in (``scheduler:  # remote mode: ...``)."""
    stack: list[tuple[int, str, str]] = []
    for line in path.read_text().splitlines():
        m = re.match(r"^(\s*)([A-Za-z0-9_-]+):(.*)$", line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        value, _, comment = rest.partition("#")
        if value.strip():
            section = stack[-1][2] if stack else ""
            yield ".".join([k for _, k, _ in stack] + [key]), comment.strip() or section
        else:
            stack.append((indent, key, comment.strip()))


def _config_key(node: ast.AST, function: str) -> str | None:
    """``KEY`` if ``node`` is the call ``function(..., "KEY")`` (the key its last argument)."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function and node.args
            and isinstance(node.args[-1], ast.Constant) and isinstance(node.args[-1].value, str)):
        return node.args[-1].value
    return None


def _names(node: ast.AST) -> list[str]:
    """The variables an ``a or b or {}`` expression reads."""
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]


def cluster_keywords() -> dict[str, list[str]]:
    """``yarn.*`` key (without ``yarn.``) -> the DaskYARNCluster keywords that override it, read from the
    constructor's source: ``pick(keyword, "key")``, ``keyword or cfg("key")``, ``{**cfg("key"), **(keyword or
    {})}``."""
    from dask_yarn.core import DaskYARNCluster
    tree = ast.parse(inspect.getsource(DaskYARNCluster.__init__).lstrip())
    found: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        key = _config_key(node, "pick")
        if key is not None and isinstance(node.args[0], ast.Name):
            found.setdefault(key, []).append(node.args[0].id)
        parts = node.values if isinstance(node, (ast.BoolOp, ast.Dict)) else []
        keys = [k for k in (_config_key(p, "cfg") for p in parts) if k is not None]
        for key in keys:
            others = [p for p in parts if _config_key(p, "cfg") is None]
            found.setdefault(key, []).extend(n for p in others for n in _names(p) if n not in ("cfg", "pick"))
    return found


def _default(key: str) -> Any:
    from dask_yarn import config
    value: Any = config.DEFAULTS
    for part in key.split("."):
        value = value[part]
    return value


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += cell if isinstance(cell, nodes.Node) else nodes.paragraph(text=cell)
        row += entry
    return row


def _literal(text: str) -> nodes.paragraph:
    para = nodes.paragraph()
    if text:
        para += nodes.literal(text=text)
    return para


class DaskConfigTable(Directive):
    """``.. knit-dask-config::``: the table of every ``yarn.*`` key."""

    def run(self) -> list[nodes.Node]:
        from dask_yarn import config
        keywords = cluster_keywords()
        aliases = {ours: f"yarn.{theirs}" for ours, theirs in config.ALIASES.items()}
        headers = ["key", "default", "meaning", "DaskYARNCluster keyword", "dask-yarn's key"]
        table, group = nodes.table(), nodes.tgroup(cols=len(headers))
        table += group
        for width in (22, 12, 40, 14, 12):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        head += _row([nodes.paragraph(text=h) for h in headers])
        group += head
        for key, comment in yaml_keys(Path(config.FILE)):
            short = key.removeprefix("yarn.")
            kw = ", ".join(f"{k}=" for k in keywords.get(short, []))
            body += _row([_literal(key), _literal(repr(_default(key))), comment, _literal(kw),
                          _literal(aliases.get(short, ""))])
        group += body
        return [table]


# ---- a class's keywords ------------------------------------------------------------------------------

def _import(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def keyword_rows(cls: type) -> list[tuple[str, str, list[str]]]:
    """(keyword(s) as the docstring groups them, default(s), description lines) of ``cls``'s constructor."""
    from numpydoc.docscrape import ClassDoc
    params = inspect.signature(cls.__init__).parameters
    rows = []
    for p in ClassDoc(cls, config={"show_class_members": False})["Parameters"]:
        names = [n.strip() for n in p.name.split(",")]
        defaults = []
        for n in names:
            d = params[n].default if n in params else inspect.Parameter.empty
            defaults.append("" if d is inspect.Parameter.empty else repr(d))
        rows.append((", ".join(names), ", ".join(d for d in defaults if d), list(p.desc)))
    return rows


class KeywordTable(Directive):
    """``.. knit-keywords:: module.Class``: the constructor's keywords, defaults and descriptions."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        cls = _import(self.arguments[0])
        table, group = nodes.table(), nodes.tgroup(cols=3)
        table += group
        for width in (16, 14, 70):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        head += _row([nodes.paragraph(text=h) for h in ("keyword", "default", "meaning")])
        group += head
        for names, default, desc in keyword_rows(cls):
            text = nodes.container()
            self.state.nested_parse(StringList(desc, source=self.arguments[0]), self.content_offset, text)
            body += _row([_literal(names), _literal(default), text])
        group += body
        return [table]


# ---- every exception explained -------------------------------------------------------------------------

def exception_classes() -> set[str]:
    """Dotted names of the public exception classes defined anywhere in ``knit`` and ``dask_yarn``."""
    found = set()
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            if info.name in NOT_LIBRARY:
                continue
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__
                        and not name.startswith("_")):
                    found.add(f"{obj.__module__}.{obj.__qualname__}")
    return found


def check_exceptions_documented(app: Any, env: Any) -> None:
    documented = {name for name, obj in env.get_domain("py").objects.items() if obj.objtype == "exception"}
    for missing in sorted(exception_classes() - documented):
        logger.warning("exception %s is not on the troubleshooting page (add an `.. autoexception:: %s` with "
                       "what to do)", missing, missing, type="knit", subtype="exceptions")


def undocumented_parameters(cls: type) -> list[str]:
    """Public parameters of ``cls``'s constructor missing from its numpy-style ``Parameters`` section."""
    from numpydoc.docscrape import ClassDoc
    documented = set()
    for p in ClassDoc(cls, config={"show_class_members": False})["Parameters"]:
        documented.update(n.strip().lstrip("*") for n in p.name.split(","))
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    return [p.name for p in params if not p.name.startswith("_") and p.name not in documented
            and p.kind not in (p.VAR_POSITIONAL,) and not (p.kind == p.VAR_KEYWORD and "kwargs" in documented)]


def check_classes_documented(app: Any, env: Any) -> None:
    seen: set[type] = set()
    for name, obj in sorted(env.get_domain("py").objects.items()):
        if obj.objtype != "class":
            continue
        cls = _import(name)
        if cls in seen or dataclasses.is_dataclass(cls):  # a dataclass's fields: spec/schema.json
            continue
        seen.add(cls)
        for missing in undocumented_parameters(cls):
            logger.warning("%s: constructor parameter %r is not in the docstring's Parameters", name, missing,
                           type="knit", subtype="parameters")


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("knit-dask-config", DaskConfigTable)
    app.add_directive("knit-keywords", KeywordTable)
    app.connect("env-check-consistency", check_exceptions_documented)
    app.connect("env-check-consistency", check_classes_documented)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
