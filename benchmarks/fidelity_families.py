"""Which family of the fidelity's union covers: one cell of coverage.py's fidelity table, logged per family.

    OMP_NUM_THREADS=1 python benchmarks/fidelity_families.py purer --n 2 --estimator linear --reps 1000

The fidelity's interval (:func:`qbexp.analysis.figures.estimate_figures`) is the union of up to
four test inversions: the family through the debiased deviation (``main``), the one through the
strict cut (``strict``, where it differs), the segment to the exact state thinned along its own
eigenvectors (``thin-exact``, clipped at its end) and the family to the exact state without the
data's null space (``thin-data``).  This driver records each family's own interval, by wrapping
``inversion_summary`` and ``thinned_reference`` in qbexp.analysis.figures (in this process only),
and prints the coverage of the union, of each family alone where it is taken (the
``thin-exact`` segment is taken where it reaches above its end), how often each is the only one
that covers, and the coverage of the hull of the other families (the union without it; the
hull of all of them is the union itself, checked on every data set).  The cells, seeds and
data are coverage.py's (``which``: a depolarising p, ``turn``, ``damp``, ``dephase``,
``"damp F=0.9985"``, ``purer``, ``projected``).
Measured figures: benchmarks/README.md ("Which family of the fidelity's union covers, cell by
cell", 2026-12-06).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import coverage as cov
import qbexp.analysis.figures as figures
from _args import integer, real
from qbexp.analysis.tomography_data import TomographyData
from qbexp.thermo import fidelity

FAMILIES = ("main", "strict", "thin-exact", "thin-data")
#: The named cells of coverage.fidelity_cell_state; its relaxations also take " F=X".
NAMED = ("turn", *cov.RELAXATION, "purer", "projected")
CELLS = (f"a depolarising p in [0, 1], {', '.join(NAMED)}, or "
         + " or ".join(f"'{kind} F=X'" for kind in cov.RELAXATION) + " with X in (0, 1]")


def cell(text):
    """``which`` as coverage.fidelity_cell_state takes it: a float p in [0, 1], one of :data:`NAMED`,
    or a relaxation to a fidelity ``X`` in (0, 1] (``"damp F=0.9985"``) as given."""
    kind, sep, given = text.partition(" F=")
    try:
        if text in NAMED or sep and kind in cov.RELAXATION and real(0.0, 1.0)(given) > 0:
            return text
        if not sep:
            return real(0.0, 1.0)(text)
    except argparse.ArgumentTypeError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a cell: choose {CELLS}")


def logged_intervals(data, h, exact, estimator, seed):
    """``(union, {family: ci95})`` of one data set, the families named as in the module docstring."""
    intervals, thinned = [], []
    summary, thinning = figures.inversion_summary, figures.thinned_reference

    def summary_logged(*args, **kwargs):
        result = summary(*args, **kwargs)
        intervals.append(list(result["ci95"]))
        return result

    def thinning_logged(*args, **kwargs):
        result = thinning(*args, **kwargs)
        if result is not None:
            thinned.append(("thin-" + kwargs.get("directions", "exact"), result))
        return result

    figures.inversion_summary, figures.thinned_reference = summary_logged, thinning_logged
    try:
        union = figures.estimate_figures(data, h, exact_state=exact, estimator=estimator, n_resamples=79,
                                         seed=seed, figures=["fidelity"])["fidelity"]["ci95"]
    finally:
        figures.inversion_summary, figures.thinned_reference = summary, thinning
    leading = len(intervals) - len(thinned)  # main, and strict where its direction differs
    if leading not in (1, 2):
        raise RuntimeError(f"{len(intervals)} families logged: estimate_figures changed its order")
    families = dict(zip(FAMILIES[:leading], intervals))
    for (name, state), (lo, hi) in zip(thinned, intervals[leading:]):
        if name == "thin-exact":  # only the segment is taken (estimate_figures' widen with its end)
            end = fidelity(state, exact)
            if hi < end:
                continue
            lo = max(lo, end)
        families[name] = [lo, hi]
    if np.max(np.abs(np.subtract(hull(list(families.values())), union))) > 1e-12:
        raise RuntimeError(f"the families' hull is not the union {union}: estimate_figures changed how it unites")
    return union, families


def hull(intervals):
    """The smallest interval holding every one of ``intervals``."""
    return [min(lo for lo, _ in intervals), max(hi for _, hi in intervals)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", type=cell, help=f"the device state of the cell (coverage.fidelity_cell_state): {CELLS}")
    parser.add_argument("--n", type=int, default=2, choices=(2, 3))
    parser.add_argument("--estimator", default="linear", choices=("linear", "mle"))
    parser.add_argument("--reps", type=integer(1), default=1000)
    parser.add_argument("--seed", type=integer(0), default=2)
    args = parser.parse_args(argv)
    cov.ARGS = argparse.Namespace(method="calibrated")
    exact, h, f_depolarised = cov.fidelity_exact(args.n)
    which = args.which
    device = cov.fidelity_cell_state(exact, which, f_depolarised)
    target = 1.0 if which == 0 else fidelity(device, exact)
    p = cov.cell_probabilities(device)
    rng = np.random.default_rng(args.seed)
    unions, logs, hulls = [], [], []
    start = time.time()
    for rep in range(args.reps):
        data = TomographyData(rng.multinomial(1000, p))
        union, families = logged_intervals(data, h, exact, args.estimator, args.seed * 100_000 + rep)
        unions.append(union)
        logs.append({name: lo <= target <= hi for name, (lo, hi) in families.items()})
        hulls.append({name: hull([v for k, v in families.items() if k != name]) for name in families if name != "main"})
    unions = np.array(unions)
    c = np.mean((unions[:, 0] <= target) & (target <= unions[:, 1]))
    print(f"fid N={args.n} {args.which} {args.estimator}, F = {target:.5f}, {args.reps} data sets, seed {args.seed} "
          f"[{time.time() - start:.0f} s]")
    print(f"  union: coverage {c:.3f} +- {np.sqrt(max(c * (1 - c), 0.0475) / args.reps):.3f} "
          f"(truth below {np.mean(target < unions[:, 0]):.3f}, above {np.mean(target > unions[:, 1]):.3f})")
    for name in FAMILIES:
        present = [log[name] for log in logs if name in log]
        alone = [log.get(name, False) and not any(v for k, v in log.items() if k != name) for log in logs]
        if present:
            line = (f"  {name:10s} present in {len(present) / args.reps:.3f}, covers alone {np.mean(present):.3f} "
                    f"where present, the only one that covers in {np.mean(alone):.3f}")
            if name != "main":  # the hull of the others where it is present, the union where it is not
                without = [h[name] if name in h else u for h, u in zip(hulls, unions)]
                line += f"; the union without it {np.mean([lo <= target <= hi for lo, hi in without]):.3f}"
            print(line)


if __name__ == "__main__":
    main()
