"""``qbexp simulate MODEL``: exact (qiskit-dynamics) simulation of one battery model."""

from __future__ import annotations

from qbexp.cli import simulate_collective, simulate_engine

MODELS = (simulate_collective, simulate_engine)


def register(subparsers) -> None:
    parser = subparsers.add_parser("simulate", help="exact Lindblad simulation of a battery model")
    models = parser.add_subparsers(dest="model", required=True)
    for module in MODELS:
        module.register(models)
