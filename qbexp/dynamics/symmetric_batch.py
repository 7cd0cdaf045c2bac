"""Steady-state figures of merit for many initial states at once (Çakmak Fig. 3).

For each initial state only the multiplicity blocks M_j(ρ0)[α, α'] = Σ_m ⟨j m α|ρ0|j m α'⟩ are
needed: ρ_ss = ⊕_j τ_j ⊗ M_j (``qbexp.dynamics.symmetric``).  Then, with τ_j = diag(t_{j,i}),

* energy  E = Σ_j Σ_i t_{j,i} ω (s + i) tr M_j;
* spectrum {t_{j,i} λ(M_j)} — 2^N numbers, sorted against H0's sorted levels: the passive
  energy and W = E − passive energy (Eqs. 2–3), without a 2^N × 2^N diagonalisation;
* C_l1 (Eq. 4): ρ_ss has no coherence between excitation sectors (τ_j is diagonal); its block
  on sector k is Σ_j t_{j,k−s} U_{k,j} M_j U_{k,j}^T = W_k W_k^† with W_k = [√t U_{k,j} F_j]_j
  and M_j = F_j F_j^† (F_j of rank ≤ 2j+1 for a pure state), a C(N,k) × C(N,k) matrix.

Random states are drawn directly in the Schur basis: the Haar, Hilbert–Schmidt and Bures
ensembles are unitarily invariant, so U^T ρ U has the same law as ρ (U the real orthogonal
Schur basis), and the change of basis is never applied.  Hilbert–Schmidt: ρ = GG†/tr GG† with
G a square Ginibre matrix; Bures: ρ ∝ (1 + V)GG†(1 + V)† with V Haar-unitary (Sommers and
Życzkowski, J. Phys. A 37, 8457 (2004)); Haar: a normalised complex Gaussian vector.
"""

from __future__ import annotations

import numpy as np

from qbexp.dynamics.schur import schur_basis
from qbexp.dynamics.symmetric_model import CollectiveSpinModel
from qbexp.errors import QbexpError

ENSEMBLES = ("haar", "hs", "bures")
#: Complex numbers held per chunk of states (≈ 16 bytes each): bounds the peak memory.
CHUNK_ELEMENTS = 2_000_000


def sample_schur_states(n: int, size: int, ensemble: str, rng: np.random.Generator) -> np.ndarray:
    """``size`` random states of ``n`` qubits in the Schur basis: vectors (size, 2^N) for
    ``haar``, density matrices (size, 2^N, 2^N) for ``hs`` and ``bures``."""
    d = 2**n
    if ensemble == "haar":
        z = rng.standard_normal((size, d)) + 1j * rng.standard_normal((size, d))
        return z / np.linalg.norm(z, axis=1, keepdims=True)
    if ensemble not in ENSEMBLES:
        raise QbexpError(f"unknown ensemble {ensemble!r}; choose one of {', '.join(ENSEMBLES)}")
    g = rng.standard_normal((size, d, d)) + 1j * rng.standard_normal((size, d, d))
    if ensemble == "bures":
        q, r = np.linalg.qr(rng.standard_normal((size, d, d)) + 1j * rng.standard_normal((size, d, d)))
        ph = np.diagonal(r, axis1=1, axis2=2)
        v = q * (ph / np.abs(ph))[:, None, :]  # Haar unitary (Mezzadri's phase fix)
        g = g + v @ g
    rho = g @ np.conj(np.swapaxes(g, 1, 2))
    return rho / np.trace(rho, axis1=1, axis2=2).real[:, None, None]


def multiplicity_blocks_batch(n: int, states: np.ndarray) -> list[np.ndarray]:
    """M_j for a batch of states in the Schur basis (matrices (S, 2^N, 2^N)), or for state
    vectors (S, 2^N) their factors F_j = C_j^T (S, d_j, 2j+1) with M_j = F_j F_j^†, where
    C_j[i, α] = ⟨j, i, α|ψ⟩."""
    b = schur_basis(n)
    out = []
    for w in b.where:
        if states.ndim == 2:
            out.append(np.swapaxes(states[:, w], 1, 2))
        else:
            m = 0
            for i in range(w.shape[0]):
                m = m + states[:, w[i][:, None], w[i][None, :]]
            out.append(m)
    return out


