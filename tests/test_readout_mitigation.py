"""Readout-error mitigation: the tensored assignment model, the mitigated fits, and a noisy device.

References: Kronecker products of the assignment matrices written out, readout errors
simulated by flipping the bits of every shot (not through the assignment matrices), the
exact steady state of the Lindblad model, and — on ``aer-noisy`` — the state the noisy
device actually prepares, simulated as a density matrix with the device's noise model
minus its readout errors.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from collections import Counter

from qiskit import QuantumCircuit
from qiskit_aer import AerSimulator

from qbexp.analysis import (
    ReadoutCalibration,
    ReadoutModel,
    apply_assignment,
    born_probabilities,
    estimate_figures,
    mitigate_counts,
    setting_labels,
    tomography_data,
    work_extracted,
)
from qbexp.backends import noisy
from qbexp.backends.executors import executor_for
from qbexp.backends.profiles import load_profile
from qbexp.backends.store import RunStore
from qbexp.backends.submit import measured_qubits
from qbexp.circuits.measure import readout_calibration_circuits
from qbexp.cli.main import main
from qbexp.dynamics import steady_state
from qbexp.errors import QbexpError
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import energy, ergotropy

#: (P(1|0), P(0|1)) of clbits 0 and 1: asymmetric, as T1 decay during readout makes them.
RATES = np.array([[0.02, 0.07], [0.04, 0.10]])
SHOTS = 4000


def flipped_histogram(p_ideal, rates, shots, rng):
    """Counts {bitstring: n} of ``shots`` outcomes drawn from ``p_ideal``, each bit k then
    flipped with probability rates[k, bit]: readout errors simulated shot by shot."""
    n = rates.shape[0]
    outcomes = rng.choice(p_ideal.size, size=shots, p=p_ideal / p_ideal.sum())
    bits = (outcomes[:, None] >> np.arange(n)) & 1
    flip = rng.random(bits.shape) < rates[np.arange(n), bits]
    read = ((bits ^ flip) << np.arange(n)).sum(axis=1)
    values, counts = np.unique(read, return_counts=True)
    return {format(int(v), f"0{n}b"): int(c) for v, c in zip(values, counts)}


def calibration_counts(rates, shots, rng):
    n = rates.shape[0]
    return [flipped_histogram(np.eye(2**n)[b], rates, shots, rng) for b in (0, 2**n - 1)]


@pytest.fixture(scope="module")
def battery():
    """The two-qubit collective battery (β = 1) at its steady state from c = 0.25, and H0."""
    model = collective_battery(2, 1.0)
    return steady_state(model, c_family_state(0.25)), model.battery_matrix()


# ------------------------------------------------------------------------ the model


def test_assignment_is_the_kronecker_product_in_clbit_order():
    rng = np.random.default_rng(1)
    matrices = rng.random((3, 2, 2))
    values = rng.random((5, 8))
    expected = values @ np.kron(np.kron(matrices[2], matrices[1]), matrices[0]).T  # clbit 0 rightmost
    np.testing.assert_allclose(apply_assignment(values, matrices), expected, atol=1e-13)
    per_row = rng.random((5, 3, 2, 2))
    for v, m, out in zip(values, per_row, apply_assignment(values, per_row)):
        np.testing.assert_allclose(out, np.kron(np.kron(m[2], m[1]), m[0]) @ v, atol=1e-13)
    assignment = np.array([[[0.9, 0.2], [0.1, 0.8]]] * 3)
    np.testing.assert_allclose(mitigate_counts(apply_assignment(values, assignment), assignment), values, atol=1e-12)


def test_calibration_counts_give_the_error_rates_of_each_physical_qubit():
    zeros = {"000": 90, "001": 4, "100": 6}  # clbit 0 read 1 four times, clbit 2 six times
    ones = {"111": 80, "110": 5, "011": 10, "101": 5}
    cal = ReadoutCalibration.from_counts(zeros, ones, [5, 2, 7], [5, 2, 7])
    assert cal.qubits == (5, 2, 7)
    np.testing.assert_allclose(cal.error_rates, [[0.04, 0.05], [0.0, 0.05], [0.06, 0.10]])
    np.testing.assert_allclose(cal.matrices[2], [[0.94, 0.10], [0.06, 0.90]])
    np.testing.assert_allclose(cal.fidelities, [0.955, 0.975, 0.92])
    model = ReadoutModel(cal, [[7, 5], [2, 7]])  # two measurements, two clbits each
    np.testing.assert_allclose(model.assignment(), cal.matrices[[[2, 0], [1, 2]]])
    with pytest.raises(QbexpError, match=r"qubit\(s\) \[3\] were read but not calibrated"):
        ReadoutModel(cal, [[3, 5]])
    with pytest.raises(QbexpError, match="must be the same"):
        ReadoutCalibration.from_counts(zeros, ones, [5, 2, 7], [5, 7, 2])
    with pytest.raises(QbexpError, match="cannot be inverted"):
        ReadoutCalibration.from_counts({"0": 40, "1": 60}, {"1": 40, "0": 60}, [0])


def test_calibration_circuits_prepare_all_zeros_and_all_ones():
    (l0, zero), (l1, one) = readout_calibration_circuits(3)
    assert (l0, l1) == ("0", "1") and zero.num_qubits == one.num_qubits == 3
    assert measured_qubits(zero) == measured_qubits(one) == [0, 1, 2]
    sim = AerSimulator()
    assert sim.run(zero, shots=10).result().get_counts() == {"000": 10}
    assert sim.run(one, shots=10).result().get_counts() == {"111": 10}


# ------------------------------------------------------------------------ the fits


@pytest.mark.parametrize("estimator", ["linear", "mle"])
def test_mitigated_tomography_recovers_the_state_the_raw_fit_misses(battery, estimator):
    rho, h0 = battery
    rng = np.random.default_rng(7)
    p = born_probabilities(rho)
    data = tomography_data({label: flipped_histogram(p[s], RATES, SHOTS, rng)
                            for s, label in enumerate(setting_labels(2))})
    cal = ReadoutCalibration.from_counts(*calibration_counts(RATES, SHOTS, rng), [0, 1])
    readout = ReadoutModel(cal, [[0, 1]] * 9)
    options = dict(estimator=estimator, n_resamples=100 if estimator == "linear" else 40, seed=3,
                   figures=["ergotropy", "energy", "fidelity"])  # the ones asserted (the MLE intervals are slow)
    raw = estimate_figures(data, h0, exact_state=rho, **options)
    mitigated = estimate_figures(data, h0, exact_state=rho, readout=readout, **options)
    exact = ergotropy(rho, h0)
    z_raw = (raw["ergotropy"]["value"] - exact) / raw["ergotropy"]["stderr"]
    z_mit = (mitigated["ergotropy"]["value"] - exact) / mitigated["ergotropy"]["stderr"]
    assert abs(z_mit) < 3 < abs(z_raw), (z_mit, z_raw)
    assert mitigated["ergotropy"]["ci95"][0] <= exact <= mitigated["ergotropy"]["ci95"][1]
    e_exact = energy(rho, h0)
    assert abs(mitigated["energy"]["value"] - e_exact) < 3 * mitigated["energy"]["stderr"]
    assert mitigated["fidelity"]["value"] > 0.995 > raw["fidelity"]["value"]
    # the calibration's uncertainty and the inverse's amplification widen the errors
    assert mitigated["ergotropy"]["stderr"] > raw["ergotropy"]["stderr"]


def test_mitigated_work_and_its_standard_error_including_the_calibration():
    energies = np.array([-1.0, 0.0, 0.0, 1.0])
    before, after = np.array([0.1, 0.2, 0.1, 0.6]), np.array([0.7, 0.1, 0.15, 0.05])
    exact = (before - after) @ energies
    rng = np.random.default_rng(11)
    shots = 2000

    def one_experiment():
        cal = ReadoutCalibration.from_counts(*calibration_counts(RATES, shots, rng), [4, 6])
        readout = ReadoutModel(cal, [[4, 6], [6, 4]])  # routing swapped the qubits for the second
        swapped = RATES[::-1]
        return (work_extracted(flipped_histogram(before, RATES, shots, rng),
                               flipped_histogram(after, swapped, shots, rng), energies, readout=readout),
                work_extracted(flipped_histogram(before, RATES, shots, rng),
                               flipped_histogram(after, swapped, shots, rng), energies))

    runs = [one_experiment() for _ in range(300)]
    mitigated = np.array([m["value"] for m, _ in runs])
    raw = np.array([r["value"] for _, r in runs])
    stderr = np.array([m["stderr"] for m, _ in runs])
    assert abs(mitigated.mean() - exact) < 4 * mitigated.std() / np.sqrt(len(runs))  # unbiased
    assert abs(raw.mean() - exact) > 10 * raw.std() / np.sqrt(len(runs))  # biased
    # the reported error (shots + calibration, delta method) is the spread over repetitions
    assert stderr.mean() == pytest.approx(mitigated.std(ddof=1), rel=0.15)
    shot_only = np.array([r["stderr"] for _, r in runs]).mean()
    assert stderr.mean() > shot_only


# ------------------------------------------------------------------------ on a device


def test_executor_places_every_circuit_of_a_run_on_one_layout():
    star = QuantumCircuit(4, 4)  # its qubit 0 must sit on a qubit of degree 3 (FakeFez has 36 of them)
    star.h(0)
    for q in (1, 2, 3):
        star.cx(0, q)
    star.measure(range(4), range(4))
    (_, zero), (_, one) = readout_calibration_circuits(4)
    executor = executor_for(load_profile("aer-noisy"), seed=5)
    prepared = executor.prepare([zero, star, one])
    layouts = [qc.layout.initial_index_layout(filter_ancillas=True) for qc in prepared]
    assert layouts[0] == layouts[1] == layouts[2]
    degree = Counter(q for edge in executor.backend.target.build_coupling_map().get_edges() for q in edge)
    assert degree[layouts[1][0]] >= 2 * 3  # three neighbours (coupling maps list both directions)
    assert measured_qubits(prepared[0]) == measured_qubits(prepared[2]) == measured_qubits(prepared[1])
    alone = executor.prepare([zero])[0]  # on its own, the transpiler chooses other qubits
    assert measured_qubits(alone) != measured_qubits(prepared[1])


def test_calibration_reads_the_qubits_routing_moved_the_battery_to(tmp_path):
    """A profile's initial_layout of qubits that are not neighbours (FakeSherbrooke 0, 2, 4):
    routing ends a battery qubit on qubit 1, outside the layout.  The calibration read the
    layout's qubits only, and the analysis refused the run after all its circuits had run
    ("qubit(s) [1] were read but not calibrated"); it now reads every qubit the run reads, and
    each qubit's readout error is the device's own."""
    profile = tmp_path / "spread.toml"
    profile.write_text('kind = "aer-noisy"\ndevice = "FakeSherbrooke"\noptimization_level = 1\n'
                       'initial_layout = [0, 2, 4]\n')
    out = tmp_path / "run"
    assert main(["run", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--charging", "minimal",
                 "--readout-mitigation", "--shots", "2000", "--seed", "1", "--backend", str(profile),
                 "--out", str(out), "--json"]) == 0
    results = json.loads((out / "results.json").read_text())
    cal = results["readout_calibration"]
    read = {q for name, qs in cal["measured_qubits"].items() if not name.startswith("readout_cal") for q in qs}
    assert read - {0, 2, 4}, "routing moved a battery qubit off the layout (else this test tests nothing)"
    assert read <= set(cal["qubits"])
    device = noisy.fake_device("FakeSherbrooke")
    for q, fidelity in zip(cal["qubits"], cal["readout_fidelity"]):
        assert 1 - fidelity == pytest.approx(device.target["measure"][(q,)].error, abs=0.015)
    est, device_value = results["estimates"]["energy"], results["device"]["energy"]
    assert abs(est["value"] - device_value) < 4 * est["stderr"]  # mitigated: about the prepared state


@pytest.fixture
def perth(tmp_path):
    """A device whose readout errors (~3 %) move a 4000-shot ergotropy by several standard errors;
    the aer-noisy profile's Heron (FakeFez, ~1 %) reads too well for that."""
    path = tmp_path / "perth.toml"
    path.write_text('kind = "aer-noisy"\ndevice = "FakePerth"\noptimization_level = 1\n')
    return str(path)


