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

from qbexp.models.matrices import dagger
from qbexp.thermo._validate import as_density_matrix, as_hamiltonian, energy_eigenbasis, scalar_or_array

__all__ = ["energy", "passive_state", "passive_energy", "ergotropy", "ergotropy_function", "ergotropy_unitary"]


def _prepare(rho, H) -> tuple[np.ndarray, np.ndarray]:
    rho = as_density_matrix(rho, stack=True)
    H = as_hamiltonian(H, dim=rho.shape[-1])
    return rho, H


def _energies(rho: np.ndarray, H: np.ndarray) -> np.ndarray:
    return np.einsum("...ij,ji->...", rho, H).real


def _passive_energies(rho: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """``sum_j r_j eps_j`` with ``eps`` the energies in increasing order (energy_eigenbasis)."""
    return np.linalg.eigvalsh(rho)[..., ::-1] @ eps


def _ergotropies(rho: np.ndarray, H: np.ndarray, eps: np.ndarray) -> np.ndarray:
    return np.clip(_energies(rho, H) - _passive_energies(rho, eps), 0.0, None)


def energy(rho, H):
    """Mean energy ``E = Re tr(rho H)`` (the first term of Cakmak Eq. 2).

    Args:
        rho: a density matrix ``(d, d)`` (or state vector) or a stack ``(..., d, d)``.
        H: the battery Hamiltonian ``(d, d)``.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    rho, H = _prepare(rho, H)
    return scalar_or_array(_energies(rho, H), rho)


def passive_state(rho, H) -> np.ndarray:
    """Passive state ``sigma = sum_j r_j |eps_j><eps_j|`` of ``rho`` w.r.t. ``H`` (Cakmak Sec. II A, below Eq. 2).

    Eigenvalues of ``rho`` sorted decreasing are placed on the eigenvectors of
    ``H`` sorted by increasing energy.  It minimises ``tr(U rho U^dagger H)``
    over unitaries.  With degenerate ``H`` levels the passive state is not
    unique (see the module docstring); its energy is.

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        H: the battery Hamiltonian ``(d, d)``.

    Returns:
        The passive state(s), of the shape of ``rho``.
    """
    rho, H = _prepare(rho, H)
    r = np.linalg.eigvalsh(rho)[..., ::-1]
    _, vecs, _ = energy_eigenbasis(H)
    return (vecs * r[..., None, :]) @ vecs.conj().T


def passive_energy(rho, H):
    """Energy of the passive state, ``sum_j r_j eps_j`` (the minimum in Cakmak Eq. 2).

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        H: the battery Hamiltonian ``(d, d)``.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    rho, H = _prepare(rho, H)
    return scalar_or_array(_passive_energies(rho, energy_eigenbasis(H)[0]), rho)


def ergotropy(rho, H):
    """Ergotropy ``W = tr(rho H) - sum_j r_j eps_j`` (Cakmak Eq. 2, equivalently Eq. 3).

    ``W >= 0`` holds exactly (von Neumann trace inequality, also for slightly
    non-positive estimated matrices); values below zero can only come from
    floating-point rounding and are clipped to ``0.0``.

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)`` (e.g. bootstrap replicates).
        H: the battery Hamiltonian ``(d, d)``.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    rho, H = _prepare(rho, H)
    return scalar_or_array(_ergotropies(rho, H, energy_eigenbasis(H)[0]), rho)


def ergotropy_function(H):
    """``rho -> ergotropy(rho, H)`` for one Hamiltonian and many states (Cakmak Eq. 2).

    ``H`` is checked and diagonalised once, not at every call: the interval construction of
    :mod:`qbexp.analysis` evaluates the ergotropy of ~100 stacks of replicate states per data
    set, and re-checking ``H`` took a fifth of its time.  Every state (stack) is still checked.

    Args:
        H: the battery Hamiltonian ``(d, d)``.

    Returns:
        A function of a density matrix ``(d, d)`` or a stack ``(..., d, d)`` with the values of
        :func:`ergotropy`.
    """
    H = as_hamiltonian(H)
    eps, _, _ = energy_eigenbasis(H)

    def values(rho):
        rho = as_density_matrix(rho, stack=True)
        if rho.shape[-1] != H.shape[0]:
            as_hamiltonian(H, dim=rho.shape[-1])  # raises the one dimension error
        return scalar_or_array(_ergotropies(rho, H, eps), rho)
    return values


def ergotropy_unitary(rho, H) -> np.ndarray:
    """Optimal work-extraction unitary ``U = sum_j |eps_j><r_j|`` (Cakmak Sec. II A, above Eq. 3).

    ``|r_j>`` are eigenvectors of ``rho`` in order of decreasing eigenvalue and
    ``|eps_j>`` eigenvectors of ``H`` in order of increasing energy (both from
    ``numpy.linalg.eigh``), so ``U rho U^dagger == passive_state(rho, H)`` and
    ``energy(rho, H) - energy(U rho U^dagger, H) == ergotropy(rho, H)``.
    Inside degenerate eigenspaces of ``rho`` or ``H`` any choice is equally
    optimal; this function returns one of them (module docstring).

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        H: the battery Hamiltonian ``(d, d)``.

    Returns:
        The unitary (or a stack of them), of the shape of ``rho``.
    """
    rho, H = _prepare(rho, H)
    _, vecs = np.linalg.eigh(rho)
    _, e_vecs, _ = energy_eigenbasis(H)
    return e_vecs @ dagger(vecs[..., ::-1])
