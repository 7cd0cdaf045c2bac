"""The charging channel as "measure the level, jump classically, keep the multiplicity coherences".

Both batteries charge through a Pauli master equation in a basis the model singles out:

* the collective battery (Çakmak, Eqs. 5–7, γ_ij = γ0): H = ω J_z + f (J⁺J⁻ − N/2 − J_z)
  and the jumps J∓ act on the Schur basis |j, m, c⟩ (:mod:`qbexp.circuits.schur`) as
  𝓛_j ⊗ id on V_j ⊗ M_j, and 𝓛_j maps the populations of the levels m among themselves;
* the engine (Tacchino et al., Eqs. 6–8): the jumps S, A connect the eigenstates
  gg, S, A, ee of H (Eq. 7) — S|A⟩ = A|S⟩ = 0 — so populations in that basis follow the
  classical rate equation of Eqs. (12)–(13) and never feed coherences.

So on every input ρ that is block diagonal — no coherence between different (j, m), any
coherence between the copies c — the exact map e^{𝓛τ} (or P₀ for τ = ∞) is

    Φ(ρ) = Σ_{j, k, k'} T_j[k', k] (1_{V_j}→|k'⟩⟨k| ⊗ id_{M_j}) Π_{jk} ρ Π_{jk} (…)†,      (†)

T_j[k', k] = ⟨j, k'| Φ(|j, k⟩⟨j, k|) |j, k'⟩ the level-transition probabilities of the exact
channel (a stochastic matrix).  (†) composed with the dephasing Δ onto that block-diagonal
domain is what the minimal circuits implement.  Φ∘Δ = Φ exactly when Φ itself kills the
coherences between levels — the steady-state map P₀ of the collective battery (whose
T_j[:, k] = populations of τ_j for every k).  For finite τ, Φ∘Δ = Φ on the domain, which
holds the protocols' inputs: (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|, the ground and thermal states, and
the engine's NESS and its discharged states (passive, so diagonal in the energy basis).

:func:`collective_form` and :func:`energy_form` read T from the exact channel and check (†)
against it (:func:`check_form`): a model without the structure raises :class:`QbexpError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qbexp.circuits.schur import Multiplet, schur_basis
from qbexp.dynamics.liouvillian import unvec, vec
from qbexp.errors import QbexpError
from qbexp.models.lindblad import LindbladModel
from qbexp.thermo import trace_distance

#: Largest deviation of the exact channel from the form (†) on its domain still accepted.
FORM_ATOL = 1e-8


@dataclass(frozen=True)
class JumpForm:
    """Multiplets (orthonormal |j, k, c⟩) and the level-transition matrices T_j of a channel."""

    multiplets: list[Multiplet]
    transitions: list[np.ndarray]  # transitions[i][k', k] = P(level k → level k')
    exact_everywhere: bool  # Φ∘Δ = Φ for every input (not only block-diagonal ones)
    domain_error: float  # max |Φ∘Δ − (†)| (superoperator entries)

    @property
    def dim(self) -> int:
        return self.multiplets[0].basis.shape[0]


def collective_form(model: LindbladModel, channel: np.ndarray) -> JumpForm:
    """The form (†) of ``channel`` (column-stacking superoperator) in the Schur basis of the model's qubits."""
    return check_form(model, schur_basis(model.num_qubits), channel)


def energy_form(model: LindbladModel, channel: np.ndarray) -> JumpForm:
    """The form (†) in the eigenbasis of the model's Hamiltonian (non-degenerate: one copy per level)."""
    h = model.hamiltonian_matrix()
    energies, vectors = np.linalg.eigh(h)
    gaps = np.diff(energies)
    if gaps.size and gaps.min() < 1e-9 * max(1.0, np.abs(energies).max()):
        raise QbexpError(f"the {model.name} model's Hamiltonian is degenerate: its energy basis is not unique")
    vectors = np.array([_fix_phase(v) for v in vectors.T]).T
    return check_form(model, [Multiplet(j=np.nan, basis=vectors[:, :, None])], channel)


def check_form(model: LindbladModel, multiplets, channel: np.ndarray) -> JumpForm:
    """Read T_j off ``channel`` and check (†) on the block-diagonal domain; raise if it fails."""
    d = multiplets[0].basis.shape[0]
    transitions = []
    for mult in multiplets:
        v = mult.basis[:, :, 0]
        t = np.zeros((mult.levels, mult.levels))
        for k in range(mult.levels):
            out = _apply(channel, np.outer(v[:, k], v[:, k].conj()), d)
            t[:, k] = np.real(np.diag(v.conj().T @ out @ v))
        transitions.append(np.clip(t, 0.0, None) / np.clip(t, 0.0, None).sum(axis=0, keepdims=True))
    form = JumpForm(multiplets, transitions, False, 0.0)
    jump = form_superop(form)
    dephase = dephasing_superop(multiplets)
    domain = float(np.abs(channel @ dephase - jump).max())
    if domain > FORM_ATOL:
        raise QbexpError(f"the {model.name} model's charging map is not a classical jump between levels that keeps "
                         f"the multiplicity coherences (deviation {domain:.1e}): no minimal circuit")
    everywhere = float(np.abs(channel - jump).max()) <= FORM_ATOL
    return JumpForm(multiplets, transitions, everywhere, domain)


def form_superop(form: JumpForm) -> np.ndarray:
    """Column-stacking superoperator of (†) ∘ Δ."""
    d = form.dim
    out = np.zeros((d * d, d * d), dtype=complex)
    for mult, t in zip(form.multiplets, form.transitions):
        for k in range(mult.levels):
            src = mult.basis[:, k, :]
            for k2 in range(mult.levels):
                if t[k2, k] == 0:
                    continue
                dst = mult.basis[:, k2, :]
                move = dst @ src.conj().T  # |j k' c⟩⟨j k c| summed over c
                out += t[k2, k] * np.kron(move.conj(), move)
    return out


def dephasing_superop(multiplets) -> np.ndarray:
    """Δ: ρ ↦ Σ_{j,k} Π_{jk} ρ Π_{jk}, Π_{jk} = Σ_c |j, k, c⟩⟨j, k, c| (keeps copy coherences)."""
    d = multiplets[0].basis.shape[0]
    out = np.zeros((d * d, d * d), dtype=complex)
    for mult in multiplets:
        for k in range(mult.levels):
            p = mult.basis[:, k, :] @ mult.basis[:, k, :].conj().T
            out += np.kron(p.conj(), p)
    return out


def domain_distance(form: JumpForm, rho: np.ndarray) -> float:
    """‖ρ − Δ(ρ)‖₁/2: how far ``rho`` is from the domain on which the minimal circuit is exact."""
    d = form.dim
    return float(trace_distance(rho, _apply(dephasing_superop(form.multiplets), rho, d)))


def _apply(superop, rho, d):
    return unvec(superop @ vec(rho), d)


def _fix_phase(v: np.ndarray) -> np.ndarray:
    k = int(np.argmax(np.abs(v) > 1e-9))
    return v * np.exp(-1j * np.angle(v[k]))
