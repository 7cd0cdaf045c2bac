"""One charging time τ of the NESS-fuelled two-stroke engine (Tacchino et al., Eqs. 2–5, 10–13).

Stroke 1 charges for a time τ with the exact superoperator e^{𝓛τ} (Eq. 2), computed once per
τ by :func:`qbexp.dynamics.propagator`; stroke 2 is an instantaneous discharge unitary U
(:data:`qbexp.models.engine.DISCHARGES`; :func:`discharge_unitary`).  One cycle is the map of
Eq. (4),

    ρ → U e^{𝓛τ}(ρ) U†,

whose fixed point is the operational steady state ρ_OSS (the passive state at the start of a
charging stroke); ρ_OSS(τ) = e^{𝓛τ}(ρ_OSS) is the charged state each discharge acts on.  Work
per cycle W = Tr[H ρ_c] − Tr[H U ρ_c U†] (the ergotropy of ρ_c when U is optimal for it, Eqs.
3, 13; negative when a fixed U adds energy), power P = W/τ, heat from the hot bath per cycle
Q^H = ∫₀^τ Tr[L_A(ρ_OSS(t)) H] dt (Eq. 5, with the heat current of Eq. 10) and efficiency
η = W/Q^H.

The per-cycle lists start from the NESS: the first discharge acts on ρ_NESS itself (Fig. 3),
every later one on the state charged for τ after the previous discharge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la

from qbexp.dynamics.evolution import check_charging_time, check_operator, check_state, propagator
from qbexp.dynamics.liouvillian import liouvillian, unvec, vec
from qbexp.dynamics.steady import unique_steady_state
from qbexp.errors import QbexpError
from qbexp.models.engine import DISCHARGES, check_discharge, fixed_discharge_unitary
from qbexp.models.lindblad import LindbladModel
from qbexp.models.matrices import hermitian_part
from qbexp.thermo import ergotropy, ergotropy_unitary, trace_distance

__all__ = [
    "CONVERGENCE_RTOL",
    "DISCHARGES",
    "MAX_CYCLES",
    "MAX_POLICY_ROUNDS",
    "EngineCycle",
    "EngineResult",
    "cycle_trajectory",
    "discharge_unitary",
    "engine_cycle",
    "heat_current",
    "ness",
    "run_engine",
]

#: ``cycles_to_converge`` counts a cycle as converged when its work is this close (relative)
#: to the OSS work.
CONVERGENCE_RTOL = 1e-3
#: Longest run of cycles searched for convergence, and the most one call lists or traces (each is
#: a few 4 x 4 products; the OSS is found directly).
MAX_CYCLES = 100_000
#: Largest number of self-consistency rounds for the OSS of the ``optimal`` discharge.
MAX_POLICY_ROUNDS = 50
#: ‖𝓛τ‖₁ below which a cycle's fixed point uses e^{𝓛τ} − 1 from the charging integral (engine_cycle).
SHORT_CYCLE = 1e-2
#: Off-diagonal entries in the energy basis (relative to the largest entry) that are rounding:
#: a state with none larger is taken as diagonal there by :func:`optimal_unitary`.
DIAGONAL_WITHIN = 1e-12

#: Heat from the hot bath below this fraction of the battery's largest energy per cycle is
#: rounding (equal bath temperatures give |Q^H| ~ 1e-18): the efficiency W/Q^H is then not a
#: figure but a ratio of rounding errors (it read 2.1e-4 at T_H = T_C = 1) and is None.
HEAT_RTOL = 1e-12


def optimal_unitary(rho, battery) -> np.ndarray:
    """The ``optimal`` discharge of ``rho`` (:func:`qbexp.thermo.ergotropy_unitary`, Eq. 3); for a
    state diagonal in the energy basis to rounding (:data:`DIAGONAL_WITHIN`; the engine's NESS
    and OSS are, in Eq. 6's eigenbasis) the permutation of energy levels it stands for, taking
    the k-th largest population to the k-th lowest level.  The eigenvectors of two nearly
    equal populations (short cycles: r_A − r_S = 2.5e-9 at τ = 1e-5) are turned by the
    rounding of the off-diagonal entries (~1e-16 / 2.5e-9), and the OSS work, power and
    efficiency of the optimal discharge were 8e-5 off at τ ≤ 2e-5 (Eqs. 14–16; the two
    engines disagreed by 7e-5), its OSS not found at τ = 1e-6."""
    levels = energy_populations(rho, battery)
    if levels is None:
        return ergotropy_unitary(rho, battery)
    _, basis, populations = levels
    order = np.argsort(-populations, kind="stable")  # the level of the k-th largest population
    perm = np.zeros(basis.shape, dtype=complex)
    perm[np.arange(len(order)), order] = 1.0  # |e_k><e_order[k]|
    return basis @ perm @ basis.conj().T


def energy_populations(rho, battery):
    """``(energies, basis, populations)`` of ``rho`` in the energy basis (increasing energy),
    or None where ``rho`` is not diagonal there to rounding (:data:`DIAGONAL_WITHIN`)."""
    energies, basis = np.linalg.eigh(battery)
    r = basis.conj().T @ rho @ basis
    if np.abs(r - np.diag(np.diag(r))).max() > DIAGONAL_WITHIN * max(float(np.abs(r).max()), 1e-300):
        return None
    return energies, basis, np.diag(r).real


def ness(model: LindbladModel) -> np.ndarray:
    """The non-equilibrium steady state of the engine (below Eq. 2).

    Args:
        model: a Lindblad model with a unique steady state (e.g.
            :func:`qbexp.models.engine.two_bath_engine`).

    Returns:
        ρ_NESS with 𝓛(ρ_NESS) = 0, a ``(d, d)`` density matrix.
    """
    return unique_steady_state(model)


def heat_current(model: LindbladModel, rho, bath: str = "A") -> float:
    """Heat current into the system from one bath, J = Tr[L_bath(ρ) H] (Eq. 10; integrand of Eq. 5).

    Args:
        model: the engine model; ``bath`` must be one of ``model.baths()`` (``"A"`` hot,
            ``"S"`` cold).
        rho: a ``(d, d)`` matrix (a state, or a time integral of states for Eq. 5).
        bath: the bath label.

    Returns:
        Tr[L_bath(ρ) H] with H the system Hamiltonian (Eq. 6), > 0 when heat flows in.
    """
    if bath not in model.baths():
        raise QbexpError(f"unknown bath {bath!r}; the model has {', '.join(model.baths())}")
    rho = _hermitian_matrix(rho, model.dim, "state rho")
    drho = unvec(liouvillian(model, bath=bath, hamiltonian=False) @ vec(rho), model.dim)
    return float(np.real(np.trace(drho @ model.hamiltonian_matrix())))


#: Largest |ρ − ρ†| (relative to max(1, max|ρ|)) of a matrix the engine's helpers take as
#: Hermitian: states from an evolution at loose tolerances (rtol 1e-6: 9e-7) or in complex64
#: (1e-8) are; their Hermitian part is used.
HERMITIAN_WITHIN = 1e-5


def _hermitian_matrix(rho, dim: int, name: str) -> np.ndarray:
    """The Hermitian part of ``rho``, a finite ``dim`` x ``dim`` matrix Hermitian to
    :data:`HERMITIAN_WITHIN` (a state, or a time integral of states: trace and positivity are
    not checked); a one-line :class:`QbexpError` otherwise (a wrong shape or a string failed
    inside numpy or scipy)."""
    return hermitian_part(check_operator(rho, dim, name), name, "rho", HERMITIAN_WITHIN)


def discharge_unitary(name: str, rho, model: LindbladModel) -> np.ndarray:
    """The discharge unitary ``name`` for the charged state ``rho`` (stroke 2 of Eq. 4).

    Args:
        name: one of :data:`~qbexp.models.engine.DISCHARGES`.
        rho: the charged state; used only by ``"optimal"`` (None is fine for the others).
        model: the engine model (its battery Hamiltonian for ``"optimal"``).

    Returns:
        The ``(d, d)`` unitary: the fixed swap of |S⟩ and |A⟩
        (:func:`qbexp.models.engine.fixed_discharge_unitary`, Eq. 13) or, for ``"optimal"``,
        the ergotropy unitary of ``rho`` w.r.t. H (Eq. 3; :func:`qbexp.thermo.ergotropy_unitary`).
    """
    if check_discharge(name) == "optimal":
        return optimal_unitary(rho, model.battery_matrix())
    return fixed_discharge_unitary(name, model)


@dataclass(frozen=True)
class EngineCycle:
    """Everything one charging time τ needs: e^{𝓛τ} (Eq. 2) and ∫₀^τ e^{𝓛t} dt (for Eq. 5).

    Build it with :func:`engine_cycle`; all methods are then matrix products.
    """

    model: LindbladModel
    tau: float
    discharge: str
    charging: np.ndarray  # e^{𝓛τ}, column-stacking superoperator
    charging_integral: np.ndarray  # ∫₀^τ e^{𝓛t} dt
    battery: np.ndarray  # H as a matrix
    unitary: np.ndarray | None  # the fixed discharge unitary; None for "optimal"
    change: np.ndarray | None = None  # e^{𝓛τ} − 1 to its own precision, for short cycles (engine_cycle)

    def charge(self, rho) -> np.ndarray:
        """Charging stroke: ρ(τ) = e^{𝓛τ}(ρ) (Eq. 2).

        Args:
            rho: the ``(d, d)`` state at the start of the stroke.

        Returns:
            The (Hermitian) state after charging for τ.
        """
        rho = _hermitian_matrix(rho, self.model.dim, "state rho")
        out = unvec(self.charging @ vec(rho), self.model.dim)
        return 0.5 * (out + out.conj().T)

    def discharge_state(self, rho_c) -> tuple[np.ndarray, float]:
        """Discharge stroke of Eq. (4) on the charged state ρ_c.

        Args:
            rho_c: the charged ``(d, d)`` state.

        Returns:
            ``(U ρ_c U†, W)`` with W = Tr[H ρ_c] − Tr[H U ρ_c U†] the extracted work (Eq. 13
            for the swaps when Eq. 12 holds; the ergotropy, Eq. 3, for ``optimal``).
        """
        rho_c = _hermitian_matrix(rho_c, self.model.dim, "charged state rho_c")
        levels = energy_populations(rho_c, self.battery) if self.unitary is None else None
        if levels is not None:  # optimal, diagonal: the levels' populations sorted (optimal_unitary's
            energies, basis, populations = levels  # permutation), the work from their differences:
            after = -np.sort(-populations)  # Tr[H(ρ_c − UρU†)] in the original basis carried the
            work = float(np.sum(energies * (populations - after)))  # rotations' rounding (2e-16 of 5e-11)
            return (basis * after) @ basis.conj().T, work
        u = optimal_unitary(rho_c, self.battery) if self.unitary is None else self.unitary
        after = u @ rho_c @ u.conj().T
        work = float(np.real(np.trace(self.battery @ (rho_c - after))))
        return 0.5 * (after + after.conj().T), work

    def heat(self, rho, bath: str = "A") -> float:
        """Heat from ``bath`` while charging from ρ for τ: Q = ∫₀^τ Tr[L_bath(ρ(t)) H] dt (Eq. 5).

        Args:
            rho: the state at the start of the charging stroke.
            bath: ``"A"`` (hot, Q^H) or ``"S"`` (cold).

        Returns:
            The heat in units of ω0 (> 0 when it flows into the battery).
        """
        rho = _hermitian_matrix(rho, self.model.dim, "state rho")
        integrated = unvec(self.charging_integral @ vec(rho), self.model.dim)
        return heat_current(self.model, integrated, bath)

    def iterate(self, rho_c):
        """Iterate the one-cycle map of Eq. (4) from a charged state.

        Args:
            rho_c: the charged state the first discharge acts on.

        Yields:
            ``(charged state, state after the discharge, work)`` for cycle 1, 2, … (endless).
        """
        while True:
            after, work = self.discharge_state(rho_c)
            yield rho_c, after, work
            rho_c = self.charge(after)

    def works(self, rho_c, cycles: int) -> list[float]:
        """Work per cycle (Eq. 4 iterated; Fig. 4b).

        Args:
            rho_c: the charged state the first discharge acts on (e.g. ρ_NESS).
            cycles: number of discharges (≥ 1).

        Returns:
            The work W_k = Tr[H ρ_c,k] − Tr[H U ρ_c,k U†] of each discharge k = 1 … ``cycles``;
            negative where a fixed U adds energy.
        """
        _check_cycles(cycles)
        steps = self.iterate(rho_c)
        return [next(steps)[2] for _ in range(cycles)]

    def operational_steady_state(self, rho_c=None) -> tuple[np.ndarray, np.ndarray]:
        """(ρ_OSS, ρ_OSS(τ)): the fixed point of the one-cycle map (Eq. 4) and its charged state.

        A fixed discharge makes the map linear, M = (Ū ⊗ U) e^{𝓛τ}, and ρ_OSS is its
        eigenvector of eigenvalue 1 (required to be separated from the next eigenvalue by a
        factor 100 in distance from 1, i.e. unique).  The ``optimal``
        discharge depends on the charged state, so the OSS is found self-consistently:
        freeze U at the optimal unitary of the current charged state (first ``rho_c``,
        default ρ_NESS), take the fixed point of that linear map, recompute U from its
        charged state, and stop when U comes out the same or the map applied to the fixed
        point returns it (trace distance ≤ 1e-10) — i.e. the frozen U is optimal for its own OSS.

        Args:
            rho_c: the charged state that seeds the ``optimal`` search (default ρ_NESS);
                unused by the fixed discharges.

        Returns:
            ``(ρ_OSS, ρ_OSS(τ))``, both ``(d, d)``.
        """
        if self.unitary is not None:
            rho = self._linear_fixed_point(self.unitary)
            return rho, self.charge(rho)
        rho_c = ness(self.model) if rho_c is None else rho_c
        u = optimal_unitary(rho_c, self.battery)
        for _ in range(MAX_POLICY_ROUNDS):
            rho = self._linear_fixed_point(u)
            rho_c = self.charge(rho)
            # settled: U is optimal for its own OSS, the same U again (the level permutation of
            # optimal_unitary: exact; short cycles resolve the fixed point only to ~1e-16 over the
            # map's gap ΣΓτ), or the map returns the fixed point
            u, previous = optimal_unitary(rho_c, self.battery), u
            if np.array_equal(u, previous) or trace_distance(self.discharge_state(rho_c)[0], rho) <= 1e-10:
                return rho, rho_c
        raise QbexpError(
            f"the optimal-discharge OSS at tau = {self.tau} did not settle in {MAX_POLICY_ROUNDS} rounds"
        )

    def cycles_to_converge(self, rho_c, oss_work: float, rho_c_oss, rtol: float = CONVERGENCE_RTOL,
                           max_cycles: int = MAX_CYCLES) -> int | None:
        """First cycle k (1 = the discharge of ``rho_c``) from which every cycle's work is
        within ``rtol`` · |W_OSS| (+ 1e-10 (E_max − E_min) for W_OSS ≈ 0) of the OSS work.

        "Every later cycle" is certified, not sampled: the charged-state sequence contracts in
        trace distance (e^{𝓛τ} is CPTP; a fixed U is an isometry and the passive-state map is
        1-Lipschitz), and |W(ρ) − W(σ)| ≤ (E_max − E_min) ‖ρ − σ‖₁, so the search stops once
        (E_max − E_min) · 2‖ρ_c − ρ_c^OSS‖_F (≥ that bound) is within tolerance.

        Args:
            rho_c: the charged state the first discharge acts on (e.g. ρ_NESS).
            oss_work: W in the OSS (:meth:`steady_operation`).
            rho_c_oss: ρ_OSS(τ), the OSS charged state.
            rtol: relative tolerance on the work.
            max_cycles: longest run searched.

        Returns:
            The first converged cycle k, or None if that takes more than ``max_cycles`` cycles.
        """
        levels = np.linalg.eigvalsh(self.battery)
        spread = float(levels[-1] - levels[0])
        tol = rtol * abs(oss_work) + 1e-10 * spread
        last_outside = 0
        for k, (charged, _, work) in zip(range(1, max_cycles + 1), self.iterate(rho_c)):
            if abs(work - oss_work) > tol:
                last_outside = k
            if spread * 2 * np.linalg.norm(charged - rho_c_oss) <= tol:
                return last_outside + 1
        return None

    def steady_operation(self, rho_c=None) -> dict:
        """Figures of merit of steady operation (Eqs. 4, 5; Fig. 4).

        Args:
            rho_c: seeds the optimal discharge's OSS search (default ρ_NESS).

        Returns:
            A dict: ``oss`` (ρ_OSS), ``oss_charged`` (ρ_OSS(τ)), ``oss_ergotropy`` (Eq. 3 of
            ρ_OSS(τ)), ``oss_work`` W, ``power`` = W/τ, ``heat_hot`` = Q^H (Eq. 5),
            ``heat_cold`` and ``efficiency`` = W/Q^H (None unless Q^H > 0 beyond rounding, :data:`HEAT_RTOL`).
        """
        rho, charged = self.operational_steady_state(rho_c)
        work = self.discharge_state(charged)[1]
        heat_hot = self.heat(rho, "A")
        return {
            "oss": rho,
            "oss_charged": charged,
            "oss_ergotropy": ergotropy(charged, self.battery),
            "oss_work": work,
            "power": work / self.tau,
            "heat_hot": heat_hot,
            "heat_cold": self.heat(rho, "S"),
            "efficiency": work / heat_hot if heat_hot > HEAT_RTOL * float(np.max(np.abs(np.linalg.eigvalsh(self.battery))))
            else None,
        }

    def _linear_fixed_point(self, u: np.ndarray) -> np.ndarray:
        cycle_map = np.kron(u.conj(), u) @ self.charging
        mu, vecs = la.eig(cycle_map)
        distance = np.sort(np.abs(mu - 1))
        if not (distance[0] < 1e-6 and distance[1] > 100 * distance[0]):
            # vanishing rates are the usual cause: say which (gamma0 = 0 makes all four vanish).  Which
            # patterns short of all four leave several fixed points can depend on the engine's last digits
            # (an optimal discharge's unitary of a degenerate state), so the tests use all four.
            zero = [name for name, rate in self.model.parameters.get("rates", {}).items() if rate == 0]
            raise QbexpError(
                f"the one-cycle map at tau = {self.tau} has no unique fixed point"
                f" (eigenvalues at distances {distance[0]:.2e}, {distance[1]:.2e} from 1)"
                + (f": the rates {', '.join(zero)} are 0" if zero else "")
            )
        populations = self._population_fixed_point(u, cycle_map)
        if populations is not None:
            return (self._energy_basis * populations) @ self._energy_basis.conj().T
        rho = unvec(vecs[:, np.argmin(np.abs(mu - 1))], self.model.dim)
        rho = rho / np.trace(rho)
        return 0.5 * (rho + rho.conj().T)

    @property
    def _energy_basis(self) -> np.ndarray:
        return np.linalg.eigh(self.battery)[1]

    def _population_fixed_point(self, u: np.ndarray, cycle_map: np.ndarray) -> np.ndarray | None:
        """The fixed point's populations in the energy basis, solved among the populations alone,
        where that is exact: the map takes each energy eigenstate to a state diagonal there (Eq.
        6's dissipators jump between its eigenstates, and U permutes the levels: the swaps,
        :func:`optimal_unitary` of a diagonal state), so the unique fixed point is diagonal.
        The eigenvector of the whole map carries the eigensolver's rounding, ~1e-16 over the
        map's gap ΣΓτ, into its coherences (2e-10 at τ = 1e-5, which turned the optimal unitary
        of two nearly equal populations) and, near the coherences' own eigenvalues close to 1,
        into its populations (the optimal discharge's OSS work 4.5e-6 off at τ = 1e-5).  None
        where the map does not keep the diagonal states."""
        basis, d = self._energy_basis, self.model.dim

        def populations(superop):
            """Column k: the populations superop makes of level k (None: not diagonal)."""
            columns = []
            for k in range(d):
                out = basis.conj().T @ unvec(superop @ vec(np.outer(basis[:, k], basis[:, k].conj())), d) @ basis
                if np.abs(out - np.diag(np.diag(out))).max() > 1e-12:
                    return None
                columns.append(np.diag(out).real)
            return np.array(columns).T

        moved = np.abs(basis.conj().T @ u @ basis) ** 2  # the populations U moves: a permutation Π?
        turn = np.round(moved)
        whole = populations(cycle_map)
        if whole is None or np.abs(moved - turn).max() > 1e-12:
            return None
        system = whole - np.eye(d)  # (T − 1) p = 0, T column-stochastic
        if self.change is not None:  # short cycles: T − 1 = (Π − 1) + Π E from E = e^{𝓛τ} − 1 as
            system = turn - np.eye(d) + turn @ populations(self.change)  # computed, not 1 + E − 1
        system[-1] = 1.0  # with Σ p = 1 in place of one (dependent) equation
        rhs = np.zeros(d)
        rhs[-1] = 1.0
        return la.solve(system, rhs)


def engine_cycle(model: LindbladModel, tau: float, discharge: str = "local1") -> EngineCycle:
    """Precompute one engine cycle (Eq. 4) for charging time ``tau``.

    The integral ∫₀^τ e^{𝓛t} dt (for the heat of Eq. 5) is the top-right block of
    exp([[𝓛, 1], [0, 0]] τ) (Van Loan's block exponential), exact up to rounding.

    Args:
        model: the engine model (:func:`qbexp.models.engine.two_bath_engine`).
        tau: charging time τ > 0.
        discharge: one of :data:`~qbexp.models.engine.DISCHARGES`.

    Returns:
        An :class:`EngineCycle` holding e^{𝓛τ} (Eq. 2, :func:`qbexp.dynamics.propagator`),
        the integral, H and the fixed discharge unitary (None for ``"optimal"``).
    """
    check_discharge(discharge)
    tau = check_charging_time(model, tau)
    charging = propagator(model, tau)
    gen = liouvillian(model).toarray()
    n = gen.shape[0]
    block = np.zeros((2 * n, 2 * n), dtype=complex)
    block[:n, :n] = gen * tau
    block[:n, n:] = np.eye(n) * tau
    integral = la.expm(block)[:n, n:]
    # short cycles: e^{𝓛τ} − 1 = 𝓛 ∫₀^τ e^{𝓛t} dt to the integral's relative precision, where the
    # propagator's differs from 1 by less than its absolute tolerance resolves (ΣΓτ = 5e-8: the OSS
    # work 1e-6 off, the two engines 7e-5 apart with the optimal discharge)
    change = gen @ integral if np.abs(gen).sum(axis=0).max() * tau < SHORT_CYCLE else None
    unitary = None if discharge == "optimal" else fixed_discharge_unitary(discharge, model)
    return EngineCycle(model, float(tau), discharge, charging, integral, model.battery_matrix(), unitary, change)


@dataclass
class EngineResult:
    """Figures of merit of the engine at one charging time τ (Eqs. 4, 5, 13; Fig. 4).

    ``oss_work`` is the work the chosen discharge extracts per cycle in the OSS; it equals
    ``oss_ergotropy`` (the ergotropy of ρ_OSS(τ)) whenever the discharge is optimal for
    ρ_OSS(τ), e.g. for the swaps when Eq. (12) holds.  ``work_per_cycle`` is the work
    the chosen discharge extracts at each discharge starting from the NESS (Fig. 4b); unlike an
    ergotropy it can be negative (a fixed swap applied to a passive state adds energy).
    """

    tau: float
    discharge: str
    ness: np.ndarray
    ness_ergotropy: float
    oss: np.ndarray
    oss_charged: np.ndarray
    oss_ergotropy: float
    oss_work: float
    power: float
    heat_hot: float
    heat_cold: float
    efficiency: float | None  # None when no heat flows in from the hot bath
    work_per_cycle: list[float]
    cycles_to_converge: int | None

    def summary(self) -> dict:
        """The scalar results and the per-cycle list as plain Python values (for JSON)."""
        keys = ("tau", "discharge", "ness_ergotropy", "oss_ergotropy", "oss_work", "power",
                "heat_hot", "heat_cold", "efficiency", "cycles_to_converge", "work_per_cycle")
        return {k: getattr(self, k) for k in keys}


def run_engine(
    model: LindbladModel,
    tau: float,
    cycles: int = 30,
    discharge: str = "local1",
    rtol: float = CONVERGENCE_RTOL,
) -> EngineResult:
    """Operate the engine from its NESS for ``cycles`` cycles and characterise its OSS (Eqs. 4, 5, 13).

    Args:
        model: the engine model (:func:`qbexp.models.engine.two_bath_engine`).
        tau: charging time τ > 0 per cycle.
        cycles: number of discharges listed from the NESS (≥ 1).
        discharge: one of :data:`~qbexp.models.engine.DISCHARGES`.
        rtol: relative tolerance of ``cycles_to_converge`` (:meth:`EngineCycle.cycles_to_converge`).

    Returns:
        An :class:`EngineResult`: NESS and OSS ergotropies, OSS work W, power W/τ, heats
        Q^H, Q^C (Eq. 5), efficiency W/Q^H, the work of each of the ``cycles`` discharges and
        the number of cycles to reach the OSS work.
    """
    _check_cycles(cycles)
    cycle = engine_cycle(model, tau, discharge)
    rho_ness = ness(model)
    steady = cycle.steady_operation(rho_ness)
    return EngineResult(
        tau=float(tau),
        discharge=discharge,
        ness=rho_ness,
        ness_ergotropy=ergotropy(rho_ness, cycle.battery),
        **steady,
        work_per_cycle=cycle.works(rho_ness, cycles),
        cycles_to_converge=cycle.cycles_to_converge(rho_ness, steady["oss_work"], steady["oss_charged"], rtol),
    )


def cycle_trajectory(
    model: LindbladModel,
    tau: float,
    cycles: int,
    discharge: str = "local1",
    points_per_cycle: int = 50,
    rho_c=None,
) -> tuple[np.ndarray, np.ndarray]:
    """Times and states through ``cycles`` cycles of Eq. (4) from ``rho_c`` (Figs. 3, 4c).

    Discharges happen at t = 0, τ, 2τ, …; each instant appears twice, with the state just
    before and just after the discharge.  Charging (Eq. 2) is sampled every
    τ/``points_per_cycle`` with the exact propagator of that step
    (:func:`qbexp.dynamics.propagator`).

    Args:
        model: the engine model.
        tau: charging time τ > 0.
        cycles: number of cycles (≥ 1).
        discharge: one of :data:`~qbexp.models.engine.DISCHARGES` (``"optimal"`` is recomputed
            for each charged state).
        points_per_cycle: samples per charging stroke (≥ 1).
        rho_c: the state the first discharge acts on (default ρ_NESS).

    Returns:
        ``(times, states)``: arrays of shape ``(T,)`` and ``(T, d, d)``; the last state is the
        one charged at t = cycles · τ, before its discharge.
    """
    tau = check_charging_time(model, tau)
    _check_cycles(cycles)
    if not isinstance(points_per_cycle, (int, np.integer)) or points_per_cycle < 1:
        raise QbexpError(f"points_per_cycle = {points_per_cycle}; it must be an integer >= 1")
    check_discharge(discharge)
    step = propagator(model, tau / points_per_cycle)
    d = model.dim
    rho = ness(model) if rho_c is None else check_state(rho_c, d, "charged state rho_c")
    times, states = [], []
    for k in range(cycles):
        u = discharge_unitary(discharge, rho, model)
        times.append(k * tau)
        states.append(rho)
        rho = u @ rho @ u.conj().T
        for j in range(points_per_cycle):
            times.append(k * tau + j * tau / points_per_cycle)
            states.append(rho)
            rho = unvec(step @ vec(rho), d)
    times.append(cycles * tau)
    states.append(rho)
    return np.array(times), np.array(states)


def _check_cycles(cycles) -> None:
    if isinstance(cycles, bool) or not isinstance(cycles, (int, np.integer)) or not 1 <= cycles <= MAX_CYCLES:
        raise QbexpError(f"number of cycles = {cycles!r}; it must be an integer from 1 to {MAX_CYCLES:,}")
