"""Schur basis of N qubits under the collective spin, and the block form of the steady-state map.

The collective jumps J∓ = Σᵢ σᵢ∓ of Çakmak's Eq. (5) with γ_ij = γ0 (and the collective drive
H_d = f Σ_{i≠j} σᵢ⁺σⱼ⁻ = f (J⁺J⁻ − Σ σᵢ⁺σᵢ⁻)) are built from the total spin J = ½ Σ σᵢ, so
the Hilbert space splits as (Schur–Weyl duality)

    (ℂ²)^⊗N = ⊕_j V_j ⊗ M_j,

V_j the spin-j irrep (2j + 1 levels m = −j … j, acted on by the model) and M_j its multiplicity
space (d_j copies, untouched by the model).  The Liouvillian acts as 𝓛_j ⊗ id on each block, so
the steady-state map P₀ = lim e^{𝓛t} (Çakmak Sec. III and App. A: the state keeps the
populations of the "dark" multiplets and their coherences) is

    P₀(ρ) = ⊕_j τ_j ⊗ tr_{V_j}(Π_j ρ Π_j),                                             (★)

τ_j the steady state of the j multiplet: measure j, keep the multiplicity label coherently,
replace V_j by τ_j.  For N = 2 this is "keep the singlet |ψ−⟩, replace a triplet by τ₁".
With f ≠ 0 the levels of V_j are not equally spaced in H but the bath still sees jumps of ω, so
τ_j is the Gibbs state of ω J_z in the multiplet, not of H; here it is never assumed: τ_j is
read off the exact solver's P₀ and (★) is checked against P₀ as a whole
(:func:`qbexp.circuits.minimal_forms.collective_form`), so a model without this structure is
refused rather than mis-compiled.

The basis |j, m, c⟩ is built from the highest weights: an orthonormal basis {|j, j, c⟩} of
ker(J⁺) ∩ {J_z = j}, lowered by J⁻ (the Clebsch–Gordan construction), so the copy label c is
the same at every m — exactly the tensor structure V_j ⊗ M_j of (★).  Copies of a multiplet
are the Yamanouchi (Clebsch–Gordan chain) basis: eigenvectors of the spins of qubits 0..k−1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qbexp.models.lindblad import sigma_minus


@dataclass(frozen=True)
class Multiplet:
    """Total spin ``j`` with ``basis[:, k, c]`` = |j, m = −j + k, c⟩ (k = excitations within the multiplet)."""

    j: float
    basis: np.ndarray  # shape (2^N, 2j + 1, d_j)

    @property
    def levels(self) -> int:
        return self.basis.shape[1]

    @property
    def copies(self) -> int:
        return self.basis.shape[2]


def collective_spin(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(J⁻ = Σ σᵢ⁻, J_z = ½ Σ σᵢ^z) on n qubits (|1⟩ excited: J_z = (excitations) − n/2)."""
    jm = sum(sigma_minus(i, n).to_matrix() for i in range(n))
    jz = np.diag([bin(k).count("1") - n / 2 for k in range(2**n)]).astype(complex)
    return jm, jz


def schur_basis(n: int) -> list[Multiplet]:
    """The multiplets of n qubits, largest j first, as orthonormal |j, m, c⟩ vectors."""
    jm, jz = collective_spin(n)
    jp = jm.conj().T
    out, j = [], n / 2
    while j >= 0:
        at_top = np.flatnonzero(np.isclose(np.diag(jz).real, j))
        # highest weights: J⁺ v = 0 within the J_z = j eigenspace
        raising = jp[:, at_top]
        _, s, vh = np.linalg.svd(raising)
        rank = int(np.sum(s > 1e-9))
        null = vh[rank:].conj().T  # columns: coefficients on at_top
        copies = null.shape[1]
        if copies > 1:  # Yamanouchi copies: eigenvectors of the spins of qubits 0..k−1 (k = 2..n−1)
            chain = sum(10.0**k * _casimir(k, n)[np.ix_(at_top, at_top)] for k in range(2, n))
            _, rot = np.linalg.eigh(null.conj().T @ chain @ null)
            null = null @ rot
        if copies:
            levels = int(round(2 * j)) + 1
            basis = np.zeros((2**n, levels, copies), dtype=complex)
            for c in range(copies):
                v = np.zeros(2**n, dtype=complex)
                v[at_top] = null[:, c]
                v = _fix_phase(v)
                for k in range(levels - 1, -1, -1):  # k = levels − 1 is m = j
                    basis[:, k, c] = v
                    v = jm @ v
                    norm = np.linalg.norm(v)
                    v = v / norm if norm > 1e-12 else v
            out.append(Multiplet(j=j, basis=basis))
        j -= 1
    return out


def _casimir(k: int, n: int) -> np.ndarray:
    """J² of the first k qubits (as an n-qubit operator): J⁻J⁺ + J_z² + J_z."""
    jm = sum(sigma_minus(i, n).to_matrix() for i in range(k))
    jz = np.diag([bin(b & ((1 << k) - 1)).count("1") - k / 2 for b in range(2**n)]).astype(complex)
    return jm @ jm.conj().T + jz @ jz + jz


def _fix_phase(v: np.ndarray) -> np.ndarray:
    k = int(np.argmax(np.abs(v) > 1e-9))
    return v * np.exp(-1j * np.angle(v[k]))
