"""Running the example notebook as a reader would, and what of its outputs must stay the same from run to run.

:func:`execute` runs a notebook top to bottom in a real kernel (nbclient; the kernel is this Python's ipykernel)
and fails on the first cell that raises. :func:`outline` is what a run must reproduce of the committed copy:
every cell's type and source, and for each code cell the kinds of its results (an ``execute_result`` or a
``display_data`` and their MIME types; never an ``error``). Streams and progress bars are left out: their
number depends on the machine (an environment already built shows no build progress). :func:`export_html` is
nbconvert's HTML export, what a reader of the notebook in a browser sees.

Refresh the committed copy (after changing the notebook) with::

    env -u HADOOP_CONF_DIR .venv/bin/python tests/notebooks.py examples/dask_yarn.ipynb
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Mapping

import nbformat
from nbclient import NotebookClient

CELL_TIMEOUT = 600  # seconds: the first run builds the workers' environment


def execute(src: str | os.PathLike, dest: str | os.PathLike, cwd: str | os.PathLike,
            env: Mapping[str, str] | None = None) -> Any:
    """Run the notebook ``src`` in a new kernel started in ``cwd`` with ``env``; write it, outputs and all, to
    ``dest`` and return it. Raises nbclient's ``CellExecutionError`` at the first cell that raises."""
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    client.execute(env=dict(os.environ if env is None else env))
    nbformat.write(nb, dest)
    return nb


def _is_progress(output: Mapping[str, Any]) -> bool:
    html = output.get("data", {}).get("text/html", "")
    return output.get("output_type") == "display_data" and "<progress" in "".join(html)


def outline(nb: Any) -> list[tuple]:
    """Per cell: (type, source, the kinds of its results) — what any successful run has in common."""
    cells = []
    for cell in nb.cells:
        results = tuple((o["output_type"], tuple(sorted(o.get("data", {}))))
                        for o in cell.get("outputs", [])
                        if o["output_type"] in ("execute_result", "display_data", "error") and not _is_progress(o))
        cells.append((cell.cell_type, cell.source, results))
    return cells


def export_html(nb: Any, dest: str | os.PathLike) -> Path:
    """nbconvert's HTML export of ``nb`` (the classic "lab" template), written to ``dest``."""
    from nbconvert import HTMLExporter
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = Path(dest)
    path.write_text(body)
    return path


if __name__ == "__main__":
    notebook = Path(sys.argv[1]).resolve()
    execute(notebook, notebook, notebook.parent)
    print(f"executed {notebook} (outputs written into it)")
