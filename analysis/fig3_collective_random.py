"""Çakmak, "Ergotropy from coherences", Fig. 3: C_l1 (Eq. 4) and ergotropy W (Eq. 3) of the
steady states reached from random initial states, versus N, in the high-temperature limit.

Every initial state is charged to its exact steady state by the symmetric solver
(``qbexp.dynamics.symmetric_batch``): ρ_ss = ⊕_j τ_j ⊗ M_j(ρ0), with τ_j = 1/(2j+1) at β → 0
(``--beta 0``, the default; any β > 0 works too), in batches of states, without a 2^N × 2^N
diagonalisation.  Panel (a): mean ± standard deviation of C_l1 and W over the states for each N;
panel (b): W against C_l1, one point per state (a subsample).

The paper does not say which random states it drew.  ``--ensemble`` picks the main one (Haar-
random pure states by default; ``hs``: Hilbert–Schmidt and ``bures``: Bures mixed states), and
the two others are drawn too with ``--compare-states`` states each and drawn as open symbols,
so the figure shows how much the answer depends on that choice.

    python analysis/fig3_collective_random.py [--states 100000] [--max-n 7] [--ensemble haar]
        [--beta 0] [--seed 1] [--compare-states 2000] [--out DIR]

Writes fig3_collective_random.csv (n, states, coherence_l1_mean, coherence_l1_std,
ergotropy_mean, ergotropy_std; main ensemble), fig3_collective_random_ensembles.csv (the same
with an ``ensemble`` column, every ensemble) and fig3_collective_random.png, and prints the time
per N and the peak memory.
"""

from __future__ import annotations

import resource
import time

import matplotlib.pyplot as plt
import numpy as np
from _common import integer, output_folder, parser, real, script, symmetric_beta, write_outputs
from tqdm import tqdm

from qbexp.dynamics.symmetric_batch import ENSEMBLES, random_steady_figures
from qbexp.errors import QbexpError
from qbexp.models.states import DENSE_MAX_QUBITS

NAME = "fig3_collective_random"
COLUMNS = ["n", "states", "coherence_l1_mean", "coherence_l1_std", "ergotropy_mean", "ergotropy_std"]
SCATTER_POINTS = 1500  # per N in panel (b)
#: Most random states per N and ensemble, the default: the means are then known to 0.3 % of the
#: spread (std/√100000).  Haar states take about 0.4 ms each at N = 7 on one core (40 s per N) and
#: 70 ms at N = 12 (2 hours); Bures states 20 to 250 times longer.
MAX_STATES = 100_000


def run_ensemble(ns, states, ensemble, beta, seed, omega=1.0):
    """{n: figures arrays} and the wall time per N."""
    out, times = {}, {}
    for n in ns:
        t0 = time.perf_counter()
        with tqdm(total=states, desc=f"Fig. 3 {ensemble} N={n}", unit="state", leave=False) as bar:
            out[n] = random_steady_figures(n, states, ensemble, beta, omega, seed=None if seed is None else seed + n,
                                           progress=bar.update)
        times[n] = time.perf_counter() - t0
    return out, times


def summary_rows(results, states):
    return [(n, states, float(f["coherence_l1"].mean()), float(f["coherence_l1"].std()),
             float(f["ergotropy"].mean()), float(f["ergotropy"].std())) for n, f in results.items()]


