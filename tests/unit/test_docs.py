"""The documentation's machinery, without a cluster: the page-block runner and the docs' own extension.

The pages themselves run on a real cluster in ``tests/integration/test_docs.py``; the site is built with
warnings as errors by ``scripts/docs.sh``.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from docs_blocks import BlockFailed, code_blocks, run_page

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "docs" / "_ext"))
import knit_docs  # noqa: E402

EXECUTED_PAGES = ["quickstart.rst", "usage.rst"]

PAGE = """\
Title
=====

.. code-block:: python

   x = 1

Text.

.. code-block:: python
   :caption: a doctest

   >>> x + 1
   2
   >>> "application_1_0001"
   'application_...'
   >>> w = x + 1

.. code-block:: python

   y = w - 1
   {bad}

::

   $ not run
"""


def _page(tmp_path, bad: str = "z = y") -> Path:
    path = tmp_path / "page.rst"
    path.write_text(PAGE.replace("{bad}", bad))
    return path


def test_blocks_run_in_order_in_one_namespace(tmp_path):
    ns = run_page(_page(tmp_path))
    assert ns["z"] == 1 and ns["y"] == 1


def test_a_block_that_raises_fails_the_page_naming_its_line(tmp_path):
    with pytest.raises(BlockFailed, match=r"page.rst:21: the block starting here raised NameError") as info:
        run_page(_page(tmp_path, bad="undefined_name"))
    tb = info.value.__cause__.__traceback__
    while tb.tb_next:
        tb = tb.tb_next
    assert tb.tb_lineno == 22  # the page's own line of the failing statement


def test_a_doctest_that_prints_something_else_fails_the_page(tmp_path):
    path = _page(tmp_path)
    path.write_text(path.read_text().replace("   2\n", "   3\n"))
    with pytest.raises(BlockFailed, match=r"page.rst:13: 'x \+ 1' printed '2\\n', the page says '3\\n'"):
        run_page(path)


def test_a_doctest_example_that_raises_fails_the_page(tmp_path):
    path = _page(tmp_path)
    path.write_text(path.read_text().replace(">>> x + 1\n   2", ">>> x + nope\n   2"))
    with pytest.raises(BlockFailed, match=r"page.rst:13: 'x \+ nope' raised NameError"):
        run_page(path)


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_every_code_block_of_the_executed_pages_is_python(page):
    """Nothing on these pages escapes the CI run: every code-block directive is found and is one that runs."""
    text = (REPO / "docs" / page).read_text()
    blocks = code_blocks(text)
    assert len(blocks) == text.count(".. code-block::") > 0
    assert {b.language for b in blocks} == {"python"}


def test_the_dask_config_table_has_every_key_of_yarn_yaml():
    from dask_yarn import config

    def leaves(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict) and v:  # an empty mapping is a value (env-vars: {})
                yield from leaves(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"

    assert [k for k, _ in knit_docs.yaml_keys(Path(config.FILE))] == list(leaves(config.DEFAULTS))
    keywords = knit_docs.cluster_keywords()
    assert keywords["worker.memory"] == ["worker_memory"] and keywords["app-name"] == ["app_name", "name"]
    assert keywords["worker.env-vars"] == ["worker_env", "envvars"]


def test_every_exception_class_is_found():
    import knit.exceptions as ke
    found = knit_docs.exception_classes()
    own = {f"knit.exceptions.{n}" for n, c in vars(ke).items() if isinstance(c, type) and issubclass(c, Exception)}
    assert own <= found and "dask_yarn.errors.ClusterStateError" in found
    assert not any(name.rsplit(".", 1)[1].startswith("_") for name in found)


def test_an_undocumented_constructor_parameter_is_found():
    class Documented:
        """Doc.

        Parameters
        ----------
        a, b : int
            Numbers.
        **kwargs
            More.
        """

        def __init__(self, a, b, c=1, _private=None, **kwargs):
            pass

    assert knit_docs.undocumented_parameters(Documented) == ["c"]
