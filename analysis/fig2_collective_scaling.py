"""Çakmak, "Ergotropy from coherences", Fig. 2: C_l1 and ergotropy W of the steady state
reached from the all-ground state versus the number of qubits N, in the high-temperature
limit β → 0 (the caption's "β → ∞" is a typo), ω = 1 — here up to N = 1000.

Points are simulated: the collective battery (Eq. 5) is charged from |0…0⟩ to its exact steady
state (Eq. 14) by the symmetric solver (``qbexp.dynamics.symmetric``: the state lives in the
multiplet j = N/2, N + 1 levels) and C_l1 (Eq. 4) and W (Eq. 3) are measured on it
(``qbexp.thermo.permutation``, log-space binomials: C_l1 ~ 2^N/N ≈ 10^298 at N = 1000).
``--beta 0`` (the default) is the exact limit; a small β > 0 can be given instead.
Lines are Eqs. 16 and 17 at r = e^{−βω} (solid) and their r → 1 limits
C_l1 = (2^N − N − 1)/(N + 1) and W = ω N(N − 1)/(2(N + 1)) (dotted); the CSV lists the limits.
N runs over every value up to 30, then over about 40 values spaced evenly in log N.

    python analysis/fig2_collective_scaling.py [--out DIR] [--max-n 1000] [--beta 0]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from _common import integer, output_folder, parser, real, script, symmetric_beta, write_outputs
from tqdm import tqdm

from qbexp.dynamics.schur import log_binom
from qbexp.dynamics.symmetric import SYMMETRIC_MAX_QUBITS, steady_state
from qbexp.dynamics.symmetric_model import CollectiveSpinModel
from qbexp.dynamics.symmetric_state import ground
from qbexp.thermo.permutation import permutation_invariant_figures

NAME = "fig2_collective_scaling"
COLUMNS = ["n", "beta", "coherence_l1", "ergotropy", "coherence_l1_limit", "ergotropy_limit"]


def coherence_limit(n):
    """Eq. 16 at r → 1: (2^N − N − 1)/(N + 1)."""
    return (2.0**n - n - 1) / (n + 1)


def ergotropy_limit(n, omega=1.0):
    """Eq. 17 at r → 1: ω N(N − 1)/(2(N + 1))."""
    return omega * n * (n - 1) / (2.0 * (n + 1))


def eq15_weights(n, beta, omega=1.0):
    """p_k d_k = (1 − r) r^k/(1 − r^{N+1}) of Eq. 15, r = e^{−βω}, as r^k/Σr^k (r = 1 at β = 0)."""
    w = np.exp(-beta * omega * np.arange(n + 1))
    return w / w.sum()


def eq16(n, beta, omega=1.0):
    """Eq. 16 as its sum Σ_k p_k d_k (p_k − 1), p_k = C(N, k), term by term in log space (the sum
    of p_k d_k p_k less 1 cancelled to 0 at large β, where C_l1 ≈ (N − 1) e^{−βω})."""
    w = eq15_weights(n, beta, omega)
    lc = log_binom(n, np.arange(n + 1))
    with np.errstate(divide="ignore"):
        log_excess = lc + np.log1p(-np.exp(-lc))  # ln(C(N, k) − 1); −inf where C(N, k) = 1
        return float(np.sum(np.exp(np.log(w) + log_excess)))


def eq17(n, beta, omega=1.0):
    """Eq. 17 as its sum Σ_{k=1}^{N−1} k ω p_{k+1} d_{k+1}."""
    w = eq15_weights(n, beta, omega)
    k = np.arange(1, n)
    return float(omega * np.sum(k * w[k + 1]))


def sizes(max_n):
    """2 … min(30, max_n), then about 40 values evenly spaced in log N up to max_n."""
    small = list(range(2, min(30, max_n) + 1))
    big = np.unique(np.round(np.geomspace(31, max_n, 40)).astype(int)) if max_n > 30 else []
    return small + [int(n) for n in big if n > 30]


def sweep(ns, beta, omega=1.0):
    rows = []
    for n in tqdm(ns, desc="Fig. 2 sweep"):
        rho = steady_state(CollectiveSpinModel(n, beta, omega), ground(n))
        figs = permutation_invariant_figures(rho, omega)
        rows.append((n, float(beta), figs["coherence_l1"], figs["ergotropy"],
                     coherence_limit(n), ergotropy_limit(n, omega)))
    return rows


def _log10(values) -> np.ndarray:
    """log10 of the positive values, NaN (not drawn) for those that underflowed to 0: at β = 1000
    log10(0) drew nothing but two RuntimeWarnings."""
    values = np.asarray(values, dtype=float)
    return np.log10(np.where(values > 0, values, np.nan))


def plot(rows, beta):
    """(a) log10 C_l1 (matplotlib's log axis breaks down near 1e300) and (b) W against N."""
    data = np.array(rows)
    ns = data[:, 0]
    whole = np.unique(np.round(np.geomspace(ns.min(), ns.max(), 300)).astype(int))  # the closed forms as curves
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.5, 3.8))
    ax.plot(whole, np.log10(coherence_limit(whole.astype(float))), ":", color="C0", lw=1.2,
            label=r"$(2^N-N-1)/(N+1)$ (Eq. 16, $\beta\to0$)")
    ax.plot(whole, _log10([eq16(int(n), beta) for n in whole]), "-", color="C0", lw=0.8, label=rf"Eq. 16, $\beta={beta:g}$")
    ax.plot(ns, _log10(data[:, 2]), "o", ms=4, color="C0", label=rf"$C_{{l_1}}$ simulated, $\beta={beta:g}$")
    if np.any(data[:, 2] <= 0):  # e^{-βω} underflows: C_l1 < 1e-308 is 0 in the CSV
        ax.text(0.5, 0.12, r"$C_{l_1} < 10^{-308}$ (0 in the CSV)" + "\nnot drawn", transform=ax.transAxes,
                ha="center", fontsize=8)
    ax.set_ylabel(r"$\log_{10} C_{l_1}$")
    bx.plot(whole, ergotropy_limit(whole.astype(float)), ":", color="C1", lw=1.2, label=r"$N(N-1)/[2(N+1)]$ (Eq. 17, $\beta\to0$)")
    bx.plot(whole, [eq17(int(n), beta) for n in whole], "-", color="C1", lw=0.8, label=rf"Eq. 17, $\beta={beta:g}$")
    bx.plot(ns, data[:, 3], "s", ms=4, color="C1", label=rf"$\mathcal{{W}}$ simulated, $\beta={beta:g}$")
    bx.set_ylabel(r"$\mathcal{W}$  ($\omega = 1$)")
    for a in (ax, bx):
        a.set_xlabel("$N$")
        a.legend(fontsize=7, frameon=False)
    if ns.max() > 50:  # log10 C_l1 is ~ N log10 2: linear in N; W ~ N/2: log-log
        bx.set_xscale("log")
        bx.set_yscale("log")
    fig.suptitle("ground initial state, " + ("high-temperature limit" if beta == 0 else rf"$\beta = {beta:g}$"), fontsize=10)
    return fig


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 2 of Çakmak: C_l1 and ergotropy of the steady state from |0...0> vs N")
    p.add_argument("--max-n", type=integer(2, SYMMETRIC_MAX_QUBITS, "the symmetric solver's largest N"), default=1000,
                   help=f"largest N (default 1000, at most {SYMMETRIC_MAX_QUBITS}; N starts at 2)")
    p.add_argument("--beta", type=real("beta", symmetric_beta), default=0.0,
                   help="bath inverse temperature (default 0: the limit β → 0)")
    args = p.parse_args(argv)
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"])
    rows = sweep(sizes(args.max_n), args.beta)
    return write_outputs(out, NAME, COLUMNS, rows, lambda r: plot(r, args.beta))


if __name__ == "__main__":
    main()
