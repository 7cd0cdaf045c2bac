"""Coverage of the 95 % intervals of :func:`qbexp.analysis.estimate_figures`, with Monte Carlo errors.

    OMP_NUM_THREADS=1 python benchmarks/coverage.py --quick            # ~minutes, fewer repetitions
    OMP_NUM_THREADS=1 python benchmarks/coverage.py                     # 1000 repetitions per cell
    OMP_NUM_THREADS=1 python benchmarks/coverage.py --method two-reference   # the earlier intervals

Table 1 (ergotropy): the collective battery at beta = 1, steady state of the initial state
``(1 - c)|psi-><psi-| + c|00><00|`` (N = 2: c = 0.6, 0.59, 0.58, 0.25, i.e. W ~ 0.001, 0.018,
0.034, 0.58); for N = 3, 4 the Gibbs state (W = 0), the steady state of ``haar:2``
(W = 0.74, 0.84) and its mixture with the Gibbs state at W = 0.02; linear inversion and MLE; with and without
readout mitigation (a tensored readout model with 2 % / 4 % error rates, calibrated with 4000
shots per qubit, applied to the simulated counts).  Table 2 (fidelity): the exact steady state
depolarised with p = 0.1 and 0.3 -- the state the device prepared -- whose data give fidelity
intervals that must cover F(device, exact).  Counts: multinomial draws from the exact Born
probabilities (fast, equivalent to an ideal simulator).  Each cell: coverage, its Monte Carlo
error ``sqrt(c (1 - c) / reps)``, and the share of misses below the interval.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qbexp.analysis import (
    ReadoutCalibration,
    ReadoutModel,
    apply_assignment,
    born_probabilities,
    estimate_figures,
)
from qbexp.analysis.tomography_data import TomographyData
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery, initial_state
from qbexp.models.states import c_family_state, thermal_state
from qbexp.thermo import ergotropy, fidelity

RATES = (0.02, 0.04)  # P(1|0), P(0|1)
CAL_SHOTS = 4000


def readout_model(n: int, rng) -> ReadoutModel:
    errors = np.stack([rng.binomial(CAL_SHOTS, RATES[0], n), rng.binomial(CAL_SHOTS, RATES[1], n)], axis=-1)
    calibration = ReadoutCalibration(tuple(range(n)), errors, np.full((n, 2), CAL_SHOTS))
    return ReadoutModel(calibration, np.tile(np.arange(n), (3**n, 1)))


def true_assignment(n: int) -> np.ndarray:
    e0, e1 = RATES
    a = np.array([[1 - e0, e1], [e0, 1 - e1]])
    return np.broadcast_to(a, (3**n, n, 2, 2))


def coverage_cell(rho, h, figure, target, shots, reps, estimator, mitigate, resamples, exact=None, seed=0):
    n = rho.shape[0].bit_length() - 1
    p = born_probabilities(rho)
    if mitigate:
        p = np.clip(apply_assignment(p, true_assignment(n)), 0.0, None)
    p = p / p.sum(axis=-1, keepdims=True)
    hits, below = 0, 0
    rng = np.random.default_rng(seed)
    for rep in range(reps):
        data = TomographyData(rng.multinomial(shots, p))
        readout = readout_model(n, rng) if mitigate else None
        est = estimate_figures(data, h, exact_state=exact, estimator=estimator, n_resamples=resamples,
                               seed=seed * 100_000 + rep, readout=readout, method=ARGS.method,
                               figures=[figure])[figure]
        if est["ci95"] is None:
            return None
        lo, hi = est["ci95"]
        hits += lo <= target <= hi
        below += target < lo
    return hits / reps, below / reps


def battery_state(n, which):
    """(state, battery H, label): N = 2: steady state of the c family (``which`` = c); N >= 3:
    ``which`` = target ergotropy 0 (Gibbs state), 'large' (steady state of haar:2) or a small
    value, reached by mixing that steady state with the Gibbs state."""
    model = collective_battery(n, beta=1.0)
    h = model.battery_matrix()
    if n == 2:
        return steady_state(model, c_family_state(which)), h, f"c={which}"
    gibbs = thermal_state(h, 1.0)
    if which == 0:
        return gibbs, h, "Gibbs"
    active = steady_state(model, initial_state("haar:2", n))
    if which == "large":
        return active, h, "haar:2 ss"
    lo, hi = 0.0, 1.0  # weight of the active state
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ergotropy((1 - mid) * gibbs + mid * active, h) < which else (lo, mid)
    a = (lo + hi) / 2
    return (1 - a) * gibbs + a * active, h, f"mix a={a:.3f}"


def fmt(result, reps):
    if result is None:
        return "declined (ci95 null)"
    cov, below = result
    return f"{cov:.3f} +- {np.sqrt(max(cov * (1 - cov), 0.05 * 0.95) / reps):.3f} (below {below:.3f})"


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (MC error ~0.015-0.03)")
    parser.add_argument("--method", default="calibrated", help="interval method of estimate_figures")
    parser.add_argument("--resamples", type=int, default=79, help="B, with B + 1 a multiple of 40 (exact size)")
    parser.add_argument("--resamples-mle", type=int, default=39, help="B for the MLE cells")
    parser.add_argument("--table", choices=["all", "ergotropy", "fidelity"], default="all")
    parser.add_argument("--no-mle", action="store_true", help="skip the MLE cells")
    parser.add_argument("--mle4", action="store_true", help="also the N = 4 MLE cells (~35 s per repetition)")
    parser.add_argument("--max-qubits", type=int, default=4)
    ARGS = parser.parse_args()
    reps_fast = 200 if ARGS.quick else 1000
    reps_n4 = 60 if ARGS.quick else 300  # linear inversion at N = 4
    reps_mle = 12 if ARGS.quick else 100  # MLE: ~10-30 ms per fit, ~15 x B fits per repetition
    if ARGS.table in ("all", "ergotropy"):
        print(f"Ergotropy coverage (method {ARGS.method}, {ARGS.resamples} resamples)")
        cells = [(2, 0.6, 4000), (2, 0.59, 4000), (2, 0.58, 1000), (2, 0.25, 1000),
                 (3, 0, 1000), (3, 0.02, 1000), (3, "large", 1000), (4, 0, 1000), (4, 0.02, 1000), (4, "large", 1000)]
        for n, which, shots in cells:
            if n > ARGS.max_qubits:
                continue
            rho, h, label = battery_state(n, which)
            w = ergotropy(rho, h)
            for estimator in ("linear", "mle"):
                for mitigate in (False, True):
                    if estimator == "mle" and (n == 4 and not ARGS.mle4 or ARGS.no_mle):
                        continue
                    reps = reps_mle if estimator == "mle" else reps_n4 if n == 4 else reps_fast
                    resamples = ARGS.resamples_mle if estimator == "mle" else ARGS.resamples
                    t = time.time()
                    result = coverage_cell(rho, h, "ergotropy", w, shots, reps, estimator, mitigate, resamples,
                                           seed=1)
                    print(f"N={n} {label:12s} W={w:.4f} shots={shots:<5} {estimator:6s} mitigation={str(mitigate):5s} "
                          f"reps={reps:<5} coverage {fmt(result, reps)}  [{time.time() - t:.0f} s]", flush=True)
    if ARGS.table in ("all", "fidelity"):
        print(f"\nFidelity to the exact state, data from the depolarised (device) state (method {ARGS.method})")
        for n in (2, 3)[: max(ARGS.max_qubits - 1, 1)]:
            exact, h, _ = battery_state(n, 0.25 if n == 2 else "large")
            for p_dep in (0.0, 0.1, 0.3):
                device = (1 - p_dep) * exact + p_dep * np.eye(2**n) / 2**n
                f = 1.0 if p_dep == 0 else fidelity(device, exact)
                for estimator in ("linear",) if ARGS.no_mle else ("linear", "mle"):
                    reps = reps_fast if estimator == "linear" else reps_mle
                    resamples = ARGS.resamples_mle if estimator == "mle" else ARGS.resamples
                    t = time.time()
                    result = coverage_cell(device, h, "fidelity", f, 1000, reps, estimator, False, resamples,
                                           exact=exact, seed=2)
                    print(f"N={n} p={p_dep:<4} F={f:.4f} {estimator:6s} reps={reps:<5} coverage {fmt(result, reps)}  "
                          f"[{time.time() - t:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
