"""``qbexp run`` / ``qbexp analyze`` end to end on Aer: estimates vs exact Lindblad values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qbexp.cli.main import main
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import coherence_l1, ergotropy


def _run(tmp_path, name, *args):
    out = tmp_path / name
    assert main(["run", *args, "--out", str(out)]) == 0
    return out, json.loads((out / "results.json").read_text())


def _inside(results, name, z=3.5):
    """The exact value lies within ``z`` standard errors of the estimate.

    Not the 95 % interval: a run asserts ~15 figures, so even perfectly calibrated 95 % intervals
    would miss one in about half of the seeds. Interval coverage itself is measured over hundreds
    of repetitions in test_tomography_coverage.py.
    """
    est = results["estimates"][name]
    return abs(est["value"] - results["exact"][name]) <= z * est["stderr"]


@pytest.mark.parametrize("c", [0.25, 0.6])
def test_two_qubit_battery_estimates_contain_exact_values(tmp_path, c):
    out, results = _run(tmp_path, f"c{c}", "collective", "--n", "2", "--beta", "1", "--init", f"c:{c}",
                        "--charging", "kraus", "--measure-work", "--shots", "3000", "--seed", "11")
    # exact values are the independent steady-state projection of the Lindblad model
    model = collective_battery(2, 1.0)
    rho = steady_state(model, c_family_state(c))
    h0 = model.battery_matrix()
    assert results["exact"]["ergotropy"] == pytest.approx(ergotropy(rho, h0), abs=1e-9)
    assert results["exact"]["coherence_l1"] == pytest.approx(coherence_l1(rho), abs=1e-9)
    for name in ("ergotropy", "energy", "coherence_l1", "coherence_rel_entropy", "work_extracted"):
        assert _inside(results, name), (name, results["estimates"][name], results["exact"][name])
    # the direct work measurement agrees with the tomographic ergotropy
    w, e = results["estimates"]["work_extracted"], results["estimates"]["ergotropy"]
    assert abs(w["value"] - e["value"]) < 1.96 * np.hypot(w["stderr"], e["stderr"])
    assert (out / "results.png").stat().st_size > 0


def test_three_qubit_ground_state_with_collision_charging(tmp_path):
    _, results = _run(tmp_path, "n3", "collective", "--n", "3", "--beta", "1", "--shots", "2000", "--seed", "5")
    assert results["parameters"]["charging"] == "collision"
    assert results["exact"]["ergotropy"] > 0.1
    for name in ("ergotropy", "energy"):
        assert _inside(results, name), name
    # the l1 point estimate keeps ~2-4 stderr of noise bias at N = 3; its (union) interval covers
    lo, hi = results["estimates"]["coherence_l1"]["ci95"]
    assert lo <= results["exact"]["coherence_l1"] <= hi


def test_engine_charged_state_at_tau_150(tmp_path):
    _, results = _run(tmp_path, "engine", "engine", "--tau", "150", "--cycles", "3", "--charging", "kraus",
                      "--measure-work", "--shots", "4000", "--seed", "2")
    for name in ("ergotropy", "energy", "work_extracted"):
        assert _inside(results, name), name


def test_analyze_recomputes_results_from_counts_alone(tmp_path):
    out, first = _run(tmp_path, "a", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25",
                      "--charging", "kraus", "--shots", "500", "--seed", "1")
    (out / "results.json").unlink()
    (out / "circuits.qpy").rename(tmp_path / "moved.qpy")  # analysis needs no circuits
    assert main(["analyze", str(out)]) == 0
    assert json.loads((out / "results.json").read_text()) == first


def test_rerun_submits_nothing_and_other_run_is_refused(tmp_path, capsys):
    args = ["collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--charging", "kraus", "--shots", "300", "--seed", "4"]
    out, _ = _run(tmp_path, "r", *args)
    jobs = sorted(p.name for p in (out / "jobs").iterdir())
    counts = {p.name: p.read_bytes() for p in (out / "counts").iterdir()}
    _run(tmp_path, "r", *args)
    assert sorted(p.name for p in (out / "jobs").iterdir()) == jobs
    manifest = (out / "manifest.json").read_bytes()
    assert json.loads(manifest)["command"] == "qbexp run " + " ".join(args) + f" --out {out}"
    capsys.readouterr()
    assert main(["run", "collective", "--n", "2", "--beta", "2", "--shots", "300", "--out", str(out)]) == 2
    assert "holds another run" in capsys.readouterr().err
    assert (out / "manifest.json").read_bytes() == manifest
    assert {p.name: p.read_bytes() for p in (out / "counts").iterdir()} == counts


def test_missing_or_corrupt_counts_are_named(tmp_path, capsys):
    out, _ = _run(tmp_path, "m", "collective", "--n", "2", "--beta", "1", "--charging", "kraus", "--shots", "100", "--seed", "3")
    (out / "counts" / "tomo_XY.json").write_text("{not json")
    capsys.readouterr()
    assert main(["analyze", str(out)]) == 2
    assert "tomo_XY" in capsys.readouterr().err
    (out / "counts" / "tomo_XY.json").unlink()
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert "missing" in err and "tomo_XY" in err and err.count("\n") == 1


def test_bad_shots_and_unknown_backend(tmp_path, capsys):
    base = ["run", "collective", "--n", "2", "--beta", "1", "--out", str(tmp_path / "x")]
    assert main([*base, "--shots", "0"]) == 2
    assert "--shots" in capsys.readouterr().err
    assert main([*base, "--shots", "10", "--backend", "nosuchdevice"]) == 2
    assert "nosuchdevice" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_progress_bars_only_where_asked(capsys):
    """Long computations (a channel's build, a large-N evolution) show a bar on stderr inside
    showing_progress (qbexp run / simulate, qbexp.run(progress=True)) and nowhere else."""
    from qbexp.progress import progress_bar, showing_progress

    def step(desc):
        with progress_bar(total=1, desc=desc, now=True) as bar:
            bar.update()

    step("outside")
    with showing_progress():
        step("inside")
        with showing_progress(False):
            step("switched off")
    err = capsys.readouterr().err
    assert "inside" in err and "outside" not in err and "switched off" not in err
