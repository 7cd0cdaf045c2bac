"""Ideal (noise-free) execution of a protocol circuit on Aer's density-matrix simulator.

Kraus instructions, resets and every gate are applied as exact channels, so the saved reduced
state of the battery qubits is the state an ideal device would leave there.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator

from qbexp.circuits.measure import check_qubits, is_dynamic


def ideal_state(circuit: QuantumCircuit, system_qubits) -> np.ndarray:
    """Reduced density matrix of ``system_qubits`` (first = least significant) after ``circuit``.

    A dynamic circuit (mid-circuit measurements, ``if_test``: the ``minimal`` charging) is summed
    over all measurement records exactly (:func:`qbexp.circuits.minimal_simulate.exact_output`):
    Aer's density matrix would follow one record.

    ``system_qubits``: distinct qubits of ``circuit`` (indices or its ``Qubit`` objects), at least one.
    """
    system_qubits = check_qubits(circuit, system_qubits, "system_qubits", "keep")
    if is_dynamic(circuit):
        from qbexp.circuits.minimal_simulate import exact_output

        return exact_output(circuit, np.array([[1.0]]), system_qubits)
    qc = circuit.copy()
    qc.save_density_matrix(qubits=system_qubits, label="rho")
    sim = AerSimulator(method="density_matrix")
    result = sim.run(transpile(qc, sim, optimization_level=0)).result()
    return np.asarray(result.data(0)["rho"].data)
