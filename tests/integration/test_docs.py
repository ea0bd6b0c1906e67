"""The documentation runs: the quickstart's and the usage page's code blocks, and the example notebook, on real
local clusters; the notebook's HTML export rendered by a real headless Chromium.

Each page runs in a new Python process (a reader's session: its own client JVM, its own atexit), in a new
directory, with ``TMPDIR`` inside this test's directory so that anything it starts (a local cluster, a kernel)
is found if it is left behind.

- The quickstart starts a local cluster of its own, as a reader without Hadoop would.
- The usage page runs on a cluster of this module (2 NodeManagers of 9 GB and 10 vcores: room for its
  ``cluster.start(8, cpu=2, memory=2048)`` and its ApplicationMaster while the page's previous application,
  started just before, is still ending), from a directory that holds what its
  calls name: ``<full-path>/dev.zip`` and ``my/conda/env.zip`` (one small worker environment, built once with
  ``Knit.create_env`` and cached, holding this process's dask and distributed), ``creds.txt``, ``data.csv``.
- The notebook (``examples/dask_yarn.ipynb``) starts its own local cluster (no ``HADOOP_CONF_DIR`` here) and runs
  in a real kernel; its executed copy is written here, never over the committed one, and must have the
  committed copy's outline (same cells, same kinds of results; see ``tests/notebooks.py``).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

import chromium
import notebooks
from helpers import assert_no_process, wait_until

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
NOTEBOOK = REPO / "examples" / "dask_yarn.ipynb"
PAGE_TIMEOUT = 840  # seconds: a first run builds the usage page's environment (pandas, scikit-learn ...)
#: What points a process at a Hadoop cluster: a reader without one has none of these.
CLUSTER_ENV = ("HADOOP_CONF_DIR", "YARN_CONF_DIR", "HADOOP_HOME", "KRB5_CONFIG")


@pytest.fixture(scope="module")
def docs_cluster(cluster_factory):
    return cluster_factory(nodes=2, nm_memory=9216, nm_vcores=10)


@pytest.fixture(scope="module")
def worker_env():
    """A small zipped environment with this process's dask and distributed (built once, then cached)."""
    from dask_yarn.core import env_packages
    from knit import Knit
    return Knit.create_env("docs-dask-workers", packages=env_packages(["python=3"]))


def _reader_env(tmp_path: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    if base is None:
        for key in CLUSTER_ENV:
            env.pop(key, None)
    env["TMPDIR"] = str(tmp_path)
    env["PYTHONPATH"] = str(REPO)  # the checkout's knit and dask_yarn, as in the rest of the suite
    return env


def _run_page(page: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "docs_blocks.py"), str(DOCS / page)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=PAGE_TIMEOUT)
    print(f"{page}: its code blocks ran in {time.monotonic() - t0:.1f} s")
    assert proc.returncode == 0, f"{page} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    return proc


def test_quickstart_runs_as_written(tmp_path):
    proc = _run_page("quickstart.rst", tmp_path, _reader_env(tmp_path))
    assert re.search(r"hello from container_\w+ on ", proc.stdout), proc.stdout
    assert re.search(r"^0\.49\d*|^0\.50\d*", proc.stdout, re.M), proc.stdout  # the mean of 16 M uniforms
    assert_no_process(str(tmp_path), timeout=60)  # its local cluster's JVM ended with it


def test_usage_page_runs_as_written(tmp_path, docs_cluster, worker_env):
    (tmp_path / "<full-path>").mkdir()
    (tmp_path / "<full-path>" / "dev.zip").symlink_to(worker_env)
    (tmp_path / "my" / "conda").mkdir(parents=True)
    (tmp_path / "my" / "conda" / "env.zip").symlink_to(worker_env)
    (tmp_path / "creds.txt").write_text("user=reader\n")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    _run_page("usage.rst", tmp_path, _reader_env(tmp_path, docs_cluster.environ()))
    # Its process ended, and with it (atexit) every application it started.
    wait_until(lambda: not docs_cluster.live_applications(), 60, "the usage page's applications to end")
    assert_no_process(str(tmp_path), timeout=60)