def device_state(run_dir, name, seed, profile="aer-noisy"):
    """The battery's state before the measurement of circuit ``name``, as the noisy device
    prepares it: the transpiled circuit without its measurements, simulated as a density
    matrix with the device's noise model minus its readout errors."""
    store = RunStore(run_dir)
    names = store.manifest()["circuit_names"]
    prepared = dict(zip(names, executor_for(load_profile(profile), seed=seed).prepare(store.load_circuits())))
    qubits = store.measured_qubits([name])[name]
    assert measured_qubits(prepared[name]) == qubits  # the circuit that ran
    return noisy.device_state(load_profile(profile).options["device"], prepared[name], qubits)


def test_mitigation_on_aer_noisy_moves_the_two_qubit_ergotropy_towards_exact(tmp_path, battery, perth):
    rho, h0 = battery
    out = tmp_path / "noisy"
    seed = 1
    args = ["run", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--charging", "collision",
            "--readout-mitigation", "--shots", "4000", "--seed", str(seed), "--backend", perth]
    assert main([*args, "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["readout_mitigation"] is True
    assert manifest["circuit_names"][-2:] == ["readout_cal_0", "readout_cal_1"]
    mitigated = json.loads((out / "results.json").read_text())
    assert main(["analyze", str(out), "--no-mitigation"]) == 0
    raw = json.loads((out / "results.json").read_text())
    assert (mitigated["readout_mitigation"], raw["readout_mitigation"]) == (True, False)

    cal = mitigated["readout_calibration"]
    read = {q for name, qs in cal["measured_qubits"].items() if name.startswith("tomo_") for q in qs}
    assert read <= set(cal["qubits"]), "every qubit the tomography read was calibrated"
    device = noisy.fake_device("FakePerth")
    for q, fidelity in zip(cal["qubits"], cal["readout_fidelity"]):
        assert 1 - fidelity == pytest.approx(device.target["measure"][(q,)].error, abs=0.01)

    exact = ergotropy(rho, h0)
    assert mitigated["exact"]["ergotropy"] == pytest.approx(exact, abs=1e-9)
    m, r = mitigated["estimates"]["ergotropy"], raw["estimates"]["ergotropy"]
    z_m, z_r = (exact - m["value"]) / m["stderr"], (exact - r["value"]) / r["stderr"]
    message = (f"ergotropy exact {exact:.4f}; mitigated {m['value']:.4f} ± {m['stderr']:.4f} ({z_m:.1f} stderr "
               f"below exact); raw {r['value']:.4f} ± {r['stderr']:.4f} ({z_r:.1f} stderr below exact)")
    assert abs(exact - m["value"]) < abs(exact - r["value"]), message
    assert abs(exact - m["value"]) < abs(exact - r["value"]) - 2 * r["stderr"], message
    # What is left is gate noise, not readout: the state the device prepares (without its
    # readout errors) has the mitigated ergotropy, not the raw one.
    # readout errors of the energy (populations) are removed, the state's own noise is kept:
    prepared = device_state(out, "tomo_ZZ", seed, perth)
    e_device = energy(prepared, h0)
    e_m, e_r = mitigated["estimates"]["energy"], raw["estimates"]["energy"]
    assert abs(e_m["value"] - e_device) < 3 * e_m["stderr"], (e_device, e_m, e_r)
    assert abs(e_m["value"] - e_device) < abs(e_r["value"] - e_device), (e_device, e_m, e_r)
    device = ergotropy(prepared, h0)
    assert abs(m["value"] - device) < 3.5 * m["stderr"], (device, message)


def test_ideal_readout_changes_nothing_and_sweeps_carry_the_option(tmp_path, capsys):
    out = tmp_path / "ideal"
    args = ["run", "collective", "--n", "2", "--beta", "1", "--charging", "kraus", "--readout-mitigation",
            "--shots", "300", "--seed", "2"]
    assert main([*args, "--init", "c:0.25", "--out", str(out)]) == 0
    mitigated = json.loads((out / "results.json").read_text())
    assert main(["analyze", str(out), "--no-mitigation"]) == 0
    raw = json.loads((out / "results.json").read_text())
    cal = mitigated["readout_calibration"]
    assert len(cal["qubits"]) >= 2 and set(cal["p1_given_0"]) == set(cal["p0_given_1"]) == {0.0}
    assert set(cal["readout_fidelity"]) == {1.0}
    for name, est in mitigated["estimates"].items():  # identity matrices: the same fit
        assert est["plug_in"] == pytest.approx(raw["estimates"][name]["plug_in"], abs=1e-12), name
    sweep = tmp_path / "sweep"
    assert main([*args, "--sweep", "c=0.25,0.5", "--out", str(sweep)]) == 0
    for point in ("c=0.25", "c=0.5"):
        assert json.loads((sweep / point / "manifest.json").read_text())["parameters"]["readout_mitigation"]
        assert json.loads((sweep / point / "results.json").read_text())["readout_mitigation"] is True
    assert main(["analyze", str(sweep), "--no-mitigation"]) == 0
    for point in ("c=0.25", "c=0.5"):
        assert json.loads((sweep / point / "results.json").read_text())["readout_mitigation"] is False
