"""Every package that knit/ and dask_yarn/ import is declared in the installed metadata, where it belongs.

- knit/ at module level: a base dependency (``pip install knit`` must be able to import it);
- dask_yarn/ at module level: a base dependency or the ``dask`` extra;
- anywhere inside a function or a ``try`` (imported for an optional feature): a base dependency or any extra.
"""
from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
OWN = {"knit", "dask_yarn"}
#: Imported only where it is already loaded, so never a dependency: IPython inside a running kernel.
NOT_DEPENDENCIES = {"IPython": "knit.progress shows notebook output only inside an IPython kernel"}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(top-level module, at module level?) for every absolute import in ``path``."""
    found = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((a.name.split(".")[0], top) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module.split(".")[0], top))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # TYPE_CHECKING imports never run
            else:
                nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Try, ast.Lambda))
                visit(child, top and not nested)

    visit(ast.parse(path.read_text(), str(path)), True)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> dict[str, set[str]]:
    """Distribution -> the extras that declare it ("" for the base dependencies)."""
    declared: dict[str, set[str]] = {}
    all_extras = importlib.metadata.metadata("knit").get_all("Provides-Extra") or []
    for line in importlib.metadata.requires("knit") or []:
        req = Requirement(line)
        extras = {e for e in all_extras if req.marker is not None and req.marker.evaluate({"extra": e})}
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            extras.add("")
        declared.setdefault(_normalize(req.name), set()).update(extras)
    return declared


def _distribution(module: str) -> str:
    dists = importlib.metadata.packages_distributions().get(module)
    return _normalize(dists[0]) if dists else _normalize(module)  # not installed: its usual name


def _problems() -> list[str]:
    declared = _declared()
    problems = []
    for package in sorted(OWN):
        for path in sorted((REPO / package).rglob("*.py")):
            for module, top in _imports(path):
                if module in OWN or module in sys.stdlib_module_names or module in NOT_DEPENDENCIES:
                    continue
                allowed = {""} if package == "knit" and top else ({"", "dask"} if top else None)
                where = declared.get(_distribution(module))
                if where is None or (allowed is not None and not where & allowed):
                    problems.append(f"{path.relative_to(REPO)} imports {module} "
                                    f"({'module level' if top else 'optional'}), declared in {where or 'nothing'}")
    return problems


def test_every_import_is_declared():
    assert _problems() == []


def test_the_walk_sees_undeclared_and_misplaced_imports(tmp_path, monkeypatch):
    """The check finds what it must: a module-level import of an undeclared package, and of an extra's package
    in knit/ (which a base install could not import)."""
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "knit").mkdir()
    (tmp_path / "dask_yarn").mkdir()
    (tmp_path / "knit" / "a.py").write_text("import yaml\nimport py4j.java_gateway\n"
                                            "def f():\n    import requests_gssapi\n")
    (tmp_path / "knit" / "b.py").write_text("from surely_not_a_dependency import x\n")
    (tmp_path / "dask_yarn" / "c.py").write_text("import distributed\ntry:\n    import tqdm\nexcept ImportError:\n"
                                                 "    pass\n")
    problems = _problems()
    assert any("knit/a.py imports yaml (module level)" in p for p in problems), problems
    assert any("knit/b.py imports surely_not_a_dependency" in p for p in problems), problems
    assert any("dask_yarn/c.py imports tqdm (optional)" in p for p in problems), problems
    assert len(problems) == 3, problems  # py4j (base), requests_gssapi (kerberos), distributed (dask) are fine
