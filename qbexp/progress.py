"""Progress bars of long computations (building a channel, a large-N evolution), shared by every layer.

A bar is shown only inside ``with showing_progress():`` (``qbexp run`` / ``simulate``, and
:func:`qbexp.run` / :func:`qbexp.sweep` with ``progress=True``), on stderr, after one second,
and removed when done; elsewhere the computation is silent.

Every bar and status message goes through :func:`status_stream`: a standard error that is
closed (``2>&-``), full (``2>/dev/full``) or whose reader went away drops them, never the run.
"""

from __future__ import annotations

import contextvars
import sys
from contextlib import contextmanager

_shown: contextvars.ContextVar[bool] = contextvars.ContextVar("qbexp_progress", default=False)


@contextmanager
def showing_progress(on: bool = True):
    """Within the block, long computations show a progress bar (``on=False``: they do not)."""
    token = _shown.set(bool(on))
    try:
        yield
    finally:
        _shown.reset(token)


class _Quiet:
    """A write-only stream over ``stream`` (sys.stderr) that drops what cannot be written: a run
    never stops, with its jobs submitted and its counts unsaved, because its progress cannot be shown."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        if self._stream is not None:
            try:
                self._stream.write(text)
            except (OSError, ValueError):  # full, broken pipe, or closed: nothing more is shown
                self._stream = None
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._stream = None

    def __getattr__(self, name):  # encoding, isatty, fileno: tqdm's questions about the terminal
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def status_stream() -> _Quiet:
    """Standard error for progress bars and status messages (module docstring)."""
    return _Quiet(sys.stderr)


def progress_bar(iterable=None, *, total=None, desc: str = "", now: bool = False):
    """A tqdm bar on stderr if progress is shown here, else a silent one; ``now``: show it at
    once (a single long step that cannot report its progress) instead of after one second."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, disable=not _shown.get(), file=status_stream(), leave=False,
                delay=0 if now else 1.0)
