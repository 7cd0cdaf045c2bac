"""Gate folding for zero-noise extrapolation: every two-qubit gate G becomes G (G† G)^k.

On hardware a two-qubit gate costs far more noise than a one-qubit gate, so folding only the
two-qubit gates scales the circuit's noise by λ = 2k + 1 while leaving what it does unchanged
(Giurgica-Tiron et al., "Digital zero noise extrapolation for quantum error mitigation",
IEEE QCE 2020; mitiq's ``fold_gates_at_random`` with all gates of one kind folded).

Folding must come *after* transpiling (the transpiler would cancel G† G): the run pipeline
folds the already-transpiled circuits whose ``metadata["fold"]`` asks for it
(:mod:`qbexp.backends.submit`).  Gates inside control flow (dynamic circuits) are folded too.
We fold ourselves rather than through mitiq because mitiq converts circuits through
OpenQASM 2, which carries neither mid-circuit resets in all backends nor ``if_else`` blocks
nor the device layout of an ISA circuit; the operation itself is a few lines.
"""

from __future__ import annotations

from qiskit import QuantumCircuit

from qbexp.errors import QbexpError

#: Noise scales a zero-noise extrapolation uses by default (odd: λ = 2k + 1).
DEFAULT_SCALES = (1, 3, 5)


def check_scale(scale) -> int:
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1 or scale % 2 == 0:
        raise QbexpError(f"noise scale {scale!r}; folding gives odd integer scales 1, 3, 5, ...")
    return scale


def fold_two_qubit_gates(circuit: QuantumCircuit, scale: int) -> QuantumCircuit:
    """``circuit`` with each two-qubit gate G replaced by G (G† G)^((scale − 1)/2)."""
    check_scale(scale)
    if scale == 1:
        return circuit
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if getattr(op, "blocks", None):
            op = op.replace_blocks([fold_two_qubit_gates(block, scale) for block in op.blocks])
            out.append(op, inst.qubits, inst.clbits)
            continue
        out.append(op, inst.qubits, inst.clbits)
        if op.num_qubits == 2 and op.name != "barrier" and not inst.clbits:
            inverse = op.inverse()
            for _ in range((scale - 1) // 2):
                out.append(inverse, inst.qubits)
                out.append(op, inst.qubits)
    return out
