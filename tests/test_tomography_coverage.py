"""Coverage of the 95 % intervals of estimate_figures: one hard cell per failure mode.

Counts are multinomial draws from the exact Born probabilities (equivalent to an ideal
simulator, which test_tomography.py runs with Aer).  Each cell has >= 300 repetitions, so
its Monte Carlo error is ~0.013 and the window [0.92, 0.98] fails an interval that covers
0.90 or less.  Before -> after (benchmarks/coverage.py has the whole grid):

* ergotropy just above zero (W = 0.018, 2-qubit battery, 4000 shots): 0.86 (two-reference
  calibration) -> ~0.95 (test inversion, qbexp.analysis.intervals);
* ergotropy at zero (Gibbs state): the plain percentile interval lies above 0 (coverage 0);
* fidelity of a depolarised (p = 0.3) device state to the exact state: 0.49 (calibrated
  at the exact state) -> ~0.95;
* N = 5: the nonlinear figures decline to give an interval.
"""

from __future__ import annotations

import numpy as np

from qbexp.analysis import born_probabilities, estimate_figures, simulate_counts
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state, thermal_state
from qbexp.thermo import ergotropy, fidelity

REPETITIONS = 300
RESAMPLES = 79  # (B + 1) * 0.025 = 2: the Monte Carlo tests have exact size


def coverage(rho, h, figure, target, shots, exact=None, reps=REPETITIONS, method="calibrated"):
    p = born_probabilities(rho)
    hits, errors = [], []
    for rep in range(reps):
        est = estimate_figures(simulate_counts(p, shots, seed=rep), h, exact_state=exact, seed=10_000 + rep,
                               n_resamples=RESAMPLES, method=method, figures=[figure])[figure]
        lo, hi = est["ci95"]
        hits.append(lo <= target <= hi)
        errors.append(est["value"] - target)
    return float(np.mean(hits)), float(np.mean(errors))


def battery():
    model = collective_battery(2, beta=1.0)
    return model, model.battery_matrix()


def test_ergotropy_just_above_zero_covers():
    model, h = battery()
    rho = steady_state(model, c_family_state(0.59))
    w = ergotropy(rho, h)
    assert 0.01 < w < 0.03
    cov, err = coverage(rho, h, "ergotropy", w, 4000)
    print(f"\nW = {w:.4f}, 4000 shots: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98
    assert abs(err) < 0.003


def test_fidelity_of_a_noisy_device_state_covers_its_value():
    model, h = battery()
    exact = steady_state(model, c_family_state(0.25))
    device = 0.7 * exact + 0.3 * np.eye(4) / 4
    f = fidelity(device, exact)
    cov, err = coverage(device, h, "fidelity", f, 1000, exact=exact)
    print(f"\nF(device, exact) = {f:.4f}: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98


def test_percentile_interval_of_a_passive_state_lies_above_zero():
    """Why the plain bootstrap is not used: noise makes a passive state look active."""
    _, h = battery()
    cov, err = coverage(thermal_state(h, 1.0), h, "ergotropy", 0.0, 1000, reps=40, method="percentile")
    assert cov < 0.2 and err > 0.003


def test_five_qubits_decline_an_interval():
    model = collective_battery(5, beta=1.0)
    h = model.battery_matrix()
    rho = thermal_state(h, 1.0)
    est = estimate_figures(simulate_counts(born_probabilities(rho), 200, seed=0), h, exact_state=rho, seed=1,
                           n_resamples=20)
    for name in ("ergotropy", "coherence_l1", "coherence_rel_entropy", "fidelity"):
        assert est[name]["ci95"] is None and "note" in est[name], est[name]
        assert np.isfinite(est[name]["value"])
    assert est["energy"]["ci95"][0] <= est["energy"]["value"] <= est["energy"]["ci95"][1]
