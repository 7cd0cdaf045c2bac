"""Energy, passive state and ergotropy (Cakmak, "Ergotropy from coherences", Sec. II A).

With the spectral decompositions (Eq. 1)

    rho = sum_j r_j |r_j><r_j|,   r_1 >= r_2 >= ...     (decreasing)
    H   = sum_i eps_i |eps_i><eps_i|, eps_1 <= eps_2 <= ... (increasing)

the passive state is ``sigma = sum_j r_j |eps_j><eps_j|``, the unitary
``U = sum_j |eps_j><r_j|`` maps ``rho`` onto it, and the ergotropy (Eq. 2/3) is

    W = tr(rho H) - min_U tr(U rho U^dagger H) = tr(rho H) - sum_j r_j eps_j
      = sum_{j,i} r_j eps_i (|<r_j|eps_i>|^2 - delta_ij).

Degeneracies.  When ``H`` has degenerate levels, or ``rho`` degenerate
eigenvalues, the passive state and the optimal unitary are not unique: any
choice of eigenbasis inside a degenerate eigenspace is equally optimal and
gives the same passive energy and ergotropy.  For a Hamiltonian that is
diagonal in the computational basis (such as ``H0 = omega sum_i sigma_i^+ sigma_i^-``,
levels ``0, omega, omega, 2 omega`` for two qubits) the computational basis
vectors are used, degenerate levels ordered by basis index, so the returned
passive state and unitary are reproducible.

Hamiltonians may be numpy arrays, qiskit ``Operator`` or ``SparsePauliOp``;
states may be numpy arrays, qiskit ``DensityMatrix`` or ``Statevector``.
"""

from __future__ import annotations

import numpy as np

from qbexp.thermo._validate import as_density_matrix, as_hamiltonian, energy_eigenbasis

__all__ = ["energy", "passive_state", "passive_energy", "ergotropy", "ergotropy_unitary"]


def _prepare(rho, H) -> tuple[np.ndarray, np.ndarray]:
    rho = as_density_matrix(rho)
    H = as_hamiltonian(H, dim=rho.shape[0])
    return rho, H


def _decreasing_spectrum(rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of ``rho`` in decreasing order and the matching eigenvectors (columns)."""
    vals, vecs = np.linalg.eigh(rho)
    return vals[::-1], vecs[:, ::-1]


def energy(rho, H) -> float:
    """Mean energy ``Re tr(rho H)`` (the first term of Eq. 2)."""
    rho, H = _prepare(rho, H)
    return float(np.real(np.einsum("ij,ji->", rho, H)))


def passive_state(rho, H) -> np.ndarray:
    """Passive state ``sigma = sum_j r_j |eps_j><eps_j|`` of ``rho`` w.r.t. ``H`` (Sec. II A, below Eq. 2).

    Eigenvalues of ``rho`` sorted decreasing are placed on the eigenvectors of
    ``H`` sorted by increasing energy.  It minimises ``tr(U rho U^dagger H)``
    over unitaries.  With degenerate ``H`` levels the passive state is not
    unique (see the module docstring); its energy is.
    """
    rho, H = _prepare(rho, H)
    r = np.linalg.eigvalsh(rho)[::-1]
    _, vecs, _ = energy_eigenbasis(H)
    return (vecs * r) @ vecs.conj().T


def passive_energy(rho, H) -> float:
    """Energy of the passive state, ``sum_j r_j eps_j`` (the minimum in Eq. 2)."""
    rho, H = _prepare(rho, H)
    r = np.linalg.eigvalsh(rho)[::-1]
    eps, _, _ = energy_eigenbasis(H)
    return float(np.dot(r, eps))


def ergotropy(rho, H) -> float:
    """Ergotropy ``W = tr(rho H) - sum_j r_j eps_j`` (Eq. 2, equivalently Eq. 3).

    ``W >= 0`` holds exactly (von Neumann trace inequality, also for slightly
    non-positive estimated matrices); values below zero can only come from
    floating-point rounding and are clipped to ``0.0``.
    """
    rho, H = _prepare(rho, H)
    r = np.linalg.eigvalsh(rho)[::-1]
    eps, _, _ = energy_eigenbasis(H)
    value = float(np.real(np.einsum("ij,ji->", rho, H))) - float(np.dot(r, eps))
    return max(value, 0.0)


def ergotropy_unitary(rho, H) -> np.ndarray:
    """Optimal work-extraction unitary ``U = sum_j |eps_j><r_j|`` (Sec. II A, above Eq. 3).

    ``|r_j>`` are eigenvectors of ``rho`` in order of decreasing eigenvalue and
    ``|eps_j>`` eigenvectors of ``H`` in order of increasing energy (both from
    ``numpy.linalg.eigh``), so ``U rho U^dagger == passive_state(rho, H)`` and
    ``energy(rho, H) - energy(U rho U^dagger, H) == ergotropy(rho, H)``.
    Inside degenerate eigenspaces of ``rho`` or ``H`` any choice is equally
    optimal; this function returns one of them (module docstring).
    """
    rho, H = _prepare(rho, H)
    _, r_vecs = _decreasing_spectrum(rho)
    _, e_vecs, _ = energy_eigenbasis(H)
    return e_vecs @ r_vecs.conj().T
