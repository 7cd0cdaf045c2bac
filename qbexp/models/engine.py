"""Two coupled qubits between a hot and a cold bath: Tacchino et al., Eqs. (6)–(9).

    H = ω0 (σ1⁺σ1⁻ + σ2⁺σ2⁻) − λ (σ1⁺σ2⁻ + h.c.)                          (Eq. 6)
    L_A(ρ) = Γ_A⁺ D[A†](ρ) + Γ_A⁻ D[A](ρ),   A = σ1⁻ − σ2⁻   (hot bath, T_A)
    L_S(ρ) = Γ_S⁺ D[S†](ρ) + Γ_S⁻ D[S](ρ),   S = σ1⁻ + σ2⁻   (cold bath, T_S)  (Eq. 8)
    Γ⁺ = Γ0 n̄,  Γ⁻ = Γ0 (n̄ + 1),  n̄ = 1/(e^{ω0/T} − 1)                    (Eq. 9)

with D[J](ρ) = JρJ† − ½{J†J, ρ}.  The eigenstates of H (Eq. 7) are |gg⟩ (0),
|S⟩ = (|ge⟩ + |eg⟩)/√2 (ω0 − λ), |A⟩ = (|ge⟩ − |eg⟩)/√2 (ω0 + λ) and |ee⟩ (2ω0); the
S bath drives gg ↔ S ↔ ee and the A bath gg ↔ A ↔ ee, each with |matrix element|² = 2.

Qubit order: the paper's qubit 1 is Qiskit qubit 0 and its qubit 2 is Qiskit qubit 1, so the
paper's |ab⟩ is the Qiskit basis index a + 2b (|ge⟩ → 2, |eg⟩ → 1).  The battery Hamiltonian
(ergotropy reference) is H itself.  Bath labels are ``"A"`` (hot) and ``"S"`` (cold).

The rates come from (Γ0, T_A, T_S) through Eq. (9), from explicit ``rates`` or from the
optical ``implementation`` (γ, p, Γ) of the paper's last section: two qubits decaying
individually at γ, pumped incoherently at p and sharing a superradiant channel Γ, for which
Γ_S⁺ = Γ_A⁺ = p/2, Γ_A⁻ = γ/2, Γ_S⁻ = γ/2 + Γ.

The discharge stroke of the two-stroke engine (Eq. 4) is one of ``DISCHARGES``:
``local1``/``local2`` = e^{−iσz⁽ⁱ⁾π/2} on the paper's qubit i, ``global`` =
e^{−i(σz⁽¹⁾ − σz⁽²⁾)π/4} (all three swap the |S⟩ and |A⟩ amplitudes and fix |gg⟩, |ee⟩ up to
phases; :func:`fixed_discharge_unitary`), and ``optimal`` = the ergotropy unitary of the charged
state (Eq. 3; it depends on the state, so it is built in the dynamics layer,
:func:`qbexp.dynamics.cycle.discharge_unitary`).  σz is Qiskit's Z = |g⟩⟨g| − |e⟩⟨e|; the
opposite sign convention changes only phases that cancel in U ρ U†.  For a charged state
diagonal in the energy basis with r_gg ≥ r_A ≥ r_S ≥ r_ee (Eq. 12) all four extract the
ergotropy 2λ(r_A − r_S) (Eq. 13).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.linalg as la

from qbexp.errors import QbexpError, shown
from qbexp.models.matrices import check_real, check_scale, validate_density_matrix
from qbexp.models.lindblad import Dissipator, LindbladModel, number_op, sigma_minus, sigma_plus

#: Energy eigenstates of Eq. (7), in order of increasing energy for 0 ≤ λ < ω0.
LEVELS = ("gg", "S", "A", "ee")
#: Order of an explicit ``rates`` tuple.
RATE_NAMES = ("GAp", "GAm", "GSp", "GSm")
#: Discharge unitaries of the engine's second stroke (module docstring).
DISCHARGES = ("local1", "local2", "global", "optimal")
#: The state-independent discharges: Pauli strings (Qiskit order: the rightmost letter is qubit
#: 0 = paper qubit 1) with their coefficients, and the angle θ in U = e^{−iθ Σ c P}.
FIXED_DISCHARGES = {
    "local1": ({"IZ": 1.0}, np.pi / 2),
    "local2": ({"ZI": 1.0}, np.pi / 2),
    "global": ({"IZ": 1.0, "ZI": -1.0}, np.pi / 4),
}
_PAULI = {"I": np.eye(2), "Z": np.diag([1.0, -1.0])}


def thermal_rates(gamma0: float, temperature: float, omega0: float) -> tuple[float, float]:
    """(Γ⁺, Γ⁻) = (Γ0 n̄, Γ0 (n̄ + 1)) of Eq. (9); T = 0 gives (0, Γ0)."""
    x = math.inf if temperature == 0 else omega0 / temperature
    nbar = 0.0 if x > 700 else 1.0 / math.expm1(x)  # e^700 ~ 1e304: n̄ is 0 in float64
    return gamma0 * nbar, gamma0 * (nbar + 1.0)


def effective_temperature(gamma_up: float, gamma_down: float, omega0: float) -> float | None:
    """T with Γ⁻/Γ⁺ = e^{ω0/T} (inverse of Eq. 9): 0 when Γ⁺ = 0; None when Γ⁻ = 0 or Γ⁺ = Γ⁻.

    Γ⁺ > Γ⁻ (population inversion) gives a negative effective temperature.
    """
    if gamma_down == 0 or gamma_up == gamma_down:
        return None
    if gamma_up == 0:
        return 0.0
    return omega0 / math.log(gamma_down / gamma_up)


#: The parameters of Tacchino et al.'s Figs. 3 and 4: the one definition of the engine's defaults
#: (the model, the experiment class, the command line and the catalogue read them here).
FIG4_PARAMETERS = {"omega0": 1.0, "lam": 0.01, "gamma0": 1e-3, "t_hot": 2.0, "t_cold": 0.1}


def two_bath_engine(
    omega0: float = FIG4_PARAMETERS["omega0"],
    lam: float = FIG4_PARAMETERS["lam"],
    gamma0: float = FIG4_PARAMETERS["gamma0"],
    t_hot: float = FIG4_PARAMETERS["t_hot"],
    t_cold: float = FIG4_PARAMETERS["t_cold"],
    rates=None,
    implementation=None,
) -> LindbladModel:
    """The engine of Eqs. (6)–(9); defaults are the parameters of Figs. 3 and 4.

    ``rates = (Γ_A⁺, Γ_A⁻, Γ_S⁺, Γ_S⁻)`` or ``implementation = (γ, p, Γ)`` replace the
    Eq. (9) rates (then ``gamma0``, ``t_hot`` and ``t_cold`` are not used).  λ ≥ ω0 is
    accepted with a warning: Eq. (9) assumes λ ≪ ω0.
    """
    _check_finite(omega0=omega0, lam=lam)
    if omega0 <= 0:
        raise QbexpError(f"qubit gap omega0 = {omega0}; it must be > 0")
    if lam < 0:
        raise QbexpError(f"coupling lam = {lam}; it must be >= 0 (|A> is the upper single-excitation level)")
    check_scale(omega0, "omega0")
    check_scale(lam, "lam", zero=True)
    check_coupling(omega0, lam, refuse=False)
    if rates is not None and implementation is not None:
        raise QbexpError("give either rates or implementation, not both")
    if rates is not None:
        g_ap, g_am, g_sp, g_sm = check_rates(rates, RATE_NAMES, "rates")
        t_a, t_s = effective_temperature(g_ap, g_am, omega0), effective_temperature(g_sp, g_sm, omega0)
    elif implementation is not None:
        gamma, p, big_gamma = check_rates(implementation, ("gamma", "p", "Gamma"), "implementation")
        g_ap = g_sp = p / 2
        g_am, g_sm = gamma / 2, gamma / 2 + big_gamma
        t_a, t_s = effective_temperature(g_ap, g_am, omega0), effective_temperature(g_sp, g_sm, omega0)
    else:
        _check_finite(gamma0=gamma0, t_hot=t_hot, t_cold=t_cold)
        if gamma0 < 0:
            raise QbexpError(f"bath coupling gamma0 = {gamma0}; it must be >= 0")
        for name, t in (("t_hot", t_hot), ("t_cold", t_cold)):
            if t < 0:
                raise QbexpError(f"temperature {name} = {t}; it must be >= 0")
            check_scale(t, name, zero=True)
        check_scale(gamma0, "gamma0", zero=True)
        g_ap, g_am = thermal_rates(gamma0, t_hot, omega0)
        g_sp, g_sm = thermal_rates(gamma0, t_cold, omega0)
        t_a, t_s = float(t_hot), float(t_cold)

    n = 2
    s_op = (sigma_minus(0, n) + sigma_minus(1, n)).simplify()
    a_op = (sigma_minus(0, n) - sigma_minus(1, n)).simplify()
    hopping = sigma_plus(0, n) @ sigma_minus(1, n)
    h = (omega0 * (number_op(0, n) + number_op(1, n)) - lam * (hopping + hopping.adjoint())).simplify()
    dissipators = (
        Dissipator(g_ap, a_op.adjoint().simplify(), "A"),
        Dissipator(g_am, a_op, "A"),
        Dissipator(g_sp, s_op.adjoint().simplify(), "S"),
        Dissipator(g_sm, s_op, "S"),
    )
    return LindbladModel(
        num_qubits=n,
        hamiltonian=h,
        battery_hamiltonian=h,
        dissipators=dissipators,
        name="engine",
        parameters={
            "omega0": float(omega0),
            "lam": float(lam),
            "rates": dict(zip(RATE_NAMES, (float(g_ap), float(g_am), float(g_sp), float(g_sm)))),
            "t_hot": t_a,
            "t_cold": t_s,
        },
    )


def check_coupling(omega0: float, lam: float, who: str = "", refuse: bool = True) -> None:
    """λ < ω0, as the rates of Eq. (9) assume (λ ≪ ω0): the experiment and ``qbexp simulate engine``
    refuse the rest with a one-line :class:`QbexpError` (``who``: its prefix); :func:`two_bath_engine`
    builds it with a warning (``refuse=False``).  A gap ω0 <= 0 is left to the other checks."""
    if omega0 > 0 and lam >= omega0:
        message = f"lam = {lam:g} >= omega0 = {omega0:g}; the rates of Eq. (9) need lam << omega0"
        if refuse:
            raise QbexpError(who + message)
        warnings.warn(message, stacklevel=3)


def energy_basis() -> dict[str, np.ndarray]:
    """The eigenvectors |gg⟩, |S⟩, |A⟩, |ee⟩ of Eq. (7) in Qiskit's basis order."""
    r = 1 / np.sqrt(2)
    return {
        "gg": np.array([1, 0, 0, 0], dtype=complex),
        "S": np.array([0, r, r, 0], dtype=complex),
        "A": np.array([0, -r, r, 0], dtype=complex),
        "ee": np.array([0, 0, 0, 1], dtype=complex),
    }


