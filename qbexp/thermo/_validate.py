"""Input checks shared by the ``qbexp.thermo`` functions.

Every public function converts its arguments here, through the package's one validator
(:mod:`qbexp.models.matrices`), so that bad input fails with one clear
:class:`~qbexp.errors.QbexpError` line instead of a numpy traceback.

Density matrices (or stacks of them, ``(..., d, d)``) are checked for shape (square,
``2**N x 2**N``), finiteness, Hermiticity and unit trace.  Positivity is *not* enforced: estimators (linear
inversion tomography, shot noise) may hand over matrices with slightly negative
eigenvalues, and the functions that need positivity say how they treat them.
"""

from __future__ import annotations

import numpy as np

from qbexp.errors import QbexpError
from qbexp.models.matrices import as_hamiltonian, as_unitary, validate_density_matrix

__all__ = [
    "HERMITIAN_TOL",
    "TRACE_TOL",
    "as_density_matrix",
    "as_hamiltonian",
    "as_unitary",
    "check_num_qubits",
    "energy_eigenbasis",
    "num_qubits_of",
    "scalar_or_array",
]

#: Largest allowed ``|tr(rho) - 1|``.  Lindblad integrators (Runge-Kutta methods
#: preserve linear invariants) and linear-inversion tomography both keep the
#: trace to rounding error, so a larger deviation means a wrong input.
TRACE_TOL = 1e-6

#: Largest allowed ``max|A - A^dagger|`` relative to ``max(1, max|A|)``.
HERMITIAN_TOL = 1e-8


def as_density_matrix(rho, what: str = "density matrix", stack: bool = False) -> np.ndarray:
    """Return ``rho`` as a Hermitian complex ``2**N x 2**N`` ndarray with unit trace.

    The one validator of the package (:func:`qbexp.models.matrices.validate_density_matrix`)
    with the tolerances of the figures of merit: Hermitian to :data:`HERMITIAN_TOL`, trace
    within :data:`TRACE_TOL`, positivity not required.  A 1-D input (or a qiskit
    ``Statevector``) is read as a pure state ``|psi>`` and turned into ``|psi><psi|``.

    Args:
        rho: a density matrix, state vector or, with ``stack=True``, a stack ``(..., d, d)``.
        what: how error messages call it.
        stack: accept stacks.

    Returns:
        The Hermitian part of ``rho`` (of each matrix of a stack) as complex128.
    """
    return validate_density_matrix(
        rho, atol=HERMITIAN_TOL, name=what, positive=False, trace_atol=TRACE_TOL, stack=stack
    )


def scalar_or_array(values, rho: np.ndarray):
    """The return convention of the batch-aware figures.

    Args:
        values: the figure evaluated on ``rho``, shape ``rho.shape[:-2]``.
        rho: the validated input.

    Returns:
        A Python float when ``rho`` is one ``(d, d)`` matrix, else an ndarray of shape ``(...)``.
    """
    return float(values) if rho.ndim == 2 else np.asarray(values)


def num_qubits_of(rho: np.ndarray) -> int:
    """Number of qubits of an already validated density matrix."""
    return rho.shape[-1].bit_length() - 1


def check_num_qubits(rho: np.ndarray, num_qubits) -> int:
    """Check that a validated ``rho`` acts on ``num_qubits`` qubits (None: infer)."""
    n = num_qubits_of(rho)
    if num_qubits is None:
        return n
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, (int, np.integer)):
        raise QbexpError(f"num_qubits must be an integer, got {num_qubits!r}")
    if int(num_qubits) != n:
        raise QbexpError(
            f"num_qubits = {num_qubits} but the density matrix is {rho.shape[-1]} x {rho.shape[-1]} "
            f"({n} qubits)"
        )
    return n


def energy_eigenbasis(H: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Eigen-decomposition of a Hermitian ``H`` with energies in increasing order.

    Returns ``(energies, vectors, degenerate)`` where column ``j`` of ``vectors``
    is ``|eps_j>``.  A Hamiltonian that is diagonal in the computational basis
    (like ``H0 = omega sum_i sigma_i^+ sigma_i^-``) gets exactly the
    computational basis vectors, with ties between degenerate levels broken by
    basis index (stable sort), so results are reproducible.  Otherwise
    ``numpy.linalg.eigh`` is used and, for degenerate levels, its choice of
    basis inside each eigenspace is arbitrary.
    """
    dim = H.shape[0]
    offdiag = H - np.diag(np.diag(H))
    if not np.any(offdiag):
        diag = np.real(np.diag(H))
        order = np.argsort(diag, kind="stable")
        energies = diag[order]
        vectors = np.eye(dim, dtype=complex)[:, order]
    else:
        energies, vectors = np.linalg.eigh(H)
    scale = max(1.0, float(np.max(np.abs(energies))))
    degenerate = bool(np.any(np.diff(energies) <= 1e-10 * scale))
    return energies, vectors, degenerate
