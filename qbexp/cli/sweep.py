"""The printed table of ``qbexp run ... --sweep NAME=GRID`` and ``qbexp analyze SWEEP``."""

from __future__ import annotations

import json


def print_sweep(summary: dict, as_json: bool) -> None:
    """One row per point: estimate ± stderr (exact) per figure, '!' where the exact value lies
    outside the 95 % interval."""
    if as_json:
        print(json.dumps({k: v for k, v in summary.items() if k != "run_results"}, indent=2))
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
            lo, hi = est["ci95"] if est.get("ci95") is not None else (float("-inf"), float("inf"))
            miss = exact is not None and not lo <= exact <= hi
            row.append(f"{est['value']:.4f}±{est['stderr']:.4f} ({'-' if exact is None else f'{exact:.4f}'})"
                       + ("!" if miss else ""))
    header = [name, *figures]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    title = f"sweep of {name}: estimate ± stderr (exact), ! = exact outside the 95% CI  ({summary.get('csv', 'in memory')})"
    print(title)
    print("-" * len(title))
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())


def _label(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:.6g}"
