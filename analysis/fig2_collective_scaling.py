"""Çakmak, "Ergotropy from coherences", Fig. 2: C_l1 and ergotropy W of the steady state
reached from the all-ground state versus the number of qubits N, in the high-temperature
limit β → 0 (the caption's "β → ∞" is a typo), ω = 1.

Points are simulated at a small β (default 1e-3): the collective battery (Eq. 5) is charged
from |0…0⟩ to its exact steady state (Eq. 14) and C_l1 (Eq. 4) and W (Eq. 3) are measured.
Lines are the r → 1 limits of Eqs. 16 and 17: C_l1 = (2^N − N − 1)/(N + 1) and
W = ω N(N − 1)/(2(N + 1)); the CSV also lists both.

    python analysis/fig2_collective_scaling.py [--out DIR] [--max-n 7] [--beta 1e-3]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from _common import parser, save_figure, write_outputs
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import ground_state
from qbexp.thermo import coherence_l1, ergotropy

NAME = "fig2_collective_scaling"
COLUMNS = ["n", "beta", "coherence_l1", "ergotropy", "coherence_l1_limit", "ergotropy_limit"]


def coherence_limit(n):
    """Eq. 16 at r → 1: (2^N − N − 1)/(N + 1)."""
    return (2.0**n - n - 1) / (n + 1)


def ergotropy_limit(n, omega=1.0):
    """Eq. 17 at r → 1: ω N(N − 1)/(2(N + 1))."""
    return omega * n * (n - 1) / (2.0 * (n + 1))


def sweep(ns, beta, omega=1.0):
    rows = []
    for n in tqdm(ns, desc="Fig. 2 sweep"):
        model = collective_battery(n, beta, omega=omega)
        rho = steady_state(model, ground_state(n))
        rows.append((n, float(beta), coherence_l1(rho), ergotropy(rho, model.battery_matrix()),
                     coherence_limit(n), ergotropy_limit(n, omega)))
    return rows


def plot(rows, beta, path):
    data = np.array(rows)
    ns = data[:, 0]
    fine = np.linspace(ns.min(), ns.max(), 200)  # the closed forms, drawn as smooth curves in N
    fig, ax = plt.subplots(figsize=(5, 3.8))
    ax.plot(fine, coherence_limit(fine), "-", color="C0", lw=1, label=r"$(2^N-N-1)/(N+1)$ (Eq. 16, $\beta\to0$)")
    ax.plot(fine, ergotropy_limit(fine), "-", color="C1", lw=1, label=r"$N(N-1)/[2(N+1)]$ (Eq. 17, $\beta\to0$)")
    ax.plot(ns, data[:, 2], "o", color="C0", label=rf"$C_{{l_1}}$ simulated, $\beta={beta:g}$")
    ax.plot(ns, data[:, 3], "s", color="C1", label=rf"$\mathcal{{W}}$ simulated, $\beta={beta:g}$")
    ax.set_yscale("log")
    ax.set_xlabel("$N$")
    ax.set_ylabel(r"$C_{l_1}$,  $\mathcal{W}$  ($\omega = 1$)")
    ax.set_title("ground initial state, high-temperature limit", fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    return save_figure(fig, path)


def main(argv=None):
    p = parser("Fig. 2 of Çakmak: C_l1 and ergotropy of the steady state from |0...0> vs N")
    p.add_argument("--max-n", type=int, default=7, help="largest N (default 7; N starts at 2)")
    p.add_argument("--beta", type=float, default=1e-3, help="small β standing for β → 0 (default 1e-3)")
    args = p.parse_args(argv)
    rows = sweep(range(2, args.max_n + 1), args.beta)
    return write_outputs(args.out, NAME, COLUMNS, rows, lambda r, path: plot(r, args.beta, path))


if __name__ == "__main__":
    main()
