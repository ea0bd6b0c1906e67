"""Feedback on long work: zipping, uploading, building an environment, waiting for containers or logs.

A task is drawn only when someone watches, in one of three ways picked when it starts:

- **notebook** (an IPython kernel): one display output, updated in place (IPython's display handle, so the
  saved notebook and its HTML export keep the last state); an HTML ``<progress>`` with a text fallback. A task
  that succeeds ends at 100 %.
- **terminal** (stderr is a TTY): one line, redrawn with ``\\r`` and cut to the terminal's width so it never
  wraps, ended by a newline when the task ends.
- **quiet** (a pipe, a file, CI): nothing at all, not even a thread.

Three kinds, one base (:class:`Task`): :class:`Bar` (bytes or units with a known total), :class:`Counter`
(whole things out of a total, e.g. containers running) and :class:`Activity` (no total: a phase and the time
elapsed). Each is a context manager that ends in success, or in failure when the body raises::

    with progress.Counter(8, "starting workers", unit="workers") as c:
        ...
        c.update(done=3, phase="5 requested")

A ticker thread redraws every ``TICK`` seconds, so the elapsed time moves while nothing else does. Tasks nest:
while an inner task is drawn (zipping inside ``create_env``), the outer one waits and resumes after it.
"""
from __future__ import annotations

import html
import io
import logging
import os
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO

logger = logging.getLogger(__name__)

#: Work smaller than this (bytes) finishes too fast to be worth a bar.
MIN_BYTES_FOR_BAR = 32 * 1024 * 1024
#: Seconds between redraws by the ticker (elapsed time, spinner).
TICK = 0.5
#: Least seconds between two redraws caused by updates (a notebook update is a message to the browser).
MIN_REDRAW = {"terminal": 0.1, "notebook": 0.25}
_SPINNER = "|/-\\"
_BAR_WIDTH = 24

_stack_lock = threading.Lock()
_stack: list["Task"] = []  # shown tasks, innermost last: only the innermost draws in a terminal


