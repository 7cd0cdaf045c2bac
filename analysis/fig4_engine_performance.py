"""Tacchino et al., Fig. 4: (a) efficiency η = E/Q^H and power P = E/τ in the operational
steady state versus the cycle period τ; (b) work extracted at each discharge starting from the
NESS, for several τ, converging to the OSS value; (c) the ergotropy through the cycles that
bring the engine from the NESS to its OSS at τ = 150.

Parameters of the caption: λ = 0.01, Γ0 = 1e-3, T_A = 2, T_S = 0.1, ω0 = 1 (Eq. 9 rates);
discharge U = e^{−iσz⁽¹⁾π/2} (``local1``; ``--discharge`` picks another).  Every point is
simulated (OSS = fixed point of the exact one-cycle map, Q^H = exact ∫ of the hot-bath heat
current).  Dotted (η, Eq. 16) and dashed (P, Eq. 14 / τ) lines in (a) are the short-cycle
limits, for reference.
Expected: η and P largest, and flat, for ΣΓτ ≪ 1, falling for long cycles; (b) oscillating
convergence within ~10 cycles at τ = 150.  The caption's "ergotropy extracted per step" is what
the optimal discharge extracts (``--discharge optimal``); the fixed local swap extracts it only
while r_A > r_S (Eq. 12) and otherwise pumps energy in, so (b) shows negative work in the
transient of short cycles (τ = 50: 3.0e-3 at the first discharge, then −1.7e-3, +1.9e-3,
−1.0e-3) and (c) a swap of a passive state.  Panel (a), at the OSS, is the same for both
(relative 2e-11 at τ = 1, 1e-13 from τ = 50).

Writes fig4_engine_performance_{a,b,c}.csv and fig4_engine_performance.png.

    python analysis/fig4_engine_performance.py [--out DIR] [--taus 40] [--cycles 30] [--discharge local1]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from _common import csv_text, figure_png, integer, output_folder, parser, script, write_files
from qbexp.dynamics.cycle import DISCHARGES, MAX_CYCLES, cycle_trajectory, engine_cycle, ness
from qbexp.dynamics.evolution import MAX_TIMES
from qbexp.models.engine import rates_of, two_bath_engine
from qbexp.thermo import energy, ergotropy

NAME = "fig4_engine_performance"
COLUMNS = {
    "a": ["tau", "efficiency", "power", "oss_ergotropy", "heat_hot"],
    "b": ["tau", "cycle", "work"],
    "c": ["time", "ergotropy", "energy"],
}
TAUS_B = (50.0, 150.0, 500.0, 1500.0)
TAU_C = 150.0
#: Samples per cycle in (c).
POINTS_C = 60
#: Most τ in (a): one operational steady state each, about 30 ms (1000: half a minute).
MAX_TAUS = 1000
#: Most cycles in (c): its trajectory holds at most as many states as one evolution has times
#: (``qbexp.dynamics.evolution.MAX_TIMES``), POINTS_C + 1 per cycle.
MAX_CYCLES_C = MAX_TIMES // (POINTS_C + 1)


def panel_a(model, taus, discharge):
    rows = []
    for tau in tqdm(taus, desc="Fig. 4a OSS vs tau"):
        r = engine_cycle(model, tau, discharge).steady_operation()
        rows.append((float(tau), r["efficiency"], r["power"], r["oss_ergotropy"], r["heat_hot"]))
    return rows


def panel_b(model, cycles, discharge):
    rho_ness = ness(model)
    rows = []
    for tau in tqdm(TAUS_B, desc="Fig. 4b cycles from the NESS"):
        works = engine_cycle(model, tau, discharge).works(rho_ness, cycles)
        rows += [(tau, k + 1, w) for k, w in enumerate(works)]
    return rows


def panel_c(model, cycles, discharge):
    h = model.battery_matrix()
    times, states = cycle_trajectory(model, TAU_C, cycles, discharge, points_per_cycle=POINTS_C)
    return list(zip(times.tolist(), ergotropy(states, h).tolist(), energy(states, h).tolist()))


def short_cycle_limits(model):
    """(η_τ, P_τ) of Eqs. 14–16 (τ → 0)."""
    ap, am, sp, sm = rates_of(model)
    lam, omega0 = model.parameters["lam"], model.parameters["omega0"]
    up, down = ap + sp, am + sm
    x = up / down
    eta = 2 * lam / omega0 * (1 - x) / (1 + lam / omega0 + x * (1 - lam / omega0))
    return eta, 4 * lam * (ap * sm - am * sp) * (down - up) / (up + down) ** 2


def plot(model, rows):
    a, b, c = (np.array(rows[k], dtype=float) for k in "abc")
    eta0, p0 = short_cycle_limits(model)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    ax.semilogx(a[:, 0], a[:, 1] * 100, "b-o", ms=3, label=r"$\eta$")
    ax.axhline(eta0 * 100, color="b", ls=":", lw=1)
    ax.set_xlabel(r"$\tau\ (1/\omega_0)$")
    ax.set_ylabel(r"efficiency $\eta$ (%)", color="b")
    twin = ax.twinx()
    twin.semilogx(a[:, 0], a[:, 2] * 1e6, "r-s", ms=3, label="$P$")
    twin.axhline(p0 * 1e6, color="r", ls="--", lw=1)
    twin.set_ylabel(r"power $P\ (10^{-6}\omega_0^2)$", color="r")
    ax.set_title("(a) OSS efficiency and power (dotted/dashed: Eqs. 16/14)", fontsize=9)
    ax = axes[1]
    for tau in TAUS_B:
        sel = b[:, 0] == tau
        ax.plot(b[sel, 1], b[sel, 2] * 1e3, "-o", ms=3, label=rf"$\tau={tau:g}$")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("cycle (1 = discharge of the NESS)")
    ax.set_ylabel(r"extracted work $(10^{-3}\omega_0)$")
    ax.set_title("(b) work per cycle from the NESS", fontsize=9)
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(c[:, 0], c[:, 1] * 1e3, "m-", lw=1)
    ax.set_xlabel(r"$t\ (1/\omega_0)$")
    ax.set_ylabel(r"ergotropy $\mathcal{E}\ (10^{-3}\omega_0)$")
    ax.set_title(rf"(c) reaching the OSS, $\tau={TAU_C:g}$", fontsize=9)
    return fig


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 4 of Tacchino et al.: efficiency, power and convergence to the OSS")
    p.add_argument("--taus", type=integer(1, MAX_TAUS), default=40,
                   help=f"number of log-spaced tau in [1, 1e4] for (a) (default 40, at most {MAX_TAUS})")
    p.add_argument("--cycles", type=integer(1, MAX_CYCLES), default=30,
                   help=f"cycles from the NESS in (b) (default 30, at most {MAX_CYCLES:,})")
    p.add_argument("--cycles-c", type=integer(1, MAX_CYCLES_C, f"{POINTS_C + 1} states per cycle, "
                                              f"at most {MAX_TIMES:,} states"), default=15,
                   help=f"cycles drawn in (c) (default 15, at most {MAX_CYCLES_C})")
    p.add_argument("--discharge", choices=DISCHARGES, default="local1")
    args = p.parse_args(argv)
    files = [f"{NAME}_{k}.csv" for k in "abc"] + [f"{NAME}.png"]
    out = output_folder(args.out, files=files)
    model = two_bath_engine()
    rows = {
        "a": panel_a(model, np.logspace(0, 4, args.taus), args.discharge),
        "b": panel_b(model, args.cycles, args.discharge),
        "c": panel_c(model, args.cycles_c, args.discharge),
    }
    csv_paths = [out / f"{NAME}_{k}.csv" for k in "abc"]
    png_path = out / f"{NAME}.png"
    written = {path: csv_text(COLUMNS[k], rows[k]) for path, k in zip(csv_paths, "abc")}
    written[png_path] = figure_png(plot(model, rows))  # drawn before anything is written
    write_files(written)
    print(f"wrote {', '.join(map(str, csv_paths))} and {png_path}")
    return csv_paths, png_path


if __name__ == "__main__":
    main()
