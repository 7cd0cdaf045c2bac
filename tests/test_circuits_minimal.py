"""Minimal charging circuits: exact against the Lindblad solver, few two-qubit gates on a Heron device.

References are independent of the construction: the charged state comes from
``qbexp.dynamics`` (``steady_state``, ``evolve``) and the circuit's output from an exact branch
sum over its measurement records (``minimal_simulate.exact_output``, gate matrices from
``qiskit.quantum_info.Operator``), checked once against Aer's density-matrix simulator with
shots.  Gate counts are after transpiling for FakeTorino (Heron r1, CZ) at optimisation
level 3, counting the two-qubit gates inside ``if_else`` blocks too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile

from qbexp.circuits.metrics import trace_distance
from qbexp.circuits.minimal import MinimalCharging, has_minimal, minimal_charging_circuit
from qbexp.circuits.minimal_simulate import exact_output
from qbexp.dynamics import evolve, steady_state
from qbexp.errors import QbexpError
from qbexp.models.collective import collective_battery
from qbexp.models.engine import two_bath_engine

try:  # the engine cycle moved from qbexp.experiments.engine to qbexp.dynamics.cycle
    from qbexp.dynamics.cycle import DISCHARGES, discharge_unitary, ness
except ImportError:  # pragma: no cover - older layout
    from qbexp.experiments.engine import DISCHARGES, discharge_unitary, ness

EXACT = 1e-9


def c_state(c: float) -> np.ndarray:
    """(1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00| (Çakmak Eq. 9), Qiskit order."""
    psi = np.array([0, 1, -1, 0]) / math.sqrt(2)
    rho = (1 - c) * np.outer(psi, psi).astype(complex)
    rho[0, 0] += c
    return rho


def random_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(2**n, 2**n)) + 1j * rng.normal(size=(2**n, 2**n))
    rho = g @ g.conj().T
    return rho / np.trace(rho)


def ground(n: int) -> np.ndarray:
    rho = np.zeros((2**n, 2**n), dtype=complex)
    rho[0, 0] = 1
    return rho


def two_qubit_gates(circuit: QuantumCircuit) -> int:
    """Two-qubit gates of a circuit, inside control-flow blocks included (every branch counted)."""
    count = 0
    for inst in circuit.data:
        for block in getattr(inst.operation, "blocks", ()):
            count += two_qubit_gates(block)
        if not getattr(inst.operation, "blocks", ()) and inst.operation.num_qubits == 2:
            count += 1
    return count


@pytest.fixture(scope="module")
def torino():
    fake_provider = pytest.importorskip("qiskit_ibm_runtime.fake_provider")
    return fake_provider.FakeTorino()


def heron_count(circuit, backend) -> int:
    compiled = transpile(circuit, backend=backend, optimization_level=3, seed_transpiler=2024)
    assert set(compiled.count_ops()) <= set(backend.target.operation_names)
    return two_qubit_gates(compiled)


@pytest.mark.parametrize("c", [0.0, 0.25, 0.5, 1.0])
def test_two_qubit_battery_steady_state_exact_with_two_cz(c, torino):
    model = collective_battery(2, beta=1.0)
    circuit = minimal_charging_circuit(model, math.inf, rho0=c_state(c))
    out = exact_output(circuit, c_state(c))
    assert trace_distance(out, steady_state(model, c_state(c))) < EXACT
    assert heron_count(circuit, torino) <= 2  # one CNOT to measure singlet/triplet, one to re-prepare


@pytest.mark.parametrize("n, beta, f, gamma, seed", [(2, 0.4, 0.3, 2.0, 1), (3, 1.0, 0.0, 1.0, 2), (3, 2.5, -0.2, 0.5, 3)])
def test_steady_state_map_exact_on_every_input(n, beta, f, gamma, seed):
    """P₀ keeps multiplicity coherences and thermalises each multiplet: any input, any f."""
    model = collective_battery(n, beta=beta, f=f, gamma=gamma)
    scheme = MinimalCharging(model, math.inf)
    assert scheme.form.exact_everywhere
    rho = random_state(n, seed)
    assert trace_distance(exact_output(scheme.circuit(), rho), steady_state(model, rho)) < EXACT


def test_three_qubit_ground_state_at_most_60_cz(torino):
    model = collective_battery(3, beta=1.0)
    circuit = minimal_charging_circuit(model, math.inf, rho0=ground(3))
    assert trace_distance(exact_output(circuit, ground(3)), steady_state(model, ground(3))) < EXACT
    assert heron_count(circuit, torino) <= 12  # target 60: two 6-CNOT Schur circuits on a line


def test_three_qubit_schur_circuit_fits_the_schur_basis():
    """The stored 6-CNOT circuit is checked against the Schur basis (else QSD would be used)."""
    from qbexp.circuits.minimal_jump import schur_layout

    scheme = MinimalCharging(collective_battery(3, beta=0.5, f=0.4), math.inf)
    layout = schur_layout(scheme.form)
    assert layout.circuit_out is not None and layout.circuit_out.count_ops()["cx"] == 6
    assert sorted(layout.frames) == [0, 3]


def test_four_qubit_battery_with_flag_ancilla(torino):
    """N = 4: three j = 1 copies; the flag ancilla separates j = 2 without touching them."""
    model = collective_battery(4, beta=1.1, f=0.15, gamma=0.9)
    scheme = MinimalCharging(model, math.inf)
    circuit = scheme.circuit()
    assert circuit.metadata == {"system_qubits": [0, 1, 2, 3], "ancilla_qubits": [4]}
    rho = random_state(4, 4)
    out = exact_output(circuit, rho, [0, 1, 2, 3])
    assert trace_distance(out, steady_state(model, rho)) < EXACT
    assert np.isclose(exact_output(circuit, rho, [4])[0, 0], 1.0)  # the flag is returned to |0⟩
    assert heron_count(circuit, torino) <= 450  # two 4-qubit QSD Schur unitaries and a Toffoli (308 on Qiskit 2.6, 420 on 1.3)


@pytest.mark.parametrize("n, tau, init", [(2, 0.8, c_state(0.25)), (3, 1.7, ground(3)), (4, 0.9, ground(4))])
def test_collective_finite_tau_on_level_diagonal_inputs(n, tau, init):
    model = collective_battery(n, beta=0.8, f=0.1, gamma=1.2)
    circuit = minimal_charging_circuit(model, tau, rho0=init)
    exact = evolve(model, init, [tau])[-1]
    assert trace_distance(exact_output(circuit, init, list(range(n))), exact) < EXACT


def test_three_qubit_finite_tau_keeps_copy_coherence():
    """A level-diagonal input with coherence between the two j = 1/2 copies, charged for τ = 0.6."""
    from qbexp.circuits.minimal_forms import dephasing_superop

    model = collective_battery(3, beta=0.9, f=0.25, gamma=1.1)
    scheme = MinimalCharging(model, 0.6)
    dephase = dephasing_superop(scheme.form.multiplets)
    rho = (dephase @ random_state(3, 11).reshape(-1, order="F")).reshape(8, 8, order="F")
    small = scheme.form.multiplets[1].basis
    assert abs(small[:, 0, 0].conj() @ rho @ small[:, 0, 1]) > 1e-2  # copy coherence present
    exact = evolve(model, rho, [0.6])[-1]
    assert trace_distance(exact_output(scheme.circuit(), rho), exact) < EXACT


def test_finite_tau_refuses_inputs_with_level_coherence():
    model = collective_battery(2, beta=1.0)
    plus = np.full((4, 4), 0.25, dtype=complex)  # |++⟩: coherent between levels
    with pytest.raises(QbexpError, match="exact only on inputs"):
        minimal_charging_circuit(model, 0.5, rho0=plus)


def test_engine_stroke_tau150_exact_with_few_cz(torino):
    """Tacchino et al.: one charging stroke τ = 150 from the discharged NESS; collisions need 383 CZ."""
    model = two_bath_engine()
    steady = ness(model)
    u = discharge_unitary("local1", steady, model)
    rho0 = u @ steady @ u.conj().T
    circuit = minimal_charging_circuit(model, 150.0, rho0=rho0)
    exact = evolve(model, rho0, [150.0])[-1]
    assert trace_distance(exact_output(circuit, rho0), exact) < EXACT
    assert heron_count(circuit, torino) <= 2  # target: 383 // 3


@pytest.mark.parametrize("discharge", DISCHARGES)
def test_engine_ten_cycles_stay_exact(discharge):
    """The charged and discharged states stay energy-diagonal, so K = 10 strokes are exact too."""
    model = two_bath_engine()
    scheme = MinimalCharging(model, 150.0)
    implemented, exact_map = scheme.superop().data, scheme.exact
    d = 4

    def apply(s, r):
        return (s @ r.reshape(-1, order="F")).reshape(d, d, order="F")

    u = discharge_unitary(discharge, ness(model), model)
    exact = circuit = u @ ness(model) @ u.conj().T
    for _ in range(10):
        exact, circuit = apply(exact_map, exact), apply(implemented, circuit)
        u = discharge_unitary(discharge, exact, model)
        exact, circuit = u @ exact @ u.conj().T, u @ circuit @ u.conj().T
    assert trace_distance(exact, circuit) < EXACT


def test_aer_runs_the_dynamic_circuit():
    """Aer's density-matrix method averages trajectories: agrees with the exact branch sum within shot noise."""
    aer = pytest.importorskip("qiskit_aer")
    model = collective_battery(3, beta=1.0)
    circuit = minimal_charging_circuit(model, math.inf)
    full = QuantumCircuit(*circuit.qregs, *circuit.cregs)
    full.h(0)
    full.cx(0, 1)  # a Bell pair on qubits 0, 1: coherence between the two j = 1/2 copies
    full.compose(circuit, inplace=True)
    full.save_density_matrix(qubits=[0, 1, 2], label="rho")
    sim = aer.AerSimulator(method="density_matrix")
    result = sim.run(transpile(full, sim), shots=2000, seed_simulator=7).result()
    rho_aer = np.asarray(result.data(0)["rho"])
    bell = np.zeros(8)
    bell[[0, 3]] = 1 / math.sqrt(2)
    rho_in = np.outer(bell, bell).astype(complex)
    assert trace_distance(rho_aer, steady_state(model, rho_in)) < 0.06
    assert trace_distance(exact_output(circuit, rho_in), steady_state(model, rho_in)) < EXACT


def test_branch_sum_matches_aer_on_a_small_dynamic_circuit():
    aer = pytest.importorskip("qiskit_aer")
    qc = QuantumCircuit(2, 1)
    qc.ry(1.1, 0)
    qc.measure(0, 0)
    with qc.if_test((qc.clbits[0], 1)):
        qc.h(1)
    qc.cx(1, 0)
    qc.reset(1)
    exact = exact_output(qc, ground(2))
    p1 = math.sin(0.55) ** 2
    expected = np.zeros((4, 4))  # qubit 1 reset; qubit 0 = m ⊕ (qubit 1 after the conditional H)
    expected[0, 0] = (1 - p1) + p1 / 2
    expected[1, 1] = p1 / 2
    assert np.allclose(exact, expected, atol=1e-12)
    full = qc.copy()
    full.save_density_matrix(label="rho")
    sim = aer.AerSimulator(method="density_matrix")
    rho = np.asarray(sim.run(transpile(full, sim), shots=4000, seed_simulator=3).result().data(0)["rho"])
    assert trace_distance(rho, exact) < 0.05


def test_unsupported_models_say_which_have_one():
    individual = collective_battery(2, beta=1.0, coupling="individual")
    assert not has_minimal(individual, math.inf)
    with pytest.raises(QbexpError, match="collective battery .* engine"):
        minimal_charging_circuit(individual, math.inf)
    assert has_minimal(collective_battery(2, beta=1.0), math.inf)
    assert has_minimal(two_bath_engine(), 150.0)
