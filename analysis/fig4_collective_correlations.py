"""Çakmak, "Ergotropy from coherences", Fig. 4 (App. B): (a) concurrence (Eq. B1) and
(b) quantum discord D← (Eq. B2, measurement on qubit 0, in bits) of the two-qubit steady
state ρ_ss(β, c) (Eq. 8) versus c, at β = 0.01, 1, 10 and ω = 1.

The steady states are simulated exactly as for Fig. 1 (``steady_state`` of the collective
battery from (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|).  Expected (App. B): concurrence dies out quickly
in c as the temperature grows; discord follows C_l1 of Fig. 1 more smoothly, D ≤ C_l1, with
equality where both vanish (c = Z₊/Z) and at c = 1.

    python analysis/fig4_collective_correlations.py [--out DIR] [--points 101]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from _common import BETA_STYLES, parser, save_figure, write_csv
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import concurrence, discord

NAME = "fig4_collective_correlations"
COLUMNS = ["beta", "c", "concurrence", "discord"]


def sweep(betas, cs, omega=1.0):
    """Rows (β, c, concurrence, discord) of the simulated steady states."""
    rows = []
    with tqdm(total=len(betas) * len(cs), desc="Fig. 4 sweep") as bar:
        for beta in betas:
            model = collective_battery(2, beta, omega=omega)
            for c in cs:
                rho = steady_state(model, c_family_state(c))
                rows.append((float(beta), float(c), concurrence(rho), discord(rho)))
                bar.update()
    return rows


def plot(rows, path):
    data = np.array(rows)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for col, ax, label in ((2, axes[0], r"concurrence $C$"), (3, axes[1], r"discord $D^{\leftarrow}$ (bits)")):
        for beta, style in BETA_STYLES.items():
            sel = data[:, 0] == beta
            ax.plot(data[sel, 1], data[sel, col], style, color="k", label=rf"$\beta={beta:g}$")
        ax.set_xlabel("$c$")
        ax.set_ylabel(label)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
    axes[0].set_title(r"(a) entanglement, $\omega = 1$", fontsize=10)
    axes[1].set_title(r"(b) quantum discord, $\omega = 1$", fontsize=10)
    axes[0].legend(frameon=False)
    return save_figure(fig, path)


def main(argv=None):
    p = parser("Fig. 4 of Çakmak: concurrence and discord of the two-qubit steady state vs c")
    p.add_argument("--points", type=int, default=101, help="number of c values in [0, 1] (default 101)")
    args = p.parse_args(argv)
    rows = sweep(list(BETA_STYLES), np.linspace(0.0, 1.0, args.points))
    csv_path = write_csv(args.out / f"{NAME}.csv", COLUMNS, rows)
    png_path = plot(rows, args.out / f"{NAME}.png")
    print(f"wrote {csv_path} and {png_path}")
    return csv_path, png_path


if __name__ == "__main__":
    main()
