"""The uniform collective battery (Çakmak Eq. 5 with γ_ij = γ, f_ij = f) on one multiplet.

With J^± = Σ_i σ_i^±, the model of Eqs. 5–7 is, for uniform coupling,

    H = ω n̂ + f Σ_{i≠j} σ_i⁺σ_j⁻ = ω n̂ + f (J⁺J⁻ − n̂),
    D(ρ) = γ(n̄+1) (J⁻ρJ⁺ − ½{J⁺J⁻, ρ}) + γ n̄ (J⁺ρJ⁻ − ½{J⁻J⁺, ρ}),

all collective, so in the Schur basis (``qbexp.dynamics.schur``) the generator acts on a block
ρ_{(j,α),(j',α')} through an operator on (2j+1) × (2j'+1) matrices that does not depend on α,
α'.  On |s, i⟩ (k = s + i excitations, 2j = N − 2s) the Hamiltonian is diagonal,
E_i = ω k + f (i(2j − i + 1) − k), and J⁻|i⟩ = a_i|i − 1⟩ with a_i = √(i(2j − i + 1)).
The generator also conserves the coherence order q = k − k', so each block splits further into
chains of length ≤ min(2j, 2j') + 1 with a tridiagonal generator.

The unique steady state of one multiplet (γ > 0) is τ_j ∝ Σ_i r^i |i⟩⟨i| with r = n̄/(n̄+1) =
e^{−βω} (the populations of Eq. 15 restricted to a multiplet); at β → 0 (n̄ → ∞) it is the
maximally mixed 1/(2j+1), the exact limit used for Çakmak's Fig. 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qbexp.dynamics.schur import ladder
from qbexp.errors import QbexpError
from qbexp.models.collective import bose_occupation, check_parameters


@dataclass(frozen=True)
class CollectiveSpinModel:
    """Parameters of the uniform collective battery; ``beta = 0`` is the limit β → 0."""

    n: int
    beta: float
    omega: float = 1.0
    gamma: float = 1.0
    f: float = 0.0

    def __post_init__(self):
        if isinstance(self.n, bool) or not isinstance(self.n, (int, np.integer)) or self.n < 1:
            raise QbexpError(f"number of qubits N = {self.n}; it must be an integer >= 1")
        if not np.isfinite(self.beta) or self.beta < 0:
            raise QbexpError(f"inverse temperature beta = {self.beta}; it must be >= 0 (0: the limit beta -> 0)")
        if not np.isfinite(self.omega) or self.omega <= 0:
            raise QbexpError(f"qubit frequency omega = {self.omega}; it must be > 0")
        if not np.isfinite(self.gamma) or self.gamma < 0:
            raise QbexpError(f"decay rate gamma = {self.gamma}; it must be >= 0")
        if not np.isfinite(self.f):
            raise QbexpError(f"dipole coupling f = {self.f}; it must be finite")
        check_parameters(self.beta, self.omega, self.gamma, self.f, beta_zero=True)  # magnitudes the solver handles

    @property
    def nbar(self) -> float:
        return float("inf") if self.beta == 0 else bose_occupation(self.beta, self.omega)

    def rates(self) -> tuple[float, float]:
        """(γ(n̄+1), γn̄): emission and absorption rates; needs β > 0."""
        if self.beta == 0:
            raise QbexpError("beta = 0 is the high-temperature limit of the steady state only; time evolution needs beta > 0")
        return self.gamma * (self.nbar + 1.0), self.gamma * self.nbar

    def energies(self, s: int) -> np.ndarray:
        """E_i of H0 + Hd on multiplet s (levels i = 0 … 2j)."""
        twoj = self.n - 2 * s
        i = np.arange(twoj + 1, dtype=float)
        k = s + i
        return self.omega * k + self.f * (i * (twoj - i + 1) - k)

    def multiplet_steady_state(self, s: int) -> np.ndarray:
        """Diagonal of τ_j: r^i / Σ r^i, r = e^{−βω} (uniform at β = 0)."""
        twoj = self.n - 2 * s
        with np.errstate(under="ignore"):
            w = np.exp(-self.beta * self.omega * np.arange(twoj + 1))
            return w / w.sum()


def chain_indices(twoj: int, twojp: int, s: int, sp_: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """Levels (i, i') of the block (s, s') with coherence order q = (s + i) − (s' + i')."""
    i = np.arange(twoj + 1)
    ip = i + s - sp_ - q
    ok = (ip >= 0) & (ip <= twojp)
    return i[ok], ip[ok]


def chain_generator(model: CollectiveSpinModel, s: int, sp_: int, q: int) -> tuple[np.ndarray, np.ndarray, sp.csr_matrix]:
    """(i, i', G): the tridiagonal generator on X[i, i'] along one chain of block (s, s')."""
    down, up = model.rates()
    twoj, twojp = model.n - 2 * s, model.n - 2 * sp_
    i, ip = chain_indices(twoj, twojp, s, sp_, q)
    a, ap = ladder(twoj), ladder(twojp)
    a2 = np.append(a, 0.0)  # a_{2j+1} = 0
    ap2 = np.append(ap, 0.0)
    e, ep = model.energies(s), model.energies(sp_)
    # J⁺J⁻ = diag(a_i²), J⁻J⁺ = diag(a_{i+1}²)
    diag = (
        -1j * (e[i] - ep[ip])
        - 0.5 * down * (a[i] ** 2 + ap[ip] ** 2)
        - 0.5 * up * (a2[i + 1] ** 2 + ap2[ip + 1] ** 2)
    )
    n = i.size
    # emission: dX[i,i'] += Γ↓ a_{i+1} a'_{i'+1} X[i+1, i'+1]  (next element of the chain)
    emit = down * a2[i[:-1] + 1] * ap2[ip[:-1] + 1]
    # absorption: dX[i,i'] += Γ↑ a_i a'_{i'} X[i−1, i'−1]  (previous element)
    absorb = up * a[i[1:]] * ap[ip[1:]]
    g = sp.diags([diag, emit, absorb], [0, 1, -1], shape=(n, n), format="csr", dtype=complex)
    return i, ip, g