class _Widget(HTMLParser):
    """Collects the ``data-knit-widget`` attribute the probe script writes on ``<body>``."""

    found: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "body" and dict(attrs).get("data-knit-widget"):
            self.found = json.loads(dict(attrs)["data-knit-widget"])


#: Run in the page after it is laid out: where the cluster widget is and what it shows, written on <body>.
PROBE = """<script>
(function () {
  var h = Array.from(document.querySelectorAll("h3")).find(function (e) {
    return e.textContent.trim() === "DaskYARNCluster"; });
  var out = {found: !!h};
  if (h) {
    var box = h.closest(".jp-RenderedHTMLCommon"), r = box.getBoundingClientRect(), s = getComputedStyle(box);
    out.rect = {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
    out.visible = s.visibility === "visible" && s.display !== "none" && r.width > 0 && r.height > 0;
    out.text = box.innerText;
    out.links = Array.from(box.querySelectorAll("a")).map(function (a) { return a.href; });
  }
  document.body.setAttribute("data-knit-widget", JSON.stringify(out));
})();
</script>"""


def rendered_widget(html: Path) -> dict:
    """What Chromium renders of the cluster widget in an exported notebook (``{"found": False}`` if nothing)."""
    probed = html.with_name(html.stem + "-probed.html")
    probed.write_text(html.read_text().replace("</body>", PROBE + "</body>"))
    parser = _Widget()
    parser.feed(chromium.dump_dom(probed.as_uri()))
    assert parser.found is not None, "the probe script did not run"
    return parser.found


def _ink(png: Path, rect: dict) -> int:
    """Pixels of the widget's area in the screenshot that are not the page's white background."""
    from PIL import Image
    with Image.open(png) as img:
        box = img.convert("L").crop((int(rect["x"]), int(rect["y"]), int(rect["x"] + rect["width"]),
                                     int(rect["y"] + rect["height"])))
        return sum(1 for p in box.tobytes() if p < 200)  # mode L: one byte per pixel


def test_notebook_runs_and_its_export_shows_the_cluster_widget(tmp_path):
    t0 = time.monotonic()
    nb = notebooks.execute(NOTEBOOK, tmp_path / "dask_yarn.ipynb", tmp_path, _reader_env(tmp_path))
    print(f"notebook ran in {time.monotonic() - t0:.1f} s")
    assert_no_process(str(tmp_path), timeout=60)  # the kernel and the notebook's local cluster ended

    t0 = time.monotonic()
    html = notebooks.export_html(nb, tmp_path / "dask_yarn.html")
    widget = rendered_widget(html)
    assert widget["found"] and widget["visible"], widget
    assert re.search(r"Workers:\s*2\b", widget["text"]), widget["text"]
    assert re.search(r"Dashboard:\s*http://\S+/status", widget["text"]), widget["text"]
    assert any(link.startswith("http://") and link.endswith("/status") for link in widget["links"]), widget
    rect = widget["rect"]
    png = chromium.screenshot(html.as_uri(), tmp_path / "dask_yarn.png",
                              height=int(rect["y"] + rect["height"]) + 40)
    assert _ink(png, rect) > 2000, f"the widget's area of {png} is blank"
    print(f"Chromium check in {time.monotonic() - t0:.1f} s (screenshot {png})")

    # The check can fail: the same export without the widget's output has no widget.
    bare = nbformat.from_dict(nb)
    for cell in bare.cells:
        cell["outputs"] = [o for o in cell.get("outputs", []) if "DaskYARNCluster</h3>" not in
                           "".join(o.get("data", {}).get("text/html", ""))]
    assert rendered_widget(notebooks.export_html(bare, tmp_path / "no_widget.html")) == {"found": False}

    committed = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(o["output_type"] == "error" for c in committed.cells for o in c.get("outputs", []))
    assert notebooks.outline(nb) == notebooks.outline(committed), \
        (f"the committed notebook is not what a run gives: refresh it from this run, "
         f"cp {tmp_path / 'dask_yarn.ipynb'} {NOTEBOOK}")
