"""The upload bar: drawn from the client JVM's upload progress while a submission runs, quiet otherwise."""
from __future__ import annotations

import sys
import threading

from knit import progress


def test_upload_bar_follows_the_polled_uploads(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain bar, so the output is predictable
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    total = 4 * 2**20
    states = iter([[{"name": "dev.zip", "done": d, "total": total}] for d in (0, total // 2, total)])
    finished = threading.Event()

    def poll():
        state = next(states, None)
        if state is None:  # every state was shown: the upload is over
            finished.set()
            return []
        return state

    with progress.watch_uploads(poll, interval=0.15, force=True):  # the plain bar redraws at most every 0.1 s
        assert finished.wait(10)
    err = capsys.readouterr().err
    assert "uploading dev.zip" in err
    assert " 50.0%" in err and "100.0%" in err


def test_no_thread_and_no_poll_when_nobody_watches(capsys):
    polls = []
    with progress.watch_uploads(lambda: polls.append(1) or [], interval=0.01):  # stderr captured: not interactive
        watchers = [t for t in threading.enumerate() if t.name == "knit-upload-progress"]
        threading.Event().wait(0.3)  # 30 intervals: a watcher, had one started, would have polled by now
    assert watchers == [] and polls == []
    assert capsys.readouterr().err == ""


def test_progress_quiet_unless_interactive(capsys, monkeypatch):
    with progress.progress(10 * progress.MIN_BYTES_FOR_BAR, "zipping x") as update:
        update(5)  # stderr is captured, not a terminal: nothing drawn
    assert capsys.readouterr().err == ""
    monkeypatch.setitem(sys.modules, "tqdm", None)  # no tqdm: the plain bar
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with progress.progress(100, "zipping x", force=True) as update:
        update(50)
        update(50)
    err = capsys.readouterr().err
    assert "zipping x" in err and "100.0%" in err
