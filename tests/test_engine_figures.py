"""The engine figure scripts (analysis/fig{2,3,4}_engine_*.py) on coarse grids: files written,
and their simulated numbers against the closed forms of Tacchino et al. (Eqs. 12–16)."""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import numpy as np
import pytest

from qbexp.models.engine import two_bath_engine

ANALYSIS = Path(__file__).resolve().parents[1] / "analysis"


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(str(ANALYSIS))
    return importlib.import_module


def read(path, columns):
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == columns
        return [{k: float(v) for k, v in row.items()} for row in reader]


def check_png(path):
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_fig2_map_is_eq13_of_the_rate_equation_ness(script, tmp_path):
    module = script("fig2_engine_ness_map")
    csv_path, png_path = module.main(["--out", str(tmp_path), "--grid", "4", "--beta-max", "3"])
    check_png(png_path)
    rows = read(csv_path, module.COLUMNS)
    assert len(rows) == 16
    for r in rows:
        ap, sp = module.PUMP, module.PUMP
        am, sm = ap * np.exp(r["beta_a"]), sp * np.exp(r["beta_s"])
        up, down = ap + sp, am + sm
        # r_A − r_S of the stationary rate equations (tests/test_engine.py), Eq. 13 when positive
        d = (am**2 * sm + 2 * am**2 * sp + am * ap * sm + am * ap * sp + am * sm**2 + am * sm * sp
             + 2 * am * sp**2 + 2 * ap**2 * sm + ap**2 * sp + 2 * ap * sm**2 + ap * sm * sp + ap * sp**2)
        expected = max(2 * module.LAM * (ap * sm - am * sp) * (down - up) / d, 0.0)
        assert r["ergotropy"] == pytest.approx(expected, rel=1e-6, abs=1e-12)
        assert (r["ergotropy"] > 1e-12) == (r["beta_s"] > r["beta_a"])


def _eq13(module, r):
    """r_A − r_S of the stationary rate equations (tests/test_engine.py), Eq. 13 when positive."""
    ap = sp = module.PUMP
    am, sm = ap * np.exp(r["beta_a"]), sp * np.exp(r["beta_s"])
    up, down = ap + sp, am + sm
    d = (am**2 * sm + 2 * am**2 * sp + am * ap * sm + am * ap * sp + am * sm**2 + am * sm * sp
         + 2 * am * sp**2 + 2 * ap**2 * sm + ap**2 * sp + 2 * ap * sm**2 + ap * sm * sp + ap * sp**2)
    return max(2 * module.LAM * (ap * sm - am * sp) * (down - up) / d, 0.0)


def test_fig2_map_to_its_largest_beta_and_no_further(script, tmp_path, capsys):
    """--beta-max up to the corners' limit gives the map (Eq. 13 at the corners); beyond it, refused
    before any work (the help promised about 21.8, and 18.5 to 21.7 stopped at the first corner
    (0, β_max), its NESS too stiff for the solver, after solving the points before it)."""
    module = script("fig2_engine_ness_map")
    limit = module.largest_beta_max()
    assert 18.2 < limit < 18.35  # the help's "about 18.3"
    csv_path, _ = module.main(["--out", str(tmp_path / "ok"), "--grid", "2", "--beta-max", "18.2"])
    rows = read(csv_path, module.COLUMNS)
    assert [(r["beta_s"], r["beta_a"]) for r in rows] == [(0, 0), (0, 18.2), (18.2, 0), (18.2, 18.2)]
    for r in rows:
        assert r["ergotropy"] == pytest.approx(_eq13(module, r), rel=1e-6, abs=1e-12)
    assert rows[2]["ergotropy"] > 6e-3
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        module.main(["--out", str(tmp_path / "refused"), "--grid", "2", "--beta-max", "19"])
    assert info.value.code == 2 and not (tmp_path / "refused").exists()
    err = capsys.readouterr().err
    assert "the NESS at (beta_S, beta_A) = (0, 19) cannot be solved" in err and f"at most {limit:.2f}" in err
    assert len(err.strip().splitlines()) == 1


def test_fig3_swaps_then_recharges_to_the_ness(script, tmp_path):
    module = script("fig3_engine_cycle")
    csv_path, png_path = module.main(["--out", str(tmp_path), "--points", "60"])
    check_png(png_path)
    rows = read(csv_path, module.COLUMNS)
    before, at, after, last = rows[0], rows[1], rows[2], rows[-1]
    assert before["time"] == -300 and at["time"] == after["time"] == 0 and last["time"] == 3000
    assert before["r_gg"] > before["r_A"] > before["r_S"] > before["r_ee"]  # Eq. 12
    assert (after["r_A"], after["r_S"]) == pytest.approx((at["r_S"], at["r_A"]), rel=1e-12)
    assert after["ergotropy"] == pytest.approx(0, abs=1e-15)
    assert at["energy"] - after["energy"] == pytest.approx(at["ergotropy"], rel=1e-9)
    for key in ("r_gg", "r_S", "r_A", "r_ee"):
        assert last[key] == pytest.approx(before[key], abs=1e-4)


def test_fig3_without_an_idle_phase_starts_at_zero_not_minus_zero(script, tmp_path):
    module = script("fig3_engine_cycle")
    csv_path, _ = module.main(["--out", str(tmp_path), "--points", "20", "--idle", "0"])
    first = csv_path.read_text().splitlines()[1]
    assert not first.startswith("-"), first


def test_fig4_panels(script, tmp_path):
    module = script("fig4_engine_performance")
    csv_paths, png_path = module.main(["--out", str(tmp_path), "--taus", "3", "--cycles", "6", "--cycles-c", "2"])
    check_png(png_path)
    a, b, c = (read(path, module.COLUMNS[k]) for path, k in zip(csv_paths, "abc"))
    eta0, p0 = module.short_cycle_limits(two_bath_engine())
    assert [r["tau"] for r in a] == pytest.approx([1.0, 100.0, 1e4])
    assert a[0]["efficiency"] == pytest.approx(eta0, rel=1e-5)  # Eq. 16, ΣΓτ = 5e-3
    assert a[0]["power"] == pytest.approx(p0, rel=1e-5)  # Eq. 14 / τ
    assert a[0]["efficiency"] > a[1]["efficiency"] > a[2]["efficiency"]
    assert len(b) == 6 * len(module.TAUS_B)
    first = [r["work"] for r in b if r["cycle"] == 1]
    assert first == pytest.approx([first[0]] * len(first), rel=1e-12)  # every τ starts by discharging the NESS
    assert len(c) == 2 * 61 + 1 and c[-1]["time"] == 2 * module.TAU_C
