"""``qbexp analyze DIR``: recompute results.json of a run from its stored counts alone."""

from __future__ import annotations

from pathlib import Path

from qbexp.analysis import ESTIMATORS
from qbexp.cli.run import print_results
from qbexp.experiments.run import analyze


def register(subparsers) -> None:
    p = subparsers.add_parser("analyze", help="recompute a run's results from its stored counts (no execution)")
    p.add_argument("dir", type=Path, help="run directory")
    p.add_argument("--estimator", choices=ESTIMATORS, default="linear",
                   help="linear inversion + projection (default) or maximum likelihood")
    p.add_argument("--resamples", type=int, default=300, help="bootstrap replicates (default 300)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    print_results(analyze(args.dir, estimator=args.estimator, resamples=args.resamples), args.json, args.dir)
    return 0
