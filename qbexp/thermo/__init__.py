"""Thermodynamic figures of merit of qubit density matrices (pure functions).

Equations refer to Cakmak, "Ergotropy from coherences in an open quantum
system": ergotropy Eq. 2/3, l1 coherence Eq. 4, concurrence Eq. B1, discord
Eq. B2.  Conventions: hbar = k_B = 1, qubit |1> excited, Qiskit little-endian
order; for two qubits the paper's ``|ab>`` is the Qiskit label ``"ab"``
(a = qubit 1, b = qubit 0).  Entropies are in bits.

The scalar figures (energy, passive energy, ergotropy, coherences, purity, von Neumann
entropy, fidelity, trace distance) and the passive state / ergotropy unitary also take a
stack of density matrices ``(..., d, d)`` and return shape ``(...)`` (a single ``(d, d)``
gives a float); the two-qubit correlations and ``partial_trace`` take one state.

Inputs may be numpy arrays or qiskit ``DensityMatrix``/``Statevector``;
Hamiltonians numpy arrays or qiskit ``Operator``/``SparsePauliOp``.  Bad input
raises :class:`qbexp.errors.QbexpError`.
"""

from __future__ import annotations

from qbexp.thermo._validate import as_density_matrix, as_hamiltonian, check_num_qubits
from qbexp.thermo.coherence import coherence_l1, coherence_rel_entropy
from qbexp.thermo.correlations import concurrence, discord, mutual_information
from qbexp.thermo.distance import fidelity, fidelity_function, trace_distance
from qbexp.thermo.entropy import partial_trace, purity, von_neumann_entropy
from qbexp.thermo.ergotropy import (
    energy,
    ergotropy,
    ergotropy_function,
    ergotropy_unitary,
    passive_energy,
    passive_state,
)

__all__ = [
    "energy",
    "passive_state",
    "passive_energy",
    "ergotropy",
    "ergotropy_function",
    "ergotropy_unitary",
    "coherence_l1",
    "coherence_rel_entropy",
    "von_neumann_entropy",
    "purity",
    "partial_trace",
    "concurrence",
    "mutual_information",
    "discord",
    "fidelity",
    "fidelity_function",
    "trace_distance",
    "figures_of_merit",
]


def figures_of_merit(rho, H, num_qubits: int | None = None) -> dict[str, float]:
    """All figures of merit of ``rho`` with battery Hamiltonian ``H``, as Python floats.

    Keys: ``energy``, ``ergotropy``, ``passive_energy``, ``coherence_l1`` and
    ``coherence_rel_entropy`` (computational basis, the eigenbasis of the
    collective model's H0), ``purity``, ``von_neumann_entropy`` (bits); for two
    qubits also ``concurrence``, ``mutual_information`` and ``discord`` (bits,
    measurement on b = qubit 0).  ``num_qubits`` is inferred from the shape when
    omitted and checked when given.
    """
    rho = as_density_matrix(rho)
    n = check_num_qubits(rho, num_qubits)
    H = as_hamiltonian(H, dim=rho.shape[0])
    out = {
        "energy": energy(rho, H),
        "ergotropy": ergotropy(rho, H),
        "passive_energy": passive_energy(rho, H),
        "coherence_l1": coherence_l1(rho),
        "coherence_rel_entropy": coherence_rel_entropy(rho),
        "purity": purity(rho),
        "von_neumann_entropy": von_neumann_entropy(rho),
    }
    if n == 2:
        out["concurrence"] = concurrence(rho)
        out["mutual_information"] = mutual_information(rho)
        out["discord"] = discord(rho)
    return {k: float(v) for k, v in out.items()}
