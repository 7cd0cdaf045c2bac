"""Permutation-invariant states of N qubits in a compact form that never forms 2^N × 2^N.

A state that commutes with every permutation of the qubits is, in the Schur basis,

    ρ = ⊕_j p_j σ_j ⊗ 1_{d_j}/d_j,        Σ_j p_j = 1,  tr σ_j = 1,

so it is stored as the weights p_j and the (2j+1) × (2j+1) blocks σ_j (levels i = m + j; only
multiplets with p_j > 0).  A block that is diagonal may be stored as its diagonal (1-D): a Gibbs
state at N = 1000 then takes Σ_j (2j+1) ≈ N²/4 numbers instead of ≈ N³/6.  The ground state, Dicke states and spin-coherent states live in the
symmetric multiplet j = N/2 (size N + 1); Gibbs states of H0 are diagonal in every multiplet.
The collective dynamics keeps this form (see ``symmetric_model``): p_j is conserved, σ_j evolves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qbexp.dynamics.schur import log_binom, log_multiplicity, multiplicity, schur_basis
from qbexp.errors import QbexpError, initial_state_errors


@dataclass
class PermutationInvariantState:
    """ρ = ⊕_s p_s σ_s ⊗ 1/d_s with s = N/2 − j (see the module docstring)."""

    n: int
    blocks: dict = field(default_factory=dict)  # s -> (p_s, σ_s)

    def copy_with(self, blocks: dict) -> PermutationInvariantState:
        return PermutationInvariantState(self.n, blocks)

    def to_dense(self) -> np.ndarray:
        """The 2^N × 2^N density matrix (small N only: builds the Schur basis)."""
        b = schur_basis(self.n)
        rho_s = np.zeros((b.dim, b.dim), dtype=complex)
        for s, (p, sigma) in self.blocks.items():
            d = multiplicity(self.n, s)
            w = b.where[s]  # (2j+1, d)
            for a in range(d):
                rho_s[np.ix_(w[:, a], w[:, a])] = p * as_matrix(sigma) / d
        return b.from_schur(rho_s)


def as_matrix(sigma: np.ndarray) -> np.ndarray:
    """A block as a matrix (1-D blocks are diagonals)."""
    return np.diag(sigma) if np.ndim(sigma) == 1 else sigma


# ----------------------------------------------------------------------------------------
# builders
# ----------------------------------------------------------------------------------------
def symmetric_state(n: int, amplitudes=None, sigma=None) -> PermutationInvariantState:
    """A state of the symmetric multiplet j = N/2 from Dicke amplitudes (pure) or a matrix σ."""
    if sigma is None:
        a = np.asarray(amplitudes, dtype=complex)
        sigma = np.outer(a, a.conj())
    return PermutationInvariantState(n, {0: (1.0, np.asarray(sigma, dtype=complex))})


def ground(n: int) -> PermutationInvariantState:
    """|0…0⟩ = |j = N/2, m = −N/2⟩."""
    a = np.zeros(n + 1)
    a[0] = 1.0
    return symmetric_state(n, a)


def dicke(n: int, k: int) -> PermutationInvariantState:
    """The Dicke state |D_k⟩ = C(N,k)^{-1/2} Σ_{|x|=k} |x⟩ (k excitations, j = N/2)."""
    if not 0 <= k <= n:
        raise QbexpError(f"Dicke state dicke:{k} needs 0 <= K <= N = {n}")
    a = np.zeros(n + 1)
    a[k] = 1.0
    return symmetric_state(n, a)


def coherent_amplitudes(n: int, theta: float, phi: float) -> np.ndarray:
    """Dicke amplitudes of ⊗_i (cos(θ/2)|0⟩ + e^{iφ} sin(θ/2)|1⟩): √C(N,k) c^{N−k} s^k e^{ikφ},
    computed in log space (finite for any N)."""
    k = np.arange(n + 1)
    c, s = abs(np.cos(theta / 2)), abs(np.sin(theta / 2))
    with np.errstate(divide="ignore"):
        log_mag = 0.5 * log_binom(n, k) + (n - k) * np.log(c) + k * np.log(s)
    sign = np.sign(np.cos(theta / 2)) ** (n - k) * np.sign(np.sin(theta / 2)) ** k
    sign = np.where(np.isnan(sign), 0.0, sign)
    with np.errstate(invalid="ignore"):
        out = np.where(np.isfinite(log_mag), sign * np.exp(log_mag), 0.0) * np.exp(1j * k * phi)
    return out / np.linalg.norm(out)


def coherent(n: int, theta: float, phi: float = 0.0) -> PermutationInvariantState:
    """The spin-coherent (product) state ⊗_i (cos(θ/2)|0⟩ + e^{iφ} sin(θ/2)|1⟩); θ = 0 is ground."""
    return symmetric_state(n, coherent_amplitudes(n, theta, phi))


def thermal(n: int, beta: float, omega: float = 1.0) -> PermutationInvariantState:
    """Gibbs state e^{−βH0}/Z of H0 = ω n̂ (β = 0: maximally mixed), multiplet by multiplet:
    p_s ∝ d_s Σ_i e^{−βω(s+i)}, σ_s ∝ diag(e^{−βωi})."""
    if not np.isfinite(beta) or beta < 0:
        raise QbexpError(f"thermal state needs beta >= 0, got {beta}")
    x = beta * omega
    log_z = n * np.logaddexp(0.0, -x)  # ln (1 + e^{−βω})^N
    blocks = {}
    for s in range(n // 2 + 1):
        twoj = n - 2 * s
        levels = -x * np.arange(twoj + 1)
        log_p = log_multiplicity(n, s) - x * s + np.logaddexp.reduce(levels) - log_z
        sigma = np.exp(levels - np.logaddexp.reduce(levels))
        blocks[s] = (float(np.exp(log_p)), sigma.astype(complex))
    return PermutationInvariantState(n, blocks)



#: Initial-state kinds that have a compact form (any N); the others need the dense 2^N matrix.
COMPACT_KINDS = ("ground", "thermal", "dicke", "coherent")


def compact_initial_state(spec: str, n: int, beta: float, omega: float = 1.0) -> PermutationInvariantState | None:
    """The ``--init`` spec as a PermutationInvariantState, or None when it needs the dense form
    (``c:``, ``haar:``, ``hs:``, ``bures:``, ``file:``).  Same forms as
    :func:`qbexp.models.states.initial_state`."""
    kind, sep, value = str(spec).strip().partition(":")
    kind = kind.strip().lower()
    if kind not in COMPACT_KINDS:
        return None
    with initial_state_errors():  # the spec's errors (InitialStateError)
        return _compact(spec, kind, sep, value, n, beta, omega)


def _compact(spec, kind, sep, value, n, beta, omega) -> PermutationInvariantState:
    """:func:`compact_initial_state` of a spec whose kind has a compact form."""
    from qbexp.models.states import parse_coherent, parse_dicke

    if kind in ("ground", "thermal") and sep:
        raise QbexpError(f"initial state '{spec}': '{kind}' takes no value")
    if kind in ("dicke", "coherent") and not value.strip():
        raise QbexpError(f"initial state '{spec}' is missing its value")
    if kind == "ground":
        return ground(n)
    if kind == "thermal":
        return thermal(n, beta, omega)
    if kind == "dicke":
        return dicke(n, parse_dicke(value, n))
    return coherent(n, *parse_coherent(value))
