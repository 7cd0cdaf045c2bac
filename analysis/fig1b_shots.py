"""Çakmak, "Ergotropy from coherences", Fig. 1(b) with shots: the ergotropy W of the two-qubit
steady state ρ_ss(β, c) (Eq. 8) versus c, measured on the Aer simulator, over the exact curves.

For each β, the c grid runs as one sweep (``qbexp.experiments.sweep.run_sweep``, the same as
``qbexp run collective --n 2 --beta β --charging kraus --sweep c=0:1:POINTS``): the collective
battery is charged in circuits to its steady state from (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|, the 9
two-qubit Pauli settings are measured with ``--shots`` shots each, and W is estimated by
state tomography (linear inversion + projection) with a bootstrap 95 % interval.  The lines
are the exact steady-state ergotropy (``qbexp.dynamics.steady_state``), as in
fig1_collective_coherence_ergotropy.py.  Prints how many intervals contain the exact value.

The runs are kept (durable, resumable) under ``--runs`` (default
``OUT/fig1b_shots_runs/<settings>/``): running the script again with the same options
re-analyses the stored counts without simulating again.

    python analysis/fig1b_shots.py [--out DIR] [--shots 2000] [--seed 1] [--points 11]
                                   [--betas 0.01,1,10] [--charging kraus] [--runs DIR]
"""

from __future__ import annotations

import numpy as np

import qbexp
from qbexp.backends.records import MAX_SHOTS
from qbexp.experiments.sweep import MAX_POINTS
from _common import (BETA_STYLES, MAX_C_POINTS, c_family_rows, integer, make_run_folders, numbers, output_folder, parser,
                     point_seed, script, under_runs, write_outputs)

NAME = "fig1b_shots"
COLUMNS = ["beta", "c", "ergotropy_exact", "ergotropy", "ergotropy_stderr", "ergotropy_ci95_lo",
           "ergotropy_ci95_hi", "covered"]
#: Most β values: each is a sweep of its own, drawn in a colour of its own (matplotlib's default
#: cycle has ten).
MAX_BETAS = 10


def measure(betas, points, shots, seed, charging, runs, progress=True):
    """Rows (β, c, W exact, W, stderr, CI lo, CI hi, covered) from one sweep of c per β."""
    cs = [round(float(c), 12) for c in np.linspace(0.0, 1.0, points)]
    rows = []
    for beta in betas:
        experiment = qbexp.CollectiveCharging(n=2, beta=beta, charging=charging)
        with under_runs(runs):
            swept = qbexp.sweep(experiment, "c", cs, shots=shots, seed=point_seed(seed, "beta", beta),
                                out=runs / f"beta={beta!r}", progress=progress)
        for c, result in zip(cs, swept.results):
            est, exact = result.estimates["ergotropy"], result.exact["ergotropy"]
            lo, hi = est.ci95
            rows.append((float(beta), float(c), exact, est.value, est.stderr, lo, hi, int(est.contains(exact))))
    return rows


def exact_curves(betas, points=101):
    """Rows (β, c, W) of the exact steady states on a fine c grid."""
    return c_family_rows(betas, np.linspace(0.0, 1.0, points), lambda rho, h0: (qbexp.ergotropy(rho, h0),),
                         "Fig. 1(b) exact curves")


def plot(rows, curves, shots, charging):
    import matplotlib.pyplot as plt

    data, fine = np.array(rows, dtype=float), np.array(curves, dtype=float)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    for i, beta in enumerate(sorted(set(data[:, 0]))):
        style = BETA_STYLES.get(beta, ":")
        sel = fine[:, 0] == beta
        ax.plot(fine[sel, 1], fine[sel, 2], style, color="k", lw=1.1, label=rf"exact, $\beta={beta:g}$")
        pts = data[data[:, 0] == beta]
        covered = int(pts[:, 7].sum())
        ax.errorbar(pts[:, 1], pts[:, 3], yerr=[pts[:, 3] - pts[:, 5], pts[:, 6] - pts[:, 3]], fmt="o", ms=4,
                    capsize=3, color=f"C{i}", label=rf"Aer, $\beta={beta:g}$ ({covered}/{len(pts)} CIs cover)")
    ax.set_xlabel("$c$")
    ax.set_ylabel(r"$\mathcal{W}$")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.03, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"(b) ergotropy, $\\omega = 1$: Aer, {charging} charging, {shots} shots × 9 settings,\n"
                 "tomography, 95% bootstrap CI", fontsize=9)
    return fig


def coverage_report(rows) -> str:
    data = np.array(rows, dtype=float)
    lines = []
    for beta in sorted(set(data[:, 0])):
        sel = data[:, 0] == beta
        lines.append(f"beta = {beta:g}: {int(data[sel, 7].sum())}/{int(sel.sum())} points' 95% CI contain the exact W")
    lines.append(f"all: {int(data[:, 7].sum())}/{len(data)}")
    return "\n".join(lines)


def check_beta(beta: float) -> None:
    """β as the experiment takes it (``qbexp.CollectiveCharging``: > 0, within the solvers' scale)."""
    qbexp.CollectiveCharging(n=2, beta=beta, charging="kraus")


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 1(b) of Çakmak with ergotropy measured on Aer (points with 95% CI) over the exact curves")
    p.add_argument("--shots", type=integer(1, MAX_SHOTS), default=2000,
                   help=f"shots per Pauli setting (default 2000, at most {MAX_SHOTS:,})")
    p.add_argument("--seed", type=integer(0), default=1, help="seed of the simulator and the bootstrap (default 1)")
    p.add_argument("--points", type=integer(1, MAX_POINTS, "the points of one sweep"), default=11,
                   help=f"number of c values in [0, 1] (default 11, at most {MAX_POINTS})")
    p.add_argument("--betas", type=numbers("beta", check_beta, MAX_BETAS), default=[0.01, 1.0, 10.0],
                   help=f"comma-separated β values (default 0.01,1,10; at most {MAX_BETAS})")
    p.add_argument("--charging", choices=qbexp.CHARGINGS, default="kraus",
                   help="charging circuits (default kraus: the exact channel; collision is slower)")
    p.add_argument("--curve-points", type=integer(1, MAX_C_POINTS), default=101,
                   help=f"c values of the exact curves (default 101, at most {MAX_C_POINTS})")
    p.add_argument("--runs", help="folder of the sweeps' run directories (default OUT/fig1b_shots_runs/<settings>)")
    args = p.parse_args(argv)
    betas = args.betas
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"], make=False)
    default_runs = out / f"{NAME}_runs" / f"{args.charging}_shots={args.shots}_seed={args.seed}_points={args.points}"
    runs = output_folder(default_runs if args.runs is None else args.runs, "--runs", make=False)
    make_run_folders(out, runs)
    rows = measure(betas, args.points, args.shots, args.seed, args.charging, runs)
    curves = exact_curves(betas, args.curve_points)
    outputs = write_outputs(out, NAME, COLUMNS, rows, lambda r: plot(r, curves, args.shots, args.charging))
    print(coverage_report(rows))
    return outputs


if __name__ == "__main__":
    main()
