"""The l1 coherence's 95 % interval covers, and its value is not the plug-in's noise bias.

Hard cell (benchmarks/coverage.py has the grid): the 2-qubit battery's steady state for
c = 0.25 at β = 1 has one coherent pair (|01>, |10>) and ten zero off-diagonal entries,
each of which the linear-inversion estimate fills with noise of the size of its standard
error; at 4000 shots the plug-in l1 sits 4 sd above the exact C_l1 = |c Z/Z₊ − 1| (Cakmak
Eq. 9).  The interval through the raw estimate covered 0.62-0.73; through the debiased
coherences (qbexp.analysis.figures.debiased_coherences) 0.947 over 300 repetitions.
Window [0.92, 0.98] with 300 repetitions (Monte Carlo error 0.013) fails an interval that
covers 0.90 or less.
"""

from __future__ import annotations

import numpy as np

from qbexp.analysis import born_probabilities, estimate_figures, simulate_counts
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import coherence_l1


def test_l1_coherence_covers_where_noise_coherences_bias_the_plug_in():
    beta, c = 1.0, 0.25
    model = collective_battery(2, beta=beta)
    h = model.battery_matrix()
    rho = steady_state(model, c_family_state(c))
    x = np.exp(-beta)
    exact = abs(c * (1 + x) ** 2 / (1 + x + x * x) - 1)  # Eq. 9
    assert abs(coherence_l1(rho) - exact) < 1e-9
    p = born_probabilities(rho)
    hits, values, plug_ins = [], [], []
    for rep in range(300):
        est = estimate_figures(simulate_counts(p, 4000, seed=50_000 + rep), h, seed=rep, n_resamples=79,
                               figures=["coherence_l1"])["coherence_l1"]
        hits.append(est["ci95"][0] <= exact <= est["ci95"][1])
        values.append(est["value"])
        plug_ins.append(est["plug_in"])
    cov = float(np.mean(hits))
    print(f"\nC_l1 = {exact:.4f}: coverage {cov:.3f}, mean value {np.mean(values):.4f}, plug-in {np.mean(plug_ins):.4f}")
    assert np.mean(plug_ins) - exact > 0.04  # the bias the interval must handle is there
    assert 0.92 <= cov <= 0.98
    assert abs(np.mean(values) - exact) < 0.01
