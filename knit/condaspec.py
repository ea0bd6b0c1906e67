"""Conda-style package specs (``numpy=1.26``, ``conda-forge::pandas>=2``) translated for pip (PEP 440).

The usage page's ``create_env(packages=["python=3", "dask", ...])`` takes conda specs; without a conda tool the
environment is built with pip, so each spec becomes a pip requirement, and a ``python`` spec becomes a check of
the Python pip builds with (pip cannot install another Python).
"""
from __future__ import annotations

import re
from typing import Sequence

from .exceptions import SpecError

_SPEC_RE = re.compile(r"^\s*(?:[\w.\-/]+::)?([A-Za-z0-9][A-Za-z0-9._\-]*(?:\[[^\]]*\])?)\s*(.*)$")


def _conda_version_to_pip(rest: str) -> str:
    """conda version constraint -> PEP 440 (``=1.2`` is fuzzy in conda: ``==1.2.*``)."""
    rest = rest.strip()
    if not rest:
        return ""
    if " " in rest and not re.match(r"^[<>=!~]", rest):  # "1.2 py_0": version then build
        rest = rest.split()[0]
    if rest.startswith("==") or re.match(r"^(>=|<=|!=|~=|<|>)", rest):
        return rest.replace(" ", "")
    version = rest.lstrip("=").split("=", 1)[0]  # drop a build string: =1.2=py_0
    if not version or version == "*":
        return ""
    if version.endswith("*"):
        version = version.rstrip("*").rstrip(".")
    return f"=={version}.*"


def parse_conda_spec(spec: str) -> tuple[str, str]:
    """``'numpy=1.2'`` -> ``('numpy', '==1.2.*')``: the name and a PEP 440 constraint."""
    m = _SPEC_RE.match(spec)
    if not m:
        raise SpecError(f"cannot read package spec {spec!r}")
    name, rest = m.group(1), m.group(2)
    try:
        return name, _conda_version_to_pip(rest)
    except ValueError as e:  # pragma: no cover - defensive
        raise SpecError(f"cannot read package spec {spec!r}: {e}") from e


def conda_specs_to_pip(packages: Sequence[str]) -> tuple[list[str], str | None]:
    """Translate conda-style specs for pip.

    Returns
    -------
    (list of str, str or None)
        pip requirements, and the PEP 440 constraint of a ``python`` spec (``""`` for a bare
        ``python``; None when there is no python spec).
    """
    reqs, python = [], None
    for spec in packages:
        if "::" not in spec and ("/" in spec or spec.startswith(".")):
            reqs.append(spec)  # a local wheel / directory or a URL: pip takes it as is
            continue
        name, constraint = parse_conda_spec(spec)
        if name.lower() == "python":
            python = constraint
        else:
            reqs.append(name + constraint)
    return reqs, python


def check_python_constraint(constraint: str | None, version: str, executable: str) -> None:
    """Raise SpecError when the Python that would build the env does not meet ``constraint``."""
    if not constraint:
        return
    try:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
    except ImportError as e:  # pragma: no cover - packaging ships with pip-based setups
        raise SpecError("checking a python= spec needs the 'packaging' package") from e
    try:
        ok = SpecifierSet(constraint).contains(version, prereleases=True)
    except InvalidSpecifier as e:
        raise SpecError(f"cannot read the python constraint {constraint!r}") from e
    if not ok:
        raise SpecError(f"the packages ask for python{constraint}, but pip builds the env with "
                        f"Python {version} ({executable}); create_env from a matching Python, or "
                        "use a conda tool (tool='conda' or conda_root=...) which installs its own")
