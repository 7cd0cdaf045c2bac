"""Coverage of the 95 % intervals of estimate_figures: one hard cell per failure mode.

Counts are multinomial draws from the exact Born probabilities (equivalent to an ideal
simulator, which test_tomography.py runs with Aer).  Each cell has >= 300 repetitions, so
its Monte Carlo error is ~0.013 and the window [0.92, 0.98] fails an interval that covers
0.90 or less.  Before -> after (benchmarks/coverage.py has the whole grid):

* ergotropy just above zero (W = 0.018, 2-qubit battery, 4000 shots): 0.86 (two-reference
  calibration) -> ~0.95 (test inversion, qbexp.analysis.intervals);
* ergotropy at zero (Gibbs state): the plain percentile interval lies above 0 (coverage 0);
  the equal-tailed test inversion excluded 0 in only 0.021 of the data sets (coverage 0.979,
  its far side cannot miss there) -> 0.049 with the unified (Feldman-Cousins) ordering;
* fidelity of a depolarised (p = 0.3) device state to the exact state: 0.49 (calibrated
  at the exact state) -> ~0.95;
* fidelity close to 1 (N = 3, p = 0.1): 0.990-0.995 with the far-side guard that the family
  through the projected estimate needed -> ~0.95 through the matched spectrum;
* fidelity of a coherent error along its least favourable direction (N = 2, F = 0.994): 0.946
  (a noise-free family direction, which the depolarised state would prefer: 0.907);
* fidelity of the depolarised state at that F (N = 2, p = 0.1): 0.983, and F = 1 excluded in
  only 0.12 of the data sets, with the plain statistic -> ~0.95 and 0.99 studentized;
* the same state's data sets with a zero entry of the deviation past the two-standard-error cut
  (13 %): 0.865 with that family alone (the oracle 0.895) -> 0.915 united with the strict cut's;
* the far side of the ergotropy at N = 3 (a population inversion, W = 0.02): the truth lies
  above the interval in 0.060 of the data sets with the main family alone (0.929), in 0.000
  with the earlier guard W_obs + 1.96 sd (0.989), in 0.015 with the second family (0.974);
* ergotropy at the maximally mixed state (every level degenerate, the least favourable W = 0
  state): 0.876 (N = 2; N = 3 0.757) with a W = 0 reference that kept the noise's gaps between
  levels -> ~0.94 with the steps within noise made degenerate;
* the strongly active N = 3 state (W = 0.74): 0.910 with the family through the matched
  spectrum alone (its nuisance estimated from the data) -> ~0.95 with the hull of that family
  and the one through the projected estimate;
* N = 5: the nonlinear figures decline to give an interval.
"""

from __future__ import annotations

import numpy as np
import pytest

from qiskit.quantum_info import DensityMatrix, Kraus
from scipy.optimize import brentq
from scipy.stats import norm

from qbexp.analysis import DEFAULT_RESAMPLES, born_probabilities, estimate_figures, simulate_counts
from qbexp.analysis.estimators import fit_states
from qbexp.analysis.intervals import TAIL_GRID, _Curve, unified_low_tail
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state, initial_state, thermal_state
from qbexp.thermo import ergotropy, fidelity

REPETITIONS = 300
RESAMPLES = TAIL_GRID - 1  # B = 79, the grid itself: the Monte Carlo tests have exact size


def estimates(rho, h, figure, shots, exact=None, reps=REPETITIONS, method="calibrated") -> list:
    """``figure``'s estimate (value and interval) from each of ``reps`` seeded data sets of ``rho``."""
    p = born_probabilities(rho)
    return [estimate_figures(simulate_counts(p, shots, seed=rep), h, exact_state=exact, seed=10_000 + rep,
                             n_resamples=RESAMPLES, method=method, figures=[figure])[figure] for rep in range(reps)]


def coverage(rho, h, figure, target, shots, exact=None, reps=REPETITIONS, method="calibrated"):
    """Share of the intervals that hold ``target``, and the mean error of the value."""
    found = estimates(rho, h, figure, shots, exact, reps, method)
    hits = [est["ci95"][0] <= target <= est["ci95"][1] for est in found]
    return float(np.mean(hits)), float(np.mean([est["value"] - target for est in found]))


def coverage_and_above(rho, h, w, shots=1000):
    """Share of the ergotropy intervals that hold ``w``, and share with ``w`` above the interval."""
    intervals = [est["ci95"] for est in estimates(rho, h, "ergotropy", shots)]
    return (float(np.mean([lo <= w <= hi for lo, hi in intervals])),
            float(np.mean([w > hi for _, hi in intervals])))


def battery():
    model = collective_battery(2, beta=1.0)
    return model, model.battery_matrix()