def level_populations(rho) -> dict[str, float]:
    """Populations r_j = ⟨j|ρ|j⟩ of the levels j ∈ {gg, S, A, ee} (Eqs. 7, 12) of a two-qubit
    state (Hermitian, trace one; positivity is not checked: an estimate may be slightly negative)."""
    rho = validate_density_matrix(rho, num_qubits=2, name="state", positive=False, atol=1e-5)  # as cycle's helpers
    return {k: float(np.real(v.conj() @ rho @ v)) for k, v in energy_basis().items()}


def check_discharge(name) -> str:
    """Check a discharge name (stroke 2 of Tacchino Eq. 4).

    Args:
        name: the requested discharge.

    Returns:
        ``name``, if it is one of :data:`DISCHARGES`; otherwise :class:`QbexpError` is raised.
    """
    if name not in DISCHARGES:
        raise QbexpError(f"unknown discharge {name!r}; choose one of {', '.join(DISCHARGES)}")
    return name


def fixed_discharge_unitary(name: str, model: LindbladModel | None = None) -> np.ndarray:
    """The state-independent discharge unitary ``name`` of the engine's second stroke (Eq. 4).

    Args:
        name: ``"local1"``, ``"local2"`` or ``"global"`` (:data:`FIXED_DISCHARGES`).
        model: if given, checked to act on two qubits.

    Returns:
        The 4 × 4 unitary e^{−iθ Σ c P} in Qiskit's basis order: e^{−iσz⁽¹⁾π/2},
        e^{−iσz⁽²⁾π/2} or e^{−i(σz⁽¹⁾ − σz⁽²⁾)π/4}, each mapping |S⟩ ↔ |A⟩ up to phases
        (Tacchino et al., Eq. 13).
    """
    check_discharge(name)
    if name not in FIXED_DISCHARGES:
        raise QbexpError(f"the {name} discharge depends on the charged state; it has no fixed unitary")
    if model is not None and model.num_qubits != 2:
        raise QbexpError(f"the {name} discharge acts on two qubits; the model has {model.num_qubits}")
    paulis, theta = FIXED_DISCHARGES[name]
    generator = sum(c * np.kron(_PAULI[label[0]], _PAULI[label[1]]) for label, c in paulis.items())
    return la.expm(-1j * theta * generator)


