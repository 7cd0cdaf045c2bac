"""A 6-CNOT circuit for the three-qubit Schur basis change (nearest-neighbour on a line).

The minimal circuit needs the Schur transform only up to the freedom the measurement leaves
(:mod:`qbexp.circuits.minimal_jump`): each j = 1/2 level may carry its two copies in any
orthonormal frame F_s (undone by a single-qubit gate under ``if_test``), and each j = 3/2
level may sit on any slot with any phase (it is measured and re-prepared classically).  A
search over circuits of six CNOTs on the chain q0 – q1 – q2 with a general single-qubit
layer between them (:func:`search`, BFGS from random angles, then Levenberg–Marquardt to
machine precision) finds one that maps the slots (sector = bits q0 q1, copy = q2) onto

    sector 0 → j = 1/2, m = −1/2 (both copies);  sector 3 → j = 1/2, m = +1/2;
    sectors 1, 2 → the four j = 3/2 levels, one per slot,

against 19 CNOTs for the quantum Shannon decomposition of the full Schur transform (about 27
CZ after routing on heavy-hex).  Its angles are stored below; :func:`schur3_layout` checks the
circuit against the Schur basis of the model at build time (to 1e-10) and reads the frames
F_s and the slot of every level off it, so nothing about the layout is assumed.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

#: CNOTs (control, target) between the single-qubit layers, in circuit order.
PATTERN = ((1, 2), (2, 1), (0, 1), (1, 2), (1, 0), (2, 1))
#: U(θ, φ, λ) angles of the 7 single-qubit layers (qubits 0, 1, 2 of each layer).
ANGLES = (
    ((4.755202127989857, 5.318368602308714, 3.2379301321704728), (1.5707963267948963, -0.2714032465497439, 2.408772973585162), (2.0939817691695968, -0.021840568023629856, 0.3062545639198815)),
    ((5.828510955561868, 4.621600670996516, 1.7153455017111663), (1.6361973965955523, 5.329384455682244, 5.0301203858044685), (5.327362491492591, 2.350025755912479, 3.1683396511703394)),
    ((4.426061405860123, 0.6628265798361563, 4.013225334102226), (1.972711979228678, 4.7994721405086285, 0.03413847499822254), (4.229774365690419, 5.633186905314226, 1.312582195856411)),
    ((4.866749128316446, 5.464600933141058, 0.39743494119880257), (3.9458033355257354, -0.7132508600625973, 3.3689537000234133), (2.668882028031263, 1.1158971889763576, 2.2083729826976253)),
    ((4.634094188934191, 3.78966612870641, 0.9208736363143426), (4.71238898038469, 2.709811439918402, 4.299052039685877), (1.3444803852521061, 1.9684568627419698, 4.493696936918034)),
    ((3.3329630956609, 2.977143340903634, 1.5312866286498452), (-0.8452895154577558, 4.71238898038469, 0.4317812136713917), (4.925417199785274, 2.3369047113297317, 5.935353139025157)),
    ((2.8233855283812703, 6.042353282007131, 3.290063409530841), (2.2963031381320373, 4.324333372311189, 4.71238898038469), (3.141592653589793, 3.0897913004957904, 1.4189350780588905)),
)
#: Residual accepted when checking the stored circuit against the Schur basis.
CHECK_ATOL = 1e-10


def schur3_circuit() -> QuantumCircuit:
    """The stored circuit, on wires (copy, sector bit 0, sector bit 1) = its qubits (2, 0, 1)."""
    qc = QuantumCircuit(3, name="schur3")
    wire = (1, 2, 0)  # circuit qubit -> wire
    for layer, gates in enumerate(ANGLES):
        if layer:
            c, t = PATTERN[layer - 1]
            qc.cx(wire[c], wire[t])
        for q, (theta, phi, lam) in enumerate(gates):
            qc.u(theta, phi, lam, wire[q])
    return qc


def schur3_layout(form, layout_type):
    """``layout_type`` (``SchurLayout``) for the stored circuit, or None if it does not fit ``form``.

    Slots are c + 2·sector (copy on wire 0); ``frames[sector]`` = F_s with
    C|sector, x⟩ = Σ_c F_s[c, x] |j, m, c⟩ for the two-copy multiplet.
    """
    shape = tuple((m.levels, m.copies) for m in form.multiplets)
    if shape != ((4, 1), (2, 2)):
        return None
    circuit = schur3_circuit()
    u = Operator(circuit).data
    big, small = form.multiplets
    slot, frames, sectors = {}, {}, []
    for sector in range(4):
        cols = u[:, [2 * sector, 2 * sector + 1]]
        for m in range(2):
            v = small.basis[:, m, :]
            f = v.conj().T @ cols
            if np.abs(cols - v @ f).max() < CHECK_ATOL:
                frames[sector] = f
                slot[(1, m, 0)], slot[(1, m, 1)] = 2 * sector, 2 * sector + 1
                sectors.append(1)
                break
        else:
            for x in range(2):
                overlaps = np.abs(big.basis[:, :, 0].conj().T @ cols[:, x])
                level = int(np.argmax(overlaps))
                if abs(overlaps[level] - 1) > CHECK_ATOL:
                    return None
                slot[(0, level, 0)] = 2 * sector + x
            sectors.append(0)
    if len(slot) != 8 or len(frames) != 2:
        return None
    return layout_type(3, 1, slot, sectors, [False, True], frames=frames, circuit_out=circuit)


def search(seed: int = 0, restarts: int = 40) -> np.ndarray:  # pragma: no cover - how ANGLES were found
    """Re-run the search: angles (7, 3, 3) with cost ≤ 1e-8, polished to machine precision."""
    from scipy.optimize import least_squares, minimize

    from qbexp.circuits.schur import schur_basis

    big, small = schur_basis(3)
    wire_slots = lambda c, s: (c << 2) | ((s & 1) << 0) | (((s >> 1) & 1) << 1)  # circuit qubit order
    coherent = [[wire_slots(c, s) for c in (0, 1)] for s in (0, 3)]
    classical = [wire_slots(c, s) for s in (1, 2) for c in (0, 1)]
    projectors = [small.basis[:, m, :] @ small.basis[:, m, :].conj().T for m in range(2)]
    dicke = big.basis[:, :, 0]

    def unitary(x):
        qc = QuantumCircuit(3)
        p = x.reshape(7, 3, 3)
        for layer in range(7):
            if layer:
                qc.cx(*PATTERN[layer - 1])
            for q in range(3):
                qc.u(*p[layer, q], q)
        return Operator(qc).data

    def cost(x):
        u = unitary(x)
        total = sum(2 - np.real(np.trace(u[:, s].conj().T @ p @ u[:, s])) for s, p in zip(coherent, projectors))
        return total + 4 - (np.abs(dicke.conj().T @ u[:, classical]) ** 2).max(axis=0).sum()

    rng = np.random.default_rng(seed)
    for _ in range(restarts):
        r = minimize(cost, rng.uniform(0, 2 * np.pi, 63), method="BFGS", options={"maxiter": 400})
        if r.fun < 1e-8:
            break
    else:
        raise RuntimeError("no solution found; try another seed")
    match = [int(np.argmax(np.abs(dicke.conj().T @ unitary(r.x)[:, k]))) for k in classical]

    def residual(x):
        u = unitary(x)
        parts = [((np.eye(8) - p) @ u[:, s]).ravel() for s, p in zip(coherent, projectors)]
        parts += [u[:, k] - dicke[:, m] * (dicke[:, m].conj() @ u[:, k]) for k, m in zip(classical, match)]
        v = np.concatenate(parts)
        return np.concatenate([v.real, v.imag])

    return least_squares(residual, r.x, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15).x.reshape(7, 3, 3)
