"""``qbexp run collective|engine ... --sweep NAME=GRID``: the command-line side of
:mod:`qbexp.experiments.sweep` (options -> plans of the grid points, the printed table)."""

from __future__ import annotations

import json

from qbexp.errors import QbexpError
from qbexp.experiments.sweep import parse_sweep, plan_point, run_sweep

#: options of each kind that become arguments of collective_point / engine_point
OPTIONS = {
    "collective": ("n", "beta", "omega", "gamma", "f", "init"),
    "engine": ("tau", "cycles", "engine_discharge", "omega0", "lam", "gamma0", "t_hot", "t_cold"),
}


def swept_name(args) -> str | None:
    """The name of the swept parameter (validated), or None without ``--sweep``."""
    spec = getattr(args, "sweep", None)
    return None if spec is None else parse_sweep(spec, args.kind)[0]


def run_sweep_command(args, chargings: dict) -> int:
    name, values = parse_sweep(args.sweep, args.kind)
    if name == "c" and args.init != "ground":
        raise QbexpError(f"--init {args.init} and --sweep c=... both set the initial state; drop --init")
    options = {k: getattr(args, k) for k in OPTIONS[args.kind]}
    options.pop("init" if name == "c" else name)
    options.update(charging=chargings[args.charging], discharge=args.discharge, steps=args.steps,
                   readout_calibration=getattr(args, "readout_mitigation", False))
    summary = run_sweep(name, values, lambda v: plan_point(args.kind, options, name, v), args.out,
                        backend=args.backend, shots=args.shots, seed=args.seed, retry_failed=args.retry_failed,
                        argv=args.argv)
    if summary is None:
        return 1
    print_sweep(summary, args.json)
    return 0


def print_sweep(summary: dict, as_json: bool) -> None:
    """One row per point: estimate ± stderr (exact) per figure, '!' where the exact value lies
    outside the 95 % interval."""
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    name = summary["parameter"]
    figures = []
    for r in summary["results"]:
        figures += [f for f in r["estimates"] if f not in figures]
    cells = [[_label(v)] for v in summary["values"]]
    for row, r in zip(cells, summary["results"]):
        for f in figures:
            est, exact = r["estimates"].get(f), r["exact"].get(f)
            if est is None:
                row.append("")
                continue
            lo, hi = est["ci95"]
            miss = exact is not None and not lo <= exact <= hi
            row.append(f"{est['value']:.4f}±{est['stderr']:.4f} ({'-' if exact is None else f'{exact:.4f}'})"
                       + ("!" if miss else ""))
    header = [name, *figures]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    title = f"sweep of {name}: estimate ± stderr (exact), ! = exact outside the 95% CI  ({summary['csv']})"
    print(title)
    print("-" * len(title))
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def _label(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:.6g}"
