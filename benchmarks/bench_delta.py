"""Time per fidelity interval with the contraction of ``qbexp.analysis.delta.linear_stderr``
(``delta._weights``, one BLAS product) against the reference, the ``np.einsum`` it replaced, in
the same process; and how far the intervals move with it: the same ``w`` to 1e-18, but the
critical curves of the test inversion are not smooth in ``t`` (benchmarks/README.md, "The common
random numbers are not common") and cross the observed value several times, so a root search
whose path changes at the rounding level lands on another crossing.

    OMP_NUM_THREADS=1 python benchmarks/bench_delta.py      # ~1 min

Data: 20 data sets of 1000 shots per setting from the exact state depolarised with p = 0.1
(N = 2: c = 0.25; N = 3: the "large" state of coverage.py), B = 79, linear inversion.
"""

import argparse
import time

import numpy as np

import coverage as cov
import qbexp.analysis.delta as delta
from qbexp.analysis import born_probabilities, estimate_figures
from qbexp.analysis.tomography_data import TomographyData

current = delta._weights


def reference(gradients, omega):
    """The einsum contraction ``delta._weights`` replaced."""
    return np.einsum("...ij,sbji->...sb", gradients, omega).real


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)  # --help only
    for n in (2, 3):
        exact, h, _ = cov.fidelity_exact(n)
        p = born_probabilities(0.9 * exact + 0.1 * np.eye(2**n) / 2**n)
        rng = np.random.default_rng(1)
        datas = [TomographyData(rng.multinomial(1000, p)) for _ in range(20)]
        times, intervals = {}, {}
        for name, function in (("einsum", reference), ("matmul", current)) * 2:  # twice: the faster of two
            delta._weights = function
            t = time.perf_counter()
            intervals[name] = np.array([estimate_figures(d, h, exact_state=exact, n_resamples=79, seed=k,
                                                         figures=["fidelity"])["fidelity"]["ci95"]
                                        for k, d in enumerate(datas)])
            times[name] = min(times.get(name, np.inf), (time.perf_counter() - t) / len(datas))
        delta._weights = current
        moved = np.abs(intervals["einsum"] - intervals["matmul"])
        print(f"N = {n}: per fidelity interval {times['matmul'] * 1e3:.0f} ms against {times['einsum'] * 1e3:.0f} ms "
              f"(ratio {times['matmul'] / times['einsum']:.2f}); interval ends moved: {int((moved > 1e-9).sum())} of "
              f"{moved.size}, at most {moved.max():.1e}", flush=True)


if __name__ == "__main__":
    main()
