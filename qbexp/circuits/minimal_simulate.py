"""Exact output of a dynamic circuit (mid-circuit measurements, resets, ``if_test``) on a density matrix.

Aer's density-matrix method follows *one* measurement record per shot, so its saved state
is an average over sampled trajectories (error ~ 1/√shots).  The channel a dynamic circuit
implements is the sum over all records: this module enumerates the branches exactly — each
measurement splits a branch into the two projected, unnormalised states; ``if_else`` blocks
run on the branches whose classical memory satisfies the condition; gates act as their
``Operator``.  Branches with equal memories are added up (at most 2^clbits of them, so a
circuit with many rounds of measurements stays cheap); branches of weight below ``PRUNE``
are dropped.
"""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import Clbit, ClassicalRegister
from qiskit.quantum_info import DensityMatrix, Operator, partial_trace

from qbexp.errors import QbexpError

PRUNE = 1e-15
_P = (np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 0], [0, 1]], dtype=complex))
_RESET = (np.array([[1, 0], [0, 0]], dtype=complex), np.array([[0, 1], [0, 0]], dtype=complex))


def exact_output(circuit: QuantumCircuit, rho, system_qubits=None, noise=None) -> np.ndarray:
    """Σ over measurement records of the final state, reduced to ``system_qubits`` (default: all).

    ``rho`` is the input state of the first len(rho) qubits (little-endian); the other
    qubits start in |0⟩.  ``noise`` (optional) gives the device's errors as Aer applies them:
    ``noise.gate_error(name, qubits)`` a channel (``QuantumChannel``) applied after that
    instruction (gates, ``id`` and ``reset``) or None, and ``noise.readout(qubit)`` the
    assignment matrix ``P[true][recorded]`` of a measurement or None: each projected branch
    then splits into the records the readout error writes, and later ``if_else`` blocks see the
    recorded bit, as on the device.
    """
    branches = record_branches(circuit, rho, noise)
    total = sum(state for state, _ in branches)
    if system_qubits is None:
        return total
    traced = [q for q in range(circuit.num_qubits) if q not in list(system_qubits)]
    out = partial_trace(DensityMatrix(total), traced) if traced else DensityMatrix(total)
    order = sorted(system_qubits)
    if list(system_qubits) != order:
        out = out.evolve(_permutation(order, list(system_qubits)))
    return out.data


def record_branches(circuit: QuantumCircuit, rho, noise=None) -> list[tuple[np.ndarray, dict]]:
    """The unnormalised final state of every measurement record: ``[(state, {clbit: bit})]``, the
    trace of each state being the probability of its record (with ``noise``: the recorded bits,
    readout errors included; see :func:`exact_output`, which sums them)."""
    rho = np.asarray(rho, dtype=complex)
    k = int(np.log2(rho.shape[0]))
    full = DensityMatrix(rho)
    if circuit.num_qubits > k:
        full = DensityMatrix.from_label("0" * (circuit.num_qubits - k)).tensor(full)
    branches = [(full, {})]
    qmap = list(range(circuit.num_qubits))
    cmap = list(range(circuit.num_clbits))
    return [(state.data, memory) for state, memory in _run(circuit, branches, qmap, cmap, noise)]


def _permutation(order, wanted):
    qc = QuantumCircuit(len(order))
    current = list(order)
    for i, q in enumerate(wanted):
        j = current.index(q)
        if j != i:
            qc.swap(i, j)
            current[i], current[j] = current[j], current[i]
    return Operator(qc)


def _run(circuit, branches, qmap, cmap, noise=None):
    for inst in circuit.data:
        op = inst.operation
        qargs = [qmap[circuit.find_bit(q).index] for q in inst.qubits]
        cargs = [cmap[circuit.find_bit(c).index] for c in inst.clbits]
        name = op.name
        if name in ("barrier", "delay") or name.startswith("save_") or (name == "id" and noise is None):
            continue
        if name == "measure":
            if noise is not None and noise.gate_error("measure", tuple(qargs)) is not None:
                raise QbexpError("exact_output: a quantum error on measurements is not supported")
            assignment = None if noise is None else noise.readout(qargs[0])
            split = []
            for state, m in branches:
                for v in (0, 1):
                    b = state.evolve(Operator(_P[v]), [qargs[0]])
                    if b.trace().real <= PRUNE:
                        continue
                    if assignment is None:
                        split.append((b, {**m, cargs[0]: v}))
                    else:  # the readout error writes r with probability P[v][r]
                        split += [(DensityMatrix(b.data * assignment[v][r]), {**m, cargs[0]: r})
                                  for r in (0, 1) if assignment[v][r] > 0]
            branches = _merge(split)
        elif name == "if_else":
            branches = _merge(_if_else(circuit, inst, branches, qargs, cargs, cmap, noise))
        else:
            if name == "reset":
                branches = [(_reset(state, qargs[0]), m) for state, m in branches]
            elif name != "id":
                u = Operator(op)
                branches = [(state.evolve(u, qargs), m) for state, m in branches]
            error = None if noise is None else noise.gate_error(name, tuple(qargs))
            if error is not None:
                branches = [(state.evolve(error, qargs), m) for state, m in branches]
    return branches


def _merge(branches):
    """Add up branches with the same classical memory (their futures are the same map)."""
    merged = {}
    for state, memory in branches:
        key = tuple(sorted(memory.items()))
        merged[key] = (merged[key][0] + state.data, memory) if key in merged else (state.data, memory)
    return [(DensityMatrix(data), memory) for data, memory in merged.values()]


def _reset(state, q):
    return DensityMatrix(sum(state.evolve(Operator(k), [q]).data for k in _RESET))


def _if_else(circuit, inst, branches, qargs, cargs, outer, noise=None):
    op = inst.operation
    target, value = op.condition
    if isinstance(target, Clbit):
        bits, value = [outer[circuit.find_bit(target).index]], int(value)
    elif isinstance(target, ClassicalRegister):
        bits = [outer[circuit.find_bit(c).index] for c in target]
    else:
        raise QbexpError(f"exact_output: an if_else conditioned on a {type(target).__name__} (a classical "
                         "expression) is not supported; condition on a clbit or a register")
    true_body, false_body = op.blocks[0], (op.blocks[1] if len(op.blocks) > 1 else None)
    out = []
    for state, memory in branches:
        read = sum(memory.get(b, 0) << i for i, b in enumerate(bits))
        body = true_body if read == value else false_body
        if body is None:
            out.append((state, memory))
            continue
        qmap = list(qargs)
        cmap = list(cargs)
        out += _run(body, [(state, memory)], qmap, cmap, noise)
    return out
