"""The figure scripts in analysis/ run end to end on a coarse grid, write PNG + CSV, and their
numbers agree with independent closed forms of Çakmak, "Ergotropy from coherences":
Eq. 9 (C_l1), Eqs. 11–12 (W), Wootters' X-state concurrence (Eq. B1) for Fig. 1/4, and
Eqs. 16–17 at finite r = n̄/(n̄+1) for Fig. 2.
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import numpy as np
import pytest

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(str(ANALYSIS))
    return importlib.import_module


def run(module, tmp_path, *args):
    csv_path, png_path = module.main(["--out", str(tmp_path), *args])
    assert png_path.exists() and png_path.stat().st_size > 10_000
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with open(csv_path, newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == module.COLUMNS
        return [{k: float(v) for k, v in row.items()} for row in reader]


def z_factors(beta, omega=1.0):
    """Z₊ = 1 + e^{-βω} + e^{-2βω} (Eq. 8) and Z = (1 + e^{-βω})² (Eq. 9)."""
    x = np.exp(-beta * omega)
    return 1 + x + x * x, (1 + x) ** 2


def test_fig1_matches_eq9_and_eq11(script, tmp_path):
    rows = run(script("fig1_collective_coherence_ergotropy"), tmp_path, "--points", "5")
    assert len(rows) == 3 * 5
    for r in rows:
        beta, c = r["beta"], r["c"]
        zp, z = z_factors(beta)
        assert r["coherence_l1"] == pytest.approx(abs(c * z / zp - 1), abs=1e-8)  # Eq. 9
        if c < 0.5:  # Eq. 11, first branch
            w = 1 - c * (1 + 3 * np.cosh(beta) + np.sinh(beta)) / (1 + 2 * np.cosh(beta))
            assert r["ergotropy"] == pytest.approx(w, abs=1e-8)
        if c == 1:  # eigenvalues {1, e^-β, e^-2β}/Z₊ on levels {0, ω, ω, 2ω}: W = ω e^{-2βω}/Z₊
            assert r["ergotropy"] == pytest.approx(np.exp(-2 * beta) / zp, abs=1e-8)
        if beta == 10:  # Eq. 12 (β → ∞), corrections O(e^{-βω})
            assert r["ergotropy"] == pytest.approx(max(1 - 2 * c, 0.0), abs=1e-3)


def test_fig2_matches_eqs16_17(script, tmp_path):
    beta = 1e-3
    rows = run(script("fig2_collective_scaling"), tmp_path, "--max-n", "4", "--beta", str(beta))
    assert [int(r["n"]) for r in rows] == [2, 3, 4]
    r_ = np.exp(-beta)  # r = n̄/(n̄+1)
    for r in rows:
        n = int(r["n"])
        c_l1 = (r_ - 1) * (r_ + 1) ** n / (r_ ** (n + 1) - 1) - 1  # Eq. 16
        w = n + (n + r_) / (r_ ** (n + 1) - 1) + r_ / (1 - r_)  # Eq. 17, ω = 1
        assert r["coherence_l1"] == pytest.approx(c_l1, rel=1e-8)
        assert r["ergotropy"] == pytest.approx(w, rel=1e-6)
        assert r["coherence_l1_limit"] == pytest.approx((2**n - n - 1) / (n + 1))
        assert r["ergotropy_limit"] == pytest.approx(n * (n - 1) / (2 * (n + 1)))
        assert r["coherence_l1"] == pytest.approx(r["coherence_l1_limit"], rel=1e-2)


def test_fig2_at_a_beta_where_the_coherence_underflows(script, tmp_path):
    """β = 1000: C_l1 ~ e^{-1000} is 0 in float64; the panel says so instead of two
    RuntimeWarnings of log10(0) and an empty panel (the CSV was and is right: 0)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = run(script("fig2_collective_scaling"), tmp_path, "--max-n", "3", "--beta", "1000")
    assert [(r["coherence_l1"], r["ergotropy"]) for r in rows] == [(0.0, 0.0), (0.0, 0.0)]
    module = script("fig2_collective_scaling")
    texts = [t.get_text() for t in module.plot([tuple(r.values()) for r in rows], 1000.0).axes[0].texts]
    assert texts == ["$C_{l_1} < 10^{-308}$ (0 in the CSV)\nnot drawn"]


