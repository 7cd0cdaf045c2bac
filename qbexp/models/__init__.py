"""Step 1 of the pipeline: Hamiltonians and jump operators as Qiskit operators."""

from qbexp.models.collective import bose_occupation, collective_battery
from qbexp.models.engine import two_bath_engine
from qbexp.models.lindblad import Dissipator, LindbladModel
from qbexp.models.states import initial_state, validate_density_matrix

__all__ = [
    "Dissipator",
    "LindbladModel",
    "bose_occupation",
    "collective_battery",
    "initial_state",
    "two_bath_engine",
    "validate_density_matrix",
]
