"""Figures of merit of permutation-invariant states straight from their compact form.

For ρ = ⊕_j p_j σ_j ⊗ 1_{d_j}/d_j (``qbexp.dynamics.symmetric_state``) and H0 = ω n̂:

* energy (Eq. 2, first term): Σ_j p_j Σ_i ω (s + i) σ_j[i, i]  (k = s + i excitations);
* spectrum: the eigenvalues p_j λ(σ_j)/d_j, each d_j-fold, so the passive energy (Eq. 2) fills
  H0's levels kω (C(N, k)-fold) in increasing order with them in decreasing order — counted
  with exact integers, never a 2^N list; ergotropy W = energy − passive energy (Eq. 3);
* purity, von Neumann entropy and the relative entropy of coherence (bits): the diagonal of ρ
  in the computational basis is constant on each excitation sector, P_k / C(N, k);
* C_l1 (Eq. 4) in the computational basis, with log-space binomials so that C_l1 ~ 2^N/N
  stays finite: a symmetric-multiplet state Σ a_kl |D_k⟩⟨D_l| has ⟨x|ρ|y⟩ = a_kl/√(C_k C_l),
  so C_l1 = Σ_{k≠l} |a_kl| √(C_k C_l) + Σ_k (C_k − 1)|a_kk − g_k|, where g_k is the common
  diagonal value of the other multiplets in sector k (a function of n̂ only, e.g. a Gibbs
  state).  Other states (coherent outside j = N/2) need the full basis: N ≤ 12.
"""

from __future__ import annotations

from functools import cache
from math import comb

import numpy as np

from qbexp.dynamics.schur import (
    SCHUR_MAX_QUBITS,
    log_binom,
    log_multiplicity,
    multiplicity,
)
from qbexp.dynamics.symmetric_state import as_matrix
from qbexp.errors import QbexpError

__all__ = ["permutation_invariant_figures"]

#: Below this N the figures are taken from the dense matrix (identical definitions, and the
#: two-qubit correlation measures come with them).
DENSE_FIGURES_MAX = 6


def permutation_invariant_figures(state, omega: float = 1.0, dense_max: int = DENSE_FIGURES_MAX) -> dict[str, float]:
    """The keys of :func:`qbexp.thermo.figures_of_merit` for a PermutationInvariantState."""
    n = state.n
    if n <= dense_max:
        from qbexp.thermo import figures_of_merit

        rho = state.to_dense()
        return figures_of_merit(rho, np.diag(omega * np.array([x.bit_count() for x in range(2**n)], float)), n)
    with np.errstate(under="ignore", divide="ignore"):
        return _compact_figures(state, omega)


def _compact_figures(state, omega: float) -> dict[str, float]:
    n = state.n
    groups, energy, sector_prob = [], 0.0, np.zeros(n + 1)
    purity, entropy = 0.0, 0.0
    for s, (p, sigma) in state.blocks.items():
        if p <= 0:
            continue
        diag = np.real(sigma if sigma.ndim == 1 else np.diag(sigma))
        is_diagonal = sigma.ndim == 1 or not np.any(sigma - np.diag(diag))
        lam = np.clip(diag if is_diagonal else np.linalg.eigvalsh(sigma), 0.0, None)
        k = s + np.arange(diag.size)
        energy += p * omega * float(np.dot(k, diag))
        sector_prob[k] += p * diag
        log_d = log_multiplicity(n, s)
        d = multiplicity(n, s)
        lam = lam[lam > 0]
        purity += p * p * float(np.sum(lam**2)) * float(np.exp(-log_d))
        entropy -= p * float(np.sum(lam * (np.log2(p) + np.log2(lam) - log_d / np.log(2))))
        groups += [(v, d) for v in np.exp(np.log(p) + np.log(lam) - log_d)]
    passive = _passive_energy(groups, n, omega)
    lc = log_binom(n, np.arange(n + 1))
    pk = sector_prob[sector_prob > 0]
    s_diag = -float(np.sum(pk * (np.log2(pk) - lc[sector_prob > 0] / np.log(2))))
    return {
        "energy": float(energy),
        "ergotropy": float(max(energy - passive, 0.0)),
        "passive_energy": float(passive),
        "coherence_l1": _coherence_l1(state, lc),
        "coherence_rel_entropy": max(s_diag - entropy, 0.0) if s_diag - entropy > -1e-12 else s_diag - entropy,
        "purity": purity,
        "von_neumann_entropy": entropy,
    }