def test_fig4_concurrence_and_discord(script, tmp_path):
    rows = run(script("fig4_collective_correlations"), tmp_path, "--points", "5")
    assert len(rows) == 3 * 5
    for r in rows:
        beta, c = r["beta"], r["c"]
        zp, z = z_factors(beta)
        plus = c * np.exp(-beta) / zp  # weight of |ψ+⟩; |00⟩, |11⟩ carry c/Z₊, c e^{-2β}/Z₊
        # X state: C = 2 max(0, |ρ_{01,10}| − √(ρ_{00,00} ρ_{11,11})), ρ_{01,10} = (plus − (1−c))/2
        assert r["concurrence"] == pytest.approx(max(0.0, abs(plus - (1 - c)) - 2 * plus), abs=1e-8)
        assert r["discord"] <= abs(c * z / zp - 1) + 1e-8  # D ≤ C_l1 (App. B)
        if c == 0:  # pure |ψ−⟩: discord = entanglement entropy = 1 bit
            assert r["discord"] == pytest.approx(1.0, abs=1e-8)


def test_fig1b_shots_measures_ergotropy_on_aer(script, tmp_path, capsys):
    rows = run(script("fig1b_shots"), tmp_path, "--shots", "300", "--points", "3", "--betas", "1",
               "--curve-points", "5", "--seed", "4")
    assert [(r["beta"], r["c"]) for r in rows] == [(1.0, 0.0), (1.0, 0.5), (1.0, 1.0)]
    beta = 1.0
    zp, _ = z_factors(beta)
    for r in rows:
        c = r["c"]
        if c < 0.5:  # Eq. 11, first branch
            w = 1 - c * (1 + 3 * np.cosh(beta) + np.sinh(beta)) / (1 + 2 * np.cosh(beta))
            assert r["ergotropy_exact"] == pytest.approx(w, abs=1e-8)
        if c == 1:
            assert r["ergotropy_exact"] == pytest.approx(np.exp(-2 * beta) / zp, abs=1e-8)
        assert abs(r["ergotropy"] - r["ergotropy_exact"]) <= 3.5 * r["ergotropy_stderr"]
        assert r["covered"] == float(r["ergotropy_ci95_lo"] <= r["ergotropy_exact"] <= r["ergotropy_ci95_hi"])
    assert f"all: {int(sum(r['covered'] for r in rows))}/3" in capsys.readouterr().out
    # the sweep's run directories are kept: the same command resumes without simulating again
    runs = tmp_path / "fig1b_shots_runs" / "kraus_shots=300_seed=4_points=3" / "beta=1.0"
    assert sorted(p.name for p in runs.iterdir()) == ["c=0.0", "c=0.5", "c=1.0", "sweep.csv", "sweep.json", "sweep.png"]
    # another β before it: β = 1 keeps its seed (fixed by its value, not its place) and its runs are
    # reused (they were refused as "another sweep" after β = 0.5 had run)
    again = run(script("fig1b_shots"), tmp_path, "--shots", "300", "--points", "3", "--betas", "0.5,1",
                "--curve-points", "5", "--seed", "4")
    assert [r for r in again if r["beta"] == 1.0] == rows


