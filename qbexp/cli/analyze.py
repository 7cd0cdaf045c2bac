"""``qbexp analyze DIR``: recompute results.json of a run from its stored counts alone."""

from __future__ import annotations

from qbexp.analysis import DEFAULT_RESAMPLES, ESTIMATORS
from qbexp.cli.options import path_option
from qbexp.cli.run import print_results
from qbexp.cli.sweep import print_sweep
from qbexp.experiments.run import analyze
from qbexp.experiments.sweep import SWEEP_FILE, analyze_sweep


def register(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="recompute a run's results from its stored counts (no execution)")
    p.add_argument("dir", help="run directory (or sweep directory: every point, sweep.csv and sweep.png)")
    p.add_argument("--estimator", choices=ESTIMATORS, default="linear",
                   help="linear inversion + projection (default) or maximum likelihood")
    p.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES,
                   help=f"bootstrap replicates (default {DEFAULT_RESAMPLES})")
    p.add_argument("--no-mitigation", dest="mitigation", action="store_false",
                   help="do not correct readout errors, even if the run holds readout calibration counts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    args.dir = path_option(args.dir, "DIR", "run directory")
    if (args.dir / SWEEP_FILE).exists() and not (args.dir / "manifest.json").exists():  # a sweep: every point
        print_sweep(analyze_sweep(args.dir, estimator=args.estimator, resamples=args.resamples,
                                  mitigation=args.mitigation), args.json)
        return 0
    print_results(analyze(args.dir, estimator=args.estimator, resamples=args.resamples, mitigation=args.mitigation),
                  args.json, args.dir)
    return 0
