"""Input checks shared by the ``qbexp.thermo`` functions.

Every public function converts its arguments here, so that bad input fails with
one clear :class:`~qbexp.errors.QbexpError` line instead of a numpy traceback.

Density matrices are checked for shape (square, ``2**N x 2**N``), finiteness,
Hermiticity and unit trace.  Positivity is *not* enforced: estimators (linear
inversion tomography, shot noise) may hand over matrices with slightly negative
eigenvalues, and the functions that need positivity say how they treat them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from qbexp.errors import QbexpError

#: Largest allowed ``|tr(rho) - 1|``.  Lindblad integrators (Runge-Kutta methods
#: preserve linear invariants) and linear-inversion tomography both keep the
#: trace to rounding error, so a larger deviation means a wrong input.
TRACE_TOL = 1e-6

#: Largest allowed ``max|A - A^dagger|`` relative to ``max(1, max|A|)``.
HERMITIAN_TOL = 1e-8


def _raw_array(x, what: str) -> np.ndarray:
    """Turn ``x`` (ndarray, qiskit state/operator, scipy sparse) into a complex ndarray."""
    if isinstance(x, np.ndarray):
        arr = x
    elif scipy.sparse.issparse(x):
        arr = x.toarray()
    elif hasattr(x, "to_matrix") and not hasattr(x, "data"):
        # qiskit SparsePauliOp / Pauli (Operator also has .data, handled below)
        arr = x.to_matrix()
    elif hasattr(x, "data") and not isinstance(x, (list, tuple)):
        # qiskit DensityMatrix / Statevector / Operator
        arr = x.data
    else:
        arr = x
    try:
        arr = np.asarray(arr, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise QbexpError(f"{what} could not be converted to a complex matrix: {exc}") from None
    return arr


def _qubit_count(dim: int) -> int | None:
    """``N`` if ``dim == 2**N`` (N >= 1), else None."""
    if dim >= 2 and dim & (dim - 1) == 0:
        return dim.bit_length() - 1
    return None


def _check_hermitian(arr: np.ndarray, what: str) -> np.ndarray:
    scale = max(1.0, float(np.max(np.abs(arr))))
    dev = float(np.max(np.abs(arr - arr.conj().T)))
    if dev > HERMITIAN_TOL * scale:
        raise QbexpError(f"{what} is not Hermitian (max |A - A^dagger| = {dev:.3g})")
    return 0.5 * (arr + arr.conj().T)


def as_density_matrix(rho, what: str = "density matrix") -> np.ndarray:
    """Return ``rho`` as a Hermitian complex ``2**N x 2**N`` ndarray with unit trace.

    A 1-D input (or a qiskit ``Statevector``) is read as a pure state
    ``|psi>`` and turned into ``|psi><psi|`` (it must have unit norm).
    """
    arr = _raw_array(rho, what)
    if arr.ndim == 1:
        if _qubit_count(arr.shape[0]) is None:
            raise QbexpError(
                f"state vector has length {arr.shape[0]}; expected 2^N entries (N >= 1)"
            )
        if not np.all(np.isfinite(arr)):
            raise QbexpError(f"{what} contains NaN or infinite entries")
        arr = np.outer(arr, arr.conj())
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or _qubit_count(arr.shape[0]) is None:
        raise QbexpError(
            f"{what} has shape {tuple(arr.shape)}; expected a square 2^N x 2^N matrix (N >= 1)"
        )
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{what} contains NaN or infinite entries")
    arr = _check_hermitian(arr, what)
    tr = float(np.real(np.trace(arr)))
    if abs(tr - 1.0) > TRACE_TOL:
        raise QbexpError(f"{what} has trace {tr:.10g}; expected 1")
    return arr


def as_hamiltonian(H, dim: int | None = None, what: str = "Hamiltonian") -> np.ndarray:
    """Return ``H`` as a Hermitian complex ndarray, optionally of size ``dim x dim``.

    Accepts numpy arrays, qiskit ``Operator`` (``.data``) and ``SparsePauliOp``
    (``.to_matrix()``), and scipy sparse matrices.
    """
    arr = _raw_array(H, what)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise QbexpError(f"{what} has shape {tuple(arr.shape)}; expected a square matrix")
    if dim is not None and arr.shape[0] != dim:
        raise QbexpError(
            f"{what} has shape {tuple(arr.shape)} but the density matrix is {dim} x {dim}"
        )
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{what} contains NaN or infinite entries")
    return _check_hermitian(arr, what)


def as_unitary(U, dim: int, what: str = "basis") -> np.ndarray:
    """Return ``U`` as a ``dim x dim`` complex ndarray with orthonormal columns."""
    arr = _raw_array(U, what)
    if arr.ndim != 2 or arr.shape != (dim, dim):
        raise QbexpError(
            f"{what} has shape {tuple(arr.shape)}; expected a {dim} x {dim} unitary matrix"
        )
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{what} contains NaN or infinite entries")
    dev = float(np.max(np.abs(arr.conj().T @ arr - np.eye(dim))))
    if dev > 1e-8:
        raise QbexpError(f"{what} is not unitary (max |U^dagger U - 1| = {dev:.3g})")
    return arr


def num_qubits_of(rho: np.ndarray) -> int:
    """Number of qubits of an already validated density matrix."""
    return rho.shape[0].bit_length() - 1


def check_num_qubits(rho: np.ndarray, num_qubits) -> int:
    """Check that a validated ``rho`` acts on ``num_qubits`` qubits (None: infer)."""
    n = num_qubits_of(rho)
    if num_qubits is None:
        return n
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, (int, np.integer)):
        raise QbexpError(f"num_qubits must be an integer, got {num_qubits!r}")
    if int(num_qubits) != n:
        raise QbexpError(
            f"num_qubits = {num_qubits} but the density matrix is {rho.shape[0]} x {rho.shape[0]} "
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
