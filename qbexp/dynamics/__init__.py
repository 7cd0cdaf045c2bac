"""Step 2 of the pipeline: exact Lindblad dynamics (qiskit-dynamics or SciPy engine), steady states."""

from qbexp.dynamics.engines import ENGINE_CHOICES, ENGINES, dynamics_available, resolve_engine, using_engine

from qbexp.dynamics.evolution import evolve, propagator
from qbexp.dynamics.liouvillian import liouvillian, unvec, vec
from qbexp.dynamics.steady import kernel_dimension, steady_state, unique_steady_state

__all__ = [
    "ENGINES",
    "ENGINE_CHOICES",
    "dynamics_available",
    "resolve_engine",
    "using_engine",
    "evolve",
    "kernel_dimension",
    "liouvillian",
    "propagator",
    "steady_state",
    "unique_steady_state",
    "unvec",
    "vec",
]
