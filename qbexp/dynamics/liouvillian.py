"""The vectorised Lindblad generator and its invariant blocks.

Vectorisation is column stacking, vec(ρ)[i + d j] = ρ[i, j] — the convention of both
qiskit-dynamics (``vectorized=True``) and ``qiskit.quantum_info.SuperOp``.  The generator
itself is assembled by qiskit-dynamics' ``LindbladModel``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from qiskit_dynamics.models import LindbladModel as _QDLindbladModel
from scipy.sparse.csgraph import connected_components

from qbexp.models.lindblad import LindbladModel


def vec(rho: np.ndarray) -> np.ndarray:
    """Column-stacking vectorisation vec(ρ)."""
    return np.asarray(rho, dtype=complex).reshape(-1, order="F")


def unvec(v: np.ndarray, dim: int) -> np.ndarray:
    """Inverse of :func:`vec`."""
    return np.asarray(v).reshape(dim, dim, order="F")


def liouvillian(model: LindbladModel, bath: str | None = None, hamiltonian: bool = True) -> sp.csr_matrix:
    """Sparse d² × d² generator 𝓛 with vec(dρ/dt) = 𝓛 vec(ρ).

    ``bath`` keeps only that bath's dissipators (the L_H of Tacchino et al., Eq. 5) and
    ``hamiltonian=False`` drops the commutator, so that partial generators can be formed.
    """
    h = model.hamiltonian_matrix(sparse=True) if hamiltonian else None
    ops = model.collapse_operators(sparse=True, bath=bath)
    if h is None and not ops:
        return sp.csr_matrix((model.dim**2, model.dim**2), dtype=complex)
    qd = _QDLindbladModel(
        static_hamiltonian=h,
        static_dissipators=ops or None,
        array_library="scipy_sparse",
        vectorized=True,
    )
    return sp.csr_matrix(qd.evaluate(0.0))


def invariant_blocks(generator: sp.spmatrix) -> list[np.ndarray]:
    """Index sets of the matrix elements that 𝓛 never mixes with any other.

    The connected components of 𝓛's sparsity graph: for the excitation-conserving models of
    both papers these are (at least) the sectors of fixed coherence order
    q = n(ket) - n(bra), so a state supported in one sector is evolved in that sector only
    (4^N → C(2N, N) unknowns for q = 0).
    """
    pattern = abs(generator)
    _, labels = connected_components(pattern + pattern.T, directed=False)
    order = np.argsort(labels, kind="stable")
    splits = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, splits)


def supported_blocks(generator: sp.spmatrix, y0: np.ndarray, tol: float = 0.0) -> list[np.ndarray]:
    """The invariant blocks on which the vectorised state ``y0`` has weight."""
    return [b for b in invariant_blocks(generator) if np.max(np.abs(y0[b])) > tol]
