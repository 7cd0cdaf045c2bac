"""The collective-spin (Schur) basis of N qubits, built once per N and cached.

Collective operators act only on total angular momentum (Schur–Weyl duality):

    (C²)^⊗N = ⊕_j V_j ⊗ M_j,   dim V_j = 2j + 1,   d_j = dim M_j = C(N, s) − C(N, s − 1),

with s = N/2 − j = 0 … ⌊N/2⌋.  A basis vector |j, m, α⟩ has k = m + N/2 excitations, so it
lies in the excitation sector k (the eigenspace of H0 = ω Σσ⁺σ⁻ of Çakmak Eq. 5 with energy
kω).  Here multiplets are labelled by ``s`` and levels by i = m + j = k − s (0 … 2j).

Construction (real arithmetic, exact up to rounding): the highest weights of multiplet s span
ker J⁺ in sector N − s (an orthonormal basis from an SVD), and the lower levels follow from the
ladder J⁻|j, m⟩ = √((j + m)(j − m + 1)) |j, m − 1⟩, i.e. J⁻|i⟩ = √(i (2j − i + 1)) |i − 1⟩.
The basis is sector-major: inside sector k the columns run over s = 0, 1, … then α, and
``where[s][i, α]`` is the global (Schur) index of |s, i, α⟩.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import comb, lgamma

import numpy as np
import scipy.linalg as la

from qbexp.errors import QbexpError
from qbexp.models.states import DENSE_MAX_QUBITS, check_dense_size

#: Largest N whose full 2^N-dimensional Schur basis is built: that of any dense state
#: (:data:`qbexp.models.states.DENSE_MAX_QUBITS`).
SCHUR_MAX_QUBITS = DENSE_MAX_QUBITS
#: The one size check of dense states (:func:`qbexp.models.states.check_dense_size`).
check_schur_size = check_dense_size


def multiplicity(n: int, s: int) -> int:
    """d_j for j = N/2 − s: C(N, s) − C(N, s − 1) (exact integer)."""
    return comb(n, s) - (comb(n, s - 1) if s > 0 else 0)


def log_binom(n: int, k) -> np.ndarray:
    """ln C(N, k), elementwise, finite for any N (so that C_l1 ~ 2^N/N never overflows early)."""
    k = np.asarray(k, dtype=float)
    return np.array([lgamma(n + 1) - lgamma(x + 1) - lgamma(n - x + 1) for x in k.ravel()]).reshape(k.shape)


def log_multiplicity(n: int, s: int) -> float:
    """ln d_j, computed without forming the (possibly huge) integer as a float."""
    d = multiplicity(n, s)
    return float(np.log(float(d))) if d < 2**1000 else float(np.log(d >> 900)) + 900 * np.log(2.0)


def ladder(twoj: int) -> np.ndarray:
    """a_i = √(i (2j − i + 1)) for i = 0 … 2j: J⁻|i⟩ = a_i |i − 1⟩ and J⁺|i − 1⟩ = a_i |i⟩."""
    i = np.arange(twoj + 1, dtype=float)
    return np.sqrt(i * (twoj - i + 1))


@dataclass(frozen=True)
class SchurBasis:
    """Orthogonal change of basis from the computational to the Schur basis of N qubits."""

    n: int
    sectors: tuple  # sectors[k]: computational indices with k excitations (ascending)
    blocks: tuple  # blocks[k]: C(N,k) × C(N,k) real orthogonal, columns = Schur vectors
    where: tuple  # where[s]: (2j+1, d_j) int array of Schur indices of |s, i, α⟩
    sector_of: np.ndarray  # sector (excitation number) of each Schur index
    offsets: np.ndarray  # first Schur index of each sector

    @property
    def dim(self) -> int:
        return 2**self.n

    @property
    def num_multiplets(self) -> int:
        return len(self.where)

    def twoj(self, s: int) -> int:
        return self.n - 2 * s

    def block(self, k: int, s: int) -> np.ndarray:
        """The C(N,k) × d_j columns of multiplet s in sector k (level i = k − s)."""
        start = sum(multiplicity(self.n, t) for t in range(s))
        return self.blocks[k][:, start : start + multiplicity(self.n, s)]

    def matrix(self) -> np.ndarray:
        """The full 2^N × 2^N orthogonal matrix U (columns: Schur vectors)."""
        u = np.zeros((self.dim, self.dim))
        for k, idx in enumerate(self.sectors):
            u[idx, self.offsets[k] : self.offsets[k] + idx.size] = self.blocks[k]
        return u

    def to_schur(self, rho: np.ndarray) -> np.ndarray:
        """U^T ρ U, sector block by sector block (a density matrix, or a stack of state vectors
        as the last axis: ψ ↦ U^T ψ)."""
        rho = np.asarray(rho)
        if rho.ndim == 2 and rho.shape == (self.dim, self.dim):
            out = np.zeros_like(rho, dtype=complex)
            for k, ik in enumerate(self.sectors):
                rows = slice(self.offsets[k], self.offsets[k] + ik.size)
                left = self.blocks[k].T @ rho[ik]
                for l, il in enumerate(self.sectors):
                    out[rows, self.offsets[l] : self.offsets[l] + il.size] = left[:, il] @ self.blocks[l]
            return out
        return self.vectors_to_schur(rho)

    def vectors_to_schur(self, psi: np.ndarray) -> np.ndarray:
        """U^T ψ for state vectors along the last axis."""
        out = np.zeros(psi.shape, dtype=complex)
        for k, ik in enumerate(self.sectors):
            out[..., self.offsets[k] : self.offsets[k] + ik.size] = psi[..., ik] @ self.blocks[k]
        return out

    def from_schur(self, rho_s: np.ndarray) -> np.ndarray:
        """U ρ_S U^T (inverse of :meth:`to_schur` for density matrices)."""
        out = np.zeros_like(rho_s, dtype=complex)
        for k, ik in enumerate(self.sectors):
            left = self.blocks[k] @ rho_s[self.offsets[k] : self.offsets[k] + ik.size]
            for l, il in enumerate(self.sectors):
                cols = slice(self.offsets[l], self.offsets[l] + il.size)
                out[np.ix_(ik, il)] = left[:, cols] @ self.blocks[l].T
        return out


@lru_cache(maxsize=16)
def schur_basis(n: int) -> SchurBasis:
    """The cached Schur basis of ``n`` qubits (see the module docstring)."""
    check_schur_size(n)
    popcount = np.array([x.bit_count() for x in range(2**n)])
    sectors = tuple(np.flatnonzero(popcount == k) for k in range(n + 1))
    position = np.zeros(2**n, dtype=int)
    for idx in sectors:
        position[idx] = np.arange(idx.size)
    lower = [None] + [_lowering(n, k, sectors, position) for k in range(1, n + 1)]  # sector k → k−1
    columns = [[] for _ in range(n + 1)]  # per sector: list of (s, C(N,k) × d_s arrays)
    for s in range(n // 2 + 1):
        top = n - s
        twoj = n - 2 * s
        if top == n:
            v = np.ones((1, 1))
        else:
            v = la.null_space(lower[top + 1].T)  # ker J⁺ in sector N − s
        if v.shape[1] != multiplicity(n, s):
            raise QbexpError(f"internal error: highest weights of j = {twoj}/2 at N = {n}")
        a = ladder(twoj)
        for i in range(twoj, -1, -1):
            columns[s + i].append(v)
            if i > 0:
                v = (lower[s + i] @ v) / a[i]
    blocks = tuple(np.hstack(c) for c in columns)
    offsets = np.concatenate([[0], np.cumsum([b.shape[1] for b in blocks])])[:-1]
    where = []
    for s in range(n // 2 + 1):
        start = sum(multiplicity(n, t) for t in range(s))
        d = multiplicity(n, s)
        where.append(np.array([offsets[s + i] + start + np.arange(d) for i in range(n - 2 * s + 1)], dtype=int))
    sector_of = np.concatenate([np.full(b.shape[1], k) for k, b in enumerate(blocks)])
    return SchurBasis(n, sectors, blocks, tuple(where), sector_of, offsets)


def _lowering(n, k, sectors, position) -> np.ndarray:
    """J⁻ = Σ_i σ_i⁻ from sector k to sector k − 1, dense C(N,k−1) × C(N,k)."""
    out = np.zeros((sectors[k - 1].size, sectors[k].size))
    for col, x in enumerate(sectors[k]):
        for b in range(n):
            if (x >> b) & 1:
                out[position[x ^ (1 << b)], col] = 1.0
    return out
