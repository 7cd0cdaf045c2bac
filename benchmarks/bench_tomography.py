"""Tomography fit time, peak memory and l1-coherence bias, N = 3..6, vs qiskit-experiments.

    python benchmarks/bench_tomography.py                        # N = 3..6, 4000 shots per setting
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_tomography.py # steadier on a busy 2-core machine

State: the steady state of the collective battery (Cakmak Eq. 5, beta = 1, omega = gamma = 1)
reached from the seeded Haar-random initial state ``haar:1``; it has coherences and
ergotropy.  Counts: multinomial samples of its exact Born probabilities, 4000 shots for
each of the 3^N Pauli settings, the same counts for every fitter, all in this process.

Fitters (time = best of ``--repeat`` runs; peak = tracemalloc peak of one run, which
numpy's allocations are part of):

* ``qbexp LI+proj``  -- :func:`qbexp.analysis.projected_linear_inversion`;
* ``qbexp MLE``      -- :func:`qbexp.analysis.maximum_likelihood` (default tolerance);
* ``qe lininv``      -- qiskit-experiments' ``linear_inversion`` fitter (PauliMeasurementBasis);
* ``qe lininv+psd``  -- the same followed by its ``postprocess_fitter(make_positive=True)``,
  what ``StateTomographyAnalysis`` reports by default;
* ``qe cvxpy``       -- only if cvxpy is installed (it is not a qbexp dependency).

``l1 bias`` is ``l1(fit) / l1(exact) - 1``.  The last table runs
:func:`qbexp.analysis.estimate_figures` (test-inversion bootstrap, ``--resamples`` replicates
per simulated state; no interval at N >= 5) and says whether the exact ergotropy and l1 coherence lie in the 95 % intervals.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import numpy as np

from _args import integer
from qbexp.analysis import (
    born_probabilities,
    estimate_figures,
    maximum_likelihood,
    projected_linear_inversion,
    setting_labels,
    simulate_counts,
)
from qbexp.analysis.bootstrap import MAX_RESAMPLES, MIN_RESAMPLES
from qbexp.analysis.tomography_data import MAX_QUBITS
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery, initial_state
from qbexp.thermo import coherence_l1, ergotropy

SHOTS = 4000


def qiskit_experiments_fitters(data):
    """{name: fit()} for qiskit-experiments' fitters on ``data``; empty if not installed."""
    try:
        from qiskit_experiments.library.tomography.basis import PauliMeasurementBasis
        from qiskit_experiments.library.tomography.fitters import linear_inversion, postprocess_fitter
    except ImportError:
        return {}
    n = data.num_qubits
    index = {"Z": 0, "X": 1, "Y": 2}  # PauliMeasurementBasis order
    measurement = np.array([[index[label[-1 - k]] for k in range(n)] for label in setting_labels(n)])
    args = (data.counts[None].astype(float), data.shots, measurement, np.zeros((len(measurement), 0), int))
    basis = PauliMeasurementBasis()

    def lininv():
        return linear_inversion(*args, measurement_basis=basis)[0]

    def lininv_psd():
        fit, metadata = linear_inversion(*args, measurement_basis=basis)
        states, _ = postprocess_fitter(fit, metadata, make_positive=True)
        return np.asarray(states[0].data)

    fitters = {"qe lininv": lininv, "qe lininv+psd": lininv_psd}
    try:
        from qiskit_experiments.library.tomography.fitters import cvxpy_gaussian_lstsq
        import cvxpy  # noqa: F401 - availability check only

        def cvx():
            fit, metadata = cvxpy_gaussian_lstsq(*args, measurement_basis=basis)
            states, _ = postprocess_fitter(fit, metadata)
            return np.asarray(states[0].data)

        fitters["qe cvxpy"] = cvx
    except ImportError:
        pass
    return fitters


