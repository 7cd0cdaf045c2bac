"""Exact Stinespring dilation of a charging channel (Nielsen & Chuang, Sec. 8.2.3).

With a minimal Kraus set {K_k}, k < r (:func:`qbexp.circuits.channel.minimal_kraus`), the
isometry V|ψ⟩ = Σ_k K_k|ψ⟩ ⊗ |k⟩ into the battery plus a = ⌈log₂ r⌉ ancilla qubits satisfies
Φ(ρ) = tr_anc V ρ V†.  The circuit resets the ancillas to |0…0⟩, applies V (synthesised by
Qiskit's ``Isometry``, Iten et al., PRA 93, 032318 (2016)) and leaves the ancillas to be reset
before their next use, so it runs on hardware as gates plus resets.  Exact for any channel;
the gate count grows like 2^{N + a}, so it is meant for small systems.

The ``Isometry`` instruction is decomposed to CNOTs and single-qubit ``u`` gates when the
circuit is built: QPY cannot serialise it (``qpy.load`` fails with "Isometry.__init__()
missing 2 required positional arguments"), and a run stores its circuits as QPY.  The
decomposition is exact (to rounding, ~1e-12) and keeps the isometry's gate count.
"""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import Isometry

from qbexp.circuits.channel import minimal_kraus


def stinespring_isometry(channel) -> np.ndarray:
    """V of shape (2^{N+a}, 2^N): rows k·2^N + i hold (K_k)_{i,·}; the ancillas are the high qubits."""
    ops = minimal_kraus(channel).data
    a = math.ceil(math.log2(len(ops)))
    d = ops[0].shape[0]
    v = np.zeros((d * 2**a, d), dtype=complex)
    for k, op in enumerate(ops):
        v[k * d : (k + 1) * d] = op
    return v


def dilation_circuit(channel) -> QuantumCircuit:
    """The channel on qubits 0..N−1 with a = ⌈log₂ rank⌉ ancillas N..N+a−1 (listed in ``metadata``)."""
    v = stinespring_isometry(channel)
    n = int(math.log2(v.shape[1]))
    total = int(math.log2(v.shape[0]))
    ancillas = list(range(n, total))
    qc = QuantumCircuit(total, name="dilation")
    for q in ancillas:
        qc.reset(q)
    qc.compose(isometry_gates(v), list(range(total)), inplace=True)
    qc.metadata = {"system_qubits": list(range(n)), "ancilla_qubits": ancillas}
    return qc


#: Gates the dilation is written in: standard gates that QPY and OpenQASM 3 round-trip.
DILATION_BASIS = ("u", "cx")


def isometry_gates(v: np.ndarray) -> QuantumCircuit:
    """The isometry V (columns = inputs on the low qubits, other inputs |0⟩) as ``u`` + ``cx`` gates.

    Qiskit's ``Isometry`` synthesis (Iten et al.) unrolled by the transpiler at optimisation
    level 0, so that no ``Isometry`` (or its internal uncompute gate) is left for QPY.
    """
    total = int(math.log2(v.shape[0]))
    qc = QuantumCircuit(total)
    qc.append(Isometry(v, 0, 0), list(range(total)))
    return transpile(qc, basis_gates=list(DILATION_BASIS), optimization_level=0)