def test_ergotropy_just_above_zero_covers(measured):
    model, h = battery()
    rho = steady_state(model, c_family_state(0.59))
    w = ergotropy(rho, h)
    assert 0.01 < w < 0.03
    cov, err = coverage(rho, h, "ergotropy", w, 4000)
    measured(f"W = {w:.4f}, 4000 shots: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98
    assert abs(err) < 0.003


def test_fidelity_of_a_noisy_device_state_covers_its_value(measured):
    model, h = battery()
    exact = steady_state(model, c_family_state(0.25))
    device = 0.7 * exact + 0.3 * np.eye(4) / 4
    f = fidelity(device, exact)
    cov, err = coverage(device, h, "fidelity", f, 1000, exact=exact)
    measured(f"F(device, exact) = {f:.4f}: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98


def test_fidelity_close_to_one_covers_and_tells_the_states_apart(measured):
    """N = 2, the exact state depolarised by p = 0.1 (F = 0.994, 1000 shots), 2.3 standard
    deviations of the estimated fidelity from F = 1.  With the plain statistic F_hat the family
    through the estimate (direction noisier than the truth's) covered 0.983 and excluded F = 1
    in 0.12 of the data sets; the studentized test (qbexp.analysis.delta, intervals module
    docstring "Studentized fidelity") through the debiased deviation covers 0.949 and excludes
    F = 1 in 0.99, on the Bures angle and united with the strict cut's family 0.965 and 0.99
    (1000 repetitions, benchmarks/coverage.py)."""
    model, h = battery()
    exact = steady_state(model, c_family_state(0.25))
    device = 0.9 * exact + 0.1 * np.eye(4) / 4
    f = fidelity(device, exact)
    found = estimates(device, h, "fidelity", 1000, exact=exact)
    cov = float(np.mean([lo <= f <= hi for lo, hi in (est["ci95"] for est in found)]))
    excludes_one = float(np.mean([est["ci95"][1] < 1.0 for est in found]))
    measured(f"N = 2, F(device, exact) = {f:.4f}: coverage {cov:.3f}, F = 1 excluded in {excludes_one:.3f}")
    assert 0.92 <= cov <= 0.98
    assert excludes_one > 0.9


def test_fidelity_covers_where_a_zero_pair_of_the_deviation_passes_the_cut(measured, monkeypatch):
    """The same state: data sets in which an off-diagonal entry of the deviation (in the exact
    state's eigenbasis), zero in the truth, passes the two-standard-error cut of
    figures.debiased_deviation (13 % of them).  That family counts the pair's noise as part of
    the state's deviation, so the fidelity it attributes to the state is too low and the
    interval lies below the truth; the union with the family through the strict cut
    (figures.STRICT_SIGNIFICANT, as the l1 coherence's) covers.  Selected on a large noise
    entry, the plug-in is itself low, so even the oracle interval (the exact sampling
    distribution of the plug-in at the truth, ``[F - q97.5(D), F - q2.5(D)]``) covers only ~0.9
    of them; the test compares with the oracle on the same data sets.  Measured, 200 data sets:
    oracle 0.895, two-standard-error family alone 0.865, union 0.915 (10 gained, none lost);
    with the test on the Bures angle 0.885 / 0.935.
    The same mechanism undercovered the aer-noisy device state c:0.25 minimal (F = 0.9985):
    four seeds pooled 0.940 +- 0.004 -> 0.953 +- 0.003 (benchmarks/README.md)."""
    from qbexp.analysis import TomographyData, fit_states
    from qbexp.analysis import figures

    model, h = battery()
    exact = steady_state(model, c_family_state(0.25))
    device = 0.9 * exact + 0.1 * np.eye(4) / 4  # commutes with the exact state: a diagonal deviation
    f = fidelity(device, exact)
    _, vecs = np.linalg.eigh(exact)
    p = born_probabilities(device)
    rng = np.random.default_rng(80_000)
    variance = np.var(vecs.conj().T @ fit_states(rng.multinomial(1000, p, size=(400, p.shape[0])), "linear") @ vecs,
                      axis=0)  # of every entry in the exact state's eigenbasis
    counts = rng.multinomial(1000, p, size=(8000, p.shape[0]))
    fits = fit_states(counts, "linear")
    plug_ins = fidelity(fits, exact)
    deviations = plug_ins - f
    oracle = (plug_ins - np.percentile(deviations, 97.5) <= f) & (f <= plug_ins - np.percentile(deviations, 2.5))
    off = ~np.eye(4, dtype=bool)
    past = np.any(np.abs(vecs.conj().T @ fits @ vecs)[:, off] ** 2 > figures.SIGNIFICANT * variance[off], axis=1)
    chosen = np.flatnonzero(past)[:200]

    def hits():
        found = [estimate_figures(TomographyData(counts[rep]), h, exact_state=exact, seed=int(rep), n_resamples=79,
                                  figures=["fidelity"])["fidelity"]["ci95"] for rep in chosen]
        return np.array([lo <= f <= hi for lo, hi in found])

    union = hits()
    monkeypatch.setattr(figures, "STRICT_SIGNIFICANT", figures.SIGNIFICANT)  # the two-standard-error family alone
    alone = hits()
    measured(f"F = {f:.4f}, {len(chosen)} data sets with a zero pair past the cut ({past.mean():.3f} of all): "
             f"union {union.mean():.3f}, two-standard-error family alone {alone.mean():.3f}, "
             f"oracle {oracle[chosen].mean():.3f} (all data sets {oracle.mean():.3f})")
    assert len(chosen) == 200
    assert abs(np.mean(oracle) - 0.95) < 0.01  # the oracle is exact over all data sets
    assert union.mean() - oracle[chosen].mean() > -0.03
    assert np.sum(union & ~alone) >= 5  # the strict family is what covers them


def test_fidelity_close_to_one_is_not_overcovered(measured):
    """N = 3, the haar:2 steady state depolarised by p = 0.1 (F = 0.987, 1000 shots): the family
    through the projected estimate needed the far-side guard here, which made the cell cover
    0.990-0.995 (and 0.943 without it, misses on the low-F side); through the matched spectrum
    (figures.MATCHED) without the guard 0.963 (1000 repetitions, benchmarks/README.md)."""
    model = collective_battery(3, beta=1.0)
    h = model.battery_matrix()
    exact = steady_state(model, initial_state("haar:2", 3))
    device = 0.9 * exact + 0.1 * np.eye(8) / 8
    f = fidelity(device, exact)
    assert 0.98 < f < 0.99
    cov, err = coverage(device, h, "fidelity", f, 1000, exact=exact)
    measured(f"N = 3, F(device, exact) = {f:.4f}: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98


def test_fidelity_holds_for_a_coherent_error_along_its_least_favourable_direction(measured):
    """N = 2: the exact state turned by exp(-i theta G), G = |v0><v1| + h.c. on its two smallest
    eigenvectors, to the fidelity of the p = 0.1 depolarised state (F = 0.994, 1000 shots).
    At a given F the estimated fidelity is noisiest along this direction (sd 0.0082, against
    0.0027 for the depolarised state), and the family takes that direction (the nuisance) from
    the estimate: with the plain statistic this cell covered 0.946 where the depolarised one
    covered 0.982 (1000 repetitions, benchmarks/coverage.py).  It is the cell that fails the
    shortcuts to 0.95 on the depolarised one: a family whose direction keeps only the diagonal of
    the deviation in the exact state's eigenbasis (the noise's off-diagonals removed) covered this
    state 0.903 on these seeds (0.907 at 1000; the depolarised one still 0.977), and tests of
    exactly 5 % size near the boundary (intervals._Curve.quantile) 0.927 at 1000.  The
    studentized test through the debiased deviation (intervals module docstring) keeps it; on the
    fidelity itself it was conservative here (0.984 with the strict cut's union), on the Bures
    angle 0.961 (1000 repetitions; 0.943 on these 300)."""
    from scipy.linalg import expm

    model, h = battery()
    exact = steady_state(model, c_family_state(0.25))
    target = fidelity(0.9 * exact + 0.1 * np.eye(4) / 4, exact)
    _, vecs = np.linalg.eigh(exact)
    g = np.outer(vecs[:, 0], vecs[:, 1].conj())
    g = g + g.conj().T

    def turned(theta):
        return expm(-1j * theta * g) @ exact @ expm(1j * theta * g)

    theta = brentq(lambda x: fidelity(turned(x), exact) - target, 0.0, np.pi / 2)
    device = turned(theta)
    cov, err = coverage(device, h, "fidelity", target, 1000, exact=exact)
    measured(f"turned by {theta:.3f}, F(device, exact) = {target:.4f}: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98


def test_fidelity_covers_a_device_state_purer_than_the_exact_one(measured):
    """N = 2: the exact state with its smallest eigenvalue (0.0225) removed, F = 0.9775, 1000
    shots.  The estimates' noise fills that direction whether the weight is there or not, so the
    family through the estimated deviation (full rank) took the data for a state further from
    the exact one and the interval lay below the truth: 0.861 (0.107 below it, 1000 repetitions).
    With the segment to the thinned exact state in the union (figures.thinned_reference)
    0.968; on these 300 data sets 0.883 -> 0.963."""
    model, h = battery()
    exact = steady_state(model, c_family_state(0.25))
    w, v = np.linalg.eigh(exact)
    w[0] = 0.0
    device = (v * (w / w.sum())) @ v.conj().T
    f = fidelity(device, exact)
    assert 0.97 < f < 0.985
    cov, err = coverage(device, h, "fidelity", f, 1000, exact=exact)
    measured(f"F(device, exact) = {f:.4f}: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98


def test_fidelity_covers_a_rank_deficient_device_state_off_the_exact_eigenvectors(measured):
    """N = 3: the device state is the projected estimate of one 1000-shot data set (seed 0) from
    the exact state with every qubit amplitude-damped (T1) to the fidelity of p = 0.1: rank 6,
    its null space off the exact state's eigenvectors, F = 0.958.  The thinned exact state
    (eigenvectors of the exact state) misses it, and the interval lay above the truth: 0.725
    (0.275 above it; 1000 repetitions, benchmarks/coverage.py ``fid N=3 projected``).  With the
    whole family to the exact state without the data's own null space
    (figures.thinned_reference, directions="data") 0.938."""
    model = collective_battery(3, beta=1.0)
    h = model.battery_matrix()
    exact = steady_state(model, initial_state("haar:2", 3))
    target = fidelity(0.9 * exact + 0.1 * np.eye(8) / 8, exact)

    def damped(g):
        state = DensityMatrix(exact)
        for q in range(3):
            state = state.evolve(Kraus([np.array([[1, 0], [0, np.sqrt(1 - g)]]),
                                        np.array([[0, np.sqrt(g)], [0, 0]])]), qargs=[q])
        return state.data
    t1 = damped(brentq(lambda g: fidelity(damped(g), exact) - target, 0.0, 0.5, xtol=1e-12))
    counts = np.random.default_rng(0).multinomial(1000, born_probabilities(t1))
    device = fit_states(counts[None], "linear")[0]
    assert np.sum(np.linalg.eigvalsh(device) > 1e-9) == 6
    f = fidelity(device, exact)
    cov, err = coverage(device, h, "fidelity", f, 1000, exact=exact)
    measured(f"N = 3, rank 6, F(device, exact) = {f:.4f}: coverage {cov:.3f}, mean error {err:+.5f}")
    assert 0.92 <= cov <= 0.98


def inverted_pair_state(h, delta):
    """The Gibbs state (beta = 1) with one population of the first excited level and one of the
    second set to their mean -/+ delta / 2: ergotropy from a population inversion of a nearly
    degenerate pair on adjacent levels, with no coherence (``W = delta`` for ``omega = 1``)."""
    energies = np.real(np.diag(h))
    p = np.real(np.diag(thermal_state(h, 1.0))).copy()
    levels = np.unique(np.round(energies, 9))
    a = int(np.flatnonzero(np.isclose(energies, levels[1]))[0])
    b = int(np.flatnonzero(np.isclose(energies, levels[2]))[0])
    mean = (p[a] + p[b]) / 2
    p[a], p[b] = mean - delta / 2, mean + delta / 2
    return np.diag(p).astype(complex)


def test_far_side_holds_for_a_population_inversion_at_three_qubits(measured):
    """Data from a population inversion often look like noise coherences, whose family never
    inverts the pair; near W = 0 the ergotropy's interval therefore unites the far end of a
    second family that does (qbexp.analysis.intervals.inversion_family).  N = 3, a pair
    0.088 / 0.108 inverted across adjacent levels of the Gibbs state, W = 0.02, 1000 shots,
    1000 repetitions (benchmarks/README.md): the main family alone 0.929, the truth above the
    interval in 0.060 of the data sets (at most 0.025 allowed: the unified ordering puts at
    most 2.5 % on that side); the earlier guard W_obs + 1.96 sd 0.989, above 0.000
    (conservative: it ignores the plug-in's upward bias); the second family 0.974, above
    0.015 (0.015 again with the reference of the test at W = 0 built from the unprojected
    inversion).  300 repetitions, so the share above may exceed 0.025 by its Monte Carlo
    error, 0.009 (10 misses; at a true 0.015, 11 or more have probability ~0.005; 8 or more,
    the earlier window's failure, ~0.09); on these seeds, with the current reference, 15 (0.050)
    with the main family alone, 8 (0.027, coverage 0.963) with the family (5 with the earlier
    reference), 0 with the guard.  The family spends part of that side's 2.5 %, the guard
    spent none."""
    h = collective_battery(3, beta=1.0).battery_matrix()
    rho = inverted_pair_state(h, 0.02)
    w = ergotropy(rho, h)
    assert abs(w - 0.02) < 1e-9
    cov, share = coverage_and_above(rho, h, w)
    measured(f"N = 3 inverted pair, W = {w:.3f}: coverage {cov:.3f}, truth above the interval {share:.3f}")
    assert share <= 0.025 + np.sqrt(0.025 * 0.975 / REPETITIONS)  # the allowed 2.5 %, within its Monte Carlo error
    assert share > 0  # not a bound that ignores the bias, as the guard did: at 0.015, no miss in 300 has P ~ 0.01
    assert cov >= 0.92


@pytest.mark.parametrize("mu", [0.0, 0.3, 0.5, 1.0, 1.5, 1.9, 2.5])
def test_unified_low_tail_is_the_feldman_cousins_region(mu):
    """Against a brute-force likelihood-ratio ordering of a fine grid (Feldman & Cousins 1998)."""
    x = np.linspace(-30.0, 30.0, 600_001)
    ratio = norm.logpdf(x, mu) - norm.logpdf(x, np.maximum(0.0, x))
    order = np.argsort(-ratio, kind="stable")
    mass = np.cumsum(norm.pdf(x[order], mu)) * (x[1] - x[0])
    accepted = order[: np.searchsorted(mass, 0.95) + 1]
    assert unified_low_tail(mu) == pytest.approx(norm.cdf(x[accepted].min() - mu), abs=2e-5)
    assert (unified_low_tail(mu) == 0.025) == (mu >= 1.96)


class _Ranks(_Curve):
    """A curve whose ``draws`` sorted simulated values are their ranks 1..B: a quantile is its rank."""

    def __init__(self, draws):
        self.floor, self.draws = 0.0, draws

    def at(self, t):
        return np.arange(1.0, self.draws + 1)


@pytest.mark.parametrize("draws", [39, 79, 159, 300, 319, 1000])
def test_tests_reject_the_shares_of_the_grid_of_79_draws_whatever_their_number(draws):
    """A Monte Carlo test that rejects above the k-th of B draws has size (B + 1 - k) / (B + 1)
    (below the k-th: k / (B + 1)).  Each tail's share is a multiple of 1/80 (intervals.TAIL_GRID),
    rounded down: exactly where B + 1 is a multiple of 80, at most (and within 1 / (B + 1)) where
    not, so near the boundary (0 < low tail < 0.025) the margin is the 1/80 of B = 79, at which
    the intervals were calibrated, not 1 / (B + 1): at the old default B = 300 the turned state's
    fidelity covered 0.936 / 0.946 (two seeds), at B = 319 on the grid 0.947 / 0.952 (B = 79:
    0.951; 1000 repetitions each)."""
    curve = _Ranks(draws)
    for low in np.linspace(0.0, 0.025, 201):
        upper = (draws + 1 - curve.quantile(0.0, 1.0 - (0.05 - low))) / (draws + 1)
        lower = curve.quantile(0.0, low) / (draws + 1)
        grid_upper = np.floor(round((0.05 - low) * TAIL_GRID, 9)) / TAIL_GRID
        grid_lower = np.floor(round(low * TAIL_GRID, 9)) / TAIL_GRID
        if (draws + 1) % TAIL_GRID == 0:
            assert (upper, lower) == pytest.approx((grid_upper, grid_lower), abs=1e-12)
        else:
            assert grid_upper - 1 / (draws + 1) - 1e-12 <= upper <= grid_upper + 1e-12
            assert grid_lower - 1 / (draws + 1) - 1e-12 <= lower <= grid_lower + 1e-12
    assert TAIL_GRID == 80 and (DEFAULT_RESAMPLES + 1) % TAIL_GRID == 0  # the default: exactly the grid's sizes
    if draws == 79:  # one-sided at the boundary, one step lost just inside it, central from 1.96 sd
        sizes = [(80 - curve.quantile(0.0, 1.0 - (0.05 - a)) + (curve.quantile(0.0, a) if a else 0)) / 80
                 for a in (0.0, 0.005, 0.025)]
        assert sizes == pytest.approx([0.05, 0.0375, 0.05])


def test_unified_low_tail_is_continuous_and_defined_everywhere():
    mus = np.concatenate([[0.0, 1e-12, 1e-7, 2e-6, 1e-5, 1e-4], np.linspace(0.001, 3.0, 400), [np.inf]])
    tails = np.array([unified_low_tail(mu) for mu in mus])
    assert np.all(np.diff(tails) >= -1e-12) and tails[0] == 0.0 and tails[-1] == 0.025
    assert np.max(np.abs(np.diff(tails[6:-1]))) < 1e-3  # no jump on the fine grid


def _level_spread(rho, h):
    """Sum over the degenerate levels of H of the squared deviations of the eigenvalues of the
    level's block of ``rho`` from their mean."""
    energies = np.round(np.diag(h).real, 9)  # the collective battery's H is diagonal
    total = 0.0
    for e in np.unique(energies):
        idx = np.flatnonzero(energies == e)
        lam = np.linalg.eigvalsh(rho[np.ix_(idx, idx)])
        total += np.sum((lam - lam.mean()) ** 2)
    return total


def test_despread_passive_reference_removes_the_noise_spread_only():
    """nearest_passive_state(..., unprojected, around): the noise part of each level's eigenvalue
    spread is removed, a real spread is kept.  Gibbs state of N = 3 (each level's eigenvalues equal):
    the reference's spread falls far below the estimate's; the 2-qubit steady state at c = 0.59
    (its E = 0 level holds 0.41 and 0.144, spread 0.0353): the reference's spread kept to 3 %."""
    from qbexp.analysis.bootstrap import simulated_states
    from qbexp.analysis.estimators import UNPROJECTED, fit_states
    from qbexp.analysis.intervals import nearest_passive_state

    def spreads(rho, h, shots, seed):
        counts = np.random.default_rng(seed).multinomial(shots, born_probabilities(rho))
        estimate, unprojected = fit_states(counts, "linear"), fit_states(counts, UNPROJECTED)
        around = simulated_states(estimate, np.full(counts.shape[0], shots), UNPROJECTED, 79,
                                  np.random.default_rng(seed + 1))
        return (_level_spread(estimate, h), _level_spread(nearest_passive_state(estimate, h), h),
                _level_spread(nearest_passive_state(estimate, h, unprojected, around), h))

    h3 = collective_battery(3, beta=1.0).battery_matrix()
    gibbs = [spreads(thermal_state(h3, 1.0), h3, 1000, seed) for seed in range(8)]
    raw, passive, despread = np.mean(gibbs, axis=0)
    assert raw > 1e-4 and passive > 0.5 * raw  # noise spreads the equal eigenvalues ...
    assert despread < 0.3 * raw  # ... and the despread reference removes most of it

    model, h2 = battery()
    rho = steady_state(model, c_family_state(0.59))
    assert _level_spread(rho, h2) == pytest.approx(0.5 * (0.41 - 0.1444) ** 2, rel=1e-2)
    _, passive, despread = np.mean([spreads(rho, h2, 4000, seed) for seed in range(8)], axis=0)
    assert passive > 0.02 and despread == pytest.approx(passive, rel=0.03)


def test_ergotropy_at_the_maximally_mixed_state_covers(measured):
    """The least favourable W = 0 state: I/4 (infinite temperature, or a fully depolarised
    device), every level degenerate, 1000 shots.  The W = 0 reference kept the noise's gaps
    between levels and the interval excluded 0 too often (coverage 0.876, 1000 repetitions);
    with the steps within noise made degenerate (intervals.DEGENERATE_WITHIN = 1.645) 0.938
    (benchmarks: N = 3 0.757 -> 0.941); at the threshold 2.0 0.941 (N = 3 0.948; on these seeds
    0.950 at either threshold)."""
    _, h = battery()
    found, _ = coverage(np.eye(4, dtype=complex) / 4, h, "ergotropy", 0.0, 1000)
    measured(f"I/4, W = 0, 1000 shots: coverage {found:.3f}")
    assert 0.92 <= found <= 0.98


def test_ergotropy_at_a_passive_state_whose_levels_touch_covers(measured, monkeypatch):
    """The other kind of least favourable W = 0 state: the middle level's two eigenvalues spread
    (0.357, 0.143), each equal to a neighbouring level's (benchmarks/coverage.py ``touching``),
    turned inside the level; 1000 shots.  The test at W = 0 must keep the level's real spread (the
    despread reference) and pool the touching steps: with the level's spread removed (the
    block's eigenvalues set to their mean) the reference's gaps are the truth's crossings opened
    by 0.107 and the interval excludes 0 too often.  On these seeds 0.944 (500 repetitions,
    Monte Carlo error 0.010; 0.938 with the threshold intervals.DEGENERATE_WITHIN at 1.645),
    flat levels 0.320 (100); benchmarks, 1000 repetitions: 0.950, readout-mitigated 0.943
    (N = 3: 0.956 / 0.970; at 1.645 0.946 / 0.940 and 0.948 / 0.958)."""
    from qbexp.analysis import figures, intervals

    _, h = battery()  # levels |00> (E = 0), |01>, |10> (E = 1), |11> (E = 2)
    q, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(2, 2)) + 1j * np.random.default_rng(4).normal(size=(2, 2)))
    rho = np.zeros((4, 4), dtype=complex)
    rho[0, 0], rho[3, 3] = 0.4, 0.16
    rho[1:3, 1:3] = (q * [0.4, 0.16]) @ q.conj().T
    rho /= 1.12
    assert abs(ergotropy(rho, h)) < 1e-12
    found, _ = coverage(rho, h, "ergotropy", 0.0, 1000, reps=500)
    nearest = figures.nearest_passive_state
    _, vecs, level = intervals._energy_levels(h)

    def flat_levels(*args, **kwargs):  # each level's block replaced by its mean times the identity
        state = vecs.conj().T @ nearest(*args, **kwargs) @ vecs
        for k in range(level[-1] + 1):
            idx = np.flatnonzero(level == k)
            state[np.ix_(idx, idx)] = np.eye(idx.size) * np.trace(state[np.ix_(idx, idx)]) / idx.size
        return vecs @ state @ vecs.conj().T

    monkeypatch.setattr(figures, "nearest_passive_state", flat_levels)
    flat, _ = coverage(rho, h, "ergotropy", 0.0, 1000, reps=100)
    measured(f"levels touching (N = 2), W = 0, 1000 shots: coverage {found:.3f}; flat levels {flat:.3f}")
    assert 0.92 <= found <= 0.98 and flat < 0.90


def _point95(state, h, shots, seed):
    """The 95 % point of the test at W = 0 (the ceil(0.95 (B + 1))-th of B simulated ergotropies)."""
    from qbexp.analysis.bootstrap import simulated_states

    values = np.sort(ergotropy(simulated_states(state, shots, "linear", RESAMPLES, np.random.default_rng(seed)), h))
    return values[int(np.ceil(0.95 * (RESAMPLES + 1))) - 1]


def test_reference_of_the_test_at_zero_is_degenerate_where_the_data_allow_at_four_qubits(measured, monkeypatch):
    """W = 0 is a composite null, least favourable where eigenvalues on different levels are
    degenerate: the maximally mixed state (infinite temperature, or a fully depolarised device),
    whose data show the levels apart by noise.  The despread reference kept those noise gaps, so
    its 95 % point lay below the truth's and the test at W = 0 rejected the truth far more often
    than 5 % (coverage at I/d, 1000 shots: N = 2 / 3 0.876 / 0.757; at N = 4 the test alone
    rejected 0.34).  With runs of eigenvalues within DEGENERATE_WITHIN noise sd made equal
    (degenerate=True), the point is the truth's; measured
    on these 40 data sets of I/16 (the same random numbers for reference and truth) the mean
    shortfall is 0.0013 against 0.0236 without that step."""
    from qbexp.analysis import intervals
    from qbexp.analysis.bootstrap import simulated_states
    from qbexp.analysis.estimators import UNPROJECTED, fit_states

    h = collective_battery(4, beta=1.0).battery_matrix()
    truth = np.eye(16, dtype=complex) / 16
    p = born_probabilities(truth)
    shots = np.full(81, 1000)
    shortfall, within_noise = [], intervals.DEGENERATE_WITHIN
    for seed in range(40):
        counts = np.random.default_rng(seed).multinomial(1000, p)
        estimate, unprojected = fit_states(counts, "linear"), fit_states(counts, UNPROJECTED)
        around = simulated_states(estimate, shots, UNPROJECTED, RESAMPLES, np.random.default_rng(seed + 100))
        base = _point95(truth, h, shots, seed + 200)
        row = []
        for within in (within_noise, 0.0):
            monkeypatch.setattr(intervals, "DEGENERATE_WITHIN", within)
            row.append(base - _point95(intervals.nearest_passive_state(estimate, h, unprojected, around, degenerate=True),
                                       h, shots, seed + 200))
        shortfall.append(row)
    new, old = np.mean(shortfall, axis=0)
    measured(f"N = 4, I/16: 95 % point of the W = 0 reference below the truth's by {new:.5f} "
             f"(without the degenerate runs {old:.5f})")
    assert new < 0.003 and old > 0.015


def test_despread_reference_of_the_test_at_zero_is_nearly_the_truth_at_four_qubits(measured):
    """The test at W = 0 is calibrated at the despread passive state, built from the unprojected
    inversion (nearest_passive_state(..., unprojected, around)).  Data from the N = 4 Gibbs state
    (levels 1, 4, 6, 4, 1), 1000 shots: the 95 % point of the ergotropy of data simulated from
    the reference lies above the truth's (the same random numbers for both), so the test is
    not too liberal, and by less than half the excess of the reference built from the projected
    estimate (whose level means the projection biases): measured 0.0013 +- 0.0004 against 0.0048
    (90 data sets; the pooled reference without despreading: 0.0085), coverage at the Gibbs state 1.000 -> 0.973.
    (The test at W = 0 itself uses this reference with its steps within noise removed,
    degenerate=True, which pools the Gibbs state's top two levels, populations 0.014 and 0.005,
    ~1 noise sd apart: the data cannot tell them apart.)"""
    from qbexp.analysis.bootstrap import simulated_states
    from qbexp.analysis.estimators import UNPROJECTED, fit_states
    from qbexp.analysis.intervals import nearest_passive_state

    h = collective_battery(4, beta=1.0).battery_matrix()
    truth = thermal_state(h, 1.0)
    p = born_probabilities(truth)
    shots = np.full(81, 1000)

    def point95(state, seed):
        values = np.sort(ergotropy(simulated_states(state, shots, "linear", RESAMPLES, np.random.default_rng(seed)), h))
        return values[int(np.ceil(0.95 * (RESAMPLES + 1))) - 1]

    excess = []
    for seed in range(60):
        counts = np.random.default_rng(seed).multinomial(1000, p)
        estimate, unprojected = fit_states(counts, "linear"), fit_states(counts, UNPROJECTED)
        around = simulated_states(estimate, shots, UNPROJECTED, RESAMPLES, np.random.default_rng(seed + 100))
        # the earlier construction: the projected estimate and its projected refits in place of the
        # unprojected ones (the scale sqrt(1 - s_noise^2 / s_obs^2) is then sqrt(2 - s_rep^2 / s_obs^2))
        projected_way = nearest_passive_state(
            estimate, h, estimate, simulated_states(estimate, shots, "linear", RESAMPLES, np.random.default_rng(seed + 100)))
        despread = nearest_passive_state(estimate, h, unprojected, around)
        base = point95(truth, seed + 200)
        excess.append([point95(despread, seed + 200) - base, point95(projected_way, seed + 200) - base])
    new, old = np.mean(excess, axis=0)
    measured(f"N = 4 Gibbs: 95 % point of the W = 0 reference above the truth's by {new:.5f} "
             f"(from the projected estimate {old:.5f})")
    assert 0.0 < new < 0.5 * old


def test_inversion_family_inverts_the_pair_nearest_to_crossing():
    """inversion_family: a passive N = 3 state (the Gibbs state with one population of the first
    excited level and one of the second brought within 0.004, turned by a random unitary inside
    each level) -- the family starts from that pair pooled (passive, W = 0) and inverts it, so the
    ergotropy grows as 2 t m dE (m the pair's mean, dE = omega = 1), checked by brute force
    (qbexp.thermo.ergotropy) while no other pair crosses."""
    from scipy.stats import unitary_group

    from qbexp.analysis.bootstrap import simulated_states
    from qbexp.analysis.intervals import inversion_family

    h = collective_battery(3, beta=1.0).battery_matrix()
    energies = np.round(np.diag(h).real, 9)
    p = np.real(np.diag(thermal_state(h, 1.0))).copy()
    levels = np.unique(energies)
    a = int(np.flatnonzero(energies == levels[1])[0])
    b = int(np.flatnonzero(energies == levels[2])[0])
    m = (p[a] + p[b]) / 2
    p[a], p[b] = m + 0.002, m - 0.002
    turn = np.zeros((8, 8), dtype=complex)
    for k, e in enumerate(levels):
        idx = np.flatnonzero(energies == e)
        turn[np.ix_(idx, idx)] = unitary_group.rvs(idx.size, random_state=k) if idx.size > 1 else 1.0
    passive = turn @ np.diag(p) @ turn.conj().T
    assert ergotropy(passive, h) == pytest.approx(0.0, abs=1e-12)
    around = simulated_states(passive, np.full(27, 1000), "linear", 79, np.random.default_rng(1))
    start, toward = inversion_family(passive, h, passive, around)
    assert ergotropy(start, h) == pytest.approx(0.0, abs=1e-12)
    pooled = p.copy()
    pooled[[a, b]] = m
    assert np.sort(np.linalg.eigvalsh(start)) == pytest.approx(np.sort(pooled), abs=1e-12)
    for t in (0.1, 0.25, 0.4):
        assert ergotropy(start + t * (toward - start), h) == pytest.approx(2 * t * m, abs=1e-12)
    assert np.allclose(start @ h, h @ start)  # block-diagonal in the levels, as the passive state
    assert inversion_family(np.eye(2) / 2, np.eye(2), np.eye(2) / 2, around[:, :2, :2]) is None  # one level


def test_matched_spectrum_undoes_the_noise_bias_of_the_spectrum(measured):
    """matched_spectrum: the strongly active N = 3 state (haar:2 steady state, eigenvalues 0.004
    and 0.012 in pairs) from 1000 shots per setting.  The projected estimate's sorted spectrum is
    biased by noise (the smallest two clipped at 0, the next ones pushed apart); the mean of the
    matched spectra over 20 data sets is closer to the truth's (five smallest eigenvalues: bias
    0.015 -> 0.009 measured).  With nearly noiseless data (10^8 shots) it returns the true state."""
    from qbexp.analysis.bootstrap import simulated_states
    from qbexp.analysis.estimators import UNPROJECTED, fit_states
    from qbexp.analysis.intervals import matched_spectrum
    from qbexp.models import initial_state

    model = collective_battery(3, beta=1.0)
    rho = steady_state(model, initial_state("haar:2", 3))
    truth = np.linalg.eigvalsh(rho)
    assert truth[0] > 0.004 and truth[3] < 0.013

    def matched(shots, seed):
        counts = np.random.default_rng(seed).multinomial(shots, born_probabilities(rho))
        unprojected = fit_states(counts, UNPROJECTED)
        return fit_states(counts, "linear"), matched_spectrum(unprojected, lambda state: simulated_states(
            state, np.full(counts.shape[0], shots), UNPROJECTED, 79, np.random.default_rng(seed + 1)))

    spectra = np.array([[np.linalg.eigvalsh(state) for state in matched(1000, seed)] for seed in range(20)])
    projected_bias, matched_bias = np.linalg.norm((spectra.mean(axis=0) - truth)[:, :5], axis=1)
    measured(f"bias of the five smallest eigenvalues: projected {projected_bias:.4f}, matched {matched_bias:.4f}")
    assert matched_bias < 0.8 * projected_bias
    _, state = matched(10**8, 0)
    assert np.allclose(state, rho, atol=2e-4)


def test_strongly_active_state_covers_at_three_qubits(measured):
    """The nuisance of the ergotropy's interval away from W = 0 (the spectrum, on which its bias
    depends) is estimated from the data, and the interval built at one estimate ignores that
    estimate's variation (figures.NUISANCE_HULL_QUBITS): the strongly active N = 3 state
    (haar:2 steady state, W = 0.74, smallest eigenvalues 0.004-0.012, 1000 shots) covered 0.910
    with the family through the matched spectrum alone, the truth above the interval in 0.041 of
    1000 data sets (at most 0.025 allowed, as the unified ordering puts at most 2.5 % on that
    side); with the hull of that family and the one through the projected estimate, 0.948,
    above 0.006 (the earlier union with the two-reference interval 0.943; at N = 4 that union
    covered 0.997, the hull 0.947-0.973).  On these seeds: the matched family alone 0.910, above
    0.043 (fails); the hull 0.950, above 0.007."""
    from qbexp.models import initial_state

    model = collective_battery(3, beta=1.0)
    h = model.battery_matrix()
    rho = steady_state(model, initial_state("haar:2", 3))
    w = ergotropy(rho, h)
    assert abs(w - 0.7394) < 1e-3
    cov, above = coverage_and_above(rho, h, w)
    measured(f"N = 3 haar:2, W = {w:.3f}: coverage {cov:.3f}, truth above the interval {above:.3f}")
    assert 0.92 <= cov <= 0.98
    assert above <= 0.025 + np.sqrt(0.025 * 0.975 / REPETITIONS)


def test_ergotropy_at_zero_excludes_zero_at_the_nominal_rate(measured):
    """At W = 0 every miss is on the near side (the interval's lower end above 0): the unified
    ordering puts the whole 5 % there, equal tails only 2.5 %.  Measured on these seeds with
    B = 79: 0.049 (unified), 0.021 (equal tails).  1000 repetitions: the binomial error is 0.007
    at 0.05, and the window fails an equal-tailed rate of 0.025 with probability 0.95.  B = 39
    (half the time; (B + 1) * 0.05 = 2, so the Monte Carlo test keeps its exact size): 0.046 on
    these seeds, 0.063 on the next 1000; 0.050 since one test decides W = 0 (intervals module
    docstring, "Near end"; 0.044 before)."""
    _, h = battery()
    p = born_probabilities(thermal_state(h, 1.0))
    excluded = []
    for rep in range(1000):
        est = estimate_figures(simulate_counts(p, 1000, seed=rep), h, seed=10_000 + rep, n_resamples=39,
                               figures=["ergotropy"])["ergotropy"]
        excluded.append(est["ci95"][0] > 0.0)
    share = float(np.mean(excluded))
    measured(f"Gibbs state, W = 0, 1000 shots: zero excluded in {share:.3f} of the data sets")
    assert 0.033 <= share <= 0.07


def test_coherences_at_zero_exclude_zero_at_the_nominal_rate_at_three_qubits(measured):
    """N = 3 Gibbs state (no coherence, 1000 shots): the union with the two-reference interval
    (figures.UNION_QUBITS), which the coherences need away from 0 (relative entropy at the N = 4
    haar:2 state: 0.930 without it), lowered the intervals' lower ends at C = 0 as well, so they
    excluded 0 in only 0.026 / 0.022 of the data sets (l1 / relative entropy; coverage 0.974 /
    0.978, 1000 repetitions, B = 79); applied only away from the boundary, as for the
    ergotropy: 0.044 / 0.041.  Here B = 39 (as in the test above): 0.042 / 0.036 on these seeds
    (0.041 / 0.040 with the code of that change), with the union everywhere 0.028 / 0.028
    (fails).  The ergotropy's share there is the test at W = 0's, which is conservative inside
    the null (0.030-0.037): the next test checks that it alone decides."""
    model = collective_battery(3, beta=1.0)
    h = model.battery_matrix()
    p = born_probabilities(thermal_state(h, 1.0))
    names = ("coherence_l1", "coherence_rel_entropy")
    excluded = {name: [] for name in names}
    for rep in range(1000):
        est = estimate_figures(simulate_counts(p, 1000, seed=rep), h, seed=10_000 + rep, n_resamples=39,
                               figures=list(names))
        for name in names:
            excluded[name].append(est[name]["ci95"][0] > 0.0)
    shares = {name: float(np.mean(v)) for name, v in excluded.items()}
    measured("N = 3 Gibbs state, C = 0: zero excluded in "
             + ", ".join(f"{k} {v:.3f}" for k, v in shares.items()))
    for share in shares.values():
        assert 0.033 <= share <= 0.07


def test_zero_is_in_the_ergotropy_interval_exactly_where_the_test_at_zero_accepts(monkeypatch, measured):
    """N = 3 Gibbs state (W = 0, 1000 shots, B = 39): the interval holds 0 exactly where the test
    at W = 0 (figures' call of intervals.boundary_accepted) accepts (intervals module docstring,
    "Near end").  Until the seventh session of 2026-12-03 the near end was 0 also where that test
    rejected but the despread family's own test at t = 0 accepted, so a W = 0 truth was missed
    only where both rejected (N = 3 Gibbs coverage 0.980, B = 79, while the test rejected ~0.04):
    on these 400 data sets in 6 of the 14 it rejects, each of which fails here (the share
    excluding 0 on the seeds of the test above, 1000 of them: 0.020, now 0.037).  Now the near end there is the
    root of the family from the least favourable passive state (intervals.boundary_near_end),
    which must then have been called and lie above 0."""
    import qbexp.analysis.figures as figures_module
    from qbexp.analysis.intervals import boundary_accepted, boundary_near_end

    decisions, near_ends = [], []

    def accepted(*args, **kwargs):
        decisions.append(boundary_accepted(*args, **kwargs))
        return decisions[-1]

    def near_end(*args, **kwargs):
        near_ends.append(boundary_near_end(*args, **kwargs))
        return near_ends[-1]

    monkeypatch.setattr(figures_module, "boundary_accepted", accepted)
    monkeypatch.setattr(figures_module, "boundary_near_end", near_end)
    h = collective_battery(3, beta=1.0).battery_matrix()
    p = born_probabilities(thermal_state(h, 1.0))
    disagree = rejected = 0
    for rep in range(400):
        decisions.clear()
        est = estimate_figures(simulate_counts(p, 1000, seed=rep), h, seed=10_000 + rep, n_resamples=39,
                               figures=["ergotropy"])["ergotropy"]
        (accepts,) = decisions
        rejected += not accepts
        disagree += (est["ci95"][0] <= 0.0) != accepts
    measured(f"N = 3 Gibbs state, W = 0: the test at W = 0 rejects {rejected} of 400, the interval disagrees "
             f"in {disagree}; near end from the least favourable family {len(near_ends)} times")
    assert disagree == 0
    assert len(near_ends) >= 3 and min(near_ends) > 0.0


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
                           n_resamples=39)
    for name in ("ergotropy", "coherence_l1", "coherence_rel_entropy", "fidelity"):
        assert est[name]["ci95"] is None and "note" in est[name], est[name]
        assert np.isfinite(est[name]["value"])
    assert est["energy"]["ci95"][0] <= est["energy"]["value"] <= est["energy"]["ci95"][1]
