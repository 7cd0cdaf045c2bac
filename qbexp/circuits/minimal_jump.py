"""A charging map of the form (†) (:mod:`qbexp.circuits.minimal_forms`) as a dynamic circuit.

For the steady-state map, P₀(ρ) = ⊕_j τ_j ⊗ tr_{V_j}(Π_j ρ Π_j) (:mod:`qbexp.circuits.schur`;
Çakmak, Eqs. (5)–(7) and Sec. III: the collective bath only sees the total spin j, so the steady
state keeps the multiplicity part of ρ₀ and thermalises each multiplet).  For a finite τ the
level k' is drawn from T_j[:, k] of the measured level k instead of from τ_j.  The circuit:

1. **Schur transform** S† (one unitary on the N battery qubits) maps |j, m, c⟩ to a
   computational *slot*: the high qubits (the *sector* register) name (j, m), the low qubits
   (the *copy* register, n_c = log₂ of the largest multiplicity) hold the copy label c.  A
   multiplet with a single copy fills whole sectors with its levels instead.
2. **Measure the sector register** (mid-circuit): this measures j (and m, which is discarded
   anyway) and leaves the copy register coherent — the multiplicity coherences of ρ₀ survive.
3. **Jump classically**: for each sector outcome (an ``if_test`` on the sector register) the
   sector qubits are returned to |0⟩ by X gates; a single-copy multiplet's copy qubits are
   reset (τ = ∞) or measured, to complete the level k, and returned to |0⟩; then the new
   level k' is drawn from T_j[:, k] (= the populations of τ_j for τ = ∞) bit by bit (RY,
   measure, and conditional RY on the next bit: a classical sample, no two-qubit gate;
   :mod:`qbexp.circuits.minimal_draw`).
4. **Inverse transform** S puts |j, m, c⟩ back.

Only the two basis changes contain two-qubit gates.  For two qubits whose basis is
CX(V_y|x⟩ ⊗ |y⟩) — the Schur basis {|00⟩, |11⟩, ψ±} and the engine's energy basis gg, S, A, ee
(Tacchino Eq. 7) — each is one CNOT plus a single-qubit rotation under ``if_test``
(:func:`_cnot_frame`): 2 CZ for the whole map.  For N = 3 each is a stored 6-CNOT circuit on
a line (:mod:`qbexp.circuits.minimal_schur3`) that is the Schur transform up to a frame F_s of
the copies in each sector, undone by a single-qubit gate under ``if_test`` after the jump
(:func:`_reframe`); other sizes use a quantum Shannon decomposition.  Every classically controlled operation is a single-qubit gate, a
reset or a measurement, so the two-qubit count of the compiled circuit does not depend on
which branch runs.  Requires the block structure with multiplicities in {1, 2^{n_c}} whose
single-copy levels fill whole sectors (N = 2, 3); N = 4 adds one flag ancilla
(:mod:`qbexp.circuits.minimal_flagged`); other cases raise :class:`QbexpError`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit.library import CXGate, UnitaryGate
from qiskit.synthesis import OneQubitEulerDecomposer, TwoQubitBasisDecomposer, qs_decomposition

from qbexp.circuits.minimal_draw import draw_value
from qbexp.circuits.minimal_flagged import flagged_circuit, flagged_slots
from qbexp.circuits.minimal_forms import JumpForm
from qbexp.circuits.minimal_schur3 import schur3_layout
from qbexp.errors import QbexpError


@dataclass(frozen=True)
class SchurLayout:
    """Where each |j, m, c⟩ sits: ``slot[(i, k, c)]`` = computational index c' + 2^{n_c}·sector."""

    num_qubits: int
    copy_qubits: int  # n_c
    slot: dict  # (multiplet index, level k, copy c) -> basis index
    sector_multiplet: list  # sector -> multiplet index
    coherent: list  # multiplet index -> True when its copies sit on the copy register
    frames: dict = field(default_factory=dict)  # sector -> F_s: S|s, x⟩ = Σ_c F_s[c, x]|j, m, c⟩ (default 1)
    circuit_out: QuantumCircuit | None = None  # a circuit for S (default: synthesised from unitary())

    @property
    def sectors(self) -> int:
        return 2 ** (self.num_qubits - self.copy_qubits)

    def unitary(self, form: JumpForm) -> np.ndarray:
        """S with S|slot(j, m, c)⟩ = |j, m, c⟩."""
        d = 2**self.num_qubits
        s = np.zeros((d, d), dtype=complex)
        for (i, k, c), index in self.slot.items():
            s[:, index] = form.multiplets[i].basis[:, k, c]
        return s


