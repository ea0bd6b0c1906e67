"""The layout of the ``knit`` and ``dask_yarn`` packages: small files and functions, and modules of ``knit`` that
do not import each other in a circle (each is one concern, depending only on those below it)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import dask_yarn
import knit

KNIT = Path(knit.__file__).resolve().parent
MODULES = sorted(KNIT.rglob("*.py"))
#: Every module whose size is checked: knit's and dask_yarn's.
SIZED = MODULES + sorted(Path(dask_yarn.__file__).resolve().parent.rglob("*.py"))
MAX_FILE_LINES = 500
MAX_FUNCTION_CODE_LINES = 60


def _name(path: Path) -> str:
    parts = path.relative_to(KNIT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def knit_imports(path: Path) -> set[str]:
    """The ``knit`` modules a module imports anywhere in it (top level, functions, ``TYPE_CHECKING``)."""
    package = _name(path) if path.name == "__init__.py" else _name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found |= {f"{base}.{a.name}" for a in node.names} | {base}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    modules = {_name(p) for p in MODULES}
    return {m for m in found if m in modules and m != _name(path)}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path ``[a, b, ..., a]``, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            cycle = visit(nxt, path + [node])
            if cycle:
                return cycle
        done.add(node)
        return None

    return next((c for c in (visit(n, []) for n in sorted(graph)) if c), None)


def code_lines(lines: list[str], fn: ast.AST) -> int:
    """Lines of a function that hold code: no blank lines, comments or docstring."""
    body = getattr(fn, "body", [])
    doc = set()
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        doc = set(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i in range(fn.lineno, fn.end_lineno + 1)
               if i not in doc and lines[i - 1].strip() and not lines[i - 1].strip().startswith("#"))


@pytest.mark.parametrize("path", SIZED, ids=lambda p: str(p.relative_to(KNIT.parent)))
def test_files_and_functions_are_small(path):
    lines = path.read_text().splitlines()
    assert len(lines) <= MAX_FILE_LINES, f"{len(lines)} lines: split it along its concerns"
    long = [(fn.name, n) for fn in ast.walk(ast.parse("\n".join(lines)))
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
            and (n := code_lines(lines, fn)) > MAX_FUNCTION_CODE_LINES]
    assert long == [], "functions with more lines of code than " + str(MAX_FUNCTION_CODE_LINES)


def test_no_import_cycle_in_knit():
    graph = {_name(p): knit_imports(p) for p in MODULES if p.name != "__init__.py"}
    assert find_cycle(graph) is None


def test_the_cycle_check_finds_a_cycle_and_the_imports_it_reads(tmp_path):
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert "knit.checks" in knit_imports(KNIT / "yarn_api.py")
    assert "knit.states" in knit_imports(KNIT / "checks.py")


def test_public_names_stay_where_users_import_them():
    from knit import envbuild, hadoop_xml
    from knit.checks import InsufficientResources, QueueError, ResourceLimitError, preflight  # noqa: F401
    from knit.conf import HadoopConf, find_conf_dir, parse_site_file
    from knit.env import CondaCreator, CorruptArchiveError, create_env, prepare_env, prepare_files  # noqa: F401
    from knit.yarn_api import YARNAPI

    assert knit.CondaCreator is CondaCreator is envbuild.CondaCreator and create_env is envbuild.create_env
    assert knit.YARNAPI is YARNAPI
    assert (find_conf_dir, parse_site_file) == (hadoop_xml.find_conf_dir, hadoop_xml.parse_site_file)
    assert issubclass(HadoopConf, hadoop_xml.HadoopProperties)
