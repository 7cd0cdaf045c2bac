"""Çakmak, "Ergotropy from coherences", Fig. 1: (a) C_l1 and (b) ergotropy W of the
two-qubit steady state ρ_ss(β, c) (Eq. 8) versus c, at β = 0.01, 1, 10 and ω = 1.

Every point is simulated: the collective battery (Eq. 5, γ_ij = γ0) is charged to its exact
steady state (``qbexp.dynamics.steady_state``) from the c-family initial state
(1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|, and C_l1 (Eq. 4) and W (Eq. 3, w.r.t. H0) are measured on it.
Expected: C_l1 = |c Z/Z₊ − 1| (Eq. 9), a V vanishing at c = Z₊/Z; W = ω(1 − 2c) up to
c = 1/2 and 0 beyond for β = 10 (Eq. 12); W ≈ C_l1 = |1 − 4c/3| for β = 0.01 (Eq. 13).

    python analysis/fig1_collective_coherence_ergotropy.py [--out DIR] [--points 101]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from _common import BETA_STYLES, parser, save_figure, write_csv
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery
from qbexp.models.states import c_family_state
from qbexp.thermo import coherence_l1, ergotropy

NAME = "fig1_collective_coherence_ergotropy"
COLUMNS = ["beta", "c", "coherence_l1", "ergotropy"]


def sweep(betas, cs, omega=1.0):
    """Rows (β, c, C_l1, W) of the simulated steady states."""
    rows = []
    with tqdm(total=len(betas) * len(cs), desc="Fig. 1 sweep") as bar:
        for beta in betas:
            model = collective_battery(2, beta, omega=omega)
            h0 = model.battery_matrix()
            for c in cs:
                rho = steady_state(model, c_family_state(c))
                rows.append((float(beta), float(c), coherence_l1(rho), ergotropy(rho, h0)))
                bar.update()
    return rows


def plot(rows, path):
    data = np.array(rows)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for col, ax, label in ((2, axes[0], r"$C_{l_1}$"), (3, axes[1], r"$\mathcal{W}$")):
        for beta, style in BETA_STYLES.items():
            sel = data[:, 0] == beta
            ax.plot(data[sel, 1], data[sel, col], style, color="k", label=rf"$\beta={beta:g}$")
        ax.set_xlabel("$c$")
        ax.set_ylabel(label)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
    axes[0].set_title(r"(a) coherence, $\omega = 1$", fontsize=10)
    axes[1].set_title(r"(b) ergotropy, $\omega = 1$", fontsize=10)
    axes[1].legend(frameon=False)
    return save_figure(fig, path)


def main(argv=None):
    p = parser("Fig. 1 of Çakmak: C_l1 and ergotropy of the two-qubit steady state vs c")
    p.add_argument("--points", type=int, default=101, help="number of c values in [0, 1] (default 101)")
    args = p.parse_args(argv)
    rows = sweep(list(BETA_STYLES), np.linspace(0.0, 1.0, args.points))
    csv_path = write_csv(args.out / f"{NAME}.csv", COLUMNS, rows)
    png_path = plot(rows, args.out / f"{NAME}.png")
    print(f"wrote {csv_path} and {png_path}")
    return csv_path, png_path


if __name__ == "__main__":
    main()
