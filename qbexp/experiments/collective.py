"""Charging the collective battery (Çakmak) exactly: to a time t or to its steady state."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qbexp.dynamics import evolve, steady_state
from qbexp.dynamics.evolution import MAX_RELAXATION_TIMES
from qbexp.errors import QbexpError
from qbexp.models import collective_battery, initial_state
from qbexp.models.collective import bose_occupation
from qbexp.models.lindblad import LindbladModel
from qbexp.thermo import figures_of_merit


#: What a steady state without a bath is (``gamma = 0``): the kernel projection of a purely unitary
#: evolution is its time average, which keeps only the blocks of equal energy.
NO_BATH_NOTE = ("gamma = 0 (no bath): the steady state is the long-time average of the unitary evolution, "
                "the initial state dephased in the eigenbasis of H")


def check_charging_duration(t: float, beta: float, omega: float, gamma: float, name: str = "t = ",
                            instead: str = "t=None (the steady state)") -> None:
    """At most :data:`~qbexp.dynamics.evolution.MAX_RELAXATION_TIMES` relaxation times
    1/(γ0(n̄ + 1)) of the bath: beyond, the battery has long reached its steady state, and an
    evolution that long returns its rounding (N = 20, β = 1e-12, t = 0.5, 5e11 relaxation times:
    every figure 1.5e-3 off).  A one-line :class:`QbexpError` naming ``name`` and ``instead``."""
    if t is not None and beta > 0 and t * gamma * (1 + bose_occupation(beta, omega)) > MAX_RELAXATION_TIMES:
        raise QbexpError(f"{name}{t:g} is more than {MAX_RELAXATION_TIMES:g} relaxation times of the bath; "
                         f"the battery has long reached its steady state: use {instead}")


@dataclass
class ChargedBattery:
    """The charged state with its model and every figure of merit (ergotropy w.r.t. H0);
    ``note`` says what the state is where that is not the bath's steady state (:data:`NO_BATH_NOTE`)."""

    model: LindbladModel  # CollectiveSpinModel when the symmetric solver ran
    initial: np.ndarray
    state: np.ndarray  # PermutationInvariantState beyond N = 12 (symmetric solver)
    time: float  # inf for the steady state
    figures: dict
    solver: str = "general"  # or "symmetric" (qbexp.dynamics.symmetric)
    note: str | None = None


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
    Uniform collective coupling runs the symmetric solver (any N up to 1000 for permutation-
    invariant initial states; ``beta = 0`` is the limit β → 0 of the steady state), every
    other coupling the general one.  With ``gamma = 0`` and ``t = None`` the state is the time
    average of the unitary evolution, and ``note`` says so (:data:`NO_BATH_NOTE`).
    """
    note = NO_BATH_NOTE if t is None and gamma == 0 else None
    check_charging_duration(t, beta, omega, gamma)
    if coupling == "collective":
        from qbexp.dynamics.symmetric_charge import charge_symmetric

        return ChargedBattery(**charge_symmetric(n, beta, init=init, t=t, omega=omega, gamma=gamma, f=f), note=note)
    from qbexp.dynamics.symmetric_charge import check_general_size

    check_general_size(n, coupling)
    model = collective_battery(n, beta, omega=omega, gamma=gamma, f=f, coupling=coupling)
    rho0 = initial_state(init, n, hamiltonian=model.battery_hamiltonian, beta=beta)
    if t is None:
        rho, time = steady_state(model, rho0), float("inf")
    else:
        rho, time = evolve(model, rho0, [0.0, t])[-1], float(t)
    figures = figures_of_merit(rho, model.battery_hamiltonian.to_matrix(), n)
    return ChargedBattery(model=model, initial=rho0, state=rho, time=time, figures=figures, note=note)
