"""Delta-method standard errors (qbexp.analysis.delta), the studentizing scale of the fidelity's
interval, against brute force: the spread of thousands of simulated linear-inversion estimates,
and central finite differences of the fidelity."""

from __future__ import annotations

import numpy as np
import pytest

from qbexp.analysis import apply_assignment, assignment_matrices, born_probabilities, fit_states
from qbexp.analysis.delta import (bures_angle, bures_angle_stderr, fidelity_gradient, fidelity_of_angle,
                                  fidelity_stderr, linear_stderr)
from qbexp.analysis.estimators import UNPROJECTED
from qbexp.thermo import fidelity

DRAWS = 4000  # relative Monte Carlo error of a standard deviation: 1 / sqrt(2 DRAWS) = 1.1 %


def random_state(d, rng, rank=None):
    a = rng.normal(size=(d, rank or d)) + 1j * rng.normal(size=(d, rank or d))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


def simulated_fits(rho, shots, rng, matrices=None):
    """``DRAWS`` linear-inversion fits (unprojected) of multinomial data from ``rho``."""
    p = born_probabilities(rho)
    if matrices is not None:
        p = apply_assignment(p, matrices)
    counts = rng.multinomial(shots, p / p.sum(axis=-1, keepdims=True), size=(DRAWS, p.shape[0]))
    return fit_states(counts, UNPROJECTED, matrices)


@pytest.mark.parametrize("n", [2, 3])
def test_energy_stderr_is_the_spread_of_the_linear_inversion(n):
    """Linear in the state, the delta method is exact: G = H."""
    rng = np.random.default_rng(n)
    rho = random_state(2**n, rng)
    h = np.diag(np.arange(2**n, dtype=float))
    shots = rng.integers(500, 1500, size=3**n)  # unequal shots per setting
    fits = np.stack([simulated_fits(rho, shots, rng)])[0]
    spread = np.std(np.einsum("bij,ji->b", fits, h).real, ddof=1)
    assert linear_stderr(rho, h, shots) == pytest.approx(spread, rel=0.045)


def test_energy_stderr_with_readout_mitigation():
    """The fit inverts the assignment: the counts see p through it, the weights its inverse."""
    rng = np.random.default_rng(7)
    rho = random_state(4, rng)
    h = np.diag([0.0, 1.0, 1.0, 2.0])
    matrices = np.broadcast_to(assignment_matrices([[0.03, 0.06], [0.02, 0.05]]), (9, 2, 2, 2))
    shots = np.full(9, 1000)
    spread = np.std(np.einsum("bij,ji->b", simulated_fits(rho, shots, rng, matrices), h).real, ddof=1)
    mitigated = linear_stderr(rho, h, shots, matrices)
    assert mitigated == pytest.approx(spread, rel=0.045)
    assert mitigated > 1.05 * linear_stderr(rho, h, shots)  # mitigation costs precision


@pytest.mark.parametrize("n", [2, 3])
def test_fidelity_gradient_is_the_derivative(n):
    rng = np.random.default_rng(10 + n)
    d = 2**n
    rho, sigma = (0.8 * random_state(d, rng) + 0.2 * np.eye(d) / d for _ in range(2))  # well conditioned
    for _ in range(3):
        step = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
        step = (step + step.conj().T) / 2
        step -= np.trace(step) / d * np.eye(d)
        h = 1e-6
        numeric = (fidelity(rho + h * step, sigma) - fidelity(rho - h * step, sigma)) / (2 * h)
        assert np.trace(fidelity_gradient(rho, sigma, floor=0.0) @ step).real == pytest.approx(numeric, rel=1e-6)


def test_fidelity_stderr_matches_the_spread_where_the_fidelity_is_smooth():
    """Away from F = 1 and from rank deficiency the first-order term is the spread."""
    rng = np.random.default_rng(3)
    sigma = random_state(4, rng)
    rho = 0.7 * sigma + 0.3 * random_state(4, rng)
    shots = np.full(9, 4000)
    spread = np.std(fidelity(simulated_fits(rho, shots, rng), sigma), ddof=1)
    assert fidelity_stderr(rho, sigma, shots) == pytest.approx(spread, rel=0.08)


def test_fidelity_stderr_is_finite_on_rank_deficient_estimates():
    """A projected estimate with zero eigenvalues: the floor keeps the gradient finite."""
    rng = np.random.default_rng(4)
    sigma = random_state(4, rng)
    rho = random_state(4, rng, rank=2)
    value = fidelity_stderr(rho[None], sigma, np.full(9, 1000))
    assert value.shape == (1,) and np.isfinite(value[0]) and value[0] > 0


def test_bures_angle_stderr_matches_the_spread_of_the_angle():
    """The Bures angle A = arccos sqrt(F), the statistic of the fidelity's test: where F is smooth
    its delta-method error is the spread of the simulated angles, and F = cos^2 A gives F back."""
    rng = np.random.default_rng(5)
    sigma = random_state(4, rng)
    rho = 0.7 * sigma + 0.3 * random_state(4, rng)
    shots = np.full(9, 4000)
    fits = simulated_fits(rho, shots, rng)
    spread = np.std(bures_angle(fidelity(fits, sigma)), ddof=1)
    assert bures_angle_stderr(rho[None], sigma, shots)[0] == pytest.approx(spread, rel=0.08)
    f = fidelity(fits, sigma)
    assert np.allclose(fidelity_of_angle(bures_angle(f)), f, rtol=0, atol=1e-12)
    assert bures_angle(1.0) == 0.0 and bures_angle(0.0) == pytest.approx(np.pi / 2)


def test_bures_angle_stderr_has_a_finite_limit_at_the_exact_state():
    """Towards sigma, s_F and sqrt(1 - F) both vanish like the distance: their ratio, the angle's
    error, tends to a finite non-zero limit (the fidelity's own error vanishes with the distance)."""
    rng = np.random.default_rng(6)
    sigma = 0.8 * random_state(4, rng) + 0.2 * np.eye(4) / 4
    other = random_state(4, rng)
    shots = np.full(9, 1000)
    states = np.stack([(1 - e) * sigma + e * other for e in (1e-2, 1e-3, 1e-4)])
    angle_errors = bures_angle_stderr(states, sigma, shots)
    fidelity_errors = fidelity_stderr(states, sigma, shots)
    assert np.all(np.isfinite(angle_errors)) and angle_errors[-1] > 0
    assert angle_errors[1] == pytest.approx(angle_errors[2], rel=0.01)
    assert fidelity_errors[2] < 0.02 * fidelity_errors[0]
