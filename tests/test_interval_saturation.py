"""Test-inversion intervals where the family saturates at the boundary of the state space.

Near a pure state the family ``rho(t) = Proj(R + t (rho_toward - R))`` leaves the state space
just beyond the estimate, and from there the projection pins it: the figure and its simulated
values stop changing while ``t`` runs on (qbexp.analysis.intervals, "Saturation").  Before
(2-qubit battery, 1000 shots, benchmarks/coverage.py, seed 1, 300 repetitions):

* ``c = 0.02`` (nearly pure, W = 0.967): ergotropy 0.903, l1 coherence 0.337, relative-entropy
  coherence 0.870 -- regula falsi over ``[0, t_high ~ 65]`` stopped its eight steps far from a
  root in ``[0, 1]``, and the interval collapsed to a point of the plateau;
* ``c = 0`` (the pure ``|psi-><psi-|``): 0.050 / 0.043 / 0.567.

The roots are now bracketed among the simulated ``t`` (first test, against a brute-force scan),
and where no ``t`` rejects the observation from below the interval is united with the
two-reference interval (second test: the pure state, >= 300 repetitions, window [0.92, 0.98]).
"""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import Pauli

from qbexp.analysis import born_probabilities, estimate_figures, simulate_counts
from qbexp.analysis.estimators import projection
from qbexp.analysis.figures import SATURATED_NOTE
from qbexp.analysis.intervals import TAIL_GRID, _Curve, inversion_summary
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import coherence_l1, ergotropy, purity

PAULI = np.array([Pauli(label).to_matrix() for label in "XYZ"])


def qubit(bloch) -> np.ndarray:
    """The qubit matrix ``(I + r . sigma) / 2`` (a state for ``|r| <= 1``)."""
    return (np.eye(2) + np.tensordot(np.asarray(bloch, dtype=float), PAULI, axes=1)) / 2


def qubit_family(length: float):
    """A qubit test inversion: ``f`` the l1 coherence ``|r_x + i r_y|``, reference ``I/2``,
    estimate ``r = (length, 0, 0)``, and ``simulate`` adding the same 79 Gaussian Bloch-vector
    errors to every state, projected onto the states: ``f(rho(t)) = min(length t, 1)``, which
    saturates from ``t = 1 / length``."""
    noise = np.random.default_rng(5).normal(0.0, 0.03, (TAIL_GRID - 1, 3))

    def simulate(state):
        bloch = np.real([np.trace(state @ p) for p in PAULI])
        return projection(np.stack([qubit(bloch + e) for e in noise]))

    def f(states):
        return 2.0 * np.abs(np.asarray(states)[:, 0, 1])
    return f, qubit([0, 0, 0]), qubit([length, 0, 0]), simulate


def brute_force_ends(f, reference, estimate, simulate):
    """The accepted ``t`` of the test inversion by scanning ``t`` on a fine grid: the first ``t``
    where the upper critical value reaches the observation (near end) and the last where the
    lower critical value is still at most the observation (far end), as figure values."""
    curve = _Curve(f, reference, estimate, simulate, 1, 0.0)
    observed = float(f(estimate[None])[0])
    ts = np.linspace(0.0, 3.0, 601)
    near = next(t for t in ts if curve.upper_critical(t) >= observed)
    far = max(t for t in ts if curve.lower_critical(t) <= observed)
    return curve.value(near), curve.value(far), float(np.std(curve.at(1.0), ddof=1))


def test_the_ends_are_the_roots_a_brute_force_scan_finds_where_the_family_saturates():
    """Saturating (``|r| = 0.97``: the family leaves the state space at ``t = 1.03``) and not
    (``|r| = 0.6``): the near end is the scan's to within the root's tolerance (0.02 standard
    deviations) plus the scan's step; the saturated family's far end is its plateau, 1.  Before
    the bracketing, regula falsi over ``[0, 64.75]`` put the saturated family's near end at 1.0
    (the observation 0.97 with a standard deviation of 0.02), an interval of width 0."""
    for length, saturates in ((0.97, True), (0.6, False)):
        f, reference, estimate, simulate = qubit_family(length)
        near, far, spread = brute_force_ends(f, reference, estimate, simulate)
        found = inversion_summary(f, reference, estimate, simulate, (0.0, 1.0))
        lo, hi = found["ci95"]
        step = 0.005 * length  # the scan's step, as a figure value
        assert found["saturated"] is saturates
        assert abs(lo - near) <= 0.02 * spread + step, (length, lo, near)
        assert abs(hi - far) <= 0.02 * spread + step, (length, hi, far)
        assert hi - lo > 2.0 * spread  # an interval, not a point of the plateau
        if saturates:
            assert abs(far - 1.0) < 1e-9 and hi > 0.9999


def test_ergotropy_and_l1_coherence_of_a_pure_state_cover(measured):
    """``|psi-><psi-|`` (the 2-qubit battery's dark state, ``c = 0``), 1000 shots, 300 data sets.
    The families saturate in most data sets; united there with the two-reference interval the
    intervals cover the ergotropy (W = 1) and the l1 coherence (1) at about 0.95.  Bracketed
    roots alone cover 0.83 / 0.16 (the truth lies at the plateau's end, where the family's
    eigenvector is noisy), the two-reference interval alone 0.92 / 0.98 (200 repetitions)."""
    model = collective_battery(2, beta=1.0)
    h = model.battery_matrix()
    rho = steady_state(model, c_family_state(0.0))
    assert abs(purity(rho) - 1.0) < 1e-9
    targets = {"ergotropy": ergotropy(rho, h), "coherence_l1": coherence_l1(rho)}
    p = born_probabilities(rho)
    found = [estimate_figures(simulate_counts(p, 1000, seed=rep), h, seed=10_000 + rep, n_resamples=TAIL_GRID - 1,
                              figures=list(targets)) for rep in range(300)]
    for name, target in targets.items():
        cov = float(np.mean([est[name]["ci95"][0] <= target <= est[name]["ci95"][1] for est in found]))
        saturated = float(np.mean([est[name].get("note") == SATURATED_NOTE for est in found]))
        measured(f"pure state, {name} = {target:.4f}: coverage {cov:.3f}, saturated in {saturated:.2f}")
        assert saturated > 0.5
        assert 0.92 <= cov <= 0.98, (name, cov)
