"""Collisions through a ladder jump, compiled in the jump's chain frame.

A lowering jump J of the collective kind (e.g. J = Σ σ⁻ on N qubits) is a weighted shift in an
orthonormal *chain* basis: every chain w₀ → w₁ → … starts at a state that J† annihilates and
follows J w_i = s_i w_{i+1}, s_i > 0 (the Dicke ladders of the spin multiplets).  Labelling the
chain states by computational basis states ℓ, with W the unitary whose columns are the chain
states, J = W P Σ W†, where Σ = diag(s_ℓ) (0 at the bottom of a chain) and P is any
permutation that moves each label one step down its chain.  Then, with the ancilla a,

    G(θ) = exp(−iθ (J ⊗ σ⁺ + J† ⊗ σ⁻)) = W · C · MUX · C† · W†,
    C = |0⟩⟨0|_a ⊗ 1 + |1⟩⟨1|_a ⊗ P,   MUX = Σ_ℓ |ℓ⟩⟨ℓ| ⊗ RX(2θ s_ℓ)_a,

because C†(J ⊗ σ⁺ + h.c.)C = Σ ⊗ X_a in the chain frame.  W and W† of consecutive steps
cancel (ancilla resets commute with them), so a charging stroke pays for the frame once at each
end; each step is C†, a uniformly controlled RX (2^k CNOTs; Möttönen et al., PRL 93, 130502
(2004)) and C.

P is made cheap by the labelling: chains of length ≤ 4 are packed into blocks of four labels
and laid along the Gray cycle 00 → 01 → 11 → 10 → 00 of the two lowest bits, so that on every
block P(q₁, q₀) = (q₀, ¬q₁) — a swap and a NOT, independent of the other bits.  C is then a
Fredkin gate and a CNOT (8 CNOTs).  This covers the collective battery up to N = 3 (chains
4, 2, 2); for N = 3 a step costs about 25 CNOTs instead of ~200 for a generic four-qubit unitary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.library import UCRXGate

_ATOL = 1e-10
#: Position of the i-th state of a block along the Gray cycle of the two lowest bits.
_GRAY = (0b00, 0b01, 0b11, 0b10)


@dataclass(frozen=True)
class ChainFrame:
    """W (column ℓ = the chain state labelled ℓ) and the weights s_ℓ (0 at chain bottoms)."""

    w: np.ndarray
    weights: np.ndarray

    @property
    def num_qubits(self) -> int:
        return int(np.log2(self.w.shape[0]))

    def collision(self, theta: float) -> QuantumCircuit:
        """C† · MUX · C on (frame qubits 0..k−1, ancilla k), in the chain frame (time order)."""
        k = self.num_qubits
        qc = QuantumCircuit(k + 1, name="ladder collision")
        qc.cx(k, 0)  # C† = (swap, then NOT)⁻¹, both controlled by the ancilla
        qc.cswap(k, 0, 1)
        qc.append(UCRXGate(list(2 * theta * self.weights)), [k] + list(range(k)))
        qc.cswap(k, 0, 1)
        qc.cx(k, 0)
        return qc


def chain_frame(jump: np.ndarray) -> ChainFrame | None:
    """The chain frame of ``jump``, or None if it is not a weighted shift with chains that pack
    into Gray blocks of four (then the caller falls back to a generic unitary).

    Chains are grown from the states J† annihilates, excitation sector by sector from the top
    (J must lower the excitation number by one); the result is verified: W unitary and
    W† J W = P Σ to 1e-10.
    """
    d = jump.shape[0]
    if d < 4:
        return None
    chains = _chains(jump)
    bins = _pack(sorted(chains, key=len, reverse=True)) if chains else None
    if bins is None:
        return None
    w = np.zeros((d, d), dtype=complex)
    weights = np.zeros(d)
    for b, members in enumerate(bins):
        position = 0
        for chain in members:
            for i, v in enumerate(chain):
                label = 4 * b + _GRAY[position]
                w[:, label] = v
                if i + 1 < len(chain):
                    weights[label] = np.linalg.norm(jump @ v)
                position += 1
    frame = ChainFrame(w=w, weights=weights)
    return frame if _verified(frame, jump) else None


def _chains(jump: np.ndarray) -> list[list[np.ndarray]]:
    d = jump.shape[0]
    k = int(np.log2(d))
    excitations = np.array([bin(i).count("1") for i in range(d)])
    rows, cols = np.nonzero(np.abs(jump) > _ATOL)
    if np.any(excitations[rows] != excitations[cols] - 1):
        return []
    chains, vectors = [], np.zeros((d, 0), dtype=complex)
    for e in range(k, -1, -1):
        sector = np.eye(d)[:, excitations == e]
        free = sector - vectors @ (vectors.conj().T @ sector)
        u, s, _ = np.linalg.svd(free, full_matrices=False)
        for top in u[:, s > 0.5].T:
            chain = [top]
            while np.linalg.norm(jump @ chain[-1]) > _ATOL:
                nxt = jump @ chain[-1]
                chain.append(nxt / np.linalg.norm(nxt))
            chains.append(chain)
            vectors = np.hstack([vectors, np.array(chain).T])
    return chains if vectors.shape[1] == d else []


def _pack(chains):
    """First-fit-decreasing packing into blocks of exactly four states, or None."""
    if any(len(c) > 4 for c in chains):
        return None
    bins, loads = [], []
    for chain in chains:
        for b, load in enumerate(loads):
            if load + len(chain) <= 4:
                bins[b].append(chain)
                loads[b] += len(chain)
                break
        else:
            bins.append([chain])
            loads.append(len(chain))
    return bins if all(load == 4 for load in loads) else None


def _verified(frame: ChainFrame, jump: np.ndarray) -> bool:
    w = frame.w
    d = w.shape[0]
    if not np.allclose(w.conj().T @ w, np.eye(d), atol=_ATOL):
        return False
    shift = np.zeros((d, d))
    for label in range(d):
        q0, q1 = label & 1, (label >> 1) & 1
        shift[(label & ~3) | (q0 << 1) | (1 - q1), label] = 1.0  # (q1, q0) → (q0, ¬q1)
    return np.allclose(w.conj().T @ jump @ w, shift @ np.diag(frame.weights), atol=_ATOL)