def schur_layout(form: JumpForm) -> SchurLayout:
    """Sectors for the multiplets of ``form`` (largest j first); refuses layouts that need an ancilla."""
    n = int(math.log2(form.multiplets[0].basis.shape[0]))
    most = max(m.copies for m in form.multiplets)
    nc = int(round(math.log2(most)))
    width = 2**nc
    if 2**nc != most or any(m.copies not in (1, most) for m in form.multiplets) or \
            any(m.copies == 1 and m.levels % width for m in form.multiplets):
        counts = ", ".join(f"j={m.j:g}: {m.copies} copies" for m in form.multiplets)
        raise QbexpError(f"no ancilla-free Schur layout for N = {n} ({counts})")
    slot, sector_multiplet, coherent = {}, [], []
    for i, mult in enumerate(form.multiplets):
        coherent.append(mult.copies > 1)
        if mult.copies > 1:
            for k in range(mult.levels):
                sector = len(sector_multiplet)
                sector_multiplet.append(i)
                for c in range(mult.copies):
                    slot[(i, k, c)] = c + width * sector
        else:
            first = len(sector_multiplet)
            sector_multiplet += [i] * (mult.levels // width)
            for k in range(mult.levels):
                slot[(i, k, 0)] = width * first + k
    layout = SchurLayout(n, nc, slot, sector_multiplet, coherent)
    if n == 3:  # a 6-CNOT Schur circuit, checked against this form (else the generic synthesis)
        return schur3_layout(form, SchurLayout) or layout
    return _cheapest_order(layout, form) if n == 2 and nc == 0 else layout


def _cheapest_order(layout: SchurLayout, form: JumpForm) -> SchurLayout:
    """Two qubits, every slot its own sector: order the levels over the slots so that the basis
    change needs the fewest CNOTs (KAK count; 2 for {|00⟩, |11⟩, ψ±}, against 3 in general)."""
    kak = TwoQubitBasisDecomposer(CXGate())
    best, best_cost = layout, kak.num_basis_gates(layout.unitary(form))
    for perm in itertools.permutations(range(4)):
        slot = {key: perm[index] for key, index in layout.slot.items()}
        sectors = [0] * 4
        for index, sector in enumerate(perm):
            sectors[sector] = layout.sector_multiplet[index]
        candidate = SchurLayout(2, 0, slot, sectors, layout.coherent)
        cost = kak.num_basis_gates(candidate.unitary(form))
        if cost < best_cost:
            best, best_cost = candidate, cost
    return best


def check_layout(form: JumpForm) -> None:
    """Raise :class:`QbexpError` unless :func:`jump_circuit` has a layout for ``form``."""
    try:
        schur_layout(form)
    except QbexpError:
        flagged_slots(form)


def jump_circuit(form: JumpForm) -> QuantumCircuit:
    """The dynamic circuit of (†) ∘ Δ on the battery qubits 0..N−1 (no ancillas; for N = 4
    one flag ancilla, qubit 4, see :mod:`qbexp.circuits.minimal_flagged`).

    Classical registers: ``sector`` (N − n_c bits, the measured Schur sector), ``level``
    (n_c bits, the rest of a single-copy level, finite τ only) and ``draw`` (N bits, the
    classical samples of the new level).  ``metadata`` lists the system qubits.
    """
    try:
        layout = schur_layout(form)
    except QbexpError:
        return flagged_circuit(form, basis_change)  # N = 4: three copies need a flag ancilla
    n, nc = layout.num_qubits, layout.copy_qubits
    frame = _cnot_frame(layout, form) if n == 2 and nc == 0 else None
    if frame is not None:
        layout, frames = frame
    s = layout.unitary(form)
    sector_bits = ClassicalRegister(n - nc, "sector")
    level_bits = ClassicalRegister(nc, "level")
    draws = ClassicalRegister(n, "draw")
    frame_bit = ClassicalRegister(1, "frame")
    registers = [QuantumRegister(n, "q"), sector_bits] + ([level_bits] if nc else []) + [draws]
    qc = QuantumCircuit(*registers + ([frame_bit] if frame else []), name="minimal_charging")
    sector_qubits = list(range(nc, n))
    out_circuit = layout.circuit_out if layout.circuit_out is not None else basis_change(s, "basis")
    frame_bits = ClassicalRegister(n - nc, "frame_sector") if layout.frames else None
    if frame_bits is not None:
        qc.add_register(frame_bits)
    if frame is None:
        qc.compose(out_circuit.inverse(), range(n), inplace=True)
        qc.measure(sector_qubits, list(sector_bits))
    else:  # measure in the basis CX(V_y|x⟩ ⊗ |y⟩): q1 first, then q0 in the basis V_y
        qc.cx(0, 1)
        qc.measure(1, sector_bits[1])
        _conditional_frame(qc, sector_bits[1], frames, inverse=True)
        qc.measure(0, sector_bits[0])
    for sector in range(layout.sectors):
        i = layout.sector_multiplet[sector]
        t = form.transitions[i]
        with qc.if_test((sector_bits, sector)):
            for b, q in enumerate(sector_qubits):
                if (sector >> b) & 1:
                    qc.x(q)
            if layout.coherent[i]:  # level k = this sector; new level drawn onto the sector qubits
                k = next(k for k in range(t.shape[0]) if layout.slot[(i, k, 0)] >> nc == sector)
                draw_value(qc, sector_qubits, list(draws)[nc:], _on_slots(layout, i, t[:, k], nc))
                if layout.frames:  # copies in frame F_s; S needs them in F_s' of the new sector s'
                    _reframe(qc, layout, sector, frame_bits, nc)
            elif np.allclose(t, t[:, :1], atol=1e-14):  # new level independent of the old: reset
                for q in range(nc):
                    qc.reset(q)
                draw_value(qc, list(range(n)), list(draws), _on_slots(layout, i, t[:, 0], 0))
            elif nc == 0:  # the sector is the level
                k = next(k for k in range(t.shape[0]) if layout.slot[(i, k, 0)] == sector)
                draw_value(qc, list(range(n)), list(draws), _on_slots(layout, i, t[:, k], 0))
            else:  # measure the copy qubits to complete the level, then jump from it
                qc.measure(list(range(nc)), list(level_bits))
                for low in range(2**nc):
                    index = low + (sector << nc)
                    k = next(k for k in range(t.shape[0]) if layout.slot[(i, k, 0)] == index)
                    with qc.if_test((level_bits, low)):
                        for q in range(nc):
                            if (low >> q) & 1:
                                qc.x(q)
                        draw_value(qc, list(range(n)), list(draws), _on_slots(layout, i, t[:, k], 0))
    if frame is None:
        qc.compose(out_circuit, range(n), inplace=True)
    else:  # q1 holds a definite y: read it, rotate q0 by V_y, entangle
        qc.measure(1, frame_bit[0])
        _conditional_frame(qc, frame_bit[0], frames, inverse=False)
        qc.cx(0, 1)
    qc.metadata = {"system_qubits": list(range(n)), "ancilla_qubits": []}
    return qc


def _reframe(qc: QuantumCircuit, layout: SchurLayout, sector: int, frame_bits, nc: int) -> None:
    """Read the drawn sector s' (the qubits hold it definitely) and apply F_s'† F_s to the copies."""
    sector_qubits = list(range(nc, layout.num_qubits))
    qc.measure(sector_qubits, list(frame_bits))
    i = layout.sector_multiplet[sector]
    for new in range(layout.sectors):
        if layout.sector_multiplet[new] != i or new not in layout.frames:
            continue
        g = layout.frames[new].conj().T @ layout.frames[sector]
        if not np.allclose(g, np.eye(g.shape[0]) * g[0, 0], atol=1e-12):
            with qc.if_test((frame_bits, new)):
                qc.compose(OneQubitEulerDecomposer("U")(g), list(range(nc)), inplace=True)


def _cnot_frame(layout: SchurLayout, form: JumpForm):
    """Two qubits: (layout, (V_0, V_1)) if every basis state is CX₀₁(V_y|x⟩ ⊗ |y⟩), else None.

    Then the basis is measured with one CNOT (CX, measure q1, V_y† on q0 under ``if_test``,
    measure q0) and prepared with one more: the two-qubit Schur basis {|00⟩, |11⟩, ψ±} and the
    engine's energy basis {gg, S, A, ee} (Tacchino Eq. 7) are of this kind, so the whole
    charging map costs 2 CNOTs.
    """
    cx = np.eye(4)[:, [0, 3, 2, 1]]  # CX with control q0, target q1 (little-endian indices)
    f = cx @ layout.unitary(form)
    columns = {0: [], 1: []}
    for k in range(4):
        rows = f[:, k].reshape(2, 2)  # [q1, q0]
        weight = np.linalg.norm(rows, axis=1)
        y = int(np.argmax(weight))
        if weight[1 - y] > 1e-12:
            return None
        columns[y].append((k, rows[y]))
    if len(columns[0]) != 2 or len(columns[1]) != 2:
        return None
    remap, frames = {}, []
    for y in (0, 1):
        v = np.array([a for _, a in columns[y]]).T
        if not np.allclose(v.conj().T @ v, np.eye(2), atol=1e-12):
            return None
        frames.append(v)
        for x, (k, _) in enumerate(columns[y]):
            remap[k] = x + 2 * y
    sectors = [0] * 4
    for old, new in remap.items():
        sectors[new] = layout.sector_multiplet[old]
    slot = {key: remap[index] for key, index in layout.slot.items()}
    return SchurLayout(2, 0, slot, sectors, layout.coherent), frames


def _conditional_frame(qc: QuantumCircuit, clbit, frames, inverse: bool) -> None:
    for y, v in enumerate(frames):
        u = v.conj().T if inverse else v
        if not np.allclose(u, np.eye(2), atol=1e-12):
            with qc.if_test((clbit, y)):
                qc.compose(OneQubitEulerDecomposer("U")(u), [0], inplace=True)


def basis_change(u: np.ndarray, label: str) -> QuantumCircuit:
    """``u`` as a circuit: a ``UnitaryGate`` on ≤ 2 qubits (the transpiler's KAK synthesis is
    optimal there), else Qiskit's quantum Shannon decomposition (Shende et al., IEEE TCAD 25,
    1000 (2006); 19 CNOTs for 3 qubits), done here so that every Qiskit version compiles the
    same gates and QPY/OpenQASM 3 see only standard gates."""
    n = int(math.log2(u.shape[0]))
    if n <= 2:
        qc = QuantumCircuit(n)
        qc.append(UnitaryGate(u, label=label), range(n))
        return qc
    return qs_decomposition(u)


def _on_slots(layout: SchurLayout, i: int, probs, shift: int) -> np.ndarray:
    """Distribution over register values (slot index >> ``shift``) of multiplet i's levels."""
    out = np.zeros(2 ** (layout.num_qubits - shift))
    for k, p in enumerate(probs):
        out[layout.slot[(i, k, 0)] >> shift] += p
    return out
