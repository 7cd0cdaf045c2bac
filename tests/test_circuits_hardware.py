"""Hardware-executable charging: Stinespring dilation and collision model (issue part 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, random_density_matrix
from qiskit.transpiler import CouplingMap, Target

from qbexp.circuits.channel import charging_channel, minimal_kraus
from qbexp.circuits.collision import (
    CollisionChannel,
    _collision_gates,
    collision_channels,
    collision_circuit,
    collision_superop,
    collision_unitary,
)
from qbexp.circuits.dilation import dilation_circuit
from qbexp.circuits.ladder import chain_frame
from qbexp.circuits.metrics import (
    check_reset,
    compile_for_device,
    process_infidelity,
    restrict,
    trace_distance,
)
from qbexp.circuits.simulate import ideal_state
from qbexp.dynamics import unvec, vec
from qbexp.errors import QbexpError
from qbexp.models import collective_battery
from qbexp.models.engine import two_bath_engine
from qbexp.models.states import ground_state

SM = np.array([[0, 1], [0, 0]], dtype=complex)  # σ⁻ = |0><1|


def run(circuit, rho, n):
    """Aer: the battery (qubits 0..n−1) starts in rho, the ancillas in |0>."""
    qc = QuantumCircuit(circuit.num_qubits)
    qc.set_density_matrix(np.kron(np.diag(np.eye(2 ** (circuit.num_qubits - n))[0]), rho))
    qc.compose(circuit, inplace=True)
    return ideal_state(qc, range(n))


def apply(superop, rho):
    return unvec(np.asarray(superop) @ vec(rho), rho.shape[0])


@pytest.mark.parametrize(
    ("model", "tau"),
    [(collective_battery(2, 1.0, f=0.3), 0.7), (two_bath_engine(), 150.0), (collective_battery(2, 1.0), math.inf),
     # Qiskit 2.6's Isometry synthesis got these wrong (entries off by up to 2) or failed (f = -0.4):
     (two_bath_engine(), 1.0), (two_bath_engine(), 1e4), (collective_battery(2, 1.0, f=0.7), 1e-4),
     (collective_battery(2, 20.0, f=0.7), 0.3), (collective_battery(2, 3.0), 20.0),
     (collective_battery(2, 1.0, f=-0.4), 1e-4)],
)
def test_dilation_is_exact(model, tau):
    channel = charging_channel(model, tau)
    circuit = dilation_circuit(channel)
    rank = len(minimal_kraus(channel).data)
    assert circuit.metadata["ancilla_qubits"] == list(range(2, 2 + math.ceil(math.log2(rank))))
    rho = random_density_matrix(4, seed=2).data
    assert np.abs(run(circuit, rho, 2) - apply(channel.data, rho)).max() <= 1e-8


def test_a_wrong_synthesis_is_refused_and_reported_from_the_gates(monkeypatch):
    """The dilation's gates are checked against V (a synthesis that does not give it is a one-line
    error, not a wrong channel), and charging_report measures the circuit's own channel (it
    compared the exact channel with itself and said 0 where the circuit was 0.147 off)."""
    import qbexp.circuits.dilation as dilation
    from qbexp.circuits import charging_report

    model = two_bath_engine()
    rho = random_density_matrix(4, seed=3).data
    other = dilation_circuit(charging_channel(model, 2.0))  # a correct dilation of another stroke
    monkeypatch.setattr("qbexp.circuits.protocols.dilation_circuit", lambda channel: other.copy())
    report = charging_report(model, 1.0, rho, "dilation")
    assert report["process_infidelity"] > 1e-4
    assert report["trace_distance"] == pytest.approx(trace_distance(run(other, rho, 2), apply(charging_channel(model, 1.0).data, rho)), abs=1e-9)
    assert report["trace_distance"] > 1e-4
    monkeypatch.setattr(dilation, "transpile", lambda qc, **kw: QuantumCircuit(qc.num_qubits))
    with pytest.raises(QbexpError, match="isometry synthesis did not give the charging channel's dilation .*entries off by"):
        dilation_circuit(charging_channel(model, 1.0))


def test_two_site_jump_is_three_givens_rotations():
    j = 0.3 * np.kron(np.eye(2), SM) - 0.7j * np.kron(SM, np.eye(2))
    channel = CollisionChannel("b", j, (0, 1), 1.0, 0.2)
    qc = QuantumCircuit(3)
    for gate, local in _collision_gates(channel, 0.8):
        qc.append(gate, [2 if q == -1 else q for q in local])
    assert sum(1 for inst in qc.data if inst.operation.num_qubits == 2) == 3
    assert np.abs(Operator(qc).data - collision_unitary(channel, 0.8)).max() <= 1e-12


def test_collective_jump_of_three_qubits_has_a_chain_frame():
    (channel,) = collision_channels(collective_battery(3, 1.0))
    frame = chain_frame(channel.jump)
    assert frame is not None
    qc = QuantumCircuit(4)
    qc.unitary(frame.w.conj().T, range(3))
    qc.compose(frame.collision(0.6), inplace=True)
    qc.unitary(frame.w, range(3))
    assert np.abs(Operator(qc).data - collision_unitary(channel, 0.6)).max() <= 1e-10
    assert chain_frame(collision_channels(collective_battery(4, 1.0))[0].jump) is None  # chain of 5


@pytest.mark.parametrize(
    ("model", "tau", "steps"),
    [
        (collective_battery(2, 1.0), 1.3, 3),  # covariant, free-fermion collisions
        (collective_battery(2, 1.0, f=0.4), 0.9, 2),  # Hamiltonian steps in between
        (collective_battery(3, 1.0), 0.8, 2),  # chain frame
        (collective_battery(3, 1.0), math.inf, 2),
        (collective_battery(3, 1.0, coupling="individual"), 0.5, 2),  # single-qubit jumps
        (two_bath_engine(), 150.0, 2),  # two baths, two ancilla channels
    ],
)
def test_collision_circuit_implements_its_channel(model, tau, steps):
    circuit = collision_circuit(model, tau, steps)
    assert {"reset", "cx"} <= set(circuit.count_ops())
    rho = random_density_matrix(model.dim, seed=4).data
    expected = apply(collision_superop(model, tau, steps).data, rho)
    assert np.abs(run(circuit, rho, model.num_qubits) - expected).max() <= 1e-10


def test_collision_error_shrinks_with_steps():
    model = two_bath_engine()
    exact = charging_channel(model, 150.0)
    rho = random_density_matrix(4, seed=8).data
    distances, infidelities = [], []
    for steps in (2, 4, 8, 16, 32):
        approx = collision_superop(model, 150.0, steps)
        distances.append(trace_distance(apply(approx.data, rho), apply(exact.data, rho)))
        infidelities.append(process_infidelity(approx, exact))
    assert all(b < a for a, b in zip(distances, distances[1:]))
    assert all(b < a for a, b in zip(infidelities, infidelities[1:]))
    assert distances[-1] < 2e-3 and distances[0] / distances[-1] > 8  # O(1/M)


def test_steady_state_collisions_converge_to_the_exact_limit_map():
    model = collective_battery(2, 1.0)
    exact = charging_channel(model, math.inf)
    errors = [process_infidelity(collision_superop(model, math.inf, m), exact) for m in (5, 20, 60)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-9


@pytest.mark.parametrize("steps", [0, -2, 1.5, True])
def test_bad_number_of_steps(steps):
    with pytest.raises(QbexpError, match="steps"):
        collision_circuit(collective_battery(2, 1.0), 1.0, steps)


@pytest.mark.parametrize("tau", [0.0, -3.0])
def test_bad_tau_for_collisions(tau):
    with pytest.raises(QbexpError, match="tau"):
        collision_superop(collective_battery(2, 1.0), tau, 4)


def test_non_hermitian_hamiltonian_is_refused():
    """Refused when the model is built (LindbladModel checks its operators), before any circuit."""
    model = collective_battery(1, 1.0)
    with pytest.raises(QbexpError, match="not Hermitian"):
        bad = type(model)(1, model.hamiltonian * 1j, model.battery_hamiltonian, model.dissipators)
        collision_circuit(bad, 1.0, 2)


def test_target_without_reset_is_refused():
    target = Target.from_configuration(["cx", "rz", "sx", "x"], num_qubits=5, coupling_map=CouplingMap.from_line(5))
    with pytest.raises(QbexpError, match="reset"):
        check_reset(target)
    with pytest.raises(QbexpError, match="reset"):
        compile_for_device(collision_circuit(collective_battery(2, 1.0), 1.0, 1), [0, 1], target)


def test_device_compilation_keeps_resets_and_the_state():
    model = collective_battery(3, 1.0)
    circuit = QuantumCircuit(5)
    circuit.x(0)
    circuit.compose(collision_circuit(model, 0.8, 2), inplace=True)
    device = compile_for_device(circuit, [0, 1, 2])
    ops = device.compiled.count_ops()
    assert ops["reset"] == circuit.count_ops()["reset"]
    assert device.two_qubit_gates == ops["cz"] and device.depth == device.compiled.depth()
    active = restrict(device.compiled, device.physical_qubits)
    out = ideal_state(active, [device.physical_qubits.index(q) for q in device.system_qubits])
    rho = ground_state(3)
    rho = np.roll(np.roll(rho, 1, 0), 1, 1)  # |001>: battery qubit 0 excited
    assert np.abs(out - apply(collision_superop(model, 0.8, 2).data, rho)).max() <= 1e-8
