"""Measurement circuits: Pauli-basis state tomography, energy-eigenbasis readout, readout calibration.

Both functions take a measurement-free preparation circuit (it may use ancillas and
mid-circuit resets), copy it, and append basis rotations on the listed battery
``qubits`` followed by measurements into a new classical register whose bit ``k``
records ``qubits[k]``.  Bitstrings therefore read in Qiskit order: the rightmost
character belongs to ``qubits[0]``.

* :func:`tomography_circuits` -- the ``3^N`` Pauli settings.  Setting labels are in
  Qiskit order too (``"XZY"``: Y on ``qubits[0]``, Z on ``qubits[1]``, X on
  ``qubits[2]``); X is measured after H, Y after Sdg then H, Z directly, and outcome 0
  means the +1 eigenstate.  The counts feed :func:`qbexp.analysis.tomography_data`.
* :func:`energy_basis_circuit` -- rotates the Hamiltonian's eigenbasis onto the
  computational basis (the inverse of ``basis_unitary``, whose columns are the
  eigenvectors in increasing energy), so outcome ``k`` means eigenstate ``k``; the
  counts feed :func:`qbexp.analysis.work_extracted`.  For the two-bath engine the basis
  is {gg, S, A, ee} (:func:`qbexp.models.engine.energy_basis`).
* :func:`readout_calibration_circuits` -- the two circuits of a tensored readout
  calibration (every qubit prepared in 0, then in 1, and read); the counts feed
  :class:`qbexp.analysis.readout.ReadoutCalibration`.
"""

from __future__ import annotations

import itertools

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, transpile
from qiskit.circuit import Qubit
from qiskit.circuit.library import UnitaryGate

from qbexp.errors import QbexpError, shown
from qbexp.thermo._validate import as_unitary

#: Gate set of the synthesised eigenbasis change (universal, understood by Aer).
BASIS_GATES = ("cx", "u")

#: Y⊗Y of the Shende–Markov–Bullock invariant gamma(V) = V (Y⊗Y) V^T (Y⊗Y).
_YY = np.kron([[0, -1j], [1j, 0]], [[0, -1j], [1j, 0]])


def setting_labels(num_qubits: int) -> list[str]:
    """All ``3**num_qubits`` Pauli setting labels of state tomography in array-row order
    (``"XX"``, ``"XY"``, ..., ``"ZZ"``; the rightmost letter is qubit 0)."""
    return ["".join(p) for p in itertools.product("XYZ", repeat=num_qubits)]


def check_qubits(circuit, qubits, name: str = "qubits", purpose: str | None = "measure") -> list[int]:
    """``qubits`` of the QuantumCircuit ``circuit`` (indices or its ``Qubit`` objects) as a list of
    distinct indices: the one check of a circuit and its qubit list (measurement circuits,
    :func:`qbexp.circuits.ideal_state`, :func:`qbexp.circuits.compile_for_device`).  An empty
    list is refused unless ``purpose`` is None; a one-line :class:`QbexpError` naming ``name``."""
    if not isinstance(circuit, QuantumCircuit):
        raise QbexpError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if isinstance(qubits, (str, bytes)):
        raise QbexpError(f"{name} must be a list of qubit indices, got {shown(qubits)}")
    try:
        qubits = list(qubits)
    except TypeError:
        raise QbexpError(f"{name} must be a list of qubit indices, got {shown(qubits)}") from None
    if not qubits and purpose is not None:
        raise QbexpError(f"no {name} to {purpose}")
    indices = []
    for q in qubits:
        if isinstance(q, (int, np.integer)) and not isinstance(q, bool):
            if not 0 <= q < circuit.num_qubits:
                raise QbexpError(f"{name}: qubit {shown(q)} is not in the {circuit.num_qubits}-qubit circuit")
            indices.append(int(q))
        elif isinstance(q, Qubit) and q in circuit.qubits:
            indices.append(circuit.find_bit(q).index)
        else:
            raise QbexpError(f"{name}: qubit {shown(q)} is neither an index nor a qubit of the circuit")
    if len(set(indices)) != len(indices):
        raise QbexpError(f"{name} {indices} list a qubit twice")
    return indices


def _check_circuit(circuit, qubits) -> list:
    """The validated list of battery qubits of a measurement-free ``circuit``."""
    indices = check_qubits(circuit, qubits)
    last = {}
    for inst in circuit.data:
        for q in inst.qubits:
            last[circuit.find_bit(q).index] = inst.operation.name
    if any(creg.name == RESULT_REGISTER for creg in circuit.cregs) or "measure" in last.values():
        raise QbexpError(
            f"preparation circuit already has final measurements ({circuit.num_clbits} classical bits); "
            "pass it without them (mid-circuit measurements into their own registers are fine)"
        )
    return indices


def _measured_copy(circuit: QuantumCircuit, qubits: list, name: str) -> tuple[QuantumCircuit, ClassicalRegister]:
    creg = ClassicalRegister(len(qubits), "meas")
    out = circuit.copy(name=name)
    out.add_register(creg)
    return out, creg


def tomography_circuits(circuit: QuantumCircuit, qubits) -> list[tuple[str, QuantumCircuit]]:
    """``[(label, circuit)]`` for all ``3^N`` Pauli settings of ``qubits`` (labels as in the module docstring)."""
    qubits = _check_circuit(circuit, qubits)
    out = []
    for label in setting_labels(len(qubits)):
        qc, creg = _measured_copy(circuit, qubits, f"{circuit.name}_tomo_{label}")
        for k, q in enumerate(qubits):
            axis = label[-1 - k]
            if axis == "Y":
                qc.sdg(q)
            if axis in "XY":
                qc.h(q)
        qc.measure(qubits, creg)
        out.append((label, qc))
    return out