def plot(rows, others, main, samples, beta):
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
    data = np.array(rows, dtype=float)
    ns = data[:, 0]
    ax.errorbar(ns - 0.05, data[:, 2], yerr=data[:, 3], fmt="o-", color="C0", capsize=3, label=rf"$C_{{l_1}}$ ({main})")
    ax.errorbar(ns + 0.05, data[:, 4], yerr=data[:, 5], fmt="s-", color="C1", capsize=3, label=rf"$\mathcal{{W}}$ ({main})")
    markers = {"haar": "^", "hs": "v", "bures": "D"}
    for name, orows in others.items():
        od = np.array(orows, dtype=float)
        ax.plot(od[:, 0], od[:, 2], markers[name], mfc="none", color="C0", ls=":", label=rf"$C_{{l_1}}$ ({name})")
        ax.plot(od[:, 0], od[:, 4], markers[name], mfc="none", color="C1", ls=":", label=rf"$\mathcal{{W}}$ ({name})")
    ax.set_xlabel("$N$")
    ax.set_ylabel(r"$C_{l_1}$,  $\mathcal{W}$  ($\omega = 1$)")
    ax.set_yscale("log")
    ax.set_title(f"(a) mean ± std over random initial states, {_beta_text(beta)}", fontsize=9)
    ax.legend(fontsize=7, frameon=False, ncol=2)
    cmap = plt.get_cmap("viridis")
    for idx, (n, f) in enumerate(samples.items()):
        bx.plot(f["coherence_l1"], f["ergotropy"], ".", ms=1.5, alpha=0.5, color=cmap(idx / max(1, len(samples) - 1)),
                label=f"N={n}")
    top = max(float(f["coherence_l1"].max()) for f in samples.values())
    bx.plot([0, top], [0, top], "k--", lw=0.8, label=r"$\mathcal{W} = \omega C_{l_1}$")
    bx.set_xlabel(r"$C_{l_1}$")
    bx.set_ylabel(r"$\mathcal{W}$")
    bx.set_title(f"(b) one point per state ({main}, ≤ {SCATTER_POINTS} per N)", fontsize=9)
    bx.legend(fontsize=7, frameon=False, markerscale=5)
    return fig


def _beta_text(beta):
    return r"$\beta \to 0$" if beta == 0 else rf"$\beta = {beta:g}$"


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 3 of Çakmak: C_l1 and ergotropy of steady states from random initial states vs N")
    p.add_argument("--states", type=integer(1, MAX_STATES), default=100_000,
                   help=f"random initial states per N (default and at most {MAX_STATES})")
    p.add_argument("--min-n", type=integer(2, DENSE_MAX_QUBITS), default=2, help="smallest N (default 2)")
    p.add_argument("--max-n", type=integer(2, DENSE_MAX_QUBITS), default=7,
                   help=f"largest N (default 7; up to {DENSE_MAX_QUBITS})")
    p.add_argument("--ensemble", choices=ENSEMBLES, default="haar", help="random states of the main series (default haar)")
    p.add_argument("--beta", type=real("beta", symmetric_beta), default=0.0,
                   help="bath inverse temperature (default 0: the limit beta -> 0)")
    p.add_argument("--seed", type=integer(0), default=1, help="seed of the random states (default 1)")
    p.add_argument("--compare-states", type=integer(0, MAX_STATES), default=2000,
                   help="states per N for each of the other ensembles (default 2000; 0: none)")
    args = p.parse_args(argv)
    if args.min_n > args.max_n:
        raise QbexpError(f"--min-n {args.min_n} is larger than --max-n {args.max_n}")
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}_ensembles.csv", f"{NAME}.png"])
    ns = range(args.min_n, args.max_n + 1)
    t0 = time.perf_counter()
    results, times = run_ensemble(ns, args.states, args.ensemble, args.beta, args.seed)
    main_time = time.perf_counter() - t0
    rows = summary_rows(results, args.states)
    others = {}
    ensemble_rows = [(args.ensemble, *r) for r in rows]
    if args.compare_states:
        for name in ENSEMBLES:
            if name != args.ensemble:
                res, _ = run_ensemble(ns, args.compare_states, name, args.beta, args.seed)
                others[name] = summary_rows(res, args.compare_states)
                ensemble_rows += [(name, *r) for r in others[name]]
    # the states are independent draws, so the first ones are a random subsample
    samples = {n: {k: v[:SCATTER_POINTS] for k, v in f.items()} for n, f in results.items()}
    write_outputs(out, NAME, COLUMNS, rows, lambda r: plot(r, others, args.ensemble, samples, args.beta),
                  tables={f"{NAME}_ensembles.csv": (["ensemble", *COLUMNS], ensemble_rows)})
    for n in ns:
        r = rows[n - args.min_n]
        print(f"N = {n:2d}: {args.states} {args.ensemble} states in {times[n]:6.2f} s;"
              f"  C_l1 = {r[2]:.4f} ± {r[3]:.4f},  W = {r[4]:.4f} ± {r[5]:.4f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"main ensemble: {main_time:.1f} s for N = {args.min_n}..{args.max_n}; total {time.perf_counter() - t0:.1f} s;"
          f" peak memory {peak:.0f} MiB")
    return rows


if __name__ == "__main__":
    main()
