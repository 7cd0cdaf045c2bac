"""The vectorised Lindblad generator and its invariant blocks.

Vectorisation is column stacking, vec(ρ)[i + d j] = ρ[i, j] — the convention of both
qiskit-dynamics (``vectorized=True``) and ``qiskit.quantum_info.SuperOp``.

The sparse generator is assembled here with ``scipy.sparse.kron`` rather than by
qiskit-dynamics' ``LindbladModel(array_library="scipy_sparse")``, because that operator
collection rounds every entry to 10 decimals: with engine rates ~1e-3 the generator then
fails to preserve the trace by ~1e-10, enough to fake a second steady state.  The tests
check this builder against qiskit-dynamics' dense (unrounded) ``LindbladModel``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from qbexp.errors import QbexpError, shown
from qbexp.models.lindblad import LindbladModel
from qbexp.models.matrices import as_complex_array, check_integer


def check_model(model) -> None:
    """A one-line error unless ``model`` is a :class:`LindbladModel` (the one check of the
    models handed to :mod:`qbexp.dynamics` and :mod:`qbexp.circuits`)."""
    if not isinstance(model, LindbladModel):
        raise QbexpError(f"model must be a LindbladModel (qbexp.models.collective_battery, two_bath_engine, ...), "
                         f"got {type(model).__name__}")


def vec(rho: np.ndarray) -> np.ndarray:
    """Column-stacking vectorisation vec(ρ) of a matrix (numbers: no strings)."""
    if not (isinstance(rho, np.ndarray) and rho.dtype.kind in "iufc" and rho.ndim == 2):  # checked off the hot path
        rho = as_complex_array(rho, "vec: rho")
        if rho.ndim != 2:
            raise QbexpError(f"vec: rho has shape {rho.shape}; expected a matrix (2 dimensions)")
    return np.asarray(rho, dtype=complex).reshape(-1, order="F")


def unvec(v: np.ndarray, dim: int) -> np.ndarray:
    """Inverse of :func:`vec`: ``v`` (dim² numbers) as a ``dim`` × ``dim`` matrix."""
    if not (isinstance(v, np.ndarray) and v.dtype.kind in "iufc" and type(dim) is int and dim > 0
            and v.size == dim * dim):
        dim = check_integer(dim, "unvec: dim", 1, "positive")
        v = np.asarray(v) if isinstance(v, np.ndarray) and v.dtype.kind in "iufc" else as_complex_array(v, "unvec: v")
        if v.size != dim * dim:
            raise QbexpError(f"unvec: v has {v.size} entries (shape {v.shape}); dim = {dim} needs dim^2 = {dim * dim}")
    return np.asarray(v).reshape(dim, dim, order="F")


def liouvillian(model: LindbladModel, bath: str | None = None, hamiltonian: bool = True) -> sp.csr_matrix:
    """Sparse d² × d² generator 𝓛 with vec(dρ/dt) = 𝓛 vec(ρ).

    ``bath`` keeps only that bath's dissipators (the L_H of Tacchino et al., Eq. 5) and
    ``hamiltonian=False`` drops the commutator, so that partial generators can be formed.
    """
    check_model(model)
    if bath is not None and (not isinstance(bath, str) or bath not in model.baths()):
        baths = ", ".join(model.baths()) or "none"
        raise QbexpError(f"bath = {shown(bath)} is not a bath of the {model.name} model (its baths: {baths})")
    if not isinstance(hamiltonian, (bool, np.bool_)):
        raise QbexpError(f"hamiltonian = {shown(hamiltonian)}; it must be True or False")
    d = model.dim
    eye = sp.identity(d, dtype=complex, format="csr")
    out = sp.csr_matrix((d * d, d * d), dtype=complex)
    if hamiltonian:
        h = sp.csr_matrix(model.hamiltonian_matrix(sparse=True))
        out = out - 1j * (sp.kron(eye, h) - sp.kron(h.T, eye))  # -i[H, ρ]
    for c in model.collapse_operators(sparse=True, bath=bath):
        c = sp.csr_matrix(c)
        cdc = (c.conj().T @ c).tocsr()
        # c ρ c† - ½{c†c, ρ}
        out = out + sp.kron(c.conj(), c) - 0.5 * (sp.kron(eye, cdc) + sp.kron(cdc.T, eye))
    out = sp.csr_matrix(out)
    out.eliminate_zeros()
    return out


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
