"""Options shared by several sub-commands."""

from __future__ import annotations

import logging
import os
import re
from contextlib import contextmanager
from pathlib import Path

from qbexp.dynamics.engines import ENGINE_CHOICES
from qbexp.errors import QbexpError
from qbexp.files import check_path

#: parameters of the Python API (:func:`qbexp.run`, :func:`qbexp.sweep`) as the options of ``qbexp run``
API_OPTIONS = {"out": "--out", "backend": "--backend", "shots": "--shots", "seed": "--seed",
               "retry_failed": "--retry-failed"}


def add_engine(parser) -> None:
    """``--engine``: which engine computes the exact evolution (:mod:`qbexp.dynamics.engines`)."""
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                        help="exact-evolution engine (default auto: qiskit-dynamics when installed, else scipy)")


def path_option(value: str | None, option: str, what: str = "directory") -> Path | None:
    """The path an option names (None stays None).  argparse takes it as a string, because
    ``Path("")`` is ``Path(".")``: an empty value (``--out ""``, an unset shell variable) would
    silently mean the current folder; it is a one-line error instead, before anything is read
    or written, as is a name too long for the file system (:func:`qbexp.files.check_path`, the
    check the Python API makes too)."""
    if value is None:
        return None
    return check_path(value, option, what)


@contextmanager
def as_options(names: dict[str, str] = API_OPTIONS, prefix: str | None = None):
    """The Python API's messages in the terms of the command line: where the CLI hands its options
    to the API, a parameter the message names (``out = run: ...``) is named as the option that
    gave it (``--out run: ...``); ``prefix`` (an option) starts a message that names none."""
    try:
        yield
    except QbexpError as err:
        pattern = r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r") = "
        text, changed = re.subn(pattern, lambda m: names[m[1]] + " ", str(err))
        if not changed and prefix is not None and prefix not in text:
            text = f"{prefix}: {text}"
        raise type(err)(text) from None


def quiet_matplotlib() -> None:
    """Where matplotlib cannot make its configuration folder (HOME not writable), it prints two
    warnings on every run, then uses a temporary folder it removes at exit.  The command line drops
    those two (and only those) messages of matplotlib's logger; the library itself leaves logging
    as it finds it, and nothing is written into HOME to find out."""
    logging.getLogger("matplotlib").addFilter(_not_config_dir_warning)  # added once, however often called


def check_matplotlib() -> None:
    """matplotlib starts (before any work of a command that draws): an ``MPLBACKEND`` it does not
    know makes its import fail, which surfaced only after a sweep's counts were saved."""
    try:
        import matplotlib  # noqa: F401  (the import is the check)
    except ValueError as err:
        raise QbexpError(f"matplotlib cannot start: MPLBACKEND = {os.environ.get('MPLBACKEND')!r} is not one of its "
                         f"backends ({' '.join(str(err).split())[:160]}); unset it or set MPLBACKEND=agg") from None


def _not_config_dir_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(_CONFIG_DIR_WARNINGS)


#: the warnings of ``matplotlib._get_config_or_cache_dir`` (their format strings)
_CONFIG_DIR_WARNINGS = ("mkdir -p failed for path", "%s is not a writable directory",
                        "Matplotlib created a temporary cache directory")
