"""Tacchino et al., Fig. 3: level populations through one full cycle of the engine — a short
idle phase in the NESS, the instantaneous discharge at t = 0 (the swap of the |S⟩ and |A⟩
populations, U = e^{−iσz⁽¹⁾π/2}) and the complete recharge back to the NESS.

Parameters of the caption: λ = 0.01, Γ0 = 1e-3, T_A = 2, T_S = 0.1, ω0 = 1 (Eq. 9 rates).
Every point is simulated: the exact NESS, then the exact charging propagator of
``qbexp.dynamics.cycle.cycle_trajectory``.  Expected: r_gg > r_A > r_S ≳ r_ee in the NESS
(Eq. 12); r_A and r_S swap at t = 0, then relax back, with the A–S inversion (and hence
ergotropy) re-appearing only after a minimum charging time τ_min.

    python analysis/fig3_engine_cycle.py [--out DIR] [--recharge 3000] [--idle 300] [--points 600]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from _common import integer, output_folder, parser, real, script, write_outputs
from qbexp.dynamics.cycle import cycle_trajectory
from qbexp.dynamics.evolution import MAX_TIMES, check_charging_time
from qbexp.models.engine import LEVELS, level_populations, two_bath_engine
from qbexp.models.matrices import check_scale
from qbexp.thermo import energy, ergotropy

NAME = "fig3_engine_cycle"
COLUMNS = ["time", "r_gg", "r_S", "r_A", "r_ee", "energy", "ergotropy"]
STYLES = {"gg": "k-", "S": "b-", "A": "r-", "ee": "g-"}


def cycle_rows(recharge, idle, points):
    """Rows (t, populations, energy, ergotropy): NESS for t ∈ [−idle, 0], discharge, recharge."""
    model = two_bath_engine()
    h = model.battery_matrix()
    times, states = cycle_trajectory(model, recharge, cycles=1, discharge="local1", points_per_cycle=points)
    times = np.concatenate([[-idle + 0.0], times])  # + 0.0: --idle 0 wrote a time of -0
    states = np.concatenate([states[:1], states])
    energies, ergotropies = energy(states, h), ergotropy(states, h)
    rows = []
    for k, (t, rho) in enumerate(zip(times, states)):
        p = level_populations(rho)
        rows.append((float(t), *(p[j] for j in LEVELS), float(energies[k]), float(ergotropies[k])))
    return rows


def plot(rows):
    data = np.array(rows)
    fig, (ax, ax_e) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True, gridspec_kw={"height_ratios": [3, 1.3]})
    for i, level in enumerate(LEVELS):
        ax.plot(data[:, 0], data[:, 1 + i], STYLES[level], label=rf"$r_{{{level}}}$")
    ax.axvline(0, color="0.6", ls=":", lw=1)
    ax.set_ylabel("population")
    ax.set_title(r"$\lambda=0.01$, $\Gamma_0=10^{-3}$, $T_A=2$, $T_S=0.1$ ($\omega_0=1$)", fontsize=9)
    ax.legend(ncol=4, fontsize=8, loc="center right")
    ax_e.plot(data[:, 0], data[:, 6] * 1e3, "m-")
    ax_e.axvline(0, color="0.6", ls=":", lw=1)
    ax_e.set_ylabel(r"$\mathcal{E}\ (10^{-3}\omega_0)$")
    ax_e.set_xlabel(r"$t\ (1/\omega_0)$; discharge at $t=0$")
    return fig


def check_recharge(t: float) -> None:
    """The recharge time as the engine's evolution takes it (``check_charging_time``: > 0, within the
    solvers' scale, at most 1e6 relaxation times)."""
    check_charging_time(two_bath_engine(), t, "recharge time")


def check_idle(t: float) -> None:
    """The idle time: 0 or within the solvers' scale, never negative (the time column runs forward)."""
    check_scale(t, "idle time", zero=True)


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 3 of Tacchino et al.: populations through one discharge and full recharge")
    p.add_argument("--recharge", type=real("recharge time", check_recharge), default=3000.0,
                   help="recharge time after the discharge (default 3000)")
    p.add_argument("--idle", type=real("idle time", check_idle), default=300.0,
                   help="idle time in the NESS before it (default 300; >= 0)")
    p.add_argument("--points", type=integer(1, MAX_TIMES, "the most times of one evolution"), default=600,
                   help=f"time samples in the recharge (default 600, at most {MAX_TIMES:,})")
    args = p.parse_args(argv)
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"])
    rows = cycle_rows(args.recharge, args.idle, args.points)
    return write_outputs(out, NAME, COLUMNS, rows, plot)


if __name__ == "__main__":
    main()
