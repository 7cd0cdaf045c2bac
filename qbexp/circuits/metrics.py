"""Distances to the exact map and hardware cost after transpiling to a real device's target.

* trace distance T(ρ, σ) = ½‖ρ − σ‖₁ of the outputs on the protocol's own initial state;
* process infidelity 1 − F_pro(Φ, Φ_exact), F_pro = ⟨Φ|Φ_exact⟩-overlap of the normalised Choi
  matrices (Qiskit's ``process_fidelity``; Gilchrist et al., PRA 71, 062310 (2005));
* two-qubit gate count and depth after ``transpile`` to a fake IBM backend's target
  (qiskit-ibm-runtime's snapshots of real devices; default the 133-qubit Heron ``FakeTorino``),
  with a fixed transpiler seed so that the result is reproducible.

The compiled circuit keeps the device's qubit numbering (what OpenQASM 3 writes as $n);
:func:`restrict` cuts it down to the qubits it uses for simulation.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import qiskit
from qiskit import QuantumCircuit, transpile
from qiskit.quantum_info import SuperOp, process_fidelity
from qiskit.synthesis import qs_decomposition

from qbexp.circuits.channel import check_cptp
from qbexp.circuits.measure import check_qubits
from qbexp.errors import QbexpError, shown
from qbexp.models.matrices import check_integer
from qbexp.thermo.distance import trace_distance  # noqa: F401  (re-exported: circuits use it from here)

#: Transpiler seed and optimisation level used for every reported gate count.
TRANSPILER_SEED = 2024
OPTIMIZATION_LEVEL = 3
#: Qiskit's preset transpiler optimisation levels.
OPTIMIZATION_LEVELS = (0, 1, 2, 3)


def process_infidelity(channel, exact) -> float:
    """1 − process fidelity between two CPTP channels of the same dimension (each checked by
    :func:`~qbexp.circuits.channel.check_cptp`: the fidelity of other maps means nothing)."""
    channel, exact = check_cptp(channel, "channel"), check_cptp(exact, "exact")
    if channel.dim != exact.dim:
        raise QbexpError(f"channel acts on dimension {channel.dim[0]} and exact on {exact.dim[0]}; "
                         "they must act on the same qubits")
    return unchecked_process_infidelity(channel, exact)


def unchecked_process_infidelity(channel, exact) -> float:
    """:func:`process_infidelity` of channels already known to be CPTP maps of one dimension
    (the protocols' own, built CPTP: no second Choi decomposition)."""
    return float(max(0.0, 1.0 - process_fidelity(SuperOp(channel), SuperOp(exact), require_cp=False, require_tp=False)))


def two_qubit_gates(circuit: QuantumCircuit) -> int:
    """Two-qubit gates of ``circuit``; inside control flow, the costliest branch counts."""
    count = 0
    for inst in circuit.data:
        op = inst.operation
        if getattr(op, "blocks", None):
            count += max(two_qubit_gates(block) for block in op.blocks)
        elif op.num_qubits == 2 and op.name != "barrier":
            count += 1
    return count


def default_backend():
    """The fake IBM device used for gate counts: ``FakeTorino`` (Heron r1, CZ, 133 qubits)."""
    from qiskit_ibm_runtime.fake_provider import FakeTorino

    return FakeTorino()


def check_reset(backend) -> None:
    """The protocols reset ancillas mid-circuit: refuse a target without ``reset``."""
    target = getattr(backend, "target", backend)
    names = getattr(target, "operation_names", None)
    if names is None:
        raise QbexpError(f"{backend!r} has no target to compile for")
    if "reset" not in names:
        name = getattr(backend, "name", "the target")
        raise QbexpError(f"{name} does not support reset, which the ancilla-based charging circuits need")


#: Qiskit 1.3.0's UnitarySynthesis, compiling for a backend, replaces the whole circuit by the
#: decomposition of a unitary on ≥ 3 qubits (fixed upstream by Qiskit PR #13591, in 1.4).
_WIDE_UNITARY_BUG = tuple(int(v) for v in qiskit.__version__.split(".")[:2]) < (1, 4)


def _without_wide_unitaries(circuit: QuantumCircuit) -> QuantumCircuit:
    """On Qiskit 1.3 only (:data:`_WIDE_UNITARY_BUG`): synthesise unitaries on ≥ 3 qubits
    before transpiling.  Qiskit 2 transpiles the circuit as it is."""
    if not _WIDE_UNITARY_BUG:
        return circuit
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name == "unitary" and inst.operation.num_qubits >= 3:
            out.compose(qs_decomposition(inst.operation.to_matrix()), inst.qubits, inplace=True)
        else:
            out.append(inst)
    return out


@dataclass(frozen=True)
class DeviceCircuit:
    """A circuit compiled for a device; qubit indices are device qubits."""

    compiled: QuantumCircuit  # on all device qubits, with the transpiler's layout
    backend: str
    physical_qubits: list[int]  # the device qubits it uses, ascending
    system_qubits: list[int]  # device qubits holding the battery (qubit 0 first) at the end
    ancilla_qubits: list[int]
    two_qubit_gates: int
    depth: int


def compile_for_device(circuit: QuantumCircuit, system_qubits, backend=None,
                       seed: int = TRANSPILER_SEED, optimization_level: int = OPTIMIZATION_LEVEL) -> DeviceCircuit:
    """Transpile to the device target (``reset`` required) and record qubit roles and cost.

    ``system_qubits``: distinct qubits of ``circuit`` (indices or its ``Qubit`` objects);
    ``seed``: an integer >= 0 or None; ``optimization_level``: 0, 1, 2 or 3 (Qiskit's levels).
    """
    system_qubits = check_qubits(circuit, system_qubits, "system_qubits", None)
    if seed is not None:
        seed = check_integer(seed, "seed", 0, "non-negative")
    if (isinstance(optimization_level, bool) or not isinstance(optimization_level, numbers.Integral)
            or optimization_level not in OPTIMIZATION_LEVELS):
        raise QbexpError(f"optimization_level = {shown(optimization_level)}; choose one of "
                         f"{', '.join(map(str, OPTIMIZATION_LEVELS))}")
    optimization_level = int(optimization_level)
    backend = default_backend() if backend is None else backend
    check_reset(backend)
    compiled = transpile(_without_wide_unitaries(circuit), backend=backend,
                         optimization_level=optimization_level, seed_transpiler=seed)
    final = compiled.layout.final_index_layout() if compiled.layout is not None else list(range(compiled.num_qubits))
    used = set(final)
    for inst in compiled.data:
        used.update(compiled.find_bit(q).index for q in inst.qubits)
    physical = sorted(used)
    system = [final[q] for q in system_qubits]
    return DeviceCircuit(
        compiled=compiled,
        backend=getattr(backend, "name", str(backend)),
        physical_qubits=physical,
        system_qubits=system,
        ancilla_qubits=[p for p in physical if p not in system],
        two_qubit_gates=two_qubit_gates(compiled),
        depth=compiled.depth(),
    )


def restrict(circuit: QuantumCircuit, qubits) -> QuantumCircuit:
    """``circuit`` on the listed qubits only, renumbered 0..k−1 in that order (the others must be
    idle).  The classical bits are the circuit's own (same registers), so the conditions of
    control flow stay valid; the bodies of control flow are remapped too."""
    from qiskit.circuit import QuantumRegister

    index = {circuit.qubits[q]: k for k, q in enumerate(qubits)}
    out = QuantumCircuit(QuantumRegister(len(index), "q"), name=circuit.name, global_phase=circuit.global_phase)
    for creg in circuit.cregs:
        out.add_register(creg)
    known = set(out.clbits)
    out.add_bits([bit for bit in circuit.clbits if bit not in known])
    for inst in circuit.data:
        try:
            qargs = [out.qubits[index[q]] for q in inst.qubits]
        except KeyError:
            raise QbexpError(f"circuit {circuit.name!r} acts on a qubit outside {list(qubits)}") from None
        op = inst.operation
        if getattr(op, "blocks", None):
            op = op.replace_blocks([_remapped_block(b, inst.qubits, qargs) for b in op.blocks])
        out.append(op, qargs, inst.clbits)
    return out


def _remapped_block(block: QuantumCircuit, outer_qubits, new_qubits) -> QuantumCircuit:
    """A control-flow body on the new qubits (see :func:`restrict`); its classical bits stay its own.
    The body's qubits are, in order, the instruction's ``outer_qubits``, now ``new_qubits``."""
    body = QuantumCircuit(list(new_qubits), list(block.clbits))
    for creg in block.cregs:
        if creg not in body.cregs:
            body.add_register(creg)
    for inst in block.data:
        positions = [block.find_bit(q).index for q in inst.qubits]
        qargs = [new_qubits[p] for p in positions]
        op = inst.operation
        if getattr(op, "blocks", None):
            op = op.replace_blocks([_remapped_block(b, inst.qubits, qargs) for b in op.blocks])
        body.append(op, qargs, inst.clbits)
    return body
