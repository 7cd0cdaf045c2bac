"""The N = 4 collective battery: Schur measurement with one flag ancilla.

Four qubits hold j = 2 (5 levels, 1 copy), j = 1 (3 levels × 3 copies) and j = 0 (1 level ×
2 copies): 5 + 9 + 2 = 16 states, but three copies do not fit a qubit register, so the sectors
of :mod:`qbexp.circuits.minimal_jump` cannot each hold one multiplet.  The layout (slot =
c + 4·sector, copy register q0 q1, sector register q2 q3):

    sector k = 0, 1, 2:  c = 0, 1, 2 → |j=1, level k, copy c⟩;  c = 3 → |j=2, level k⟩
    sector 3:            c = 0, 1 → |j=0, copy c⟩;  c = 2, 3 → |j=2, level 3, 4⟩

After the inverse Schur transform and the measurement of the sector, a Toffoli writes
[c = 3] onto a flag ancilla, which is measured: it separates j = 2 from j = 1 without
touching the coherences among c = 0, 1, 2 (the Toffoli is diagonal in c and the flag ends in
a definite state for each c).  In sector 3 with flag 0, a measurement of q1 separates j = 2
(c = 2) from the two j = 0 copies (q0 coherent).  Then, as in the ancilla-free circuit, the
level jumps classically (single-qubit gates under ``if_test``) and the Schur transform is
undone.  The flag returns to |0⟩.  Two-qubit gates: the two 4-qubit Schur unitaries (quantum
Shannon decomposition) and the Toffoli.
"""

from __future__ import annotations

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister

from qbexp.circuits.minimal_draw import draw_value
from qbexp.circuits.minimal_forms import JumpForm
from qbexp.errors import QbexpError

#: (levels, copies) of the multiplets j = 2, 1, 0 of four qubits.
SHAPE = ((5, 1), (3, 3), (1, 2))


def flagged_slots(form: JumpForm) -> dict:
    """slot[(multiplet, level, copy)] = basis index, for the N = 4 multiplets (j = 2, 1, 0)."""
    if tuple((m.levels, m.copies) for m in form.multiplets) != SHAPE:
        raise QbexpError("the flagged Schur layout is for the four-qubit collective battery")
    slot = {}
    for k in range(3):
        for c in range(3):
            slot[(1, k, c)] = c + 4 * k
        slot[(0, k, 0)] = 3 + 4 * k
    slot[(0, 3, 0)], slot[(0, 4, 0)] = 2 + 12, 3 + 12
    slot[(2, 0, 0)], slot[(2, 0, 1)] = 12, 13
    return slot


def flagged_circuit(form: JumpForm, basis_change) -> QuantumCircuit:
    """The dynamic circuit of (†) ∘ Δ for N = 4: battery qubits 0..3, flag ancilla 4.

    ``basis_change(u, label)`` turns a unitary into a circuit (see ``minimal_jump``).
    Classical registers ``sector`` (2), ``flag`` (1), ``level`` (1), ``draw`` (4).
    """
    slot = flagged_slots(form)
    s = np.zeros((16, 16), dtype=complex)
    for (i, k, c), index in slot.items():
        s[:, index] = form.multiplets[i].basis[:, k, c]
    sector, flag, level, draws = (ClassicalRegister(2, "sector"), ClassicalRegister(1, "flag"),
                                  ClassicalRegister(1, "level"), ClassicalRegister(4, "draw"))
    qc = QuantumCircuit(QuantumRegister(4, "q"), QuantumRegister(1, "flag_ancilla"), sector, flag, level, draws,
                        name="minimal_charging")
    t2, t1 = form.transitions[0], form.transitions[1]

    def classical_jump(k):  # all battery qubits at |0⟩: draw j = 2's next level from level k
        probs = np.zeros(16)
        for k2, p in enumerate(t2[:, k]):
            probs[slot[(0, k2, 0)]] += p
        draw_value(qc, [0, 1, 2, 3], list(draws), probs)

    qc.compose(basis_change(s.conj().T, "schur_dg"), [0, 1, 2, 3], inplace=True)
    qc.measure([2, 3], list(sector))
    qc.ccx(0, 1, 4)
    qc.measure(4, flag[0])
    for k in range(3):
        with qc.if_test((sector, k)):
            for b in range(2):
                if (k >> b) & 1:
                    qc.x(2 + b)
            with qc.if_test((flag[0], 1)) as otherwise:  # c = 3: j = 2, level k
                qc.x(0)
                qc.x(1)
                qc.x(4)
                classical_jump(k)
            with otherwise:  # j = 1, level k: the copies stay on q0 q1
                probs = np.zeros(4)
                for k2, p in enumerate(t1[:, k]):
                    probs[k2] += p
                draw_value(qc, [2, 3], list(draws)[2:], probs)
    with qc.if_test((sector, 3)):
        with qc.if_test((flag[0], 1)) as otherwise:  # c = 3: j = 2, level 4
            for q in (0, 1, 2, 3, 4):
                qc.x(q)
            classical_jump(4)
        with otherwise:
            qc.measure(1, level[0])
            with qc.if_test((level[0], 1)):  # c = 2: j = 2, level 3
                for q in (1, 2, 3):
                    qc.x(q)
                classical_jump(3)
            # c = 0, 1: j = 0, whose single level is kept with its copies
    qc.compose(basis_change(s, "schur"), [0, 1, 2, 3], inplace=True)
    qc.metadata = {"system_qubits": [0, 1, 2, 3], "ancilla_qubits": [4]}
    return qc