def in_kernel() -> bool:
    """True in a Jupyter (IPython) kernel; False in a terminal IPython or plain Python."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


def _stderr() -> TextIO:
    """Where terminal lines go: the current ``sys.stderr`` (looked up late, as callers may swap it)."""
    return sys.stderr


def interactive() -> bool:
    """True in a Jupyter kernel or when stderr is a terminal; False when output goes to a pipe or a file."""
    if in_kernel():
        return True
    stream = _stderr()
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _mode(force: bool | None) -> str | None:
    if force is False or (force is None and not interactive()):
        return None
    return "notebook" if in_kernel() else "terminal"


def _open_display(bundle: dict[str, str]) -> Any:
    """Show ``bundle`` (mime type -> data) as a new notebook output; return a handle with ``update``."""
    from IPython.display import display
    return display(bundle, raw=True, display_id=True)


def _width(stream: TextIO) -> int:
    """Columns of the terminal ``stream`` writes to (not stdout's: stdout may be redirected)."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return shutil.get_terminal_size(fallback=(80, 24)).columns


def _fmt_seconds(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Task:
    """One piece of long work and its feedback; see the module docstring for how it is drawn.

    Parameters
    ----------
    desc : str
        What is being done, e.g. ``"uploading dev.zip"``.
    total : float, optional
        Amount of work; None for an :class:`Activity` (no known end).
    force : bool, optional
        ``True`` always draws (on stderr when not in a notebook), ``False`` never does; default: draw when
        :func:`interactive`.
    delay : float
        Draw nothing until the task has lasted this long (quick waits stay silent).
    stream : file, optional
        Where a terminal line goes (default ``sys.stderr``, looked up when drawing).
    """

    def __init__(self, desc: str, total: float | None = None, force: bool | None = None,
                 delay: float = 0.0, stream: TextIO | None = None) -> None:
        self.desc = desc
        self.total = total
        self.done = 0.0
        self.phase = ""
        self.outcome: str | None = None  # None while running, then "done" or "failed"
        self.mode = _mode(force)
        self._stream = stream
        self._delay = delay
        self._started = time.monotonic()
        self._lock = threading.RLock()
        self._shown = False
        self._last_draw = 0.0
        self._ticks = 0
        self._handle: Any = None
        self._stop = threading.Event()
        if self.mode is not None:
            threading.Thread(target=self._tick, name="knit-progress", daemon=True).start()

    # -- what callers use ------------------------------------------------------------------------------------

    def advance(self, n: float = 1) -> None:
        """Add ``n`` to the work done."""
        self.update(done=self.done + n)

    def update(self, done: float | None = None, total: float | None = None, phase: str | None = None) -> None:
        """Set the work done, the total and/or the phase (a short text shown after the numbers)."""
        if self.mode is None:
            return
        with self._lock:
            if done is not None:
                self.done = done
            if total is not None:
                self.total = total
            if phase is not None:
                self.phase = phase
            self._draw(final=False)

    def close(self, ok: bool = True) -> None:
        """End the task: a success shows it complete (100 %), a failure as it stood, with the time taken."""
        if self.outcome is not None:
            return
        self._stop.set()
        if self.mode is None:
            _pop(self)
            self.outcome = "done" if ok else "failed"
            return
        with self._lock:
            self.outcome = "done" if ok else "failed"
            if ok and self.total is not None:
                self.done = self.total
            if self._shown or self._elapsed() >= self._delay:
                self._draw(final=True)
        _pop(self)

    def __enter__(self) -> "Task":
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        self.close(ok=exc_type is None)

    # -- what subclasses say ---------------------------------------------------------------------------------

    def numbers(self) -> str:
        """The amount part of the line, e.g. ``3/8 workers``."""
        return ""

    # -- drawing -----------------------------------------------------------------------------------------------

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                self._ticks += 1
                self._draw(final=False, tick=True)

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _fraction(self) -> float | None:
        if self.total is None:
            return None
        return 1.0 if self.total <= 0 else max(0.0, min(self.done / self.total, 1.0))

    def _draw(self, final: bool, tick: bool = False) -> None:
        if self.mode is None:  # drawing failed before
            return
        now = time.monotonic()
        if not final:
            if self.outcome is not None or now - self._started < self._delay:
                return
            if not tick and now - self._last_draw < MIN_REDRAW[self.mode]:
                return
        if not self._shown:
            self._shown = True
            _push(self)
        if self.mode == "terminal" and not (final or _is_innermost(self)):
            return  # an inner task owns the line until it ends
        self._last_draw = now
        try:
            if self.mode == "notebook":
                self._draw_notebook()
            else:
                self._draw_terminal(final)
        except Exception as e:  # feedback must never break the work it reports on
            logger.debug("progress display failed: %s", e)
            self.mode = None
            self._stop.set()

    def _timing(self) -> str:
        elapsed = _fmt_seconds(self._elapsed())
        return {None: elapsed, "done": f"done in {elapsed}", "failed": f"failed after {elapsed}"}[self.outcome]

    def _detail(self) -> str:
        """Everything after the gauge: the numbers, the phase, the time."""
        return " ".join(p for p in (self.numbers(), self.phase, self._timing()) if p)

    def _gauge(self, width: int | None = None) -> str:
        frac = self._fraction()
        if frac is not None:
            cells = _BAR_WIDTH if width is None else max(8, min(_BAR_WIDTH, width // 6))
            filled = int(frac * cells)
            return f"[{'#' * filled}{'.' * (cells - filled)}] {frac:4.0%}"
        return _SPINNER[self._ticks % len(_SPINNER)] if self.outcome is None else ""

    def text(self, width: int | None = None) -> str:
        """The line as a terminal shows it now, at most ``width`` characters: the phase is cut first, then
        the description, so the numbers and the time always show."""
        desc, phase = self.desc, self.phase

        def line() -> str:
            return " ".join(p for p in (desc, self._gauge(width), self.numbers(), phase, self._timing()) if p)

        if width is None or len(line()) <= width:
            return line()
        phase = ""
        room = width - len(line()) - 1  # what a phase may take, with its separating space
        if self.phase and room >= 8:
            phase = self.phase[:room - 3] + "..."
            return line()
        over = len(line()) - width
        if over > 0:
            desc = desc[:max(len(desc) - over - 3, 4)] + "..."
        return line()[:width]

    def _draw_terminal(self, final: bool) -> None:
        stream = self._stream or _stderr()
        width = _width(stream)
        # \r back to the line's start, the text cut so it never wraps, \x1b[K clears what a longer text left
        stream.write("\r" + self.text(max(width - 1, 20)) + "\x1b[K" + ("\n" if final else ""))
        stream.flush()

    def _bundle(self) -> dict[str, str]:
        frac = self._fraction()
        if frac is None and self.outcome == "done":
            frac = 1.0
        # no value: the browser's own animation for work with no known end
        value = "" if frac is None else f' value="{frac:.4f}" max="1"'
        detail = (f"{frac:.0%} " if self.total is not None else "") + self._detail()
        color = ' style="color:#b00"' if self.outcome == "failed" else ""
        markup = (f'<div class="knit-progress"><span>{html.escape(self.desc)}</span> '
                  f'<progress{value} style="width:16em"></progress> '
                  f'<span{color}>{html.escape(detail)}</span></div>')
        return {"text/html": markup, "text/plain": self.text()}

    def _draw_notebook(self) -> None:
        if self._handle is None:
            self._handle = _open_display(self._bundle())
        else:
            self._handle.update(self._bundle(), raw=True)


def _push(task: Task) -> None:
    with _stack_lock:
        _stack.append(task)


def _pop(task: Task) -> None:
    with _stack_lock:
        if task in _stack:
            _stack.remove(task)


def _is_innermost(task: Task) -> bool:
    with _stack_lock:
        shown_here = [t for t in _stack if t.mode == task.mode]
        return bool(shown_here) and shown_here[-1] is task


class Bar(Task):
    """Work with a known total: bytes (``unit="B"``, shown in MiB) or any unit."""

    def __init__(self, total: float, desc: str, unit: str = "B", **kwargs: Any) -> None:
        super().__init__(desc, total=total, **kwargs)
        self.unit = unit

    def numbers(self) -> str:
        if self.unit == "B":
            return f"{self.done / 2**20:.1f}/{(self.total or 0) / 2**20:.1f} MiB"
        return f"{self.done:g}/{self.total:g} {self.unit}".rstrip()


class Counter(Bar):
    """Whole things out of a total, e.g. ``Counter(8, "starting workers", unit="workers")``: ``3/8 workers``.

    ``update(done=n)`` sets how many are there; ``update(total=m)`` changes the goal (a scale while waiting).
    """

    def __init__(self, total: int, desc: str, unit: str = "", **kwargs: Any) -> None:
        super().__init__(total, desc, unit=unit, **kwargs)

    def numbers(self) -> str:
        return f"{int(self.done)}/{int(self.total or 0)} {self.unit}".rstrip()


class Activity(Task):
    """Work with no known total: a spinner, the current phase, and the time elapsed."""

    def __init__(self, desc: str, **kwargs: Any) -> None:
        super().__init__(desc, total=None, **kwargs)


@contextmanager
def progress(total: int, desc: str, force: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield an ``update(nbytes)`` callable that advances a byte :class:`Bar`, or does nothing when quiet.

    Without ``force``, work under :data:`MIN_BYTES_FOR_BAR` gets no bar.
    """
    if force is None and total < MIN_BYTES_FOR_BAR:
        force = False
    with Bar(total, desc, force=force) as bar:
        yield bar.advance


@contextmanager
def watch_uploads(poll: Callable[[], list[dict]], interval: float = 0.25,
                  force: bool | None = None) -> Iterator[None]:
    """Draw one bar for the uploads a submission makes, polling ``poll`` from a thread while the body runs.

    ``poll`` returns the uploads under way as ``[{"name", "done", "total"}]`` (bytes): the client JVM's
    ``uploadProgress()``, which answers while ``submit`` runs on another connection. Quiet (no thread at all)
    unless someone is watching; a bar appears once at least :data:`MIN_BYTES_FOR_BAR` are being uploaded
    (any amount with ``force``). When the body returns, every upload has finished: the bar ends at 100 %.
    """
    if _mode(force) is None:
        yield
        return
    stop = threading.Event()
    bars: list[Bar] = []
    thread = threading.Thread(target=_poll_uploads, args=(poll, interval, force, stop, bars),
                              name="knit-upload-progress", daemon=True)
    thread.start()
    ok = False
    try:
        yield
        ok = True
    finally:
        stop.set()
        thread.join(5)
        for bar in bars:
            bar.close(ok=ok)


def _poll_uploads(poll: Callable[[], list[dict]], interval: float, force: bool | None,
                  stop: threading.Event, bars: list[Bar]) -> None:
    seen: dict[str, dict] = {}  # every upload seen, by name
    try:
        while not stop.wait(interval):
            current = {u["name"]: u for u in poll()}
            for name, upload in seen.items():
                if name not in current:  # a finished upload leaves poll()'s answer
                    upload["done"] = upload["total"]
            seen.update(current)
            total = sum(u["total"] for u in seen.values())
            if not bars and seen and (force or total >= MIN_BYTES_FOR_BAR):
                bars.append(Bar(total, "uploading " + ", ".join(seen), force=force))
            if bars:
                bars[0].update(done=sum(u["done"] for u in seen.values()), total=total)
    except Exception as e:  # a progress bar must never break a submission; say why it stopped
        logger.debug("upload progress stopped: %s", e)
