"""aer-noisy simulates on the qubits a circuit uses only: the same noise as the whole device."""

from __future__ import annotations

import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel

from qbexp.backends import noisy
from qbexp.backends.submit import measured_qubits


def _circuit(device):
    qc = QuantumCircuit(3, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.ry(0.7, 2)
    qc.cx(2, 1)
    qc.reset(2)
    qc.rx(0.3, 2)
    qc.cx(1, 2)
    qc.measure([0, 1], [0, 1])
    return transpile(qc, device, optimization_level=1, seed_transpiler=3)


def test_reduced_noise_model_prepares_the_whole_device_state():
    """Against Aer's noise model of the whole 7-qubit device (small enough to build in a test)."""
    device = noisy.fake_device("FakePerth")
    circuit = _circuit(device)
    qubits = measured_qubits(circuit)
    reduced = noisy.device_state("FakePerth", circuit, qubits)
    whole = circuit.remove_final_measurements(inplace=False)
    whole.save_density_matrix(qubits=qubits)
    sim = AerSimulator(method="density_matrix", noise_model=NoiseModel.from_backend(device, readout_error=False))
    reference = np.asarray(sim.run(transpile(whole, sim, optimization_level=0)).result().data()["density_matrix"])
    ideal_sim = AerSimulator(method="density_matrix")
    ideal = np.asarray(ideal_sim.run(transpile(whole, ideal_sim, optimization_level=0)).result().data()["density_matrix"])
    assert np.abs(reduced - reference).max() < 1e-12
    assert np.abs(reduced - ideal).max() > 1e-3  # there is noise to get right


def test_reduced_counts_follow_the_whole_device_readout():
    device = noisy.fake_device("FakePerth")
    circuit = _circuit(device)
    shots = 20000
    reduced = noisy.simulate_counts("FakePerth", [circuit], shots, [11])[0]
    sim = AerSimulator(noise_model=NoiseModel.from_backend(device))
    whole = sim.run(circuit, shots=shots, seed_simulator=12).result().get_counts()
    for key in set(reduced) | set(whole):
        p, q = reduced.get(key, 0) / shots, whole.get(key, 0) / shots
        assert abs(p - q) < 5 * np.sqrt(max(p * (1 - p), 1e-4) * 2 / shots), key


def test_subtarget_keeps_the_gates_between_the_chosen_qubits():
    target = noisy.fake_device("FakeFez").target
    edge = next(iter(target["cz"]))
    sub = noisy.subtarget(target, [edge[1], edge[0]])
    assert sub.num_qubits == 2 and set(sub["cz"]) == {(1, 0)} | ({(0, 1)} if (edge[1], edge[0]) in target["cz"] else set())
    assert sub["cz"][(1, 0)].error == target["cz"][edge].error
    assert sub["measure"][(0,)].error == target["measure"][(edge[1],)].error


def test_sub_device_runs_circuits_with_its_own_noise():
    device = noisy.sub_device("FakePerth", [1, 0])
    assert device.num_qubits == 2 and device.target["cx"] is not None
    qc = QuantumCircuit(2, 2)
    qc.x(0)
    qc.measure([0, 1], [0, 1])
    counts = device.run(transpile(qc, device, optimization_level=0), shots=4000, seed_simulator=3).result().get_counts()
    assert 0.9 < counts.get("01", 0) / 4000 < 1.0  # mostly right, with the device's readout errors