def test_readout_mitigation_on_aer_noisy(script, tmp_path, capsys):
    rows = run(script("readout_mitigation"), tmp_path, "--cs", "0.25", "--shots", "2000", "--curve-points", "5")
    (r,) = rows
    beta, c = 1.0, 0.25
    w = 1 - c * (1 + 3 * np.cosh(beta) + np.sinh(beta)) / (1 + 2 * np.cosh(beta))  # Eq. 11
    assert r["ergotropy_exact"] == pytest.approx(w, abs=1e-8)
    for f in ("ergotropy", "energy"):
        for kind in ("raw", "mitigated"):
            z = (r[f"{f}_{kind}"] - r[f"{f}_exact"]) / r[f"{f}_{kind}_stderr"]
            assert r[f"{f}_z_{kind}"] == pytest.approx(z, rel=1e-9)
        # mitigation removes the readout errors, not the gate noise: it lands on the device's state
        assert abs(r[f"{f}_mitigated"] - r[f"{f}_device"]) <= 3.5 * r[f"{f}_mitigated_stderr"]
    with open(tmp_path / "readout_mitigation_gates.csv", newline="") as fh:
        gates = {g["circuit"]: g for g in csv.DictReader(fh)}
    assert sorted(gates) == ["readout_cal_0", "readout_cal_1"] + [f"tomo_{a}{b}" for a in "XYZ" for b in "XYZ"]
    calibrated = set(gates["readout_cal_0"]["measured_qubits"].split())
    assert gates["readout_cal_1"]["measured_qubits"] == gates["readout_cal_0"]["measured_qubits"]
    assert int(gates["readout_cal_1"]["two_qubit_gates"]) == 0 and int(gates["tomo_ZZ"]["two_qubit_gates"]) > 0
    assert all(set(g["measured_qubits"].split()) <= calibrated for g in gates.values())
    assert "readout calibration (c = 0.25): q" in capsys.readouterr().out


