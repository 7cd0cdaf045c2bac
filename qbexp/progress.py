"""Progress bars of long computations (building a channel, a large-N evolution), shared by every layer.

A bar is shown only inside ``with showing_progress():`` (``qbexp run`` / ``simulate``, and
:func:`qbexp.run` / :func:`qbexp.sweep` with ``progress=True``), on stderr, after one second,
and removed when done; elsewhere the computation is silent.
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


def progress_bar(iterable=None, *, total=None, desc: str = "", now: bool = False):
    """A tqdm bar on stderr if progress is shown here, else a silent one; ``now``: show it at
    once (a single long step that cannot report its progress) instead of after one second."""
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, disable=not _shown.get(), file=sys.stderr, leave=False,
                delay=0 if now else 1.0)
