"""aer-noisy simulates on the qubits a circuit uses only: the same noise as the whole device."""

from __future__ import annotations

import numpy as np
import pytest
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


@pytest.mark.parametrize("given", ["name", "object"])
def test_reduced_noise_model_prepares_the_whole_device_state(given):
    """Against Aer's noise model of the whole 7-qubit device (small enough to build in a test);
    the device named (aer-noisy) or given as a fake device object (qbexp.run(backend=FakePerth()))."""
    from qiskit_ibm_runtime.fake_provider import FakePerth

    device = noisy.fake_device("FakePerth") if given == "name" else FakePerth()
    circuit = _circuit(device)
    qubits = measured_qubits(circuit)
    reduced = noisy.device_state("FakePerth" if given == "name" else device, circuit, qubits)
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


def test_branch_sum_with_device_noise_equals_aer_on_a_static_circuit():
    """The exact branch sum applies the noise model's channels as Aer does: on a static circuit
    (gates, id, reset; a Heron model) it equals Aer's exact density matrix."""
    from qbexp.circuits.minimal_simulate import exact_output

    device = noisy.fake_device("FakeFez")
    circuit = _circuit(device).remove_final_measurements(inplace=False)
    circuit.id(circuit.find_bit(circuit.qubits[0]).index)
    qubits = sorted(noisy.used_qubits(circuit))
    small = noisy.restrict(circuit, qubits)
    model = noisy.noise_model("FakeFez", qubits, readout=False)
    ours = exact_output(small, np.array([[1.0]]), list(range(small.num_qubits)), noise=noisy.DeviceNoise(model))
    small.save_density_matrix()
    aer = np.asarray(AerSimulator(method="density_matrix", noise_model=model).run(small).result().data()["density_matrix"])
    ideal = exact_output(noisy.restrict(circuit, qubits), np.array([[1.0]]), list(range(small.num_qubits)))
    assert np.abs(ours - aer).max() < 1e-8  # < 1e-12 on Qiskit 2.x; 9e-10 on the Qiskit 1.3 stack
    assert np.abs(ours - ideal).max() > 1e-3


def _dynamic_circuit():
    """Measure a superposition mid-circuit, flip a second qubit on the recorded bit, entangle."""
    qc = QuantumCircuit(2, 2)
    qc.sx(0)
    qc.rz(0.4, 0)
    qc.sx(0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.x(1)
    qc.sx(0)
    qc.cz(0, 1)
    qc.sx(1)
    return qc


def test_device_state_of_a_dynamic_circuit_is_the_exact_record_sum():
    """Mid-circuit readout errors (15 % / 25 %, so that they matter) and gate errors: the exact sum
    over records agrees with Aer's average over 2^16 sampled records to within its Monte Carlo
    error, and ignoring the readout error of the recorded bit would be far outside it."""
    from qiskit_aer.noise import ReadoutError, depolarizing_error

    from qbexp.circuits.minimal_simulate import exact_output

    model = NoiseModel(basis_gates=["sx", "x", "rz", "cz"])
    model.add_all_qubit_quantum_error(depolarizing_error(0.05, 1), ["sx", "x"])
    model.add_all_qubit_quantum_error(depolarizing_error(0.1, 2), ["cz"])
    model.add_readout_error(ReadoutError([[0.85, 0.15], [0.25, 0.75]]), [0])
    qc = _dynamic_circuit()
    exact = exact_output(qc, np.array([[1.0]]), [0, 1], noise=noisy.DeviceNoise(model))
    shots = 2**16
    sampled = qc.copy()
    sampled.save_density_matrix()
    mc = np.asarray(AerSimulator(method="density_matrix", noise_model=model)
                    .run(sampled, shots=shots, seed_simulator=5).result().data()["density_matrix"])
    no_readout = NoiseModel(basis_gates=["sx", "x", "rz", "cz"])
    no_readout.add_all_qubit_quantum_error(depolarizing_error(0.05, 1), ["sx", "x"])
    no_readout.add_all_qubit_quantum_error(depolarizing_error(0.1, 2), ["cz"])
    wrong = exact_output(qc, np.array([[1.0]]), [0, 1], noise=noisy.DeviceNoise(no_readout))
    assert abs(np.trace(exact).real - 1) < 1e-12
    assert np.abs(exact - mc).max() < 5 * 0.5 / np.sqrt(shots)  # Monte Carlo error of a record weight
    assert np.abs(wrong - mc).max() > 0.03


def test_device_state_of_the_minimal_charging_circuit_on_a_heron():
    """aer-noisy's device column for a dynamic (minimal) charging circuit: the exact record sum,
    against Aer's average over 2^15 records with the same noise model."""
    from qbexp.experiments.run import plan_collective
    from qbexp.models import collective_battery
    from qbexp.models.states import c_family_state

    plan = plan_collective(collective_battery(2, beta=1.0), c_family_state(0.25), charging="minimal")
    device = noisy.fake_device("FakeFez")
    circuit = transpile(plan.circuits["tomo_ZZ"], device, optimization_level=1, seed_transpiler=1)
    assert noisy.is_dynamic(circuit)
    qubits = measured_qubits(circuit)
    exact = noisy.device_state("FakeFez", circuit, qubits)
    qc = circuit.remove_final_measurements(inplace=False)
    used = sorted(set(noisy.used_qubits(qc)) | set(qubits))
    small = noisy.restrict(qc, used)
    small.save_density_matrix(qubits=[used.index(q) for q in qubits])
    shots = 2**15
    mc = np.asarray(AerSimulator(method="density_matrix", noise_model=noisy.noise_model("FakeFez", used))
                    .run(small, shots=shots, seed_simulator=2).result().data()["density_matrix"])
    assert abs(np.trace(exact).real - 1) < 1e-10
    assert np.abs(exact - mc).max() < 5 * 0.5 / np.sqrt(shots)


def test_a_fake_device_object_runs_as_the_aer_noisy_profile_with_its_device_figures():
    """qbexp.run(backend=FakeFez()): the minimal charging's dynamic circuits failed in Aer after
    submission (it asked for the memory of all 156 qubits), and no device column came back; now
    the object is simulated on the qubits used, as the aer-noisy profile (device FakeFez) is:
    the same counts and device figures for the same seed."""
    import qbexp
    from qiskit_ibm_runtime.fake_provider import FakeFez

    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.58", charging="minimal")
    obj = qbexp.run(exp, backend=FakeFez(), shots=1000, seed=5, progress=False, resamples=39)
    profile = qbexp.run(exp, backend="aer-noisy", shots=1000, seed=5, progress=False, resamples=39)
    assert obj.counts == profile.counts
    assert set(obj.device) == set(profile.device) >= {"ergotropy", "fidelity", "coherence_l1"}
    for name, value in profile.device.items():
        assert obj.device[name] == pytest.approx(value, abs=1e-12), name
    assert 0.99 < obj.device["fidelity"] < 1.0  # a noisy device state, near the exact one
