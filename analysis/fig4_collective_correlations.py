"""Çakmak, "Ergotropy from coherences", Fig. 4 (App. B): (a) concurrence (Eq. B1) and
(b) quantum discord D← (Eq. B2, measurement on qubit 0, in bits) of the two-qubit steady
state ρ_ss(β, c) (Eq. 8) versus c, at β = 0.01, 1, 10 and ω = 1.

The steady states are simulated exactly as for Fig. 1 (``steady_state`` of the collective
battery from (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|).  Expected (App. B): concurrence dies out quickly
in c as the temperature grows; discord follows C_l1 of Fig. 1 more smoothly, D ≤ C_l1, with
equality where both vanish (c = Z₊/Z).  At c = 1 App. B says they are equal; they are only
close (β = 1: C_l1 = 0.24473, D = 0.24124 bits; equal in the limits β → 0 and β → ∞; an
independent computation agrees with qbexp to 1e-15).

    python analysis/fig4_collective_correlations.py [--out DIR] [--points 101]
"""

from __future__ import annotations

import numpy as np

from _common import (BETA_STYLES, MAX_C_POINTS, c_family_rows, integer, output_folder, parser,
                     plot_two_panels_vs_c, script, write_outputs)
from qbexp.thermo import concurrence, discord

NAME = "fig4_collective_correlations"
COLUMNS = ["beta", "c", "concurrence", "discord"]


def sweep(betas, cs, omega=1.0):
    """Rows (β, c, concurrence, discord) of the simulated steady states."""
    return c_family_rows(betas, cs, lambda rho, h0: (concurrence(rho), discord(rho)), "Fig. 4 sweep", omega)


def plot(rows):
    labels = (r"concurrence $C$", r"discord $D^{\leftarrow}$ (bits)")
    titles = (r"(a) entanglement, $\omega = 1$", r"(b) quantum discord, $\omega = 1$")
    return plot_two_panels_vs_c(rows, labels, titles, legend_panel=0)


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 4 of Çakmak: concurrence and discord of the two-qubit steady state vs c")
    p.add_argument("--points", type=integer(1, MAX_C_POINTS), default=101,
                   help=f"number of c values in [0, 1] (default 101, at most {MAX_C_POINTS})")
    args = p.parse_args(argv)
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"])
    rows = sweep(list(BETA_STYLES), np.linspace(0.0, 1.0, args.points))
    return write_outputs(out, NAME, COLUMNS, rows, plot)


if __name__ == "__main__":
    main()
