"""Progress bars for long work: zipping or building an environment, uploading it to HDFS.

A bar is shown only when someone is watching: in a terminal (stderr is a TTY) or in a Jupyter kernel.
``tqdm`` draws it when installed (``tqdm.auto`` picks the notebook widget in Jupyter); otherwise a
plain one-line bar is written to stderr. When nobody is watching (CI, logs, pipes) nothing is drawn.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

logger = logging.getLogger(__name__)

#: Work smaller than this (bytes) finishes too fast to be worth a bar.
MIN_BYTES_FOR_BAR = 32 * 1024 * 1024


def interactive() -> bool:
    """True in a terminal or a Jupyter kernel, False when output goes to a pipe or a file."""
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


class _SimpleBar:
    """A one-line text bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, desc: str) -> None:
        self.total = max(total, 1)
        self.desc = desc
        self.done = 0
        self._last = 0.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= 0.1 or self.done >= self.total:
            self._last = now
            frac = min(self.done / self.total, 1.0)
            filled = int(frac * 30)
            sys.stderr.write(f"\r{self.desc} [{'#' * filled}{'.' * (30 - filled)}] "
                             f"{frac:6.1%} {self.done / 2**20:8.1f} MiB")
            sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


@contextmanager
def progress(total: int, desc: str, force: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield an ``update(nbytes)`` callable that advances a bar, or does nothing when quiet.

    Parameters
    ----------
    total : int
        Amount of work in bytes.
    desc : str
        Label shown left of the bar.
    force : bool, optional
        ``True`` always draws, ``False`` never does; default: draw when :func:`interactive` and the
        work is at least :data:`MIN_BYTES_FOR_BAR`.
    """
    show = force if force is not None else (interactive() and total >= MIN_BYTES_FOR_BAR)
    if not show:
        yield lambda n: None
        return
    try:
        from tqdm.auto import tqdm
    except ImportError:
        bar = _SimpleBar(total, desc)
    else:
        bar = tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024)
    try:
        yield bar.update
    finally:
        bar.close()


@contextmanager
def watch_uploads(poll: Callable[[], list[dict]], interval: float = 0.25,
                  force: bool | None = None) -> Iterator[None]:
    """Draw one bar for the uploads a submission makes, polling ``poll`` from a thread while the body runs.

    ``poll`` returns the uploads under way as ``[{"name", "done", "total"}]`` (bytes): the client JVM's
    ``uploadProgress()``, which answers while ``submit`` runs on another connection. Quiet (no thread at
    all) unless someone is watching, as :func:`progress`; a bar appears once at least
    :data:`MIN_BYTES_FOR_BAR` are being uploaded.
    """
    if not (force if force is not None else interactive()):
        yield
        return
    stop = threading.Event()

    def run() -> None:
        bar_cm = None
        update = None
        shown = 0
        try:
            while not stop.wait(interval):
                uploads = poll()
                total = sum(u["total"] for u in uploads)
                if update is None and uploads and (force or total >= MIN_BYTES_FOR_BAR):
                    names = ", ".join(u["name"] for u in uploads)
                    bar_cm = progress(total, f"uploading {names}", force=True)
                    update = bar_cm.__enter__()
                if update is not None:
                    done = sum(u["done"] for u in uploads) if uploads else total
                    update(max(done - shown, 0))
                    shown = max(shown, done)
        except Exception as e:  # a progress bar must never break a submission; say why it stopped
            logger.debug("upload progress stopped: %s", e)
        finally:
            if bar_cm is not None:
                bar_cm.__exit__(None, None, None)

    thread = threading.Thread(target=run, name="knit-upload-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