def measure(fit, repeat):
    """(best time in s, tracemalloc peak in MB, result) of ``fit()``."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    fit()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(times), peak, result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-qubits", type=integer(1, MAX_QUBITS), default=3)
    parser.add_argument("--max-qubits", type=integer(1, MAX_QUBITS), default=6)
    parser.add_argument("--repeat", type=integer(1), default=3)
    parser.add_argument("--resamples", type=integer(MIN_RESAMPLES, MAX_RESAMPLES), default=300)
    args = parser.parse_args(argv)
    if args.min_qubits > args.max_qubits:
        parser.error(f"--min-qubits {args.min_qubits} is more than --max-qubits {args.max_qubits}")
    print(
        f"cpus {os.cpu_count()}  load {os.getloadavg()[0]:.2f}  "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}  shots/setting {SHOTS}"
    )
    cases = {}
    print(f"\n{'N':>2} {'fitter':14s} {'time [s]':>9} {'peak [MB]':>9} {'l1 bias':>8} {'ergotropy':>9}  notes")
    for n in range(args.min_qubits, args.max_qubits + 1):
        model = collective_battery(n, beta=1.0)
        h = model.battery_matrix()
        rho = steady_state(model, initial_state("haar:1", n))
        data = simulate_counts(born_probabilities(rho), SHOTS, seed=n)
        cases[n] = (data, rho, h)
        l1_exact, w_exact = coherence_l1(rho), ergotropy(rho, h)
        print(f"{n:>2} {'exact':14s} {'':>9} {'':>9} {'':>8} {w_exact:9.4f}  l1 = {l1_exact:.4f}")
        fitters = {
            "qbexp LI+proj": lambda: projected_linear_inversion(data),
            "qbexp MLE": lambda: maximum_likelihood(data),
            **qiskit_experiments_fitters(data),
        }
        for name, fit in fitters.items():
            seconds, peak, result = measure(fit, args.repeat)
            note = ""
            if name == "qbexp MLE":
                note = f"{result.iterations} iterations, gap {result.gap:.1e}"
                result = result.state
            hermitian = 0.5 * (result + result.conj().T)
            if np.linalg.eigvalsh(hermitian).min() < -1e-9:
                note = f"min eigenvalue {np.linalg.eigvalsh(hermitian).min():.1e}"
            bias = coherence_l1(hermitian) / l1_exact - 1
            w = ergotropy(hermitian, h)
            print(f"{n:>2} {name:14s} {seconds:9.3f} {peak:9.1f} {bias:+8.1%} {w:9.4f}  {note}")
        if "qe cvxpy" not in fitters:
            print(f"{n:>2} {'qe cvxpy':14s}  not run: cvxpy is not installed")

    print(f"\nestimate_figures (test-inversion bootstrap, LI+proj: ~10-15 x {args.resamples} refits along each "
          f"figure's segment, plus {args.resamples} unprojected for the energy; N >= 5 declines)")
    print(f"{'N':>2} {'time [s]':>9} {'peak [MB]':>9}  figure       exact    value    ci95                 inside")
    for n, (data, rho, h) in cases.items():
        seconds, peak, figures = measure(
            lambda: estimate_figures(data, h, exact_state=rho, seed=n, n_resamples=args.resamples), 1
        )
        for k, (name, exact) in enumerate((("ergotropy", ergotropy(rho, h)), ("coherence_l1", coherence_l1(rho)))):
            f = figures[name]
            lead = f"{n:>2} {seconds:9.2f} {peak:9.1f}" if k == 0 else " " * 22
            if f["ci95"] is None:  # N >= 5: declined (qbexp.analysis.intervals)
                print(f"{lead}  {name:12s} {exact:7.4f}  {f['value']:7.4f}  no interval ({f['note']})")
                continue
            lo, hi = f["ci95"]
            print(
                f"{lead}  {name:12s} {exact:7.4f}  {f['value']:7.4f}  [{lo:7.4f}, {hi:7.4f}]  "
                f"{'yes' if lo <= exact <= hi else 'NO'}  (plug-in {f['plug_in']:.4f})"
            )


if __name__ == "__main__":
    main()
