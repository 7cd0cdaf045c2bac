"""The Python API (issue: five lines from a notebook): experiments, qbexp.run on any backend,
result objects, sweeps; bad input is a one-line QbexpError at construction."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, Statevector

import qbexp
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import ergotropy

EXP = dict(n=2, beta=1.0, init="c:0.25")


def _exact_w(c=0.25, beta=1.0):
    model = collective_battery(2, beta)
    return ergotropy(steady_state(model, c_family_state(c)), model.battery_matrix())


def test_exact_and_circuits_of_an_experiment():
    exp = qbexp.CollectiveCharging(**EXP, measure_work=True)
    ex = exp.exact()
    assert ex.ergotropy == pytest.approx(_exact_w(), abs=1e-10)
    assert isinstance(ex.state, DensityMatrix) and ex.concurrence is not None
    names = [c.name for c in exp.circuits()]
    assert names[:2] == ["tomo_XX", "tomo_XY"] and names[-2:] == ["energy_before", "energy_after"] and len(names) == 11


def test_run_in_memory_writes_nothing_and_changes_no_global_state(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    backend = matplotlib.get_backend()
    res = qbexp.run(qbexp.CollectiveCharging(**EXP, charging="kraus"), shots=3000, seed=2, progress=False)
    assert not any(tmp_path.iterdir()) and res.path is None
    est = res.estimates["ergotropy"]
    assert abs(est.value - _exact_w()) < 4 * est.stderr and est.ci95[0] <= est.value <= est.ci95[1]
    assert res.exact["ergotropy"] == pytest.approx(_exact_w(), abs=1e-9)
    data = res.to_dict()
    assert set(data["estimates"]) == {"ergotropy", "energy", "coherence_l1", "coherence_rel_entropy", "fidelity"}
    assert np.trace(res.state.data).real == pytest.approx(1.0) and len(res.counts) == 9
    assert type(res.plot()).__name__ == "Figure"
    assert matplotlib.get_backend() == backend
    assert res.device == {}  # ideal simulator: the device prepares the exact state


def test_durable_run_is_the_cli_directory_and_analyze_reads_it(tmp_path):
    out = tmp_path / "x"
    exp = qbexp.CollectiveCharging(**EXP)
    first = qbexp.run(exp, shots=500, seed=3, out=out, progress=False)
    assert (out / "manifest.json").exists() and (out / "transpiled.qpy").exists()
    again = qbexp.analyze(out)
    assert again.estimates == first.estimates and again.exact == first.exact
    assert set(first.to_dict()["circuits"]) == set(first.counts)
    # the CLI resumes the same directory (same identity): nothing is submitted again
    from qbexp.cli.main import main

    assert main(["run", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--shots", "500", "--seed",
                 "3", "--out", str(out)]) == 0


def test_backend_objects_give_the_profile_counts_and_device_figures():
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error
    from qiskit_aer.primitives import SamplerV2

    exp = qbexp.CollectiveCharging(**EXP)
    by_profile = qbexp.run(exp, shots=800, seed=5, progress=False)
    by_backend = qbexp.run(exp, backend=AerSimulator(), shots=800, seed=5, progress=False)
    assert by_backend.counts == by_profile.counts  # same per-circuit seeds
    by_sampler = qbexp.run(exp, backend=SamplerV2(seed=5), shots=800, progress=False)
    assert abs(by_sampler.estimates["energy"].value - by_sampler.exact["energy"]) < 4 * by_sampler.estimates["energy"].stderr
    noise = NoiseModel()
    noise.add_all_qubit_quantum_error(depolarizing_error(0.05, 2), ["cx"])
    noisy = qbexp.run(exp, backend=AerSimulator(noise_model=noise), shots=800, seed=5, progress=False)
    assert noisy.device["fidelity"] < 0.99 and noisy.device["ergotropy"] < noisy.exact["ergotropy"] - 0.05


def test_engine_cycles_exact_state_is_the_protocols():
    from qbexp.circuits.protocols import engine_protocol

    eng = qbexp.EngineCycles(tau=150.0, cycles=2, discharge="local1")
    protocol = engine_protocol(eng.model(), 150.0, 2, discharge="local1", charging="kraus", final_discharge=False)
    assert np.abs(eng.exact().state.data - protocol.exact_state).max() < 1e-8
    assert eng.exact().ergotropy > 0


def test_sweep_in_memory_is_one_batch_with_a_table():
    swept = qbexp.sweep(qbexp.CollectiveCharging(n=2, beta=1.0, charging="kraus"), "c", [0.0, 1.0], shots=600,
                        seed=1, progress=False)
    rows = swept.table()
    assert [r["c"] for r in rows] == [0.0, 1.0]
    for row, c in zip(rows, (0.0, 1.0)):
        assert row["ergotropy_exact"] == pytest.approx(_exact_w(c), abs=1e-9)
        assert abs(row["ergotropy"] - row["ergotropy_exact"]) < 4 * row["ergotropy_stderr"] + 1e-3
    assert type(swept.plot()).__name__ == "Figure"


def test_init_as_a_state_object():
    rho = c_family_state(0.25)
    a = qbexp.CollectiveCharging(n=2, beta=1.0, init=DensityMatrix(rho)).exact().ergotropy
    b = qbexp.CollectiveCharging(n=2, beta=1.0, init=rho).exact().ergotropy
    psi = Statevector.from_label("01")
    c = qbexp.CollectiveCharging(n=2, beta=1.0, init=psi).exact()
    assert a == pytest.approx(_exact_w(), abs=1e-10) and b == a and 0 <= c.ergotropy


def test_init_array_is_copied_so_the_caller_cannot_change_the_run():
    """The experiment keeps a read-only copy of an array ``init``: changing the caller's array
    later changes neither the state that runs nor the label that identifies the run (it changed
    the state and kept the old label, so a resume could take another state for the same run)."""
    psi = np.array([1.0, 0.0, 0.0, 0.0])
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init=psi, charging="kraus")
    label, state = exp.init_label, exp.initial_state()
    psi[:] = [0.0, 0.0, 0.0, 1.0]
    assert exp.init_label == label and np.array_equal(exp.initial_state(), state) and state[0, 0] == 1
    assert exp == qbexp.CollectiveCharging(n=2, beta=1.0, init=np.array([1.0, 0, 0, 0]), charging="kraus")
    with pytest.raises(ValueError, match="read-only"):
        exp.init[0] = 0.0
    single = qbexp.CollectiveCharging(n=2, beta=1.0, init=psi.astype(np.float32))  # its precision kept
    assert single.init.dtype == np.float32 and single.init_label != label


@pytest.mark.parametrize("kwargs, message", [
    (dict(n=2, beta=1.0, temperature=3), "has no parameter 'temperature'"),
    (dict(n="2", beta=1.0), "n = '2'; it must be an integer"),
    (dict(n=2, beta=-1.0), "beta = -1.0; it must be > 0"),
    (dict(n=2, beta=float("nan")), "beta = nan; it must be finite"),
    (dict(n=2, beta=1.0, init=np.eye(3) / 3), "init has shape"),
    (dict(n=2, beta=1.0, init="c:2"), "c"),
    (dict(n=2, beta=1.0, charging="magic"), "charging = 'magic'; choose one of"),
    (dict(n=2, beta=1.0, steps=10**9), "steps = 1000000000"),
    (dict(n=99, beta=1.0), "n = 99"),
    (dict(beta=1.0), "needs n"),
    (dict(n=2, beta=1.0, measure_work="yes"), "measure_work = 'yes'; it must be True or False"),
])
def test_bad_experiments_are_one_line_errors(kwargs, message):
    with pytest.raises(qbexp.QbexpError, match=message) as info:
        qbexp.CollectiveCharging(**kwargs)
    assert "\n" not in str(info.value)


def test_bad_backends_and_samplers_are_one_line_errors():
    exp = qbexp.CollectiveCharging(**EXP)
    with pytest.raises(qbexp.QbexpError, match="neither a profile name, a .toml path, a Qiskit BackendV2 nor a BaseSamplerV2"):
        qbexp.run(exp, backend=object(), shots=10)
    with pytest.raises(qbexp.QbexpError, match="EngineCycles: tau = 0"):
        qbexp.EngineCycles(tau=0)
    with pytest.raises(qbexp.QbexpError, match="shots = 0"):
        qbexp.run(exp, shots=0)

    from qiskit.primitives import BaseSamplerV2, PrimitiveResult, SamplerPubResult
    from qiskit.primitives.containers import DataBin
    from qiskit.primitives.primitive_job import PrimitiveJob

    class Empty(BaseSamplerV2):
        def run(self, pubs, *, shots=None):
            job = PrimitiveJob(lambda: PrimitiveResult([SamplerPubResult(DataBin()) for _ in pubs]))
            job._submit()
            return job

    with pytest.raises(qbexp.QbexpError, match="returned no counts for circuit 'tomo_XX'"):
        qbexp.run(exp, backend=Empty(), shots=10, progress=False)


def test_a_noisy_run_without_readout_mitigation_says_its_intervals_are_not_about_the_device(tmp_path):
    """On aer-noisy the device column is the prepared state; unmitigated intervals are about that state
    seen through the readout errors (coverage of the device value 0.86-0.985, benchmarks/coverage.py),
    so those results carry a note, printed by the CLI, and mitigated ones do not."""
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging="minimal", readout_mitigation=True)
    mitigated = qbexp.run(exp, backend="aer-noisy", shots=500, seed=4, out=tmp_path / "r", progress=False)
    assert "notes" not in mitigated.to_dict() and mitigated.device
    raw = qbexp.analyze(tmp_path / "r", mitigation=False)
    assert raw.to_dict()["notes"] == [qbexp.experiments.run.UNMITIGATED_DEVICE_NOTE]
    from qbexp.cli.main import main

    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["analyze", str(tmp_path / "r"), "--no-mitigation"]) == 0
    assert "note: no readout mitigation" in buffer.getvalue()


def test_results_are_not_shared_with_the_caller():
    """``to_dict()`` gives a copy and ``from_dict`` keeps one: changing either dict afterwards left
    the result contradicting itself (to_dict said 99, .estimates said the estimate) and a later
    save wrote the changed value."""
    res = qbexp.run(qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus"), shots=64, seed=1, progress=False,
                    resamples=39)
    value = res.estimates["ergotropy"].value
    d = res.to_dict()
    d["estimates"]["ergotropy"]["value"] = 99.0
    assert res.to_dict()["estimates"]["ergotropy"]["value"] == value == res.estimates["ergotropy"].value
    source = res.to_dict()
    again = qbexp.RunResult.from_dict(source)
    source["exact"]["ergotropy"] = -5.0
    assert again.to_dict()["exact"]["ergotropy"] == again.exact["ergotropy"] == res.exact["ergotropy"]
    assert again.to_dict() == res.to_dict()
