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

import numpy as np

from _common import (BETA_STYLES, MAX_C_POINTS, c_family_rows, integer, output_folder, parser,
                     plot_two_panels_vs_c, script, write_outputs)
from qbexp.thermo import coherence_l1, ergotropy

NAME = "fig1_collective_coherence_ergotropy"
COLUMNS = ["beta", "c", "coherence_l1", "ergotropy"]


def sweep(betas, cs, omega=1.0):
    """Rows (β, c, C_l1, W) of the simulated steady states."""
    return c_family_rows(betas, cs, lambda rho, h0: (coherence_l1(rho), ergotropy(rho, h0)), "Fig. 1 sweep", omega)


def plot(rows):
    labels = (r"$C_{l_1}$", r"$\mathcal{W}$")
    titles = (r"(a) coherence, $\omega = 1$", r"(b) ergotropy, $\omega = 1$")
    return plot_two_panels_vs_c(rows, labels, titles, legend_panel=1)


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 1 of Çakmak: C_l1 and ergotropy of the two-qubit steady state vs c")
    p.add_argument("--points", type=integer(1, MAX_C_POINTS), default=101,
                   help=f"number of c values in [0, 1] (default 101, at most {MAX_C_POINTS})")
    args = p.parse_args(argv)
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"])
    rows = sweep(list(BETA_STYLES), np.linspace(0.0, 1.0, args.points))
    return write_outputs(out, NAME, COLUMNS, rows, plot)


if __name__ == "__main__":
    main()