def steady_figures_from_blocks(n: int, blocks: list[np.ndarray], beta: float, omega: float = 1.0,
                               pure: bool = False) -> dict[str, np.ndarray]:
    """Energy, passive energy, ergotropy and C_l1 of ρ_ss = ⊕_j τ_j ⊗ M_j for each state
    (``blocks``: the M_j, or with ``pure`` the factors F_j of :func:`multiplicity_blocks_batch`)."""
    spin = CollectiveSpinModel(n, beta, omega)
    b = schur_basis(n)
    size = blocks[0].shape[0]
    energy = np.zeros(size)
    spectrum, factors = [], []
    for s, m in enumerate(blocks):
        t = spin.multiplet_steady_state(s)
        if pure:  # spec M_j = spec of the smaller Gram matrix of F_j, padded with zeros
            f = m
            d, r = f.shape[1:]
            gram = f @ np.conj(np.swapaxes(f, 1, 2)) if d <= r else np.conj(np.swapaxes(f, 1, 2)) @ f
            lam = np.clip(np.linalg.eigvalsh(gram), 0.0, None)
            if r < d:
                lam = np.concatenate([np.zeros((size, d - r)), lam], axis=1)
        else:
            lam, vec = np.linalg.eigh(m)
            lam = np.clip(lam, 0.0, None)
            f = vec * np.sqrt(lam[:, None, :])
        factors.append(f)
        energy += omega * float(np.dot(t, s + np.arange(t.size))) * lam.sum(axis=1)
        spectrum.append((t[None, :, None] * lam[:, None, :]).reshape(size, -1))
    values = -np.sort(-np.concatenate(spectrum, axis=1), axis=1)
    levels = omega * np.sort(b.sector_of).astype(float)
    passive = values @ levels
    coherence = np.zeros(size)
    for k in range(n + 1):
        parts = [np.sqrt(spin.multiplet_steady_state(s)[k - s]) * np.matmul(b.block(k, s), factors[s])
                 for s in range(min(k, n - k) + 1)]
        w = np.concatenate(parts, axis=2)  # (S, C(N,k), R_k)
        rho_k = np.matmul(w, np.conj(np.swapaxes(w, 1, 2)))
        coherence += np.abs(rho_k).sum(axis=(1, 2)) - np.abs(np.diagonal(rho_k, axis1=1, axis2=2)).sum(axis=1)
    return {"energy": energy, "passive_energy": passive, "ergotropy": np.clip(energy - passive, 0.0, None),
            "coherence_l1": coherence}


def steady_figures_of_states(n: int, states: np.ndarray, beta: float, omega: float = 1.0) -> dict[str, np.ndarray]:
    """The same for explicit states in the computational basis (vectors or density matrices)."""
    b = schur_basis(n)
    states = np.asarray(states, dtype=complex)
    if states.ndim == 2:
        schur = b.vectors_to_schur(states)
    else:
        u = b.matrix()
        schur = np.einsum("xa,sxy,yb->sab", u, states, u)
    return steady_figures_from_blocks(n, multiplicity_blocks_batch(n, schur), beta, omega, pure=states.ndim == 2)


def chunk_size(n: int, ensemble: str) -> int:
    """States per chunk so that one chunk holds about :data:`CHUNK_ELEMENTS` complex numbers."""
    d = 2**n
    sector = max(schur_basis(n).blocks[k].shape[0] for k in range(n + 1)) ** 2
    per_state = max(sector * 2, d if ensemble == "haar" else 3 * d * d)
    return max(1, CHUNK_ELEMENTS // per_state)


def random_steady_figures(n: int, states: int, ensemble: str = "haar", beta: float = 0.0, omega: float = 1.0,
                          seed: int | None = None, progress=None) -> dict[str, np.ndarray]:
    """C_l1, W, energy and passive energy of the steady states reached from ``states`` random
    initial states of ``ensemble``, in chunks; ``progress(k)`` is called after each chunk."""
    rng = np.random.default_rng(seed)
    out = {key: [] for key in ("energy", "passive_energy", "ergotropy", "coherence_l1")}
    step = chunk_size(n, ensemble)
    done = 0
    while done < states:
        size = min(step, states - done)
        sample = sample_schur_states(n, size, ensemble, rng)
        figs = steady_figures_from_blocks(n, multiplicity_blocks_batch(n, sample), beta, omega, pure=ensemble == "haar")
        for key, values in out.items():
            values.append(figs[key])
        done += size
        if progress is not None:
            progress(size)
    return {key: np.concatenate(v) for key, v in out.items()}
