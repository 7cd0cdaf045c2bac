"""Maximum-likelihood fits of stacks of data sets (the bootstrap's L-BFGS, vectorised).

Reference: a dense, independent fit -- every projector ``Pi_sb`` built from Kronecker
products of one-qubit projectors, the readout map as the Kronecker product of the
assignment matrices, the likelihood maximised by scipy's L-BFGS-B to a much tighter
tolerance -- and the certificate ``lambda_max(G) - 1`` (concavity: no state has a higher
per-shot log-likelihood by more) recomputed from those projectors.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from qiskit.quantum_info import Pauli, random_density_matrix

from qbexp.analysis import born_probabilities, fit_states, maximum_likelihood, setting_labels
from qbexp.analysis.estimators import MLE_TOL


def projectors(n):
    """``Pi[s, b]`` (3^N, 2^N, d, d): setting label char i on qubit n-1-i, outcome bit k = clbit k."""
    out = np.zeros((3**n, 2**n, 2**n, 2**n), dtype=complex)
    for s, label in enumerate(setting_labels(n)):
        for b in range(2**n):
            op = np.eye(1)
            for axis, bit in zip(label, format(b, f"0{n}b")):
                op = np.kron(op, (np.eye(2) + (-1) ** int(bit) * Pauli(axis).to_matrix()) / 2)
            out[s, b] = op
    return out


def readout_maps(assignment):
    """``(3^N, 2^N, 2^N)``: per setting, ``A_{N-1} ⊗ ... ⊗ A_0`` (clbit k = bit k of the outcome)."""
    out = []
    for per_setting in assignment:
        m = np.eye(1)
        for a in per_setting[::-1]:
            m = np.kron(m, a)
        out.append(m)
    return np.array(out)


def log_likelihood(rho, counts, pis, maps):
    """Per-shot log-likelihood ``sum_sb w_sb log p_obs,sb`` (w = counts / total shots)."""
    p = np.einsum("ij,sbji->sb", rho, pis).real
    if maps is not None:
        p = np.einsum("sbc,sc->sb", maps, p)
    w = counts / counts.sum()
    seen = w > 0
    return float(np.sum(w[seen] * np.log(p[seen])))


def certificate(rho, counts, pis, maps):
    """``lambda_max(G) - 1`` with ``G = sum_sb [A_s^T (w_s / p_obs,s)]_b Pi_sb``."""
    p = np.einsum("ij,sbji->sb", rho, pis).real
    if maps is not None:
        p = np.einsum("sbc,sc->sb", maps, p)
    w = counts / counts.sum()
    ratio = np.where(w > 0, w / np.where(w > 0, p, 1.0), 0.0)
    if maps is not None:
        ratio = np.einsum("scb,sc->sb", maps, ratio)
    g = np.einsum("sb,sbij->ij", ratio, pis)
    return float(np.linalg.eigvalsh(0.5 * (g + g.conj().T))[-1] - 1.0)


def dense_fit(counts, pis, maps):
    """The reference: scipy L-BFGS-B over rho = T T^† / tr, to machine precision."""
    dim = pis.shape[-1]
    start = np.eye(dim).ravel()

    def objective(x):
        t = (x[: dim * dim] + 1j * x[dim * dim:]).reshape(dim, dim)
        rho = t @ t.conj().T
        rho /= np.trace(rho).real
        value = -log_likelihood(rho, counts, pis, maps)
        return value if np.isfinite(value) else 1e300

    x0 = np.concatenate([start, np.zeros(dim * dim)])
    res = scipy.optimize.minimize(objective, x0, method="L-BFGS-B",
                                  options={"maxiter": 20000, "maxfun": 200000, "ftol": 1e-15, "gtol": 1e-12})
    t = (res.x[: dim * dim] + 1j * res.x[dim * dim:]).reshape(dim, dim)
    rho = t @ t.conj().T
    return rho / np.trace(rho).real


def assignment_matrices(n, rng):
    e = rng.uniform(0.01, 0.06, size=(3**n, n, 2))
    a = np.empty((3**n, n, 2, 2))
    a[..., 0, 0], a[..., 1, 0] = 1 - e[..., 0], e[..., 0]
    a[..., 0, 1], a[..., 1, 1] = e[..., 1], 1 - e[..., 1]
    return a


@pytest.mark.parametrize("n, rank, shots, readout", [
    (1, 1, 20, False), (2, 1, 20, True), (2, 4, 1000, False), (2, 2, 1000, True), (3, 1, 200, False),
    (3, 8, 1000, True),
])
def test_stacked_fits_are_certified_maxima(n, rank, shots, readout):
    """Each data set of the stack is fitted to the certified gap: no state has a per-shot
    log-likelihood higher by more than MLE_TOL (checked with the dense certificate and against
    the dense fit), including pure truths whose data have zero counts (the maximum on the
    boundary of the state space) and 20 shots per setting."""
    rng = np.random.default_rng(100 * n + rank + shots)
    truth = random_density_matrix(2**n, rank=rank, seed=int(rng.integers(2**31))).data
    pis = projectors(n)
    assignment = assignment_matrices(n, rng) if readout else None
    maps = None if assignment is None else readout_maps(assignment)
    p = born_probabilities(truth)
    if maps is not None:
        p = np.einsum("sbc,sc->sb", maps, p)
    counts = np.stack([rng.multinomial(shots, p / p.sum(axis=1, keepdims=True)) for _ in range(4)])
    fits = fit_states(counts, "mle", assignment)
    for data, fit in zip(counts, fits):
        assert np.linalg.eigvalsh(fit).min() > -1e-12 and np.trace(fit).real == pytest.approx(1.0)
        gap = certificate(fit, data, pis, maps)
        assert gap <= MLE_TOL * 1.001
        best = dense_fit(data, pis, maps)
        assert certificate(best, data, pis, maps) < 2 * MLE_TOL  # the reference is a maximum too
        ours, theirs = log_likelihood(fit, data, pis, maps), log_likelihood(best, data, pis, maps)
        assert ours >= theirs - max(gap, 0.0) - 1e-12
        assert np.abs(fit - best).max() < 0.02 if shots <= 20 else np.abs(fit - best).max() < 2e-3


def test_stack_is_fitted_as_each_data_set_alone():
    """A data set's fit does not depend on the others in its stack (each has its own curvature
    pairs and line search), and maximum_likelihood reports the certificate it stopped at."""
    rng = np.random.default_rng(3)
    truth = random_density_matrix(8, rank=2, seed=4).data
    p = born_probabilities(truth)
    counts = np.stack([rng.multinomial(500, p) for _ in range(6)])
    stacked = fit_states(counts, "mle")
    for data, fit in zip(counts, stacked):
        alone = maximum_likelihood(data)
        assert alone.converged and alone.gap <= MLE_TOL and alone.iterations >= 1
        assert np.abs(alone.state - fit).max() < 1e-9
        assert certificate(alone.state, data, projectors(3), None) == pytest.approx(alone.gap, abs=1e-9)


def test_exact_probabilities_to_a_tight_tolerance():
    """Exact probabilities (no noise): -L is ~1e-16 near the optimum, below its rounding, and the
    line search goes on by the certificate: tol = 1e-10 is reached, the state within 1e-9."""
    truth = random_density_matrix(4, seed=5).data
    fit = maximum_likelihood(born_probabilities(truth), tol=1e-10)
    assert fit.converged and fit.gap <= 1e-10
    assert np.abs(fit.state - truth).max() < 1e-9
