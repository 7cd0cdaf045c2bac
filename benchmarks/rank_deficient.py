"""Coverage of the fidelity's interval at rank-deficient states off the exact state's eigenvectors.

    OMP_NUM_THREADS=1 python benchmarks/rank_deficient.py --base damp --outer 10 --inner 30

The truths are the projected linear estimates of ``--outer`` data sets (1000 shots per setting)
from a base state of ``benchmarks/coverage.py``'s fidelity table (N = 3 by default: ``exact``,
``turn`` or ``damp``, at the fidelity of p = 0.1): rank-deficient, their null spaces set by noise.
From each, ``--inner`` data sets; the interval must cover F(truth, exact).  Printed per truth
and pooled (the pooled error ignores the clustering by truth).  Measured figures:
benchmarks/README.md ("Rank-deficient device states off the exact state's eigenvectors").
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import coverage as cov
from _args import integer
from qbexp.analysis import born_probabilities, estimate_figures
from qbexp.analysis.tomography_data import TomographyData
from qbexp.thermo import fidelity


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=3, choices=(2, 3))
    parser.add_argument("--base", default="damp", choices=("exact", "turn", "damp"))
    parser.add_argument("--outer", type=integer(1), default=10)
    parser.add_argument("--inner", type=integer(1), default=30)
    parser.add_argument("--seed", type=integer(0), default=7)
    args = parser.parse_args(argv)
    exact, h, f_depolarised = cov.fidelity_exact(args.n)
    base = exact if args.base == "exact" else cov.fidelity_cell_state(exact, args.base, f_depolarised)
    rng = np.random.default_rng(args.seed)
    hits = below = 0
    start = time.time()
    for k in range(args.outer):
        truth = cov.projected_state(base, rng)
        target = fidelity(truth, exact)
        p = born_probabilities(truth)
        h_k = b_k = 0
        for m in range(args.inner):
            data = TomographyData(rng.multinomial(1000, p))
            lo, hi = estimate_figures(data, h, exact_state=exact, n_resamples=79, seed=k * 1000 + m,
                                      figures=["fidelity"])["fidelity"]["ci95"]
            h_k += lo <= target <= hi
            b_k += target < lo
        hits, below = hits + h_k, below + b_k
        rank = int(np.sum(np.linalg.eigvalsh(truth) > 1e-9))
        print(f"truth {k}: F = {target:.4f}, rank {rank}: covered {h_k}/{args.inner}, below {b_k}  "
              f"[{time.time() - start:.0f} s]", flush=True)
    total = args.outer * args.inner
    c = hits / total
    print(f"N = {args.n}, base {args.base}: coverage {c:.3f} +- {np.sqrt(c * (1 - c) / total):.3f} "
          f"(below {below / total:.3f}), {total} data sets")


if __name__ == "__main__":
    main()
