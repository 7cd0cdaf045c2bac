"""Protocol circuits: prepare → charge → discharge, for either battery and any charging circuit.

* collective battery (Çakmak): prepare ρ₀ → charge for τ (τ = ∞: to the steady state) →
  optionally apply the ergotropy-optimal discharge of the exact charged state;
* engine (Tacchino et al., Eq. 4): prepare ρ₀ → K × (charge for τ → discharge ``local1`` /
  ``local2`` / ``global`` / ``optimal``).  The default ρ₀ is the NESS right after its first
  discharge (t = 0⁺ in Fig. 3), so that cycle k of the circuit is discharge k + 1 of
  :func:`qbexp.dynamics.cycle.run_engine`'s sequence from the NESS.

The charging stroke is one of ``CHARGINGS``: ``kraus`` (the exact map as one Kraus
instruction, for Aer), ``minimal`` (exact, the fewest two-qubit gates: mid-circuit measurement of
the bath's levels and a classically controlled jump, :mod:`qbexp.circuits.minimal`),
``dilation`` (exact, gates + resets) or ``collision`` (M collision
steps, gates + resets; M = None picks the smallest M whose protocol output is within
``COLLISION_TOL`` in trace distance of the exact one; :func:`collision_steps` picks one M for a
whole family of initial states).  A mixed ρ₀ is prepared as a
purification on extra ancillas (``StatePreparation``), which are reset before their next use.

Qubits 0..N−1 hold the battery throughout; the ancillas follow.  There are no measurements:
measurement circuits are appended later on ``system_qubits``.  Each result carries the exact
Lindblad final state of the same protocol (with the very discharge unitaries the circuit
applies) for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.library import StatePreparation
from qiskit.quantum_info import Operator

from qbexp.circuits.channel import channel_instruction, charging_channel, check_tau
from qbexp.circuits.collision import MAX_STEPS, CollisionScheme, check_steps
from qbexp.circuits.dilation import dilation_channel, dilation_circuit
from qbexp.circuits.discharge import compile_unitary, ergotropy_discharge
from qbexp.circuits.metrics import compile_for_device, trace_distance, unchecked_process_infidelity
from qbexp.circuits.minimal import MinimalCharging
from qbexp.dynamics import unvec, vec
from qbexp.dynamics.liouvillian import check_model
from qbexp.errors import QbexpError
from qbexp.dynamics.cycle import DISCHARGES, discharge_unitary, ness
from qbexp.models.lindblad import LindbladModel
from qbexp.models.states import validate_density_matrix

CHARGINGS = ("kraus", "dilation", "collision", "minimal")
#: Default accuracy of the collision model: trace distance of the protocol's final state.
COLLISION_TOL = 1e-3
# MAX_STEPS (qbexp.circuits.collision, imported above): the largest M, given or chosen.


@dataclass
class ProtocolCircuit:
    """A protocol circuit with its qubit roles and the exact state it should produce."""

    circuit: QuantumCircuit
    system_qubits: list[int]
    ancilla_qubits: list[int]
    initial_state: np.ndarray
    exact_state: np.ndarray  # exact Lindblad result of the same protocol
    charging: str
    steps: int | None  # collision steps per charging stroke
    step_time: float | None  # collision Δt
    parameters: dict = field(default_factory=dict)
    stroke: "_Stroke | None" = field(default=None, repr=False, compare=False)

    @cached_property
    def charging_infidelity(self) -> float:
        """Process infidelity of one charging stroke (0 for exact ones), computed when asked: a run
        does not need it, and it takes the M-step map and a fidelity of 4^N × 4^N matrices (N = 5: 4 s)."""
        return self.stroke.infidelity()


def collective_protocol(model: LindbladModel, rho0, tau: float, charging: str = "collision",
                        steps: int | None = None, discharge: bool = False,
                        tol: float = COLLISION_TOL) -> ProtocolCircuit:
    """Prepare ``rho0`` → charge for ``tau`` (``math.inf``: steady state) → discharge if asked."""
    check_model(model)
    rho0 = validate_density_matrix(rho0, num_qubits=model.num_qubits, name="initial state")
    stroke = _Stroke(model, tau, charging, steps)
    exact = stroke.exact(rho0)
    # a discharge is unitary and does not change the trace distance, so M is chosen before it
    blocks = [_preparation(rho0), stroke.circuit_for(rho0, exact, tol)]
    if discharge:
        block = _discharge_block(model, "optimal", exact)
        blocks.append(block)
        u = Operator(block).data
        exact = u @ exact @ u.conj().T
    return _assemble(model, blocks, rho0, exact, stroke,
                     {"protocol": "collective", "tau": tau, "discharge": "optimal" if discharge else None})


def engine_protocol(model: LindbladModel, tau: float, cycles: int, discharge: str = "local1",
                    charging: str = "collision", steps: int | None = None, rho0=None,
                    tol: float = COLLISION_TOL, final_discharge: bool = True) -> ProtocolCircuit:
    """Prepare ρ₀ (default: the discharged NESS) → ``cycles`` × (charge for ``tau`` → discharge).

    ``final_discharge=False`` leaves out the last discharge: the circuit ends on the charged
    state of cycle K (for measuring what that discharge would extract).
    """
    check_model(model)
    if discharge not in DISCHARGES:
        raise QbexpError(f"unknown discharge {discharge!r}; choose one of {', '.join(DISCHARGES)}")
    if isinstance(cycles, bool) or not isinstance(cycles, (int, np.integer)) or cycles < 1:
        raise QbexpError(f"number of cycles K = {cycles!r}; it must be an integer >= 1")
    if math.isinf(tau):
        raise QbexpError("the engine charges for a finite time tau")
    stroke = _Stroke(model, tau, charging, steps)
    if rho0 is None:
        steady = ness(model)
        first = _discharge_block(model, discharge, steady)
        u = Operator(first).data
        rho0 = u @ steady @ u.conj().T
    rho0 = validate_density_matrix(rho0, num_qubits=model.num_qubits, name="initial state")
    exact, discharges = rho0, []
    for k in range(cycles):  # exact trajectory; each discharge is compiled from the exact charged state
        exact = stroke.exact(exact)
        if k < cycles - 1 or final_discharge:
            block = _discharge_block(model, discharge, exact)
            u = Operator(block).data
            discharges.append(block)
            exact = u @ exact @ u.conj().T
    unitaries = [Operator(b).data for b in discharges]
    charge_block = stroke.circuit_for(rho0, exact, tol, lambda c, r: _engine_output(r, c, unitaries, cycles))
    blocks = [_preparation(rho0)]
    for k in range(cycles):
        blocks += [charge_block] + discharges[k : k + 1]
    return _assemble(model, blocks, rho0, exact, stroke,
                     {"protocol": "engine", "tau": tau, "cycles": int(cycles), "discharge": discharge,
                      "final_discharge": bool(final_discharge)})


def collision_steps(model: LindbladModel, tau: float, initial_states, tol: float = COLLISION_TOL) -> int:
    """Fewest collision steps M that charge every state of ``initial_states`` to within trace
    distance ``tol`` of its exact charged state (one charging circuit for a family of inputs)."""
    check_model(model)
    stroke = _Stroke(model, tau, "collision", None)
    states = [validate_density_matrix(r, num_qubits=model.num_qubits, name="initial state") for r in initial_states]
    return stroke.fewest_steps([(r, stroke.exact(r)) for r in states], tol)


def charging_report(model: LindbladModel, tau: float, rho0, charging: str, steps: int | None = None,
                    backend=None) -> dict:
    """Accuracy and hardware cost of one charging stroke implementation on the input ``rho0``.

    Keys: ``trace_distance`` (outputs on ``rho0``), ``process_infidelity`` (against the exact
    map), ``two_qubit_gates``, ``depth`` (after :func:`~qbexp.circuits.metrics.compile_for_device`)
    and ``steps``.
    """
    check_model(model)
    if charging == "kraus":
        raise QbexpError("the kraus charging is a simulator instruction; report dilation or collision")
    rho0 = validate_density_matrix(rho0, num_qubits=model.num_qubits, name="initial state")
    stroke = _Stroke(model, tau, charging, steps)
    circuit = stroke.circuit_for(rho0, stroke.exact(rho0), COLLISION_TOL)
    implemented = stroke.implemented()
    device = compile_for_device(circuit, list(range(model.num_qubits)), backend)
    return {
        "steps": stroke.steps,
        "trace_distance": trace_distance(_apply(implemented, rho0), stroke.exact(rho0)),
        "process_infidelity": stroke.infidelity(),
        "two_qubit_gates": device.two_qubit_gates,
        "depth": device.depth,
    }


# -- charging strokes ------------------------------------------------------------------------


def check_steps_charging(steps, charging: str) -> None:
    """Collision steps M are for the collision charging only (the others have no steps): the one
    check of the protocols and of the experiments, which make it when they are built."""
    if steps is not None and charging != "collision":
        raise QbexpError(f"steps = {steps} applies to the collision charging only")


class _Stroke:
    """One charging implementation for (model, τ): exact channel, its circuit, the choice of M."""

    def __init__(self, model, tau, charging, steps):
        check_tau(tau)
        if charging not in CHARGINGS:
            raise QbexpError(f"unknown charging implementation {charging!r}; choose one of {', '.join(CHARGINGS)}")
        if steps is not None:
            check_steps(steps)
            check_steps_charging(steps, charging)
        self.model, self.tau, self.charging, self.steps = model, tau, charging, steps
        self.channel = charging_channel(model, tau)
        self.scheme = CollisionScheme(model, tau) if charging == "collision" else None
        self.minimal = MinimalCharging(model, tau, self.channel) if charging == "minimal" else None
        self._dilation = None  # the dilation circuit, synthesised once (seconds at N = 3)
        self._dilation_superop = None  # and its channel

    def implemented(self) -> np.ndarray:
        """The superoperator the charging circuit implements."""
        if self.scheme is not None:
            return self.scheme.superop(self.steps).data
        if self.minimal is not None:
            return self.minimal.superop().data
        if self.charging == "dilation":
            return self._dilation_channel().data
        return self.channel.data

    def _dilation_channel(self):
        """The channel the dilation circuit's gates implement (qbexp.circuits.dilation), once."""
        if self._dilation_superop is None:
            self._dilation_superop = dilation_channel(self.circuit())
        return self._dilation_superop

    @property
    def step_time(self) -> float | None:
        """Collision Δt (None for the exact implementations)."""
        return self.scheme.step_time(self.steps) if self.scheme is not None and self.steps else None

    def infidelity(self) -> float:
        """1 − process fidelity of the implemented stroke against the exact map."""
        if self.minimal is not None:
            return unchecked_process_infidelity(self.minimal.superop(), self.channel)
        if self.charging == "dilation":
            return unchecked_process_infidelity(self._dilation_channel(), self.channel)
        if self.scheme is None:
            return 0.0
        return unchecked_process_infidelity(self.scheme.superop(self.steps), self.channel)

    def exact(self, rho: np.ndarray) -> np.ndarray:
        return _apply(self.channel.data, rho)

    def circuit_for(self, rho0: np.ndarray, exact: np.ndarray, tol: float, output=None) -> QuantumCircuit:
        """The charging circuit; for collisions with M = None the smallest M with
        trace_distance(output(M-step channel, ``rho0``), exact) ≤ ``tol`` (default output: the
        channel applied to ``rho0`` once)."""
        if self.scheme is not None and self.steps is None:
            self.steps = self.fewest_steps([(rho0, exact)], tol, output)
        if self.minimal is not None:
            error = trace_distance((output or _apply)(self.minimal.superop().data, rho0), exact)
            if error > tol:
                raise QbexpError(f"the minimal charging circuit is exact only on states without coherence "
                                 f"between the bath's levels; this input ends {error:.2e} from the exact "
                                 f"state (tolerance {tol:g}): use charging collision or dilation")
        return self.circuit()

    def fewest_steps(self, targets, tol: float, output=None) -> int:
        """Smallest M with trace_distance(output(M-step channel, ρ₀), exact) ≤ tol for every
        target (ρ₀, exact); output None: the channel applied to ρ₀ once."""
        if output is None and self.scheme.steady_step is not None:
            # τ = ∞: Δt is the same for every M, so the states are stepped on, not recomputed
            runs = [self.scheme.steady_outputs(rho) for rho, _ in targets]
            for m in range(1, MAX_STEPS + 1):
                outputs = [_hermitian(next(run)) for run in runs]  # every run steps on, even past a miss
                if all(trace_distance(out, exact) <= tol for out, (_, exact) in zip(outputs, targets)):
                    return m
        else:
            for m in range(1, MAX_STEPS + 1):
                channel = self.scheme.superop(m).data
                if all(trace_distance((output or _apply)(channel, rho), exact) <= tol for rho, exact in targets):
                    return m
        raise QbexpError(f"no collision model with up to {MAX_STEPS} steps reaches trace distance {tol}")

    def circuit(self) -> QuantumCircuit:
        if self.minimal is not None:
            return self.minimal.circuit()
        if self.charging == "dilation":
            if self._dilation is None:
                self._dilation = dilation_circuit(self.channel)
            return self._dilation.copy()
        if self.scheme is not None:
            return self.scheme.circuit(self.steps)
        n = self.model.num_qubits
        qc = QuantumCircuit(n, name="charging")
        qc.append(channel_instruction(self.channel), range(n))
        qc.metadata = {"system_qubits": list(range(n)), "ancilla_qubits": []}
        return qc


