"""Von Neumann entropy, purity and partial trace of qubit density matrices.

``S(rho) = -tr(rho log rho)`` as used in App. B of Cakmak, "Ergotropy from
coherences" (there with the natural log; here in bits by default).  Qubit
order is Qiskit's little-endian one: qubit 0 is the least significant bit of
the basis index, i.e. the rightmost character of a label such as ``"01"``.
"""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import DensityMatrix
from qiskit.quantum_info import partial_trace as _qiskit_partial_trace

from qbexp.errors import QbexpError
from qbexp.models.matrices import check_real
from qbexp.thermo._validate import as_density_matrix, check_num_qubits, scalar_or_array

__all__ = ["von_neumann_entropy", "purity", "partial_trace"]

#: Eigenvalues at or below this are treated as zero in entropies
#: (``0 log 0 = 0``; small negative estimation noise is ignored).
EIGENVALUE_CUTOFF = 1e-15


def entropy_of_spectrum(p, base: float = 2):
    """``-sum_k p_k log_base p_k`` over the entries ``p_k > 1e-15`` of the last axis of ``p``.

    Args:
        p: a spectrum ``(d,)`` or a stack of spectra ``(..., d)``.
        base: the logarithm's base (2: bits).

    Returns:
        A float for one spectrum, an array of shape ``(...)`` for a stack.
    """
    p = np.asarray(p, dtype=float)
    safe = np.where(p > EIGENVALUE_CUTOFF, p, 1.0)  # 0 log 0 = 0: those terms vanish
    logs = np.log2(safe) if base == 2 else np.log(safe) / np.log(base)
    value = -np.sum(safe * logs, axis=-1)
    return float(value) if p.ndim == 1 else value


def _check_base(base) -> float:
    b = check_real(base, "entropy base")  # "2", True, NaN, 10**400: one line
    if b <= 0 or b == 1:
        raise QbexpError(f"entropy base must be positive and not 1, got {base!r}")
    return b


def von_neumann_entropy(rho, base: float = 2):
    """Von Neumann entropy ``S(rho) = -tr(rho log_base rho)`` (Cakmak App. B), in bits by default.

    Eigenvalues ``<= 1e-15`` are ignored, so tiny negative eigenvalues from
    estimation noise do not produce NaNs.

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        base: the logarithm's base.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    b = _check_base(base)
    rho = as_density_matrix(rho, stack=True)
    return scalar_or_array(entropy_of_spectrum(np.linalg.eigvalsh(rho), b), rho)


def purity(rho):
    """Purity ``Re tr(rho^2)``.

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    rho = as_density_matrix(rho, stack=True)
    return scalar_or_array(np.real(np.einsum("...ij,...ji->...", rho, rho)), rho)


def partial_trace(rho, keep, num_qubits: int | None = None) -> np.ndarray:
    """Reduced density matrix of the qubits listed in ``keep`` (little-endian indices).

    ``keep`` lists qubit indices (qubit 0 = least significant bit).  Qubit ``k``
    of the result is qubit ``keep[k]`` of the input, so for a sorted ``keep``
    the kept qubits simply retain their relative order.  ``num_qubits`` is
    inferred from the shape when omitted and checked when given.  Computed with
    :func:`qiskit.quantum_info.partial_trace` (which takes the qubits to trace
    out).

    Example: for ``|01>`` (Qiskit label, qubit 0 in state 1),
    ``partial_trace(rho, [0])`` is ``|1><1|``.
    """
    rho = as_density_matrix(rho)
    n = check_num_qubits(rho, num_qubits)
    try:
        keep_list = [int(q) for q in keep]
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
        raise QbexpError(f"keep must be a list of qubit indices, got {keep!r}") from None
    if any(isinstance(q, (bool, np.bool_)) or int(q) != q for q in keep):
        raise QbexpError(f"keep must be a list of integer qubit indices, got {keep!r}")
    if not keep_list:
        raise QbexpError("keep must name at least one qubit")
    if len(set(keep_list)) != len(keep_list):
        raise QbexpError(f"keep has repeated qubit indices: {keep_list}")
    bad = [q for q in keep_list if not 0 <= q < n]
    if bad:
        raise QbexpError(f"qubit indices {bad} out of range for {n} qubits (valid: 0..{n - 1})")
    traced = [q for q in range(n) if q not in keep_list]
    reduced = np.asarray(_qiskit_partial_trace(DensityMatrix(rho), traced).data) if traced else rho.copy()
    # qiskit keeps the surviving qubits in increasing order; reorder to ``keep``.
    ascending = sorted(keep_list)
    if keep_list != ascending:
        m = len(keep_list)
        # axis for qubit q of an m-qubit tensor (row or column) is m - 1 - q
        src = [ascending.index(q) for q in keep_list]  # new qubit k <- old (ascending) qubit src[k]
        perm = [m - 1 - src[m - 1 - ax] for ax in range(m)]
        t = reduced.reshape([2] * (2 * m))
        t = t.transpose(perm + [m + p for p in perm])
        reduced = t.reshape(2**m, 2**m)
    return reduced
