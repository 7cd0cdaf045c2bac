"""Ideal (noise-free) execution of a protocol circuit on Aer's density-matrix simulator.

Kraus instructions, resets and every gate are applied as exact channels, so the saved reduced
state of the battery qubits is the state an ideal device would leave there.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator


def ideal_state(circuit: QuantumCircuit, system_qubits) -> np.ndarray:
    """Reduced density matrix of ``system_qubits`` (first = least significant) after ``circuit``."""
    qc = circuit.copy()
    qc.save_density_matrix(qubits=list(system_qubits), label="rho")
    sim = AerSimulator(method="density_matrix")
    result = sim.run(transpile(qc, sim, optimization_level=0)).result()
    return np.asarray(result.data(0)["rho"].data)
