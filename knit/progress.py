"""Progress bars for long local work (zipping an environment, building one).

A bar is shown only when someone is watching: in a terminal (stderr is a TTY) or in a Jupyter kernel.
``tqdm`` draws it when installed (``tqdm.auto`` picks the notebook widget in Jupyter); otherwise a
plain one-line bar is written to stderr. When nobody is watching (CI, logs, pipes) nothing is drawn.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

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
