"""Symmetry-reduced exact solver for the uniform collective battery (Çakmak Eq. 5, γ_ij = γ,
f_ij = f): steady states and time evolution block by block in the Schur basis.

The Lindbladian acts on a block ρ_{(j,α),(j',α')} through an operator on (2j+1) × (2j'+1)
matrices independent of α, α' (``symmetric_model``), so

* **steady state** (γ > 0, any ω, f, β ≥ 0): ρ_ss = ⊕_j τ_j ⊗ M_j(ρ0) with
  M_j[α, α'] = Σ_m ⟨j m α|ρ0|j m α'⟩ and τ_j the multiplet's own steady state — the kernel
  projection of ``qbexp.dynamics.steady`` in closed form; the kernel has Σ_j d_j² dimensions.
  Blocks with j ≠ j' and coherences between levels decay.  For the ground state this is
  Eqs. 14–15 (only j = N/2 occurs); at β → 0 each τ_j is maximally mixed (``beta = 0``).
  For γ = 0 (no bath) the long-time limit is the dephasing in the eigenbasis of H.
* **time evolution** (β > 0): each block splits into chains of fixed coherence order q = k − k'
  with a tridiagonal generator, propagated exactly with scipy (dense ``expm`` on chains of
  ≤ :data:`DENSE_CHAIN_MAX` levels or stiff ones, ``expm_multiply`` otherwise).

A state is either a dense 2^N × 2^N matrix (N ≤ :data:`~qbexp.dynamics.schur.SCHUR_MAX_QUBITS`;
results are dense too) or a :class:`~qbexp.dynamics.symmetric_state.PermutationInvariantState`
(any N ≤ :data:`SYMMETRIC_MAX_QUBITS`; results stay compact).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse.linalg as spla

from qbexp.dynamics.evolution import check_times
from qbexp.dynamics.schur import (
    SCHUR_MAX_QUBITS,
    check_schur_size,
    multiplicity,
    schur_basis,
)
from qbexp.dynamics.symmetric_model import (
    CollectiveSpinModel,
    chain_generator,
    chain_indices,
)
from qbexp.dynamics.symmetric_state import PermutationInvariantState
from qbexp.errors import QbexpError
from qbexp.progress import progress_bar

#: Largest N for compact (permutation-invariant) states: C_l1 ~ 2^N/N must fit a float64.
SYMMETRIC_MAX_QUBITS = 1000
#: Chains up to this length are propagated with a dense matrix exponential.
DENSE_CHAIN_MAX = 400
#: ...and longer chains d with ||G dt||_1 > d^3 / STIFF_CHAIN_RATIO (the break-even of the two, measured)
STIFF_CHAIN_RATIO = 1e4
SOLVER_NAME = "symmetric"


# ----------------------------------------------------------------------------------------
# which models this solver handles
# ----------------------------------------------------------------------------------------
def uniform_collective(model) -> CollectiveSpinModel | None:
    """The :class:`CollectiveSpinModel` of ``model`` if it is the collective battery with uniform
    coupling (γ_ij = γ, f_ij = f, checked on the operators themselves), else None."""
    if isinstance(model, CollectiveSpinModel):
        return model
    params = getattr(model, "parameters", {}) or {}
    if getattr(model, "name", None) != "collective" or params.get("coupling") != "collective":
        return None
    try:
        spin = CollectiveSpinModel(int(params["n"]), float(params["beta"]), float(params["omega"]),
                                   float(params["gamma"]), float(params["f"]))
    except (KeyError, TypeError, ValueError):
        return None
    return spin if _operators_match(model, spin) else None


def _operators_match(model, spin: CollectiveSpinModel) -> bool:
    """H = ω n̂ + f(J⁺J⁻ − n̂) and exactly the jumps √(γ(n̄+1)) J⁻, √(γn̄) J⁺ (up to phases)."""
    from qbexp.models.lindblad import number_op, sigma_minus

    n = spin.n
    jm = sum(sigma_minus(i, n).to_matrix(sparse=True) for i in range(n))
    num = sum(number_op(i, n).to_matrix(sparse=True) for i in range(n))
    h = spin.omega * num + spin.f * (jm.conj().T @ jm - num)
    if abs(model.hamiltonian_matrix(sparse=True) - h).max() > 1e-10 * max(1.0, spin.omega, abs(spin.f)):
        return False
    if abs(model.battery_hamiltonian.to_matrix(sparse=True) - spin.omega * num).max() > 1e-10 * spin.omega:
        return False
    expected = [(spin.gamma * (spin.nbar + 1), jm), (spin.gamma * spin.nbar, jm.conj().T.tocsr())]
    got = [(d.rate, d.jump.to_matrix(sparse=True)) for d in model.dissipators if d.rate > 0]
    expected = [(r, op) for r, op in expected if r > 0]
    if len(got) != len(expected):
        return False
    for (r_e, op_e), (r_g, op_g) in zip(expected, got):
        norm_e = (abs(op_e).power(2)).sum()
        c = (op_e.conj().multiply(op_g)).sum() / norm_e  # op_g ≈ c op_e
        if abs(op_g - c * op_e).max() > 1e-10 * max(1.0, abs(c)):
            return False
        if abs(r_g * abs(c) ** 2 - r_e) > 1e-10 * max(1.0, r_e):
            return False
    return True


def as_spin_model(model) -> CollectiveSpinModel:
    spin = uniform_collective(model)
    if spin is None:
        raise QbexpError("the symmetric solver needs the collective battery with uniform coupling (gamma_ij = gamma, f_ij = f)")
    return spin


# ----------------------------------------------------------------------------------------
# steady states
# ----------------------------------------------------------------------------------------
def steady_state(model, rho0):
    """lim_{t→∞} ρ(t) from ``rho0`` (dense 2^N × 2^N matrix or PermutationInvariantState)."""
    spin = as_spin_model(model)
    if isinstance(rho0, PermutationInvariantState):
        _check_n(spin, rho0.n)
        return _steady_compact(spin, rho0)
    rho0 = _dense_input(spin, rho0)
    b = schur_basis(spin.n)
    rs = b.to_schur(rho0)
    if spin.gamma == 0:
        out = rs * _energy_mask(spin, b)
    else:
        out = np.zeros_like(rs)
        for s, w in enumerate(b.where):
            m = sum(rs[np.ix_(w[i], w[i])] for i in range(w.shape[0]))  # M_j(ρ0)
            for i, t in enumerate(spin.multiplet_steady_state(s)):
                out[np.ix_(w[i], w[i])] = t * m
    rho = b.from_schur(out)
    return 0.5 * (rho + rho.conj().T)


def multiplicity_blocks(rho0: np.ndarray) -> list[np.ndarray]:
    """M_j(ρ0)[α, α'] = Σ_m ⟨j m α|ρ0|j m α'⟩ for every multiplet (s = 0, 1, …): the conserved
    quantities of the collective dynamics."""
    n = int(np.log2(np.asarray(rho0).shape[0]))
    b = schur_basis(n)
    rs = b.to_schur(np.asarray(rho0))
    return [sum(rs[np.ix_(w[i], w[i])] for i in range(w.shape[0])) for w in b.where]


def kernel_dimension(n: int) -> int:
    """dim ker 𝓛 = Σ_j d_j² (one stationary state τ_j ⊗ |α⟩⟨α'| per pair of copies, γ > 0)."""
    return sum(multiplicity(n, s) ** 2 for s in range(n // 2 + 1))


def _steady_compact(spin, state):
    blocks = {}
    for s, (p, sigma) in state.blocks.items():
        if spin.gamma > 0:
            new = spin.multiplet_steady_state(s).astype(complex) * (np.sum(sigma) if sigma.ndim == 1 else np.trace(sigma))
        elif sigma.ndim == 1:
            new = sigma
        else:
            e = spin.energies(s)
            new = sigma * _equal(e[:, None], e[None, :], spin)
        blocks[s] = (p, new)
    return state.copy_with(blocks)


def _equal(a, b, spin):
    """Levels equal to their rounding: E = ω k + f c with integers k, c (CollectiveSpinModel.energies),
    a few rounding errors of |E| <= ω N + |f| N².  (1e-12 ω N² took ω = 1e6, f = 1e-6, split by
    2e-6, for one level at N = 2: the steady state without a bath kept |01⟩ undephased.)"""
    scale = max(1.0, spin.omega) * spin.n + abs(spin.f) * spin.n**2
    return np.abs(a - b) <= 64 * np.finfo(float).eps * scale


def _energy_mask(spin, b):
    e = np.zeros(b.dim)
    for s, w in enumerate(b.where):
        e[w] = spin.energies(s)[:, None]
    return _equal(e[:, None], e[None, :], spin)


# ----------------------------------------------------------------------------------------
# time evolution
# ----------------------------------------------------------------------------------------
def evolve(model, rho0, times, engine: str | None = None):
    """States ρ(t) for every t in ``times`` (sorted, ≥ 0) from ρ(0) = ``rho0``.

    Dense input: an array (len(times), 2^N, 2^N), as ``qbexp.dynamics.evolve``.  Compact input:
    a list of PermutationInvariantState.  ``engine`` as in ``qbexp.dynamics.evolve``: with
    ``scipy`` each (short) chain is exponentiated exactly, with ``qiskit-dynamics`` each chain is
    integrated by ``qiskit_dynamics.solve_ode`` with the tolerances of ``qbexp.dynamics.evolve``.
    """
    from qbexp.dynamics.engines import resolve_engine

    engine = resolve_engine(engine)
    spin = as_spin_model(model)
    times = check_times(times)
    spin.rates()  # refuses beta = 0
    if isinstance(rho0, PermutationInvariantState):
        _check_n(spin, rho0.n)
        return _evolve_compact(spin, rho0, times, engine)
    rho0 = _dense_input(spin, rho0)
    b = schur_basis(spin.n)
    rs = b.to_schur(rho0)
    out = np.zeros((times.size,) + rs.shape, dtype=complex)
    ns = len(b.where)
    chains = []  # (rows, cols, (s, s2, q)) of every chain the state has weight on
    for s in range(ns):
        for s2 in range(ns):
            ws, ws2 = b.where[s], b.where[s2]
            twoj, twoj2 = spin.n - 2 * s, spin.n - 2 * s2
            for q in range(-twoj2 - s2 + s, twoj + s - s2 + 1):
                i, ip = chain_indices(twoj, twoj2, s, s2, q)
                if i.size == 0:
                    continue
                rows, cols = ws[i][:, :, None], ws2[ip][:, None, :]  # (n_c, d, d')
                if np.any(rs[rows, cols]):
                    chains.append((rows, cols, (s, s2, q)))
    # (qiskit-dynamics integrates each chain over the whole time: N = 2, f = 0.5, t = 1e5 took a minute)
    with progress_bar(total=len(chains), desc=f"evolving N = {spin.n}") as bar:
        for rows, cols, (s, s2, q) in chains:
            x = rs[rows, cols].reshape(rows.shape[0], -1)
            _, _, g = chain_generator(spin, s, s2, q)
            out[:, rows, cols] = _propagate(g, x, times, engine).reshape((times.size,) + rows.shape[:2] + (cols.shape[2],))
            bar.update()
    return np.stack([_hermitian(b.from_schur(r)) for r in out])


def _evolve_compact(spin, state, times, engine="scipy"):
    series = [{} for _ in times]
    chains = sum(1 if sigma.ndim == 1 else 2 * (spin.n - 2 * s) + 1 for s, (_, sigma) in state.blocks.items())
    with progress_bar(total=chains, desc=f"evolving N = {spin.n}") as bar:
        for s, (p, sigma) in state.blocks.items():
            twoj = spin.n - 2 * s
            if sigma.ndim == 1:  # diagonal: only the chain q = 0 (populations) moves
                _, _, g = chain_generator(spin, s, s, 0)
                new = np.real(_propagate(g, sigma[:, None], times, engine)[:, :, 0]).astype(complex)
                for t in range(times.size):
                    series[t][s] = (p, new[t])
                bar.update()
                continue
            new = np.zeros((times.size,) + sigma.shape, dtype=complex)
            for q in range(-twoj, twoj + 1):
                bar.update()
                i, ip = chain_indices(twoj, twoj, s, s, q)
                x = sigma[i, ip][:, None]
                if not np.any(x):
                    continue
                _, _, g = chain_generator(spin, s, s, q)
                new[:, i, ip] = _propagate(g, x, times, engine)[:, :, 0]
            for t in range(times.size):
                series[t][s] = (p, 0.5 * (new[t] + new[t].conj().T))
    return [state.copy_with(b) for b in series]


def _propagate(g, x, times, engine="scipy"):
    """e^{G t} x for every t (stepwise, reusing the step propagator on even grids); with the
    qiskit-dynamics engine, its ODE solver on the chain instead.

    A population chain (columns of G summing to 0) keeps each column's sum exactly; neither the
    scaling and squaring of a long, stiff step nor an ODE solver over ~1e5 relaxation times
    does (N = 1000, β = 1, t = 6e5: every figure 4e-6 too small), so the sums are restored."""
    sums = x.sum(axis=0)
    conserved = np.abs(np.asarray(g.sum(axis=0))).max() <= 1e-12 * max(float(abs(g).max()), 1.0)
    if engine == "qiskit-dynamics":
        from qbexp.dynamics.evolution import _solve_block

        times = np.asarray(times, dtype=float)
        if times[-1] == 0:
            return np.broadcast_to(x.astype(complex), (times.size,) + x.shape).copy()
        block = np.arange(g.shape[0])
        out = _solve_block(g, block, x.astype(complex), times, 1e-10, 1e-12, "DOP853", engine)
        return _with_sums(out, sums) if conserved else out
    out = np.empty((times.size,) + x.shape, dtype=complex)
    # a dense expm costs ~d^3, expm_multiply ~||G dt||_1 products: a long chain goes dense when stiff
    # (N = 400 ground state to t = 10: 0.3 s instead of 50 s)
    stiffness = abs(g).sum(axis=0).max() * np.diff(times, prepend=0.0).max()
    dense = g.shape[0] <= DENSE_CHAIN_MAX or stiffness > g.shape[0] ** 3 / STIFF_CHAIN_RATIO
    gd = g.toarray() if dense else g.tocsc()
    current, last_t, cache = x.astype(complex), 0.0, {}
    for k, t in enumerate(times):
        dt = float(t - last_t)
        if dt > 0:
            if dense:
                key = round(dt, 14)
                if key not in cache:
                    cache[key] = la.expm(gd * dt)
                current = cache[key] @ current
            else:
                current = spla.expm_multiply(gd * dt, current)
            if conserved:
                current = _with_sums(current, sums)
        out[k] = current
        last_t = t
    return out


def _with_sums(y, sums):
    """``y`` (..., d, m) with each column scaled to sum to ``sums`` (m,); a column whose sum is
    0 (nothing to restore) kept as it is."""
    now = y.sum(axis=-2, keepdims=True)
    target = np.broadcast_to(sums, now.shape)
    fix = (now != 0) & (target != 0)
    return y * np.where(fix, target / np.where(fix, now, 1), 1)


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------
def _hermitian(r):
    return 0.5 * (r + r.conj().T)


def _check_n(spin, n):
    if n != spin.n:
        raise QbexpError(f"initial state is for N = {n} qubits; the model has N = {spin.n}")
    if n > SYMMETRIC_MAX_QUBITS:
        raise QbexpError(
            f"N = {n}: the symmetric solver goes up to N = {SYMMETRIC_MAX_QUBITS}"
            " (beyond it C_l1 ~ 2^N/N overflows a float64)"
        )


def _dense_input(spin, rho0):
    check_schur_size(spin.n)
    rho0 = np.asarray(rho0, dtype=complex)
    d = 2**spin.n
    if rho0.shape == (d,):
        rho0 = np.outer(rho0, rho0.conj())
    if rho0.shape != (d, d):
        raise QbexpError(f"initial state has dimension {rho0.shape[0] if rho0.ndim else 0} (shape {rho0.shape}); the model needs {d}")
    return rho0


__all__ = [
    "SCHUR_MAX_QUBITS",
    "SYMMETRIC_MAX_QUBITS",
    "CollectiveSpinModel",
    "PermutationInvariantState",
    "evolve",
    "kernel_dimension",
    "multiplicity_blocks",
    "steady_state",
    "uniform_collective",
]
