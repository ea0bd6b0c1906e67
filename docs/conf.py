"""Sphinx configuration of Knit's documentation (``sphinx-build -W docs docs/_build``).

The API reference is autodoc over the checkout's own packages (``knit``, ``dask_yarn``), so signatures and
docstrings follow the code; the command-line reference is generated from ``knit``'s argparse parser; the Dask
configuration table from ``dask_yarn/yarn.yaml`` (``_ext/knit_docs.py``).
"""
from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path[:0] = [str(DOCS.parent), str(DOCS / "_ext")]

import knit  # noqa: E402  (after the checkout is on the path)

project = "Knit"
author = "Knit developers"
copyright = "Knit developers, BSD-3-Clause"
release = knit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinxarg.ext",
    "knit_docs",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

# No docstring may document a parameter its function does not take (numpydoc's PR02: stale docs fail the build).
# That every constructor documents all its parameters is checked by _ext/knit_docs.py (methods may have short
# docstrings).
numpydoc_validation_checks = {"PR02"}
numpydoc_show_class_members = False  # members are listed by autodoc's :members:, once
numpydoc_xref_param_type = False
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

# No network in CI: intersphinx inventories are not fetched (links to other projects' docs are plain text).
intersphinx_mapping: dict = {}

smartquotes = False  # `--flag` and "quotes" stay as typed (help texts, config comments)
myst_heading_anchors = 3
suppress_warnings = ["myst.xref_missing"]  # ARCHITECTURE.md links to source files, which are not pages

html_theme = "alabaster"
html_title = f"Knit {release}"
html_theme_options = {"description": "Programs and Dask clusters on Hadoop YARN", "fixed_sidebar": True}
