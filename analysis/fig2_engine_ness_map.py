"""Tacchino et al., Fig. 2: ergotropy of the two-qubit NESS versus the inverse effective
temperatures β_S (cold, symmetric channel) and β_A (hot, antisymmetric channel), ω0 = 1,
λ = 0.01.

The caption fixes the pumping rates, Γ_S⁺ = Γ_A⁺ = 3.5e-4 (the optical implementation's p/2),
and names β_S ≃ 2.75 ⇔ Γ_S⁻ = 5.5e-3, Γ_A⁻ = 5e-4; so every map point uses Γ_k⁺ = 3.5e-4 and
Γ_k⁻ = Γ_k⁺ e^{β_k ω0} (the inverse of Eq. 9).  Each point is simulated: the exact NESS
(kernel of 𝓛) is computed and its ergotropy (Eq. 3) and heat current from the hot bath
(Eq. 5 integrand) are measured.  Expected: zero ergotropy for β_A ≥ β_S (no inverted
gradient), growing towards β_A → 0, β_S large; the caption's point is marked.

    python analysis/fig2_engine_ness_map.py [--out DIR] [--grid 40] [--beta-max 5]
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from tqdm import tqdm

from _common import integer, output_folder, parser, real, script, write_outputs
from qbexp.dynamics.cycle import heat_current, ness
from qbexp.errors import QbexpError
from qbexp.models.engine import two_bath_engine
from qbexp.models.matrices import SCALE_MAX, check_scale
from qbexp.thermo import ergotropy

NAME = "fig2_engine_ness_map"
COLUMNS = ["beta_s", "beta_a", "ergotropy", "heat_current"]
#: Γ_S⁺ = Γ_A⁺ of the Fig. 2 caption, and its marked point (β_S, β_A).
PUMP = 3.5e-4
CAPTION_POINT = (np.log(5.5e-3 / PUMP), np.log(5e-4 / PUMP))
LAM = 0.01
#: Most points per axis: GRID² NESS solves of about 10 ms each (200: 40,000, about 7 minutes on one core).
MAX_GRID = 200


def sweep(betas):
    """Rows (β_S, β_A, NESS ergotropy, NESS heat current from the A bath)."""
    rows = []
    with tqdm(total=len(betas) ** 2, desc="Fig. 2 NESS map") as bar:
        for beta_s in betas:
            for beta_a in betas:
                model = _model(beta_s, beta_a)
                rho = ness(model)
                rows.append((float(beta_s), float(beta_a), ergotropy(rho, model.battery_matrix()),
                             heat_current(model, rho, "A")))
                bar.update()
    return rows


def plot(rows, n):
    data = np.array(rows)
    beta_s = data[:, 0].reshape(n, n)
    beta_a = data[:, 1].reshape(n, n)
    erg = data[:, 2].reshape(n, n)
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    mesh = ax.pcolormesh(beta_s, beta_a, erg / LAM, shading="nearest", cmap="viridis")
    fig.colorbar(mesh, ax=ax, label=r"$\mathcal{E}_{NESS}/\lambda$")
    ax.plot(*CAPTION_POINT, "r*", ms=11, label=r"caption point ($\beta_S \simeq 2.75$)")
    ax.plot([0, beta_s.max()], [0, beta_s.max()], "w--", lw=0.8, label=r"$\beta_A = \beta_S$")
    ax.set_xlabel(r"$\beta_S\,\omega_0$ (cold, symmetric)")
    ax.set_ylabel(r"$\beta_A\,\omega_0$ (hot, antisymmetric)")
    ax.set_title(r"NESS ergotropy, $\Gamma^+_{S}=\Gamma^+_{A}=3.5\cdot10^{-4}$, $\lambda=0.01$", fontsize=9)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.8)
    return fig


def _model(beta_s: float, beta_a: float):
    """The engine at one map point: Γ_k⁺ = PUMP, Γ_k⁻ = PUMP e^{β_k} (the module docstring)."""
    return two_bath_engine(lam=LAM, rates=(PUMP, PUMP * np.exp(beta_a), PUMP, PUMP * np.exp(beta_s)))


def check_beta_max(beta_max: float) -> None:
    """The largest β on the axes: > 0, its decay rate Γ⁺ e^{β ω0} one the solvers handle
    (:func:`qbexp.models.engine.two_bath_engine` checks the rates), and the NESS of the map's
    corners solvable: at (0, β_max) the slowest relaxation rate (1.8e-3) falls below 1e-8 of
    the generator's norm past β_max ≈ 18.3, where the steady-state solver refuses (it could
    not tell it from a conserved mode to its accuracy); the map stopped there after its
    first 40 points (:func:`largest_beta_max`)."""
    check_scale(beta_max, "beta_max")
    with np.errstate(over="ignore"):
        rate = PUMP * np.exp(beta_max)
    try:
        two_bath_engine(lam=LAM, rates=(PUMP, rate, PUMP, rate))
    except QbexpError as err:
        raise QbexpError(f"beta_max = {beta_max:g} gives the decay rate Gamma- = Gamma+ e^beta = {rate:.3g}: {err}") from None
    failure = _unsolvable_corner(beta_max)
    if failure:
        (beta_s, beta_a), err = failure
        raise QbexpError(f"beta_max = {beta_max:g}: the NESS at (beta_S, beta_A) = ({beta_s:g}, {beta_a:g}) "
                         f"cannot be solved ({err}); at most {largest_beta_max():.2f}")


def _unsolvable_corner(beta_max: float):
    """``((β_S, β_A), error)`` of the first corner of the map whose NESS cannot be solved, or None."""
    for corner in ((0.0, beta_max), (beta_max, 0.0), (beta_max, beta_max)):
        try:
            ness(_model(*corner))
        except QbexpError as err:
            return corner, err
    return None


def largest_beta_max() -> float:
    """The largest β_max :func:`check_beta_max` accepts, to 0.01 (bisection on the corners)."""
    low, high = 1.0, float(np.log(SCALE_MAX / PUMP))
    while high - low > 0.005:
        mid = 0.5 * (low + high)
        low, high = (low, mid) if _unsolvable_corner(mid) else (mid, high)
    return low


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Fig. 2 of Tacchino et al.: NESS ergotropy vs (beta_S, beta_A)")
    p.add_argument("--grid", type=integer(1, MAX_GRID), default=40, help=f"points per axis (default 40, at most {MAX_GRID})")
    p.add_argument("--beta-max", type=real("beta_max", check_beta_max), default=5.0,
                   help="largest beta on both axes (default 5; > 0, at most about 18.3, where the NESS of the "
                        "corner (0, beta_max) becomes too stiff for the steady-state solver)")
    args = p.parse_args(argv)
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"])
    betas = np.linspace(0.0, args.beta_max, args.grid)
    rows = sweep(betas)
    return write_outputs(out, NAME, COLUMNS, rows, lambda r: plot(r, args.grid))


if __name__ == "__main__":
    main()
