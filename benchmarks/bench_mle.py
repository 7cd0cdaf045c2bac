"""Maximum-likelihood fits of bootstrap stacks: qbexp's stacked L-BFGS against scipy's, one by one.

    OMP_NUM_THREADS=1 python benchmarks/bench_mle.py [--repeat 3]

The bootstrap of :mod:`qbexp.analysis.intervals` fits B data sets simulated from every
candidate state; with the MLE estimator those fits were most of an interval's time.  For
N = 2, 3, 4 and stacks of B = 39 and 79 data sets (1000 shots per setting, simulated from
the steady state of the collective battery reached from ``haar:2``), this prints the time of
``fit_states(stack, "mle")`` (the stacked L-BFGS, :func:`qbexp.analysis.estimators._maximum_likelihood_fits`)
and of the reference, the pre-2026-12-03 fit (scipy's L-BFGS-B, one data set per call,
below), their ratio, and the largest difference between the two fits (both stop at the same
certified gap, 1e-5 per shot).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.optimize

from _args import integer
from qbexp.analysis import born_probabilities, fit_states
from qbexp.analysis.estimators import (
    _deinterleave,
    _interleave,
    _outcome_operator,
    _probabilities,
    projected_linear_inversion,
)
from qbexp.analysis.readout import apply_assignment, mitigate_counts
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery, initial_state


def scipy_fit(data, tol: float = 1e-5, max_iter: int = 2000, assignment=None) -> np.ndarray:
    """The fit qbexp used until 2026-12-03: scipy L-BFGS-B, one data set per call (the reference)."""
    counts = np.asarray(data, dtype=float)  # (the data are this script's own: not validated)
    n = counts.shape[-1].bit_length() - 1
    dim = 2**n
    weights = _interleave(counts[None] / counts.sum(), n, 3, 2)[0]
    observed = weights > 0
    # Each setting's share of the shots, per outcome: p * share sums to 1 like the weights.
    shot_share = np.broadcast_to(counts.sum(axis=1, keepdims=True) / counts.sum(), counts.shape)
    share = _interleave(shot_share[None], n, 3, 2)[0]
    if assignment is not None:
        assignment = np.asarray(assignment, dtype=float)
        transposed = assignment.swapaxes(-1, -2)
        mitigated = mitigate_counts(counts, assignment)
    else:
        mitigated = counts

    def observed_probabilities(rho):
        """Outcome probabilities (qubit factors paired) with the readout errors, if any."""
        p = _probabilities(rho[None], n)
        if assignment is None:
            return p[0]
        return _interleave(apply_assignment(_deinterleave(p, n, 3, 2), assignment), n, 3, 2)[0]

    def to_ideal_outcomes(ratio):
        """The weights ``A^T ratio`` of the ideal outcomes (the adjoint of the readout map)."""
        if assignment is None:
            return ratio
        return _interleave(apply_assignment(_deinterleave(ratio[None], n, 3, 2), transposed), n, 3, 2)[0]

    start = 0.999 * projected_linear_inversion(mitigated) + 0.001 * np.eye(dim) / dim
    vals, vecs = np.linalg.eigh(start)
    t0 = vecs * np.sqrt(np.clip(vals, 0.0, None))

    cache = {}

    def evaluate(x):
        """State, gradient operator G and -L at the real parameter vector x (cached)."""
        key = x.tobytes()
        if key in cache:
            return cache[key]
        t = (x[: dim * dim] + 1j * x[dim * dim :]).reshape(dim, dim)
        a = t @ t.conj().T
        norm = np.trace(a).real
        rho = a / norm
        p = observed_probabilities(rho)
        if np.any(p[observed] <= 0):
            result = (t, rho, norm, None, np.inf)
        else:
            ratio = np.zeros_like(p)
            ratio[observed] = weights[observed] / p[observed]
            # -L up to a constant: the Kullback-Leibler divergence of p from w, which is
            # small near the optimum and so keeps its floating-point resolution.
            value = float(np.dot(weights[observed], np.log(weights[observed] / (p * share)[observed])))
            result = (t, rho, norm, _outcome_operator(to_ideal_outcomes(ratio)[None], n)[0], value)
        if len(cache) > 4:
            cache.pop(next(iter(cache)))
        cache[key] = result
        return result

    def objective(x):
        t, rho, norm, g, value = evaluate(x)
        if g is None:
            return value, np.zeros_like(x)
        # -dL/dT* for rho = T T^†/tr(T T^†), as real and imaginary parts (times 2).
        grad_t = -2.0 * (g - np.trace(g @ rho).real * np.eye(dim)) @ t / norm
        return value, np.concatenate([grad_t.real.ravel(), grad_t.imag.ravel()])

    def gap_of(x):
        _, rho, _, g, _ = evaluate(x)
        return rho, np.inf if g is None else float(np.linalg.eigvalsh(g)[-1] - 1.0)

    def stop_when_certified(intermediate_result):
        if gap_of(intermediate_result.x)[1] <= tol:
            raise StopIteration

    res = scipy.optimize.minimize(
        objective,
        np.concatenate([t0.real.ravel(), t0.imag.ravel()]),
        jac=True,
        method="L-BFGS-B",
        callback=stop_when_certified,
        options={"maxiter": max_iter, "ftol": 0.0, "gtol": 0.0, "maxcor": 10},
    )
    rho, gap = gap_of(res.x)
    return 0.5 * (rho + rho.conj().T)


def best_of(repeat, fn):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=integer(1), default=3)
    args = parser.parse_args(argv)
    print(f"{'N':>2} {'B':>4} {'stacked s':>10} {'scipy s':>9} {'ratio':>7} {'max|drho|':>10}")
    for n in (2, 3, 4):
        model = collective_battery(n, beta=1.0)
        p = born_probabilities(steady_state(model, initial_state("haar:2", n)))
        for b in (39, 79):
            counts = np.random.default_rng(n * 100 + b).multinomial(1000, p, size=(b, p.shape[0]))
            stacked_time, stacked = best_of(args.repeat, lambda: fit_states(counts, "mle"))
            scipy_time, reference = best_of(args.repeat, lambda: np.array([scipy_fit(c) for c in counts]))
            print(f"{n:>2} {b:>4} {stacked_time:>10.3f} {scipy_time:>9.3f} {stacked_time / scipy_time:>7.3f} "
                  f"{np.abs(stacked - reference).max():>10.1e}", flush=True)


if __name__ == "__main__":
    main()