def _phase_for_two_cx(v: np.ndarray) -> np.ndarray:
    """``D v`` with a diagonal ``D = exp(i theta Z⊗Z)`` chosen so that it needs at most 2 CX.

    Shende, Markov and Bullock (PRA 69, 062321, Prop. III.3): ``W`` in SU(4) needs two
    CNOTs iff ``tr(W YY W^T YY)`` is real.  Since ``YY D YY = D``, that trace is
    ``a e^{2i theta} + b e^{-2i theta}`` (``a``, ``b`` sums of diagonal entries of
    ``M = v YY v^T YY``), which is real for ``e^{2i theta} = conj(a - conj(b)) / |a - conj(b)|``.
    A phase in front of the measurement does not change any outcome probability.
    """
    w = v / np.linalg.det(v) ** 0.25
    m = w @ _YY @ w.T @ _YY
    a, b = m[0, 0] + m[3, 3], m[1, 1] + m[2, 2]
    c = a - np.conj(b)
    if abs(c) < 1e-12:
        return v
    phase = np.conj(c) / abs(c)  # e^{2 i theta}
    zz = np.array([1, -1, -1, 1])
    return np.diag(np.sqrt(phase) ** zz) @ v


def energy_basis_circuit(circuit: QuantumCircuit, qubits, basis_unitary) -> QuantumCircuit:
    """``circuit`` followed by the eigenbasis change ``basis_unitary^†`` and a measurement of ``qubits``.

    Column ``k`` of ``basis_unitary`` is the ``k``-th eigenvector (increasing energy);
    outcome ``k`` then means eigenstate ``k``.  The change is synthesised with qiskit
    (``UnitaryGate`` transpiled to ``cx`` + ``u``); for two qubits the column phases,
    which no outcome depends on, are chosen so that it needs at most 2 CX (the engine's
    {gg, S, A, ee} change: 2 CX and 6 one-qubit gates).
    """
    qubits = _check_circuit(circuit, qubits)
    dim = 2 ** len(qubits)
    change = as_unitary(basis_unitary, dim, "basis_unitary").conj().T
    if len(qubits) == 2:
        change = _phase_for_two_cx(change)
    rotation = QuantumCircuit(len(qubits), name="to_energy_basis")
    rotation.append(UnitaryGate(change), range(len(qubits)))
    rotation = transpile(rotation, basis_gates=list(BASIS_GATES), optimization_level=3)
    qc, creg = _measured_copy(circuit, qubits, f"{circuit.name}_energy")
    qc.compose(rotation, qubits, inplace=True)
    qc.measure(qubits, creg)
    return qc



def readout_calibration_circuits(num_qubits: int) -> list[tuple[str, QuantumCircuit]]:
    """``[("0", all 0), ("1", all 1)]``: ``num_qubits`` qubits prepared in ``|0...0>`` or, with X
    gates, in ``|1...1>``, each measured into the classical bit of its index.

    A tensored calibration (one 2 x 2 assignment matrix per qubit, see
    :mod:`qbexp.analysis.readout`): two circuits for any number of qubits, at the price of
    neglecting correlated readout errors.  Built with the width of the protocol circuit and
    *all* its qubits measured, not only the battery's: on a device, routing may end a
    battery qubit on the physical qubit where an ancilla started, and the analysis matches
    each measured clbit to its physical qubit (recorded with the job, see
    :func:`qbexp.backends.submit.measured_qubits`).  The executor places every circuit of a
    run on one layout (:meth:`qbexp.backends.ibm.RuntimeExecutor.prepare`), so these
    circuits read the physical qubits that the protocol circuits start on; where routing ends a
    battery qubit outside that layout, the executor widens them to every physical qubit the
    run reads (:func:`qbexp.backends.executors.on_one_layout`).
    """
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, (int, np.integer)) or num_qubits < 1:
        raise QbexpError(f"num_qubits = {num_qubits!r}; it must be an integer >= 1")
    out = []
    for label in ("0", "1"):
        qc = QuantumCircuit(int(num_qubits), int(num_qubits), name=f"readout_cal_{label}")
        if label == "1":
            qc.x(range(num_qubits))
        qc.measure(range(num_qubits), range(num_qubits))
        out.append((label, qc))
    return out


#: The classical register of the final measurements.  Dynamic charging circuits (``minimal``)
#: have registers of their own for mid-circuit measurements; results are read from this one.
RESULT_REGISTER = "meas"


def is_dynamic(circuit) -> bool:
    """Whether ``circuit`` measures mid-circuit or branches on results (``if_test`` and other
    control flow): a density-matrix simulator then follows one measurement record per shot."""
    return any(inst.operation.name == "measure" or getattr(inst.operation, "blocks", None) for inst in circuit.data)


def result_clbits(circuit) -> list[int]:
    """Indices of the classical bits that hold the circuit's result: those of its
    :data:`RESULT_REGISTER` when it has one next to others, else all of them."""
    for creg in circuit.cregs:
        if creg.name == RESULT_REGISTER and len(circuit.cregs) > 1:
            return [circuit.find_bit(bit).index for bit in creg]
    return list(range(circuit.num_clbits))


def result_counts(counts, circuit) -> dict[str, int]:
    """``counts`` (keys over all classical bits, registers separated by spaces or not, clbit 0
    rightmost) reduced to :func:`result_clbits`, clbit 0 of the result rightmost."""
    keep = result_clbits(circuit)
    out: dict[str, int] = {}
    for key, n in dict(counts).items():
        bits = str(key).replace(" ", "")
        if len(keep) != len(bits):
            bits = "".join(bits[len(bits) - 1 - i] for i in reversed(keep))
        out[bits] = out.get(bits, 0) + int(n)
    return out