def _passive_energy(groups, n, omega) -> float:
    """Σ r_j ε_j with eigenvalue groups (value, multiplicity) decreasing on H0's levels."""
    groups.sort(key=lambda g: -g[0])
    k, room, total = 0, 1, 0.0  # level kω has C(N, k) states; ``room`` of them are still free
    for value, count in groups:
        while count > 0 and k <= n:
            take = min(count, room)
            total += value * float(take) * k * omega
            count -= take
            room -= take
            if room == 0:
                k += 1
                room = comb(n, k) if k <= n else 0
    return total


def _coherence_l1(state, lc) -> float:
    with np.errstate(divide="ignore", under="ignore"):
        return _coherence_l1_unguarded(state, lc)


def _coherence_l1_unguarded(state, lc) -> float:
    n = state.n
    a = np.zeros((n + 1, n + 1), dtype=complex)
    if 0 in state.blocks:
        p, sigma = state.blocks[0]
        a = p * as_matrix(sigma)
    g = np.zeros(n + 1)
    rest = {s: blk for s, blk in state.blocks.items() if s >= 1 and blk[0] > 0}
    if rest:
        # g_s(k) = p_s σ_s[k − s, k − s] / d_s must agree for all s = 1 … min(k, N − k)
        table = np.zeros((n // 2 + 1, n + 1))
        for s, (p, sigma) in rest.items():
            diag = np.real(sigma if sigma.ndim == 1 else np.diag(sigma))
            if sigma.ndim == 2 and np.max(np.abs(sigma - np.diag(diag)), initial=0.0) > 1e-14:
                return _coherence_l1_dense(state)
            with np.errstate(divide="ignore", under="ignore"):
                table[s, s : n - s + 1] = np.exp(np.log(p * np.clip(diag, 0.0, None)) - log_multiplicity(n, s))
        ks = np.arange(n + 1)
        ss = np.arange(n // 2 + 1)[:, None]
        valid = (ss >= 1) & (ss <= np.minimum(ks, n - ks)[None, :])
        hi = np.where(valid, table, -np.inf).max(axis=0)
        lo = np.where(valid, table, np.inf).min(axis=0)
        inside = valid.any(axis=0)
        unequal = inside & (hi - lo > EQUAL_WITHIN * np.abs(hi) + 1e-300)
        if np.any(unequal):
            return _coherence_l1_dense(state, spread=float(np.max((hi - lo)[unequal] / np.abs(hi[unequal]))))
        g = np.where(inside, hi, 0.0)
    total = 0.0
    absa = np.abs(a)
    off = np.exp(np.log(absa) + 0.5 * (lc[:, None] + lc[None, :]))
    np.fill_diagonal(off, 0.0)
    total += float(off.sum())
    for k in range(n + 1):
        if lc[k] <= 0:  # C(N, k) = 1: no off-diagonal element in this sector
            continue
        diff = abs(float(np.real(a[k, k])) - g[k])
        if diff > 0:
            total += float(np.exp(lc[k] + np.log1p(-np.exp(-lc[k])) + np.log(diff)))
    return total


def _coherence_l1_dense(state, spread: float | None = None) -> float:
    """C_l1 from the Johnson scheme when every multiplet but j = N/2 is diagonal (exact, N ≤
    :data:`JOHNSON_MAX_QUBITS`), else from the dense matrix (N ≤ 12).  ``spread``: the largest
    relative difference between the multiplets' populations of one string at one energy, when
    that is why the closed form above did not apply."""
    diagonal = all(sig.ndim == 1 or not np.any(sig - np.diag(np.diag(sig)))
                   for s, (_, sig) in state.blocks.items() if s >= 1)
    if state.n <= JOHNSON_MAX_QUBITS and diagonal:
        return coherence_l1_johnson(state)
    if state.n <= SCHUR_MAX_QUBITS:
        from qbexp.thermo import coherence_l1

        return coherence_l1(state.to_dense())
    if diagonal and spread is not None:
        raise QbexpError(
            f"N = {state.n}: the l1 coherence of this permutation-invariant state (its multiplets j < N/2 hold"
            f" different populations at one energy, up to {spread:.2g} apart relative to each other) is computed"
            f" exactly up to N = {JOHNSON_MAX_QUBITS}; beyond, only where those populations are equal within"
            f" {EQUAL_WITHIN:g} (the l1 sum weighs their difference by up to C(N, N/2))"
        )
    raise QbexpError(
        f"N = {state.n}: the l1 coherence of this permutation-invariant state (coherent outside the symmetric"
        f" multiplet) needs the full basis, up to N = {SCHUR_MAX_QUBITS}, or diagonal multiplets j < N/2,"
        f" up to N = {JOHNSON_MAX_QUBITS}"
    )


#: Populations of one energy in different multiplets closer than this (relative) are taken as
#: equal by the closed form of :func:`_coherence_l1_unguarded` (the exact evolution's rounding).
EQUAL_WITHIN = 1e-9

#: The Johnson-scheme sums below are exact (integers and fractions); their cost grows as N⁴.
JOHNSON_MAX_QUBITS = 64


def coherence_l1_johnson(state) -> float:
    """C_l1 of a permutation-invariant state whose multiplets j < N/2 are diagonal.

    Sector k (k' = min(k, N − k)) is the Johnson scheme J(N, k'): the level of multiplet s in it
    is the primitive idempotent E_s = C(N,k)^{-1} Σ_δ Q_δ(s) A_δ, whose entry on two strings at
    Hamming half-distance δ is P_δ(s)/(C(N,k) n_δ), with n_δ = C(k', δ) C(N − k', δ) pairs per
    string and the Eberlein polynomial P_δ(s) = Σ_h (−1)^h C(s,h) C(k'−s, δ−h) C(N−k'−s, δ−h).
    With P_{s,k} the population of multiplet s at level k, the sector's off-diagonal sum is
    Σ_{δ≥1} |Σ_s P_{s,k} P_δ(s)| (s = 0 is the symmetric multiplet, P_δ(0) = n_δ); coherences
    between sectors come from j = N/2 only: Σ_{k≠l} |a_kl| √(C(N,k) C(N,l)).
    """
    from fractions import Fraction

    n = state.n
    pops = np.zeros((n // 2 + 1, n + 1))
    a = np.zeros((n + 1, n + 1), dtype=complex)
    for s, (p, sigma) in state.blocks.items():
        diag = np.real(sigma if sigma.ndim == 1 else np.diag(sigma))
        pops[s, s : n - s + 1] = p * diag
        if s == 0:
            a = p * as_matrix(sigma)
    lc = log_binom(n, np.arange(n + 1))
    with np.errstate(divide="ignore", under="ignore"):
        off = np.exp(np.log(np.abs(a)) + 0.5 * (lc[:, None] + lc[None, :]))
    np.fill_diagonal(off, 0.0)
    total = float(off.sum())
    for k in range(n + 1):
        kp = min(k, n - k)
        weights = [Fraction(float(pops[s, k])) for s in range(kp + 1)]
        for delta in range(1, kp + 1):
            acc = sum((w * _eberlein(n, kp, delta, s) for s, w in enumerate(weights) if w), Fraction(0))
            total += float(abs(acc))
    return total


@cache
def _eberlein(n: int, k: int, delta: int, s: int) -> int:
    return sum((-1) ** h * comb(s, h) * comb(k - s, delta - h) * comb(n - k - s, delta - h) for h in range(delta + 1))