def rates_of(model: LindbladModel) -> tuple[float, float, float, float]:
    """(Γ_A⁺, Γ_A⁻, Γ_S⁺, Γ_S⁻) of an engine model."""
    return tuple(model.parameters["rates"][k] for k in RATE_NAMES)


def _check_finite(**values):
    for name, v in values.items():
        check_real(v, name)  # one line for a bool, text, NaN, inf or an int beyond the floats


def check_rates(values, names, what) -> tuple[float, ...]:
    """``values`` as a tuple of floats, one per name in ``names``, each finite and >= 0 (a list,
    tuple or 1-d array; ``what`` starts the one-line :class:`QbexpError` otherwise)."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = values.tolist()
    if not isinstance(values, (list, tuple)):  # not a string ("1111") nor a dict (its keys)
        raise QbexpError(f"{what} must be {len(names)} numbers ({', '.join(names)}), got {shown(values)}")
    if len(values) != len(names):
        raise QbexpError(f"{what} must be {len(names)} numbers ({', '.join(names)}), got {len(values)}")
    checked = []
    for name, v in zip(names, values):
        v = check_real(v, f"{what}: {name}")  # one line for a bool, text, NaN, inf or an int beyond the floats
        if v < 0:
            raise QbexpError(f"{what}: {name} = {v}; it must be a finite number >= 0")
        checked.append(check_scale(v, f"{what}: {name}", zero=True))
    return tuple(checked)
