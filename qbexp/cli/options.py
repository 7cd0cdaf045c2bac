"""Options shared by several sub-commands."""

from __future__ import annotations

from qbexp.dynamics.engines import ENGINE_CHOICES


def add_engine(parser) -> None:
    """``--engine``: which engine computes the exact evolution (:mod:`qbexp.dynamics.engines`)."""
    parser.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                        help="exact-evolution engine (default auto: qiskit-dynamics when installed, else scipy)")
