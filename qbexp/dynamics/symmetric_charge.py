"""Charging the uniform collective battery with the symmetric solver: the path that
``qbexp.experiments.collective.charge_collective`` and ``qbexp simulate collective`` take for
``coupling="collective"`` (any ω, γ, f).

Initial states ``ground``, ``thermal``, ``dicke:K`` and ``coherent:THETA,PHI`` stay compact
(permutation-invariant, any N ≤ :data:`~qbexp.dynamics.symmetric.SYMMETRIC_MAX_QUBITS`); the
others (``haar:``, ``hs:``, ``bures:``, ``c:``, ``file:``) are dense 2^N × 2^N matrices, up to
N = :data:`~qbexp.dynamics.schur.SCHUR_MAX_QUBITS`.  ``beta = 0`` is the exact high-temperature
limit of the steady state (every multiplet maximally mixed); time evolution needs β > 0.
"""

from __future__ import annotations

import numpy as np

from qbexp.dynamics import symmetric
from qbexp.dynamics.schur import SCHUR_MAX_QUBITS, check_schur_size
from qbexp.dynamics.symmetric_model import CollectiveSpinModel
from qbexp.dynamics.symmetric_state import compact_initial_state
from qbexp.errors import QbexpError


def general_solver_limit() -> int:
    """Largest N the general (4^N-dimensional) solver accepts on this machine."""
    from qbexp.models.lindblad import MAX_EXACT_QUBITS, check_register_size

    for n in range(MAX_EXACT_QUBITS, 0, -1):
        try:
            check_register_size(n)
            return n
        except QbexpError:
            continue
    return 0


def check_general_size(n: int, coupling: str) -> None:
    """One line for a non-uniform coupling beyond the general solver."""
    limit = general_solver_limit()
    if n > limit:
        raise QbexpError(
            f"N = {n} with {coupling} coupling: only uniform collective coupling scales (symmetric solver,"
            f" up to N = {symmetric.SYMMETRIC_MAX_QUBITS}); the general solver goes up to N = {limit} on this machine"
        )


def charge_symmetric(n: int, beta: float, init: str = "ground", t: float | None = None, omega: float = 1.0,
                     gamma: float = 1.0, f: float = 0.0, engine: str | None = None) -> dict:
    """Fields of ``ChargedBattery`` (model, initial, state, time, figures, solver).

    ``state`` and ``initial`` are dense for N ≤ 12 and PermutationInvariantState beyond.
    """
    from qbexp.thermo import figures_of_merit
    from qbexp.thermo.permutation import permutation_invariant_figures

    spin = CollectiveSpinModel(n, beta, omega, gamma, f)
    if t is not None and beta == 0:
        raise QbexpError("beta = 0 is the high-temperature limit of the steady state (--steady); charging for a time t needs beta > 0")
    if n > symmetric.SYMMETRIC_MAX_QUBITS:
        raise QbexpError(
            f"N = {n}: the symmetric solver goes up to N = {symmetric.SYMMETRIC_MAX_QUBITS}"
            " (beyond it C_l1 ~ 2^N/N overflows a float64)"
        )
    compact = compact_initial_state(init, n, beta, omega)
    if compact is None:
        check_schur_size(n, f"the initial state {init!r}")
        from qbexp.models.states import initial_state

        rho0 = initial_state(init, n, beta=beta)
    else:
        rho0 = compact
    if t is None:
        state, time = symmetric.steady_state(spin, rho0), float("inf")
    else:
        state, time = symmetric.evolve(spin, rho0, [0.0, t], engine=engine)[-1], float(t)
    if compact is None:
        h0 = np.diag(omega * np.array([x.bit_count() for x in range(2**n)], dtype=float))
        figures = figures_of_merit(state, h0, n)
    else:
        figures = permutation_invariant_figures(state, omega)
        if n <= SCHUR_MAX_QUBITS:
            state, rho0 = state.to_dense(), rho0.to_dense()
    return {"model": spin, "initial": rho0, "state": state, "time": time, "figures": figures, "solver": symmetric.SOLVER_NAME}
