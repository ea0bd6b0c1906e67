"""Run the code blocks of a documentation page, in order, as a reader would type them into one Python session.

Every ``.. code-block:: python`` (or ``pycon``) of the page runs, in one namespace. A block holding ``>>>``
prompts is a doctest: each example runs and what it prints must match the output written under it
(``...`` matches anything, so ``'application_...'`` stands for any application id); a block without prompts is
a script, run whole. The first block that raises (or prints something else than written) stops the page with
:class:`BlockFailed`, which names the page and line.

Other blocks (``::`` literal blocks, ``code-block:: text``) are shown text, not run; :func:`code_blocks` lists
their languages too, so a test can assert a page has none that escape.

Command line (what the integration tests run, in a fresh process whose environment points at a cluster)::

    python tests/docs_blocks.py docs/usage.rst
"""
from __future__ import annotations

import doctest
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

RUN = ("python", "pycon")
_DIRECTIVE = re.compile(r"^(\s*)\.\. code-block::\s*(\S+)\s*$")


@dataclass(frozen=True)
class Block:
    """One code block: its language, its text (dedented) and the page line of its first line."""

    language: str
    source: str
    line: int


class BlockFailed(AssertionError):
    """A block of a page raised, or printed something else than the page says."""


def code_blocks(text: str) -> list[Block]:
    """Every ``.. code-block::`` directive of a reStructuredText page, in order."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        i += 1
        if not m:
            continue
        indent = len(m.group(1))
        while i < len(lines) and re.match(r"^\s+:[\w-]+:", lines[i]):  # directive options
            i += 1
        body: list[str] = []
        start = None
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            if lines[i].strip() and start is None:
                start = i + 1
            if start is not None:
                body.append(lines[i])
            i += 1
        if start is not None:
            blocks.append(Block(m.group(2), textwrap.dedent("\n".join(body)).rstrip() + "\n", start))
    return blocks


def run_block(block: Block, namespace: dict, page: str) -> None:
    """Run one block in ``namespace``; raise :class:`BlockFailed` naming ``page`` and the line."""
    where = f"{page}:{block.line}"
    if ">>>" in block.source:
        examples = doctest.DocTestParser().parse(block.source, where)
        test = doctest.DocTest([e for e in examples if isinstance(e, doctest.Example)], namespace, where, page,
                               block.line - 1, block.source)
        runner = doctest.DebugRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        try:
            runner.run(test, clear_globs=False)
            namespace.update(test.globs)  # DocTest ran in a copy: what it defined is for the next blocks
        except doctest.UnexpectedException as e:
            line = block.line + e.example.lineno
            raise BlockFailed(f"{page}:{line}: {e.example.source.strip()!r} raised "
                              f"{e.exc_info[1]!r}") from e.exc_info[1]
        except doctest.DocTestFailure as e:
            line = block.line + e.example.lineno
            raise BlockFailed(f"{page}:{line}: {e.example.source.strip()!r} printed {e.got!r}, the page says "
                              f"{e.example.want!r}") from None
        return
    # Blank lines in front: a traceback's line numbers are the page's.
    code = compile("\n" * (block.line - 1) + block.source, page, "exec")
    try:
        exec(code, namespace)
    except Exception as e:
        raise BlockFailed(f"{where}: the block starting here raised {e!r}") from e


def run_page(path: str | Path, namespace: dict | None = None) -> dict:
    """Run every Python block of the page at ``path`` in order; returns the namespace they ran in."""
    namespace = {"__name__": "__main__"} if namespace is None else namespace
    page = str(path)
    for block in code_blocks(Path(path).read_text()):
        if block.language in RUN:
            print(f"--- {page}:{block.line}", flush=True)
            run_block(block, namespace, page)
    return namespace


if __name__ == "__main__":
    try:
        run_page(sys.argv[1])
    except BlockFailed as e:
        print(f"FAILED {e}", file=sys.stderr)
        raise
