"""knit.progress in a real Jupyter kernel (ipykernel, run by nbclient, as a notebook runs): each task is one
display output, updated in place, that ends at 100 %; nothing goes to stderr."""
from __future__ import annotations

import textwrap
from pathlib import Path

import nbclient
import nbformat

REPO = Path(__file__).resolve().parents[2]

CELL = textwrap.dedent("""
    import time
    from knit import progress

    total = 40 * 2**20
    state = {"done": 0}

    def poll():  # the JVM's uploadProgress(): the upload leaves the list at 30 %, before the last poll
        return [{"name": "dev.zip", "done": state["done"], "total": total}] if state["done"] < total * .3 else []

    with progress.watch_uploads(poll, interval=0.05):
        for _ in range(6):
            state["done"] += int(total * .055)
            time.sleep(0.15)
    with progress.Activity("creating environment dev (pip)") as a:
        a.update(phase="pip install: Collecting toolz")
        time.sleep(1.2)  # ticks redraw the same output
""")


def test_each_task_is_one_display_that_ends_complete():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(REPO)}}).execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data", "display_data"], outputs
    upload, activity = (o.data for o in outputs)
    assert upload["text/plain"].startswith("uploading dev.zip [") and "100%" in upload["text/plain"]
    assert 'value="1.0000"' in upload["text/html"]
    assert "pip install: Collecting toolz done in" in activity["text/plain"]
    assert 'value="1.0000"' in activity["text/html"]
