"""Classical randomness without two-qubit gates: draw a register value from a distribution.

A circuit is one deterministic channel, so a mixed preparation Σ_v q(v)|v⟩⟨v| is made by
sampling in the circuit: bit b of the value is drawn by RY(2 arcsin √P(b = 1 | earlier bits))
on its qubit and a mid-circuit measurement, and the next bit's rotation is chosen by
``if_test`` on the bits already drawn (the chain rule of probability).  The qubits end in |v⟩
with probability q(v); only single-qubit gates, measurements and classical control are used.
"""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit

#: Conditional probabilities closer than this to 0 or 1 are treated as certain (no measurement).
CERTAIN = 1e-15


def draw_value(qc: QuantumCircuit, qubits, clbits, probs) -> None:
    """Append a draw of v ~ ``probs`` onto ``qubits`` (all in |0⟩; value bit b on ``qubits[b]``).

    ``clbits[b]`` receives bit b when it is random; ``probs`` has 2^len(qubits) entries.
    """
    probs = np.asarray(probs, dtype=float)
    if probs.size != 2 ** len(qubits) or probs.min() < 0 or not math.isclose(probs.sum(), 1.0, abs_tol=1e-9):
        raise ValueError("probs must be a distribution over the register's values")
    _draw(qc, list(qubits), list(clbits), probs / probs.sum(), 0, 0)


def _split(probs, bit, prefix):
    """(P(prefix), P(prefix and bit = 1)) with the low ``bit`` bits equal to ``prefix``."""
    values = np.arange(probs.size)
    match = (values & ((1 << bit) - 1)) == prefix
    return probs[match].sum(), probs[match & (((values >> bit) & 1) == 1)].sum()


def _needs_ops(probs, bit, prefix) -> bool:
    """Whether the draw of bits ≥ ``bit`` after ``prefix`` emits any instruction."""
    n = int(math.log2(probs.size))
    if bit >= n:
        return False
    total, ones = _split(probs, bit, prefix)
    if total <= 0:
        return False
    p1 = ones / total
    if p1 >= 1 - CERTAIN:
        return True
    return p1 > CERTAIN or _needs_ops(probs, bit + 1, prefix)


def _draw(qc, qubits, clbits, probs, bit, prefix) -> None:
    if bit >= len(qubits):
        return
    total, ones = _split(probs, bit, prefix)
    if total <= 0:
        return
    p1 = ones / total
    if p1 <= CERTAIN:
        _draw(qc, qubits, clbits, probs, bit + 1, prefix)
    elif p1 >= 1 - CERTAIN:
        qc.x(qubits[bit])
        _draw(qc, qubits, clbits, probs, bit + 1, prefix | (1 << bit))
    else:
        qc.ry(2 * math.asin(math.sqrt(p1)), qubits[bit])
        qc.measure(qubits[bit], clbits[bit])
        for value in (0, 1):
            nxt = prefix | (value << bit)
            if _needs_ops(probs, bit + 1, nxt):
                with qc.if_test((clbits[bit], value)):
                    _draw(qc, qubits, clbits, probs, bit + 1, nxt)
