"""Step 2 of the pipeline: exact Lindblad dynamics with qiskit-dynamics, steady states."""

from qbexp.dynamics.evolution import evolve, propagator
from qbexp.dynamics.liouvillian import liouvillian, unvec, vec
from qbexp.dynamics.steady import kernel_dimension, steady_state, unique_steady_state

__all__ = [
    "evolve",
    "kernel_dimension",
    "liouvillian",
    "propagator",
    "steady_state",
    "unique_steady_state",
    "unvec",
    "vec",
]
