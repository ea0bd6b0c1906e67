"""Feedback on long work (knit.progress) in its three renderings: quiet, a terminal, a notebook.

The terminal is a real pty (or a stream that says it is a TTY); the notebook is a fake of the one boundary the
module calls, ``_open_display`` (IPython's display with a display id, whose handle updates that output).
"""
from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from knit import env as kenv
from knit import logs as klogs
from knit import progress
from knit.exceptions import EnvBuildError

FAKE_CONDA = Path(__file__).resolve().parents[1] / "fixtures" / "fake_conda"


class FakeTTY(io.StringIO):
    """A stream that says it is a terminal (stderr of a shell), recording what is written."""

    def isatty(self) -> bool:
        return True


class FakeDisplay:
    """The notebook boundary: ``display(bundle, raw=True, display_id=True)`` and its handle's ``update``."""

    def __init__(self) -> None:
        self.outputs: list[list[dict]] = []  # one entry per output cell area, each the bundles it showed

    def open(self, bundle: dict) -> "FakeDisplay.Handle":
        self.outputs.append([bundle])
        return FakeDisplay.Handle(self.outputs[-1])

    class Handle:
        def __init__(self, history: list[dict]) -> None:
            self.history = history

        def update(self, bundle: dict, raw: bool = False) -> None:
            assert raw
            self.history.append(bundle)


def screen(raw: str) -> list[str]:
    """What a terminal shows after ``raw``: \\r goes to the line's start, ESC[K clears to its end, \\n is a new
    line."""
    lines, line, col = [], [], 0
    i = 0
    while i < len(raw):
        if raw.startswith("\x1b[K", i):
            del line[col:]
            i += 3
            continue
        ch = raw[i]
        if ch == "\r":
            col = 0
        elif ch == "\n":
            lines.append("".join(line))
            line, col = [], 0
        else:
            line[col:col + 1] = [ch]
            col += 1
        i += 1
    return lines + ["".join(line)]


@pytest.fixture
def tty(monkeypatch) -> FakeTTY:
    """stderr as a terminal. (Patched where knit.progress looks it up: pytest re-installs its own
    ``sys.stderr`` between a fixture's setup and the test.)"""
    stream = FakeTTY()
    monkeypatch.setattr(progress, "_stderr", lambda: stream)
    monkeypatch.setenv("COLUMNS", "200")  # its width (it has no fd): wide enough for whole lines
    return stream


@pytest.fixture
def notebook(monkeypatch) -> FakeDisplay:
    fake = FakeDisplay()
    monkeypatch.setattr(progress, "in_kernel", lambda: True)
    monkeypatch.setattr(progress, "_open_display", fake.open)
    return fake


# ---------------------------------------------------------------------------------------------------- quiet

def test_quiet_draws_nothing_and_starts_no_thread(capsys):
    before = threading.active_count()
    tasks = [progress.Bar(10 * progress.MIN_BYTES_FOR_BAR, "zipping x"), progress.Counter(3, "workers"),
             progress.Activity("building")]
    assert threading.active_count() == before  # stderr is captured: not a terminal, no kernel
    for t in tasks:
        t.update(done=1, phase="p")
        t.close()
    with progress.watch_uploads(lambda: pytest.fail("polled although nothing may be drawn"), interval=0.01):
        assert threading.active_count() == before
    assert capsys.readouterr().err == ""
    # the same task drawn when forced: the check above can see output when there is some
    with progress.Activity("building", force=True):
        pass
    assert "building" in capsys.readouterr().err


def test_no_thread_and_no_poll_when_nobody_watches(capsys):
    polls = []
    with progress.watch_uploads(lambda: polls.append(1) or [], interval=0.01):  # stderr captured: not interactive
        watchers = [t for t in threading.enumerate() if t.name == "knit-upload-progress"]
        threading.Event().wait(0.3)  # 30 intervals: a watcher, had one started, would have polled by now
    assert watchers == [] and polls == []
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------------------------------- terminal

def _read_all(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 0.2)[0]:
        data = os.read(fd, 65536)
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks).decode()


