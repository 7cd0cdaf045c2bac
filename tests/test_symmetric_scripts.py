"""analysis/fig3_collective_random.py and analysis/fig2_collective_scaling.py (symmetric solver)
run end to end on small inputs; their numbers agree with Çakmak's closed forms where there is
one (N = 2 at β → 0: W = ω C_l1, Eq. 13; ground states: Eqs. 16–17)."""

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


def read(path):
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        return reader.fieldnames, list(reader)


def test_fig3_script(script, tmp_path):
    module = script("fig3_collective_random")
    module.main(["--out", str(tmp_path), "--states", "300", "--max-n", "4", "--compare-states", "40", "--seed", "3"])
    names, rows = read(tmp_path / "fig3_collective_random.csv")
    assert names == ["n", "states", "coherence_l1_mean", "coherence_l1_std", "ergotropy_mean", "ergotropy_std"]
    assert [int(r["n"]) for r in rows] == [2, 3, 4]
    two = rows[0]
    assert float(two["ergotropy_mean"]) == pytest.approx(float(two["coherence_l1_mean"]), rel=1e-12)  # Eq. 13
    names, rows = read(tmp_path / "fig3_collective_random_ensembles.csv")
    assert sorted({r["ensemble"] for r in rows}) == ["bures", "haar", "hs"]
    png = tmp_path / "fig3_collective_random.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_fig2_script_beyond_n7(script, tmp_path):
    module = script("fig2_collective_scaling")
    csv_path, _ = module.main(["--out", str(tmp_path), "--max-n", "120"])
    _, rows = read(csv_path)
    ns = [int(r["n"]) for r in rows]
    assert ns[:29] == list(range(2, 31)) and ns[-1] == 120
    for r in rows:
        n = int(r["n"])
        assert float(r["coherence_l1"]) == pytest.approx((2.0**n - n - 1) / (n + 1), rel=1e-10)
        assert float(r["ergotropy"]) == pytest.approx(n * (n - 1) / (2 * (n + 1)), rel=1e-10)
    assert module.eq16(50, 0.3) == pytest.approx((np.exp(-0.3) - 1) * (np.exp(-0.3) + 1) ** 50
                                                  / (np.exp(-0.3 * 51) - 1) - 1, rel=1e-10)


def _eq16_in_rationals(n, beta):
    """Eq. 16's sum Σ_k r^k (C(N, k) − 1)/Σ_k r^k in exact rational arithmetic (r = e^{−β} as a float)."""
    import math
    from fractions import Fraction

    r = Fraction(math.exp(-beta))
    return float(sum(r**k * (math.comb(n, k) - 1) for k in range(n + 1)) / sum(r**k for k in range(n + 1)))


def test_fig2_script_at_low_temperature_keeps_the_tiny_coherences(script, tmp_path):
    """β = 40: C_l1 ≈ (N − 1) e^{−40} ~ 1e-17 beside populations of ~1. The simulated points for
    N ≤ 6 (dense figures: all entries less the diagonal) and the Eq. 16 curve (its sum less 1)
    both cancelled to exactly 0, so the log plot dropped them; the title said "high-temperature
    limit" at every β."""
    module = script("fig2_collective_scaling")
    csv_path, png_path = module.main(["--out", str(tmp_path), "--max-n", "9", "--beta", "40"])
    _, rows = read(csv_path)
    assert [int(r["n"]) for r in rows] == list(range(2, 10))
    for r in rows:
        n = int(r["n"])
        assert float(r["coherence_l1"]) == pytest.approx(_eq16_in_rationals(n, 40.0), rel=1e-12)
        assert module.eq16(n, 40.0) == pytest.approx(_eq16_in_rationals(n, 40.0), rel=1e-12)
    assert module.eq16(5, 0.7) == pytest.approx(_eq16_in_rationals(5, 0.7), rel=1e-12)
    title = module.plot([[float(r[c]) for c in module.COLUMNS] for r in rows], 40.0)._suptitle.get_text()
    assert "40" in title and "high-temperature" not in title
