"""Charging the collective battery (Çakmak) exactly: to a time t or to its steady state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qbexp.dynamics import evolve, steady_state
from qbexp.models import collective_battery, initial_state
from qbexp.models.lindblad import LindbladModel
from qbexp.thermo import figures_of_merit


@dataclass
class ChargedBattery:
    """The charged state with its model and every figure of merit (ergotropy w.r.t. H0)."""

    model: LindbladModel
    initial: np.ndarray
    state: np.ndarray
    time: float  # inf for the steady state
    figures: dict


def charge_collective(
    n: int,
    beta: float,
    init: str = "ground",
    t: float | None = None,
    omega: float = 1.0,
    gamma: float = 1.0,
    f: float = 0.0,
    coupling: str = "collective",
) -> ChargedBattery:
    """Charge the battery of Eq. (5) from ``init`` for a time ``t`` (None: to its steady state).

    The steady state is the exact projection lim e^{𝓛t} ρ₀ (see ``qbexp.dynamics.steady``).
    """
    model = collective_battery(n, beta, omega=omega, gamma=gamma, f=f, coupling=coupling)
    rho0 = initial_state(init, n, hamiltonian=model.battery_hamiltonian, beta=beta)
    if t is None:
        rho, time = steady_state(model, rho0), float("inf")
    else:
        rho, time = evolve(model, rho0, [0.0, t])[-1], float(t)
    figures = figures_of_merit(rho, model.battery_hamiltonian.to_matrix(), n)
    return ChargedBattery(model=model, initial=rho0, state=rho, time=time, figures=figures)
