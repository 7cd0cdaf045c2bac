"""Tomography and direct work measurement: circuits, data validation, estimators, figures, Aer.

References: exact Born probabilities computed independently from explicit projectors,
qiskit's DensityMatrix simulation of the measurement circuits, the Smolin–Gambetta–Smith
eigenvalue loop written out as in the paper, qbexp.thermo and qiskit's state_fidelity.
The Aer runs are seeded; coverage over repetitions is in test_tomography_coverage.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import StatePreparation, UnitaryGate
from qiskit.quantum_info import (
    DensityMatrix,
    Pauli,
    partial_trace,
    random_density_matrix,
    random_statevector,
    random_unitary,
    state_fidelity,
)
from qiskit_aer import AerSimulator

from qbexp.analysis import (
    born_probabilities,
    estimate_figures,
    figure_functions,
    fit_states,
    linear_inversion,
    maximum_likelihood,
    project_to_states,
    setting_labels,
    simulate_counts,
    tomography_data,
    work_extracted,
)
from qbexp.circuits.measure import energy_basis_circuit, tomography_circuits
from qbexp.dynamics import steady_state, unique_steady_state
from qbexp.errors import QbexpError
from qbexp.models import collective_battery
from qbexp.models.engine import LEVELS, energy_basis, two_bath_engine
from qbexp.models.states import c_family_state
from qbexp.thermo import coherence_l1, coherence_rel_entropy, energy, ergotropy, ergotropy_unitary


def explicit_probabilities(rho, n):
    """p[s, b] from Kronecker products of one-qubit projectors, label char i on qubit n-1-i."""
    out = np.zeros((3**n, 2**n))
    for s, label in enumerate(setting_labels(n)):
        for b in range(2**n):
            op = np.eye(1)
            for axis, bit in zip(label, format(b, f"0{n}b")):
                op = np.kron(op, (np.eye(2) + (-1) ** int(bit) * Pauli(axis).to_matrix()) / 2)
            out[s, b] = np.trace(rho @ op).real
    return out


def sgs_projection(mu):
    """Smolin, Gambetta, Smith, PRL 108, 070502, the eigenvalue loop as printed."""
    mu = np.sort(mu)[::-1].astype(float)
    lam = np.zeros_like(mu)
    a, i = 0.0, len(mu)
    while i > 0 and mu[i - 1] + a / i < 0:
        a += mu[i - 1]
        i -= 1
    lam[:i] = mu[:i] + a / i
    return lam


def purification_circuit(rho):
    """2N-qubit circuit whose first N qubits (Qiskit order) are in the state rho."""
    n = int(np.log2(rho.shape[0]))
    vals, vecs = np.linalg.eigh(rho)
    psi = (vecs * np.sqrt(np.clip(vals, 0, None))).T.reshape(-1)  # index = ancilla * 2^n + system
    qc = QuantumCircuit(2 * n, name="prep")
    qc.append(StatePreparation(psi / np.linalg.norm(psi)), range(2 * n))
    return qc


def run_aer(circuits, shots, seed):
    sim = AerSimulator(seed_simulator=seed)
    result = sim.run(transpile(circuits, sim), shots=shots).result()
    return [result.get_counts(i) for i in range(len(circuits))]


@pytest.fixture(scope="module")
def collective():
    model = collective_battery(2, beta=1.0)
    return model, model.battery_matrix()


# --------------------------------------------------------------------------- circuits


def test_tomography_circuits_measure_the_labelled_pauli_axes():
    prep = QuantumCircuit(3, name="p")
    prep.ry(0.7, 0)
    prep.cx(0, 2)
    prep.rx(0.4, 1)
    prep.reset(1)  # mid-circuit reset on an ancilla
    prep.h(1)
    prep.crx(0.9, 1, 2)
    qubits = [2, 0]
    circuits = tomography_circuits(prep, qubits)
    assert [label for label, _ in circuits] == ["".join(p) for p in itertools.product("XYZ", repeat=2)]
    rho = partial_trace(DensityMatrix(prep), [1]).data  # Qiskit order (qubit 0, qubit 2)
    swap = [0, 2, 1, 3]  # reorder to (qubits[0], qubits[1]) = (2, 0) as bit (0, 1)
    expected = explicit_probabilities(rho[np.ix_(swap, swap)], 2)
    for s, (label, qc) in enumerate(circuits):
        assert qc.num_clbits == 2 and qc.count_ops()["measure"] == 2
        no_meas = qc.remove_final_measurements(inplace=False)
        probs = DensityMatrix(no_meas).probabilities(qubits)  # qubits[0] least significant
        np.testing.assert_allclose(probs, expected[s], atol=1e-12)
    assert prep.num_clbits == 0  # the preparation circuit is not modified


def test_born_probabilities_match_explicit_projectors():
    rho = random_density_matrix(8, seed=3).data
    np.testing.assert_allclose(born_probabilities(rho), explicit_probabilities(rho, 3), atol=1e-13)


def test_energy_basis_circuit_reads_eigenstate_populations_with_two_cx():
    basis = np.column_stack([energy_basis()[k] for k in LEVELS])
    prep = QuantumCircuit(3)
    prep.ry(1.1, 0)
    prep.cx(0, 1)
    prep.rx(0.3, 2)
    prep.cx(2, 1)
    for qubits in ([0, 1], [1, 2]):
        qc = energy_basis_circuit(prep, qubits, basis)
        rotation_cx = qc.count_ops().get("cx", 0) - prep.count_ops()["cx"]
        assert rotation_cx <= 2
        rho = partial_trace(DensityMatrix(prep), [q for q in range(3) if q not in qubits]).data
        probs = DensityMatrix(qc.remove_final_measurements(inplace=False)).probabilities(qubits)
        np.testing.assert_allclose(probs, np.real(np.diag(basis.conj().T @ rho @ basis)), atol=1e-12)
    generic = random_unitary(8, seed=4).data
    qc = energy_basis_circuit(QuantumCircuit(3), [0, 1, 2], generic)
    probs = DensityMatrix(qc.remove_final_measurements(inplace=False)).probabilities([0, 1, 2])
    np.testing.assert_allclose(probs, np.abs(generic[0].conj()) ** 2, atol=1e-12)


@pytest.mark.parametrize(
    "qubits, basis, message",
    [
        ([0, 0], np.eye(4), "twice"),
        ([0, 5], np.eye(4), "not in the"),
        ([], np.eye(4), "no qubits"),
        ([0, 1], np.eye(2), "shape"),
        ([0, 1], np.ones((4, 4)), "not unitary"),
    ],
)
def test_measurement_circuit_bad_input(qubits, basis, message):
    with pytest.raises(QbexpError, match=message):
        energy_basis_circuit(QuantumCircuit(2), qubits, basis)


def test_measured_circuit_is_refused():
    qc = QuantumCircuit(2, 2)
    qc.measure([0, 1], [0, 1])
    with pytest.raises(QbexpError, match="classical bits"):
        tomography_circuits(qc, [0, 1])


# --------------------------------------------------------------------------- data validation


def complete_counts(n=2, shots=10):
    return {label: {format(b, f"0{n}b"): shots for b in range(2**n)} for label in setting_labels(n)}


def test_tomography_data_layout():
    counts = complete_counts()
    counts["ZX"] = {"01": 7, "10": 3}
    data = tomography_data(counts)
    assert data.num_qubits == 2 and data.counts.shape == (9, 4)
    row = setting_labels(2).index("ZX")
    np.testing.assert_array_equal(data.counts[row], [0, 7, 3, 0])
    assert data.shots[row] == 10 and data.frequencies[row].sum() == pytest.approx(1.0)


def test_missing_settings_are_named():
    counts = complete_counts()
    del counts["XY"], counts["ZZ"]
    with pytest.raises(QbexpError, match=r"missing 2 of 9 settings: XY, ZZ"):
        tomography_data(counts)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.update(XX={"0": 5}), "bitstring of 2 characters"),
        (lambda c: c.update(XX={"0a": 5}), "bitstring of 2 characters"),
        (lambda c: c.update(XX={"01": -1}), "not a non-negative integer"),
        (lambda c: c.update(XX={"01": 2.5}), "not a non-negative integer"),
        (lambda c: c.update(XX={"01": float("nan")}), "not a non-negative integer"),
        (lambda c: c.update(XX={"01": 0}), "zero shots: XX"),
        (lambda c: c.update(XX=[1, 2]), "mapping"),
        (lambda c: c.update(XW={"01": 1}), "unknown tomography setting labels 'XW'"),
    ],
)
def test_corrupt_counts(change, message):
    counts = complete_counts()
    change(counts)
    with pytest.raises(QbexpError, match=message):
        tomography_data(counts)


def test_empty_or_unlabelled_counts():
    with pytest.raises(QbexpError, match="non-empty mapping"):
        tomography_data({})
    with pytest.raises(QbexpError, match="not a string"):
        tomography_data({3: {}})


# --------------------------------------------------------------------------- estimators


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_linear_inversion_of_exact_probabilities_is_exact(n):
    rho = random_density_matrix(2**n, seed=n).data
    np.testing.assert_allclose(linear_inversion(born_probabilities(rho)), rho, atol=1e-12)


def test_linear_inversion_pools_unequal_shots():
    """With unequal shots the pooled Pauli estimates are still exact for exact frequencies."""
    rho = random_density_matrix(4, seed=9).data
    weights = born_probabilities(rho) * np.arange(1, 10)[:, None]
    np.testing.assert_allclose(linear_inversion(weights), rho, atol=1e-12)


def test_projection_matches_sgs_and_is_a_state():
    rng = np.random.default_rng(1)
    for _ in range(20):
        a = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
        h = 0.1 * (a + a.conj().T)
        h += (1 - np.trace(h).real) / 8 * np.eye(8)  # unit trace, some negative eigenvalues
        out = project_to_states(h)
        vals, vecs = np.linalg.eigh(h)
        np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(out))[::-1], sgs_projection(vals), atol=1e-12)
        assert np.trace(out).real == pytest.approx(1.0) and np.linalg.eigvalsh(out).min() > -1e-12


def test_mle_of_exact_probabilities_returns_the_state(collective):
    model, _ = collective
    for rho in (steady_state(model, c_family_state(0.25)), random_density_matrix(8, seed=5).data):
        fit = maximum_likelihood(born_probabilities(rho), tol=1e-10)
        assert np.abs(fit.state - rho).max() < 1e-6


def test_mle_and_projected_linear_inversion_on_shots():
    rho = random_density_matrix(8, seed=6).data
    data = simulate_counts(born_probabilities(rho), 2000, seed=2)
    fit = maximum_likelihood(data)
    assert fit.converged and fit.gap <= 1e-5
    assert np.linalg.eigvalsh(fit.state).min() > -1e-12
    for estimate in (fit.state, fit_states(data.counts)):
        assert np.abs(estimate - rho).max() < 0.05


def test_fit_states_batches_and_names():
    rho = random_density_matrix(4, seed=7).data
    counts = np.stack([simulate_counts(born_probabilities(rho), 500, seed=s).counts for s in range(3)])
    batch = fit_states(counts)
    assert batch.shape == (3, 4, 4)
    np.testing.assert_allclose(batch[1], fit_states(counts[1]), atol=1e-13)
    with pytest.raises(QbexpError, match="unknown estimator"):
        fit_states(counts, "cvxpy")


# --------------------------------------------------------------------------- figures


def test_batched_figures_equal_thermo_and_qiskit():
    h = np.diag([0.0, 1.0, 1.3, 2.5]) + 0.2 * np.eye(4, k=1) + 0.2 * np.eye(4, k=-1)
    exact = random_density_matrix(4, seed=11).data
    basis = random_unitary(4, seed=12).data
    states = np.array([random_density_matrix(4, seed=s).data for s in range(5)])
    plain = figure_functions(h, exact)
    rotated = figure_functions(h, coherence_basis=basis)
    for k, rho in enumerate(states):
        assert plain["ergotropy"][0](states)[k] == pytest.approx(ergotropy(rho, h), abs=1e-12)
        assert plain["energy"][0](states)[k] == pytest.approx(energy(rho, h), abs=1e-12)
        assert plain["coherence_l1"][0](states)[k] == pytest.approx(coherence_l1(rho), abs=1e-12)
        assert plain["coherence_rel_entropy"][0](states)[k] == pytest.approx(coherence_rel_entropy(rho), abs=1e-12)
        assert plain["fidelity"][0](states)[k] == pytest.approx(state_fidelity(rho, exact), abs=1e-10)
        assert rotated["coherence_l1"][0](states)[k] == pytest.approx(coherence_l1(rho, basis=basis), abs=1e-12)


def test_estimate_figures_bad_input(collective):
    _, h = collective
    data = simulate_counts(born_probabilities(np.eye(4) / 4), 100, seed=0)
    with pytest.raises(QbexpError, match="Hamiltonian"):
        estimate_figures(data, np.eye(2))
    with pytest.raises(QbexpError, match="unknown interval method"):
        estimate_figures(data, h, method="bca")
    with pytest.raises(QbexpError, match="TomographyData"):
        estimate_figures(data.counts, h)
    with pytest.raises(QbexpError, match="n_resamples"):
        estimate_figures(data, h, n_resamples=5)


def test_fewest_resamples_give_an_interval_narrower_than_the_range(collective):
    """With B = MIN_RESAMPLES = 39 draws each 2.5 % tail of the tests holds one order statistic,
    so a clearly passive / clearly exact state gets a short interval; with B <= 38 both tails are
    empty, every value is accepted and the "interval" was the figure's whole range (B = 20 gave
    ergotropy (0, 1) and fidelity (0.5, 1) at N = 1), so B = 38 is refused."""
    from qbexp.analysis.bootstrap import MIN_RESAMPLES

    _, h = collective
    rho = np.diag([0.7, 0.1, 0.1, 0.1]).astype(complex)  # passive (|00> lowest), 4000 shots
    data = simulate_counts(born_probabilities(rho), 4000, seed=3)
    est = estimate_figures(data, h, exact_state=rho, seed=1, n_resamples=MIN_RESAMPLES, figures=["ergotropy", "fidelity"])
    assert MIN_RESAMPLES == 39
    assert est["ergotropy"]["ci95"][1] < 0.1 * float(np.max(np.linalg.eigvalsh(h)))  # W <= E_max: the range
    assert est["fidelity"]["ci95"][0] > 0.95  # F >= 0: the range
    with pytest.raises(QbexpError, match="n_resamples = 38; it must be an integer from 39"):
        estimate_figures(data, h, n_resamples=MIN_RESAMPLES - 1)


@pytest.mark.parametrize("c", [0.25, 0.6])
def test_aer_tomography_of_the_collective_steady_state(collective, c):
    """Two-qubit collective steady state at beta = 1, prepared by a purification on Aer."""
    model, h = collective
    rho = steady_state(model, c_family_state(c))
    circuits = tomography_circuits(purification_circuit(rho), [0, 1])
    counts = run_aer([qc for _, qc in circuits], shots=2000, seed=11)
    data = tomography_data({label: cts for (label, _), cts in zip(circuits, counts)})
    figures = estimate_figures(data, h, exact_state=rho, seed=5)
    exact = {
        "ergotropy": ergotropy(rho, h),
        "energy": energy(rho, h),
        "coherence_l1": coherence_l1(rho),
        "coherence_rel_entropy": coherence_rel_entropy(rho),
        "fidelity": 1.0,
    }
    for name, value in exact.items():
        lo, hi = figures[name]["ci95"]
        assert lo <= value <= hi, (name, value, figures[name])
        assert figures[name]["stderr"] < 0.05
    # The plug-in l1 coherence is biased upwards by the noise on its zero entries; the
    # calibrated value removes that bias.
    l1 = figures["coherence_l1"]
    assert l1["plug_in"] - exact["coherence_l1"] > 2 * l1["stderr"]
    assert abs(l1["value"] - exact["coherence_l1"]) < 2 * l1["stderr"]


# --------------------------------------------------------------------------- direct work


def test_work_extracted_arithmetic():
    energies = np.array([0.0, 1.0, 1.0, 2.0])
    out = work_extracted({"11": 30, "00": 70}, {"00": 100}, energies)
    assert out["value"] == pytest.approx(0.6)
    assert out["stderr"] == pytest.approx(np.sqrt(0.3 * 0.7 * 4 / 100))
    assert out["ci95"][0] < 0.6 < out["ci95"][1]
    with pytest.raises(QbexpError, match="2 characters"):
        work_extracted({"1": 3}, {"00": 1}, energies)
    with pytest.raises(QbexpError, match="no shots"):
        work_extracted({"00": 0}, {"00": 1}, energies)
    with pytest.raises(QbexpError, match="energies"):
        work_extracted({"00": 1}, {"00": 1}, energies[:3])


def engine_case():
    model = two_bath_engine(lam=0.3, t_hot=2.0, t_cold=0.1)
    return unique_steady_state(model), model.battery_matrix(), np.column_stack([energy_basis()[k] for k in LEVELS])


def collective_case():
    model = collective_battery(2, beta=1.0)
    return steady_state(model, c_family_state(0.25)), model.battery_matrix(), np.eye(4)


@pytest.mark.parametrize("case", [engine_case, collective_case], ids=["engine", "collective"])
def test_direct_work_agrees_with_tomographic_ergotropy(case):
    """W = E_before - E_after with the optimal discharge, both runs on Aer, vs tomography."""
    rho, h, basis = case()
    energies = np.real(np.diag(basis.conj().T @ h @ basis))
    assert np.all(np.diff(energies) >= -1e-12)
    prep = purification_circuit(rho)
    discharged = prep.copy()
    discharged.append(UnitaryGate(ergotropy_unitary(rho, h)), [0, 1])
    before, after = run_aer(
        [energy_basis_circuit(prep, [0, 1], basis), energy_basis_circuit(discharged, [0, 1], basis)],
        shots=8000,
        seed=21,
    )
    direct = work_extracted(before, after, energies)
    circuits = tomography_circuits(prep, [0, 1])
    counts = run_aer([qc for _, qc in circuits], shots=2000, seed=11)
    tomo = estimate_figures(tomography_data(dict(zip([lab for lab, _ in circuits], counts))), h, seed=3)["ergotropy"]
    assert abs(direct["value"] - tomo["value"]) <= 1.96 * np.hypot(direct["stderr"], tomo["stderr"])
    exact = ergotropy(rho, h)  # both also agree with the exact value (3 standard errors)
    assert abs(direct["value"] - exact) <= 3 * direct["stderr"]
    assert abs(tomo["value"] - exact) <= 3 * tomo["stderr"]


def test_hull_families_without_the_median_have_the_same_ends():
    """figures' hull families (the coherences' strict and lenient cuts, the ergotropy's projected
    family) use only the interval: ``inversion_summary(..., median=False)`` skips the median root
    and its simulations, and its ends are the full summary's (every state is simulated with its
    own random numbers, so skipping some changes none of the others)."""
    from qbexp.analysis.bootstrap import simulated_states
    from qbexp.analysis.figures import reference_states
    from qbexp.analysis.intervals import inversion_summary

    model = collective_battery(2, beta=1.0)
    h = model.battery_matrix()
    rho = steady_state(model, c_family_state(0.25))
    functions = figure_functions(h)
    compared = 0
    for seed in range(6):
        estimate = fit_states(simulate_counts(born_probabilities(rho), 1000, seed=seed).counts)
        cache = {}

        def simulate(state):
            key = state.tobytes()
            if key not in cache:
                cache[key] = simulated_states(state, np.full(9, 1000), "linear", 39, np.random.default_rng(seed))
            return cache[key]

        for name, (reference, sign) in reference_states(estimate, h).items():
            f, bounds = functions[name]
            full = inversion_summary(f, reference, estimate, simulate, bounds, sign)
            evaluated = len(cache)
            cache.clear()
            ends = inversion_summary(f, reference, estimate, simulate, bounds, sign, median=False)
            assert ends["ci95"] == pytest.approx(full["ci95"], abs=1e-12)
            assert full["ci95"][0] < full["value"] < full["ci95"][1]
            assert len(cache) < evaluated  # the median's states were not simulated
            compared += 1
    assert compared == 18


def test_thinned_reference_drops_the_datas_own_null_directions():
    """figures.thinned_reference with ``directions="data"``: the exact state projected off the
    unprojected estimate's eigen-directions whose weight is within THINNED_WITHIN noise standard
    deviations of 0 (here one, off the exact state's eigenvectors), against ``P rho P / tr``
    built from that null vector; with ``directions="exact"`` (the default) the exact state's own
    eigen-directions instead: data lacking its smallest eigenvalue give the exact state without it."""
    from qbexp.analysis.figures import thinned_reference

    exact = 0.8 * random_density_matrix(4, seed=1).data + 0.2 * np.eye(4) / 4
    null = random_statevector(4, seed=2).data
    keep = np.eye(4) - np.outer(null, null.conj())
    rng = np.random.default_rng(4)
    noise = rng.normal(size=(60, 4, 4)) + 1j * rng.normal(size=(60, 4, 4))
    noise = 0.005 * (noise + noise.conj().transpose(0, 2, 1))  # sd of a weight <v|.|v>: 0.01

    data = keep @ (0.7 * random_density_matrix(4, seed=3).data + 0.3 * np.eye(4) / 4) @ keep
    assert np.linalg.eigvalsh(data)[1] > 0.05  # one null direction, the others far above the noise
    thinned = thinned_reference(exact, data, data + noise, directions="data")
    assert np.allclose(thinned, keep @ exact @ keep / np.trace(keep @ exact @ keep).real, atol=1e-12)
    assert abs(null.conj() @ thinned @ null) < 1e-12

    w, v = np.linalg.eigh(exact)
    assert w[0] > 0.04
    lacking = exact - w[0] * np.outer(v[:, 0], v[:, 0].conj())
    by_exact = thinned_reference(exact, lacking, lacking + noise)
    assert np.allclose(by_exact, lacking / (1 - w[0]), atol=1e-12)
    assert thinned_reference(exact, exact, exact + noise) is None  # nothing the data cannot resolve
    with pytest.raises(QbexpError, match="directions"):
        thinned_reference(exact, data, data + noise, directions="spectrum")