def _apply(superop: np.ndarray, rho: np.ndarray) -> np.ndarray:
    return _hermitian(unvec(superop @ vec(rho), rho.shape[0]))


def _hermitian(rho: np.ndarray) -> np.ndarray:
    return 0.5 * (rho + rho.conj().T)


def _engine_output(rho0, channel, unitaries, cycles):
    rho = rho0
    for k in range(cycles):
        rho = _apply(channel, rho)
        if k < len(unitaries):
            rho = unitaries[k] @ rho @ unitaries[k].conj().T
    return rho


def _discharge_block(model, name, charged) -> QuantumCircuit:
    if name == "optimal":
        block = ergotropy_discharge(charged, model.battery_matrix())
    else:
        block = compile_unitary(discharge_unitary(name, charged, model))
    block.metadata = {"system_qubits": list(range(model.num_qubits)), "ancilla_qubits": []}
    return block


# -- preparation and assembly -------------------------------------------------------------------


def _preparation(rho: np.ndarray) -> QuantumCircuit:
    """ρ on qubits 0..N−1 from |0…0⟩: the purification Σ_k √p_k |v_k⟩|k⟩ on ⌈log₂ rank⌉ ancillas."""
    d = rho.shape[0]
    n = int(math.log2(d))
    values, vectors = np.linalg.eigh(rho)
    keep = np.flatnonzero(values > 1e-12)[::-1]
    a = math.ceil(math.log2(keep.size)) if keep.size > 1 else 0
    psi = np.zeros(d * 2**a, dtype=complex)
    for k, index in enumerate(keep):
        psi[k * d : (k + 1) * d] = np.sqrt(values[index]) * vectors[:, index]
    psi /= np.linalg.norm(psi)
    qc = QuantumCircuit(n + a, name="prepare")
    if not np.isclose(abs(psi[0]), 1.0, atol=1e-14):
        qc.append(StatePreparation(psi), range(n + a))
    qc.metadata = {"system_qubits": list(range(n)), "ancilla_qubits": list(range(n, n + a))}
    return qc


