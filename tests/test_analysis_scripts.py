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
    runs = tmp_path / "fig1b_shots_runs" / "kraus_shots=300_seed=4" / "beta=1.0"
    assert sorted(p.name for p in runs.iterdir()) == ["c=0.0", "c=0.5", "c=1.0", "sweep.csv", "sweep.json", "sweep.png"]


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