def test_terminal_is_one_redrawn_line_that_ends_at_100_percent(monkeypatch):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))  # 60 columns
    stream = os.fdopen(slave, "w")
    monkeypatch.setattr(sys, "stderr", stream)
    try:
        assert progress.interactive()
        total = 40 * 2**20
        with progress.progress(total, "zipping a-rather-long-environment-name-that-would-wrap") as update:
            for _ in range(8):
                update(total // 10)  # only 80 % reported: success still ends at 100 %
                time.sleep(0.12)
        raw = _read_all(master)
    finally:
        stream.close()
        os.close(master)
    assert raw.count("\r") > 3, "the line was not redrawn"
    assert raw.count("\n") == 1, f"more than one line: {raw!r}"
    shown = [line for line in screen(raw) if line]
    assert len(shown) == 1
    assert "100%" in shown[0] and "40.0/40.0 MiB" in shown[0] and "done in" in shown[0]
    assert all(len(line) < 60 for line in screen(raw)), "a line wider than the terminal wraps"


def test_terminal_failure_shows_where_it_stopped(tty):
    with pytest.raises(RuntimeError):
        with progress.Bar(100, "uploading dev.zip", unit="") as bar:
            bar.update(done=30)
            raise RuntimeError("upload failed")
    (line,) = [s for s in screen(tty.getvalue()) if s]
    assert " 30%" in line and "failed after" in line and "100%" not in line


def test_activity_shows_phase_spinner_and_elapsed_time(tty, monkeypatch):
    monkeypatch.setattr(progress, "TICK", 0.05)
    with progress.Activity("creating environment dev") as act:
        act.update(phase="pip install: Collecting numpy")
        time.sleep(0.3)  # ticks redraw with a turning spinner
    raw = tty.getvalue()
    spinners = set(re.findall(r"creating environment dev ([|/\\-]) ", raw))
    assert len(spinners) >= 2, raw
    (line,) = [s for s in screen(raw) if s]
    assert line.startswith("creating environment dev pip install: Collecting numpy done in ")


def test_delay_keeps_quick_waits_silent(tty):
    with progress.Activity("waiting for logs", delay=5.0):
        pass
    assert tty.getvalue() == ""
    with progress.Activity("waiting for logs", delay=0.0) as act:
        act.update(phase="RUNNING")
    assert "waiting for logs" in tty.getvalue()


def test_nested_task_owns_the_line_until_it_ends(tty, monkeypatch):
    monkeypatch.setattr(progress, "TICK", 0.05)
    with progress.Activity("creating environment dev") as outer:
        outer.update(phase="pip install")
        inner = progress.Bar(100, "zipping dev", unit="")
        inner.update(done=10)
        start = len(tty.getvalue())
        time.sleep(0.3)  # the outer task ticks, but must not draw over the inner one
        during = tty.getvalue()[start:]
        inner.close()
        time.sleep(0.2)  # the outer one resumes on the next line
    assert "zipping dev" in during and "creating environment" not in during
    lines = [s for s in screen(tty.getvalue()) if s]
    assert lines[-2].startswith("zipping dev [") and "100%" in lines[-2]
    assert lines[-1].startswith("creating environment dev pip install done in")


def test_counter_for_waiting_on_containers(tty):
    counter = progress.Counter(3, "starting workers", unit="workers")
    counter.update(done=1)
    counter.update(total=4, phase="3 requested")  # a scale-up while waiting changes the goal
    assert "1/4 workers 3 requested" in counter.text()
    counter.close()
    (line,) = [s for s in screen(tty.getvalue()) if s]
    assert "100%" in line and "4/4 workers" in line


def test_upload_bar_ends_at_100_when_the_last_poll_saw_less(tty):
    """The notebook bug of issue 16: a bar stuck at 27.5 % because the upload finished between two polls."""
    total = 40 * 2**20
    polled = threading.Event()

    def poll():
        polled.set()
        return [{"name": "dev.zip", "done": int(total * 0.275), "total": total}]

    with progress.watch_uploads(poll, interval=0.05):
        assert polled.wait(5)
        time.sleep(0.1)
    (line,) = [s for s in screen(tty.getvalue()) if s]
    assert line.startswith("uploading dev.zip [") and "100%" in line and "40.0/40.0 MiB" in line


# ------------------------------------------------------------------------------------------------- notebook

def test_notebook_upload_is_one_display_updated_in_place(notebook, capsys):
    total = 40 * 2**20
    states = iter([[{"name": "dev.zip", "done": d, "total": total}] for d in (0, total // 4, int(total * .275))])
    drained = threading.Event()

    def poll():
        state = next(states, None)
        if state is None:
            drained.set()
            return []  # finished uploads leave the JVM's list
        return state

    with progress.watch_uploads(poll, interval=0.05):
        assert drained.wait(5)
    assert capsys.readouterr().err == "", "a notebook bar must not print text lines"
    (history,) = notebook.outputs  # one output, never a new one per redraw
    final = history[-1]
    assert 'value="1.0000"' in final["text/html"] and "100%" in final["text/html"]
    assert "100%" in final["text/plain"] and "done in" in final["text/plain"]
    assert len(history) >= 2, "the display was never updated"


def test_notebook_activity_is_indeterminate_then_complete(notebook):
    with progress.Activity("waiting for the aggregated logs of application_1_0001") as act:
        act.update(phase="log aggregation RUNNING")
    (history,) = notebook.outputs
    assert "<progress style=" in history[0]["text/html"], "running: no value (indeterminate)"
    assert "log aggregation RUNNING" in history[0]["text/html"]
    assert 'value="1.0000"' in history[-1]["text/html"] and "done in" in history[-1]["text/html"]


def test_notebook_failure_is_marked(notebook):
    with pytest.raises(ValueError):
        with progress.Counter(2, "starting workers", unit="workers") as c:
            c.update(done=1)
            raise ValueError("no capacity")
    final = notebook.outputs[0][-1]["text/html"]
    assert "failed after" in final and 'value="0.5000"' in final and "color:#b00" in final


def test_a_broken_display_never_breaks_the_work(monkeypatch):
    monkeypatch.setattr(progress, "in_kernel", lambda: True)

    def broken(bundle):
        raise RuntimeError("no frontend")

    monkeypatch.setattr(progress, "_open_display", broken)
    with progress.Bar(10, "x", unit="") as bar:
        bar.update(done=5)
    assert bar.mode is None and bar.outcome == "done"


# ------------------------------------------------------------------------------------ the long waits of Knit

def test_create_env_shows_the_build_phases(tty, tmp_path):
    kenv.create_env("dev", ["python=3", "toolz=0.12"], conda_root=str(FAKE_CONDA), cache_dir=tmp_path)
    raw = tty.getvalue()
    assert "creating environment dev (conda) | conda create" in raw
    lines = [s for s in screen(raw) if s]
    assert lines[-1].startswith("creating environment dev (conda) ") and " done in " in lines[-1]


def test_create_env_failure_shows_failed(tty, tmp_path):
    with pytest.raises(EnvBuildError, match="PackagesNotFoundError"):
        kenv.create_env("broken", ["python=3", "doesnotexist-pkg"], conda_root=str(FAKE_CONDA),
                        cache_dir=tmp_path)
    lines = [s for s in screen(tty.getvalue()) if s]
    # the tool's own output line became the phase
    assert lines[-1].startswith("creating environment broken (conda) conda create: ")
    assert "failed after" in lines[-1]


class _SlowAggregation:
    """The RM's REST status of an application whose logs take ``seconds`` to aggregate."""

    def __init__(self, seconds: float) -> None:
        self.ready_at = time.monotonic() + seconds

    def status(self, app_id: str) -> dict:
        return {"logAggregationStatus": "SUCCEEDED" if time.monotonic() >= self.ready_at else "RUNNING"}

    def aggregated(self, app_id: str, container_id, tail: int, include_debug: bool) -> str:
        if time.monotonic() < self.ready_at:
            return "{}"
        return json.dumps({"container_1": {"stdout": "hi\n"}})


def test_log_aggregation_wait_is_shown(tty):
    slow = _SlowAggregation(1.6)
    parts = klogs.LogParts(app_id="application_1_0001", state=lambda: "FINISHED", containers=list,
                           aggregated=slow.aggregated, rest=slow)
    logs = klogs.fetch_aggregated(parts, timeout=30)
    assert logs["container_1"]["stdout"] == "hi\n"
    lines = [s for s in screen(tty.getvalue()) if s]
    assert lines[-1].startswith("waiting for the aggregated logs of application_1_0001 log aggregation RUNNING")
    assert "done in" in lines[-1]