def test_hardware_fidelity_ranks_charging_circuits_by_two_qubit_gates(script, tmp_path, capsys):
    """analysis/hardware_fidelity.py on the c = 1 battery (β = 1), minimal and collision charging:
    the exact column is the closed form W = e^{-2β}/Z₊ (Cakmak Eq. 11, c = 1), the ideal-Aer
    estimates agree with it, the minimal circuit has fewer two-qubit gates than the collision
    model, and on the noisy device profile the deeper circuit keeps less of the ergotropy
    (the device column, a noise-free density-matrix figure of the prepared state)."""
    module = script("hardware_fidelity")
    csv_path, png_path = module.main(["--out", str(tmp_path), "--cases", "n2:1", "--chargings", "minimal,collision",
                                      "--shots", "2000", "--seed", "3"])
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 10_000
    with open(csv_path, newline="") as fh:
        rows = {r["charging"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"minimal", "collision"}
    zp, _ = z_factors(1.0)
    for r in rows.values():
        assert float(r["ergotropy_exact"]) == pytest.approx(np.exp(-2.0) / zp, abs=1e-8)
        assert abs(float(r["ideal"]) - float(r["ergotropy_exact"])) <= 4 * float(r["ideal_stderr"]) + 0.01
        assert float(r["noisy_mitigated_stderr"]) > 0
        assert float(r["noisy_mitigated_ci95_low"]) <= float(r["noisy_mitigated"]) <= float(r["noisy_mitigated_ci95_high"])
    minimal, collision = rows["minimal"], rows["collision"]
    assert 0 < int(minimal["two_qubit_gates"]) <= 10 < int(collision["two_qubit_gates"])
    assert float(collision["device"]) < float(minimal["device"]) <= float(minimal["ergotropy_exact"]) + 0.02
    assert "minimal" in capsys.readouterr().out


# -- bad input: refused in one line, before any work and before anything is written --------------
#: What each script writes into --out: files named like these are there before every refused
#: command (a previous run's results) and must be left byte for byte.
OUTPUTS = {
    "fig1_collective_coherence_ergotropy": ["fig1_collective_coherence_ergotropy.csv", "fig1_collective_coherence_ergotropy.png"],
    "fig1b_shots": ["fig1b_shots.csv", "fig1b_shots.png"],
    "fig2_collective_scaling": ["fig2_collective_scaling.csv", "fig2_collective_scaling.png"],
    "fig2_engine_ness_map": ["fig2_engine_ness_map.csv", "fig2_engine_ness_map.png"],
    "fig3_collective_random": ["fig3_collective_random.csv", "fig3_collective_random_ensembles.csv",
                               "fig3_collective_random.png"],
    "fig3_engine_cycle": ["fig3_engine_cycle.csv", "fig3_engine_cycle.png"],
    "fig4_collective_correlations": ["fig4_collective_correlations.csv", "fig4_collective_correlations.png"],
    "fig4_engine_performance": [f"fig4_engine_performance_{k}.csv" for k in "abc"] + ["fig4_engine_performance.png"],
    "hardware_fidelity": ["hardware_fidelity.csv", "hardware_fidelity.png"],
    "readout_mitigation": ["readout_mitigation.csv", "readout_mitigation_gates.csv", "readout_mitigation.png"],
}
#: The functions of each script that do its work: a refused command never reaches them.
WORK = {
    "fig1_collective_coherence_ergotropy": ["sweep"],
    "fig1b_shots": ["measure", "exact_curves"],
    "fig2_collective_scaling": ["sweep"],
    "fig2_engine_ness_map": ["sweep"],
    "fig3_collective_random": ["run_ensemble"],
    "fig3_engine_cycle": ["cycle_rows"],
    "fig4_collective_correlations": ["sweep"],
    "fig4_engine_performance": ["panel_a", "panel_b", "panel_c"],
    "hardware_fidelity": ["measure"],
    "readout_mitigation": ["measure", "exact_curves"],
}


def _run_dir(root: Path, record: str = "manifest.json") -> None:
    """``root`` made a qbexp run (or, with sweep.json, sweep) directory: its record holds an identity."""
    root.mkdir(parents=True)
    (root / record).write_text('{"identity": "made by the test"}')


def _png_folder(tmp_path: Path) -> None:
    png = tmp_path / "out" / "fig1_collective_coherence_ergotropy.png"
    png.unlink()
    png.mkdir()


FIG1, FIG1B, FIG2C, FIG2E = ("fig1_collective_coherence_ergotropy", "fig1b_shots", "fig2_collective_scaling",
                             "fig2_engine_ness_map")
FIG3R, FIG3E, FIG4C, FIG4E = ("fig3_collective_random", "fig3_engine_cycle", "fig4_collective_correlations",
                              "fig4_engine_performance")
HW, RO = "hardware_fidelity", "readout_mitigation"

# (defect, script, argv, fragment (or fragments) of the error line[, setup(tmp_path)]); in argv, {x} is the path tmp_path/x;
# every row runs with --out tmp_path/out first (a later --out replaces it)
REFUSED = [
    # D1: values that were tracebacks (exit 1), several after the work or after a header-only CSV
    ("D1", FIG1, ["--points", "-3"], "argument --points: '-3' is out of range: it must be an integer from 1 to 1,000"),
    ("D1", FIG1, ["--points", "0"], "argument --points: '0' is out of range"),
    ("D1", FIG1, ["--points", "2.5"], "argument --points: expected an integer, got '2.5'"),
    ("D1", FIG4C, ["--points", "0"], "argument --points: '0' is out of range"),
    ("D1", FIG2E, ["--grid", "-1"], "argument --grid: '-1' is out of range"),
    ("D1", FIG4E, ["--taus", "0"], "argument --taus: '0' is out of range: it must be an integer from 1 to 1,000"),
    ("D1", FIG4E, ["--cycles", "-2"], "argument --cycles: '-2' is out of range: it must be an integer from 1 to 100,000"),
    ("D1", FIG2C, ["--max-n", "3", "--beta", "nan"], "argument --beta: beta must be finite, got nan"),
    ("D1", FIG2C, ["--max-n", "3", "--beta", "inf"], "argument --beta: beta must be finite, got inf"),
    ("D1", FIG2C, ["--beta", "1e-13"], "argument --beta: beta * omega = 1e-13"),
    ("D1", FIG3R, ["--beta", "nan"], "argument --beta: beta must be finite, got nan"),
    ("D1", FIG1B, ["--shots", "0"], "argument --shots: '0' is out of range: it must be an integer from 1 to 10,000,000"),
    ("D1", FIG1B, ["--seed", "-1"], "argument --seed: '-1' is out of range: it must be an integer >= 0"),
    ("D1", FIG1B, ["--betas", ""], "argument --betas: expected comma-separated numbers"),
    ("D1", FIG1B, ["--betas", "0"], "argument --betas: CollectiveCharging: beta = 0.0; it must be > 0"),
    ("D1", RO, ["--shots", "-1"], "argument --shots: '-1' is out of range"),
    ("D1", RO, ["--cs", "0,2"], "argument --cs: c must lie in [0, 1], got 2.0"),
    ("D1", HW, ["--cases", "n2-0"], "argument --cases: case 'n2-0': expected nN:C (c value) or nN:ground"),
    ("D1", FIG3E, ["--points", "0"], "argument --points: '0' is out of range"),
    ("D1", FIG2E, ["--beta-max", "nan"], "argument --beta-max: beta_max must be finite, got nan"),
    ("D1", FIG2E, ["--beta-max", "1000"], "argument --beta-max: beta_max = 1000 gives the decay rate Gamma-"),
    # D2: wrong physics or endless runs with exit status 0
    ("D2", FIG3E, ["--idle", "-300"], "argument --idle: idle time = -300; it must be >= 0"),
    ("D2", FIG3E, ["--idle", "nan"], "argument --idle: idle time must be finite, got nan"),
    ("D2", FIG3E, ["--recharge", "1e12"], "argument --recharge: recharge time = 1e+12 is 2.54e+09 relaxation times"),
    ("D2", FIG2E, ["--beta-max", "-5"], "argument --beta-max: beta_max = -5; it must be > 0"),
    ("D2", FIG3R, ["--seed", "-1"], "argument --seed: '-1' is out of range: it must be an integer >= 0"),
    ("D2", FIG2E, ["--grid", "1000000000"], "argument --grid: '1000000000' is out of range: it must be an integer from 1 to 200"),
    ("D2", FIG3R, ["--states", "100000000000"], "argument --states: '100000000000' is out of range: it must be an "
                                                "integer from 1 to 100,000"),
    ("D2", FIG3R, ["--min-n", "5", "--max-n", "4"], "--min-n 5 is larger than --max-n 4"),
    ("D2", FIG3R, ["--max-n", "13"], "argument --max-n: '13' is out of range: it must be an integer from 2 to 12"),
    ("D2", FIG4E, ["--cycles-c", "1000"], "argument --cycles-c: '1000' is out of range: it must be an integer from 1 "
                                          "to 163 (61 states per cycle, at most 10,000 states)"),
    ("D2", FIG1B, ["--points", "1001"], "argument --points: '1001' is out of range: it must be an integer from 1 to 1,000"),
    # D3: a typo or an empty result must not replace the saved outputs
    ("D3", HW, ["--cases", "n2:2", "--chargings", "minimall"], "argument --cases: case 'n2:2': c must lie in [0, 1]"),
    ("D3", HW, ["--cases", "n2:1", "--chargings", "minimall"], "argument --chargings: unknown charging 'minimall'"),
    ("D3", HW, ["--chargings", "kraus"], "argument --chargings: unknown charging 'kraus'"),
    ("D3", HW, ["--chargings", "minimal,minimal"], "argument --chargings: 'minimal' is given twice"),
    ("D3", HW, ["--skip", "n3:ground/dilatio"], "argument --skip: 'n3:ground/dilatio': expected CASE/CHARGING"),
    ("D3", HW, ["--cases", "n3:ground", "--chargings", "dilation"], "--skip n3:ground/dilation leaves none of --cases"),
    # D4: --out and every value checked before any work
    ("D4", FIG1, ["--out", "{afile}"], "exists and is not a directory", lambda root: (root / "afile").write_text("x")),
    ("D4", FIG1, ["--out", "{afile}/sub"], "is a file, not a folder", lambda root: (root / "afile").write_text("x")),
    ("D4", FIG1, [], ("error: --out ", "fig1_collective_coherence_ergotropy.png is a folder"), _png_folder),
    ("D4", FIG2C, ["--out", ""], "--out '': an empty path"),
    ("D4", FIG4E, ["--out", "{run}/plots"], ("error: --out ", "lies inside the qbexp run directory"),
     lambda root: _run_dir(root / "run")),
    ("D4", FIG3R, ["--out", "{sweep}"], ("error: --out ", "is a qbexp run or sweep directory"),
     lambda root: _run_dir(root / "sweep", "sweep.json")),
    ("D4", FIG1B, ["--betas", "1,nan"], "argument --betas: beta must be finite, got nan"),
    ("D4", FIG1B, ["--betas", "1,1.0"], "argument --betas: '1.0' is given twice"),
    # D5: --runs inside a run directory
    ("D5", FIG1B, ["--runs", "{run}/runs"], ("error: --runs ", "lies inside the qbexp run directory"),
     lambda root: _run_dir(root / "run")),
    ("D5", RO, ["--runs", "{sweep}/c=0.5"], ("error: --runs ", "lies inside the qbexp sweep directory"),
     lambda root: _run_dir(root / "sweep", "sweep.json")),
    ("D5", HW, ["--runs", "{run}"], ("error: --runs ", "is a qbexp run or sweep directory"),
     lambda root: _run_dir(root / "run")),
    # D6: --out inside --runs: the script's files landed in a run or sweep folder made later (and the
    # same command was then refused); the deeper variant made folders before refusing
    ("D6", FIG1B, ["--runs", "{r}", "--out", "{r}/beta=1.0"], ("error: --out ", "/r/beta=1.0 lies inside --runs ")),
    ("D6", RO, ["--runs", "{r}", "--out", "{r}/c=0.5"], "lies inside --runs"),
    ("D6", HW, ["--runs", "{r}", "--out", "{r}"], "lies inside --runs"),
    ("D6", FIG1B, ["--runs", "{r}", "--out", "{r}/beta=1.0/c=0.0"], "lies inside --runs"),
]


def _fill(arg: str, root: Path) -> str:
    while "{" in arg:
        start, end = arg.index("{"), arg.index("}")
        arg = arg[:start] + str(root / arg[start + 1:end]) + arg[end + 1:]
    return arg


def _refused(module, name, argv, capsys) -> str:
    """``module.main(argv)`` exits with status 2 and one error line (after argparse's usage, if
    any), no traceback: that line."""
    with pytest.raises(SystemExit) as exit_:
        module.main(argv)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith(f"{name}.py: error: "), captured.err
    if len(lines) > 1:  # argparse: the usage (its first line, then indented ones), then the error
        assert lines[0].startswith(f"usage: {name}.py ") and all(line.startswith(" ") for line in lines[1:-1]), captured.err
    assert "Traceback" not in captured.err and "wrote" not in captured.out
    return lines[-1]


@pytest.mark.parametrize("defect, name, argv, fragment, setup", [(*row, None)[:5] for row in REFUSED],
                         ids=[f"{row[0]}-{row[1]}-{'_'.join(row[2])[:40]}" for row in REFUSED])
def test_bad_input_is_refused_before_any_work(script, tmp_path, capsys, monkeypatch, defect, name, argv, fragment, setup):
    from _bad_input import snapshot

    module = script(name)
    out = tmp_path / "out"
    out.mkdir()
    for file in OUTPUTS[name]:  # a previous run's results
        (out / file).write_bytes(f"saved {file}\n".encode())
    for function in WORK[name]:
        monkeypatch.setattr(module, function, lambda *a, **k: pytest.fail("the work started before the refusal"))
    if setup is not None:
        setup(tmp_path)
    before = snapshot(tmp_path)
    line = _refused(module, name, ["--out", str(out), *(_fill(a, tmp_path) for a in argv)], capsys)
    for part in (fragment,) if isinstance(fragment, str) else fragment:
        assert part in line
    assert len(line) < 400
    assert snapshot(tmp_path) == before, "a refused command changed the files"


def test_an_out_folder_that_cannot_be_made_is_refused_before_any_work(script, tmp_path, capsys, monkeypatch):
    """D4: a folder every check lets through but that cannot be made (under /proc, where root
    passes every permission check; here mkdir itself refuses, on any system) is said in one line
    before any work, and nothing is written."""
    from _bad_input import snapshot

    module = script(FIG1)
    for function in WORK[FIG1]:
        monkeypatch.setattr(module, function, lambda *a, **k: pytest.fail("the work started before the refusal"))
    target = tmp_path / "cannot" / "out"

    def refuse(self, *args, **kwargs):
        raise PermissionError(1, "Operation not permitted", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    before = snapshot(tmp_path)
    line = _refused(module, FIG1, ["--out", str(target)], capsys)
    assert line == f"{FIG1}.py: error: --out {target}: the folder cannot be made: Operation not permitted"
    assert snapshot(tmp_path) == before


def test_refused_rows_cover_every_defect():
    assert {row[0] for row in REFUSED} == {"D1", "D2", "D3", "D4", "D5", "D6"} and len(REFUSED) >= 25
    assert {row[1] for row in REFUSED} == set(OUTPUTS)


def test_error_during_the_work_is_one_line_and_writes_nothing(script, tmp_path, capsys, monkeypatch):
    """A qbexp.QbexpError raised once the work has started (the wrapper of every script's main):
    one line, exit status 2, the saved outputs left as they were."""
    import qbexp
    from _bad_input import snapshot

    module = script(FIG1)
    for file in OUTPUTS[FIG1]:
        (tmp_path / file).write_text("saved\n")
    before = snapshot(tmp_path)

    def fail(*args):
        raise qbexp.QbexpError("a check deep in the package\nfailed")

    monkeypatch.setattr(module, "sweep", fail)
    line = _refused(module, FIG1, ["--out", str(tmp_path), "--points", "2"], capsys)
    assert line == f"{FIG1}.py: error: a check deep in the package\\nfailed"
    assert snapshot(tmp_path) == before


def test_outputs_are_written_only_once_everything_is_drawn(script, tmp_path, monkeypatch):
    """A figure that fails to draw leaves the saved CSV and PNG as they were (nothing is written
    before everything is computed and drawn); a valid run replaces them, leaving no temporary file."""
    from _bad_input import snapshot

    module = script(FIG1)
    for file in OUTPUTS[FIG1]:
        (tmp_path / file).write_text("saved\n")
    before = snapshot(tmp_path)
    draw = module.plot

    def broken(rows):
        raise RuntimeError("the figure failed")

    monkeypatch.setattr(module, "plot", broken)
    with pytest.raises(RuntimeError):
        module.main(["--out", str(tmp_path), "--points", "2"])
    assert snapshot(tmp_path) == before
    monkeypatch.setattr(module, "plot", draw)
    csv_path, png_path = module.main(["--out", str(tmp_path), "--points", "2"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(OUTPUTS[FIG1])
    assert csv_path.read_text().startswith("beta,c,") and png_path.read_bytes()[:4] == b"\x89PNG"