def _assemble(model, blocks, rho0, exact, stroke, parameters) -> ProtocolCircuit:
    n = model.num_qubits
    pool = max(len(b.metadata["ancilla_qubits"]) for b in blocks)
    qc = QuantumCircuit(n + pool, name=f"{parameters['protocol']}_protocol")
    for block in blocks:
        wires = list(block.metadata["system_qubits"]) + list(block.metadata["ancilla_qubits"])
        targets = list(range(n)) + list(range(n, n + len(block.metadata["ancilla_qubits"])))
        order = [targets[wires.index(q)] for q in range(block.num_qubits)]
        for creg in block.cregs:  # mid-circuit measurements of dynamic blocks (minimal charging)
            if creg not in qc.cregs:
                qc.add_register(creg)
        qc.compose(block, qubits=order, clbits=block.clbits, inplace=True)
    parameters = dict(parameters, charging=stroke.charging, steps=stroke.steps)
    return ProtocolCircuit(
        circuit=qc,
        system_qubits=list(range(n)),
        ancilla_qubits=list(range(n, n + pool)),
        initial_state=rho0,
        exact_state=exact,
        charging=stroke.charging,
        steps=stroke.steps,
        step_time=stroke.step_time,
        parameters=parameters,
        stroke=stroke,
    )
