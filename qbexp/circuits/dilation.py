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
decomposition is checked against V (:data:`ISOMETRY_ATOL`): on Qiskit 2.6 the synthesis of
these isometries (blocks of zeros: padded or sparse Kraus sets) was wrong in 23 of 52 cases
(entries off by up to 2; the engine at τ = 1 charged to a state 0.147 in trace distance from
the exact one) or failed ("unable to synthesize"), where Qiskit 1.3's was exact.  The channel
does not change under a unitary W on the ancillas, V → (W ⊗ 1)V, which fills those zeros; a
failed synthesis is retried with a few fixed W (each case above then came out within 6e-9).
"""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import Isometry

from qbexp.circuits.channel import minimal_kraus
from qbexp.errors import QbexpError


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


#: Largest entry-wise error of a synthesised isometry accepted (the synthesis' rounding on these
#: isometries: 1e-14 to 6e-9).
ISOMETRY_ATOL = 1e-8
#: Ancilla unitaries W tried, after V itself, when its synthesis fails (module docstring).
ANCILLA_TURNS = 4


def isometry_gates(v: np.ndarray) -> QuantumCircuit:
    """The isometry V (columns = inputs on the low qubits, other inputs |0⟩) as ``u`` + ``cx`` gates.

    Qiskit's ``Isometry`` synthesis (Iten et al.) unrolled by the transpiler at optimisation
    level 0, so that no ``Isometry`` (or its internal uncompute gate) is left for QPY; checked
    against V, and where it fails retried with V's ancilla outputs turned (module docstring).
    """
    total = int(math.log2(v.shape[0]))
    first_failure = None
    for target in _ancilla_turns(v):
        qc = QuantumCircuit(total)
        qc.append(Isometry(target, 0, 0), list(range(total)))
        try:
            gates = transpile(qc, basis_gates=list(DILATION_BASIS), optimization_level=0)
        except Exception as err:  # qiskit 2.6: "HighLevelSynthesis is unable to synthesize isometry"
            first_failure = first_failure or f"{type(err).__name__}: {err}"
            continue
        error = float(np.max(np.abs(implemented_isometry(gates, v.shape[1]) - target)))
        if error <= ISOMETRY_ATOL:
            return gates
        first_failure = first_failure or f"entries off by {error:.2g}"
    raise QbexpError(f"Qiskit's isometry synthesis did not give the charging channel's dilation ({first_failure}, "
                     f"also with {ANCILLA_TURNS} turns of its ancillas): use charging collision or minimal")


def _ancilla_turns(v: np.ndarray):
    """V, then (W ⊗ 1)V for :data:`ANCILLA_TURNS` fixed unitaries W on the ancillas (QR of
    seeded Gaussian matrices): the same channel."""
    yield v
    d = v.shape[1]
    a = v.shape[0] // d
    if a == 1:
        return
    for seed in range(ANCILLA_TURNS):
        g = np.random.default_rng(seed).normal(size=(a, a, 2))
        w, r = np.linalg.qr(g[..., 0] + 1j * g[..., 1])
        w = w * (np.diag(r) / np.abs(np.diag(r)))  # Haar-distributed, a fixed function of the seed
        yield np.kron(w, np.eye(d)) @ v


def implemented_isometry(gates: QuantumCircuit, inputs: int) -> np.ndarray:
    """The isometry the gates implement: their unitary's first ``inputs`` columns (the other inputs
    |0⟩ on the high qubits)."""
    from qiskit.quantum_info import Operator

    return Operator(gates).data[:, :inputs]


def dilation_channel(circuit: QuantumCircuit):
    """The channel a dilation circuit implements on its system qubits, from its gates (the Kraus
    operators K_k = ⟨k|V are V's blocks): what the circuit does, not what it was built from."""
    from qiskit.quantum_info import Kraus, SuperOp

    gates = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name != "reset":
            gates.append(inst)
    d = 2 ** len(circuit.metadata["system_qubits"])
    v = implemented_isometry(gates, d)
    return SuperOp(Kraus([v[k * d : (k + 1) * d] for k in range(v.shape[0] // d)]))
