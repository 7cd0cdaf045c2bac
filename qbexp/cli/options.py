"""Options shared by several sub-commands."""

from __future__ import annotations

from pathlib import Path

from qbexp.dynamics.engines import ENGINE_CHOICES
from qbexp.files import check_path


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
