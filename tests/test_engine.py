"""The two-bath engine model and its NESS against Tacchino et al., Eqs. (6)–(13).

Closed forms used as references (derived here from the population rate equations of
Eq. 8, where each jump S, A couples gg ↔ S/A ↔ ee with |matrix element|² = 2):

    ṙ_gg = 2Γ_S⁻ r_S + 2Γ_A⁻ r_A − 2(Γ_S⁺ + Γ_A⁺) r_gg
    ṙ_S  = 2Γ_S⁺ r_gg + 2Γ_S⁻ r_ee − 2(Γ_S⁺ + Γ_S⁻) r_S
    ṙ_A  = 2Γ_A⁺ r_gg + 2Γ_A⁻ r_ee − 2(Γ_A⁺ + Γ_A⁻) r_A
    ṙ_ee = 2Γ_S⁺ r_S + 2Γ_A⁺ r_A − 2(Γ_S⁻ + Γ_A⁻) r_ee

whose stationary solution gives r_A − r_S = (Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺)(Γ⁻ − Γ⁺)/D and the NESS
heat current Q̇^A = 4ω0 (Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺)(Γ_A⁺Γ_S⁻ + Γ_A⁻Γ_S⁺)/D (Γ^± = Γ_A^± + Γ_S^±,
D below).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from qiskit.quantum_info import random_density_matrix

from qbexp.dynamics import evolve, kernel_dimension, liouvillian, unvec, vec
from qbexp.errors import QbexpError
from qbexp.dynamics.cycle import heat_current, ness
from qbexp.models.engine import (
    effective_temperature,
    energy_basis,
    level_populations,
    rates_of,
    thermal_rates,
    two_bath_engine,
)
from qbexp.thermo import ergotropy

#: Fig. 2 caption: β_S ≃ 2.75 ⇔ Γ_S⁺ = Γ_A⁺ = 3.5e-4, Γ_S⁻ = 5.5e-3, Γ_A⁻ = 5e-4 (ω0 = 1).
FIG2_RATES = (3.5e-4, 5e-4, 3.5e-4, 5.5e-3)
#: (T_A, T_S, λ) with T_A > T_S, Eq. (9) rates at Γ0 = 1e-3.
HOT_GRID = [(ta, ts, lam) for ta in (0.5, 2.0, 20.0) for ts in (0.1, 0.3) for lam in (0.01, 0.1)]


def _denominator(ap, am, sp, sm):
    """D of the stationary populations (sympy solution of the rate equations above)."""
    return (am**2 * sm + 2 * am**2 * sp + am * ap * sm + am * ap * sp + am * sm**2 + am * sm * sp
            + 2 * am * sp**2 + 2 * ap**2 * sm + ap**2 * sp + 2 * ap * sm**2 + ap * sm * sp + ap * sp**2)


def ness_populations(ap, am, sp, sm):
    """Stationary {gg, S, A, ee} of the rate equations (module docstring)."""
    d = _denominator(ap, am, sp, sm)
    return {
        "gg": (am**2 * sm + am**2 * sp + am * sm**2 + ap * sm**2) / d,
        "S": (am**2 * sp + am * sm * sp + ap**2 * sm + ap * sm * sp) / d,
        "A": (am * ap * sm + am * ap * sp + am * sp**2 + ap * sm**2) / d,
        "ee": (am * sp**2 + ap**2 * sm + ap**2 * sp + ap * sp**2) / d,
    }


def heat_current_ness(omega0, ap, am, sp, sm):
    """Exact Q̇^A at the NESS (module docstring)."""
    return 4 * omega0 * (ap * sm - am * sp) * (ap * sm + am * sp) / _denominator(ap, am, sp, sm)


def models_on_grid():
    for ta, ts, lam in HOT_GRID:
        yield two_bath_engine(lam=lam, t_hot=ta, t_cold=ts)
    yield two_bath_engine(rates=FIG2_RATES)
    yield two_bath_engine(lam=0.05, implementation=(1e-3, 1e-4, 1e-2))


# ---------------------------------------------------------------- model (Eqs. 6–9)


@pytest.mark.parametrize("omega0, lam", [(1.0, 0.01), (2.5, 0.3)])
def test_energy_basis_diagonalises_h_with_eq7_energies(omega0, lam):
    h = two_bath_engine(omega0, lam).hamiltonian_matrix()
    expected = {"gg": 0.0, "S": omega0 - lam, "A": omega0 + lam, "ee": 2 * omega0}
    for name, v in energy_basis().items():
        np.testing.assert_allclose(h @ v, expected[name] * v, atol=1e-14)
    assert np.allclose(np.linalg.eigvalsh(h), sorted(expected.values()))


def test_paper_qubit_order_in_qiskit_labels():
    """|ge⟩ (paper qubit 1 in g, qubit 2 in e) is Qiskit index 2, so |A⟩ = (|2⟩ − |1⟩)/√2."""
    v = energy_basis()
    np.testing.assert_allclose(v["A"], np.array([0, -1, 1, 0]) / np.sqrt(2))
    model = two_bath_engine()
    s_jump = [d.jump.to_matrix() for d in model.dissipators if d.bath == "S"][1]
    a_jump = [d.jump.to_matrix() for d in model.dissipators if d.bath == "A"][1]
    # S = σ1⁻ + σ2⁻ drives ee → S → gg only; A = σ1⁻ − σ2⁻ drives ee → A → gg only (Eq. 8).
    np.testing.assert_allclose(s_jump @ v["ee"], np.sqrt(2) * v["S"], atol=1e-15)
    np.testing.assert_allclose(s_jump @ v["S"], np.sqrt(2) * v["gg"], atol=1e-15)
    np.testing.assert_allclose(s_jump @ v["A"], 0, atol=1e-15)
    np.testing.assert_allclose(a_jump @ v["ee"], np.sqrt(2) * v["A"], atol=1e-15)
    np.testing.assert_allclose(a_jump @ v["A"], -np.sqrt(2) * v["gg"], atol=1e-15)
    np.testing.assert_allclose(a_jump @ v["S"], 0, atol=1e-15)


def test_eq9_rates_and_bath_labels():
    model = two_bath_engine(omega0=1.5, gamma0=2e-3, t_hot=2.0, t_cold=0.1)
    ap, am, sp, sm = rates_of(model)
    for up, down, t in ((ap, am, 2.0), (sp, sm, 0.1)):
        nbar = 1 / (math.exp(1.5 / t) - 1)
        assert up == pytest.approx(2e-3 * nbar, rel=1e-14)
        assert down == pytest.approx(2e-3 * (nbar + 1), rel=1e-14)
        assert effective_temperature(up, down, 1.5) == pytest.approx(t, rel=1e-12)
    assert [d.bath for d in model.dissipators] == ["A", "A", "S", "S"]
    assert model.battery_hamiltonian == model.hamiltonian
    assert thermal_rates(1e-3, 0.0, 1.0) == (0.0, 1e-3)


def test_implementation_rates_and_effective_temperatures():
    """Last section: Γ_S⁺ = Γ_A⁺ = p/2, Γ_A⁻ = γ/2, Γ_S⁻ = γ/2 + Γ, T_S = ω0/ln((2Γ+γ)/p), T_A = ω0/ln(γ/p)."""
    gamma, p, big = 1e-3, 7e-4, 5e-3
    model = two_bath_engine(implementation=(gamma, p, big))
    assert rates_of(model) == pytest.approx((p / 2, gamma / 2, p / 2, gamma / 2 + big), rel=1e-15)
    assert model.parameters["t_cold"] == pytest.approx(1 / math.log((2 * big + gamma) / p), rel=1e-12)
    assert model.parameters["t_hot"] == pytest.approx(1 / math.log(gamma / p), rel=1e-12)
    # These are the rates of the Fig. 2 caption, where β_S ≃ 2.75.
    assert rates_of(model) == pytest.approx(FIG2_RATES, rel=1e-12)
    assert 1 / model.parameters["t_cold"] == pytest.approx(2.75, abs=0.01)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"t_hot": -1.0},
        {"t_cold": -0.1},
        {"gamma0": -1e-3},
        {"omega0": 0.0},
        {"lam": -0.01},
        {"t_hot": float("nan")},
        {"rates": (1e-3, 1e-3, -1e-3, 1e-3)},
        {"rates": (1e-3, 1e-3, 1e-3)},
        {"rates": "fast"},
        {"implementation": (1e-3, -1e-4, 1e-2)},
        {"rates": (1e-3,) * 4, "implementation": (1e-3, 1e-4, 1e-2)},
    ],
)
def test_bad_parameters_raise_one_line_error(kwargs):
    with pytest.raises(QbexpError) as err:
        two_bath_engine(**kwargs)
    assert "\n" not in str(err.value)


def test_strong_coupling_warns_but_builds():
    with pytest.warns(UserWarning, match="lam << omega0"):
        model = two_bath_engine(lam=1.2)
    assert model.parameters["lam"] == 1.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        two_bath_engine(lam=0.5)


def test_level_populations():
    rho = np.diag([0.4, 0.3, 0.2, 0.1]).astype(complex)
    p = level_populations(rho)
    assert p == pytest.approx({"gg": 0.4, "S": 0.25, "A": 0.25, "ee": 0.1})
    with pytest.raises(QbexpError):
        level_populations(np.eye(2) / 2)


# ---------------------------------------------------------------- NESS


def test_generator_is_trace_preserving():
    """vec(1)ᵀ 𝓛 = 0 to rounding: needed for a clean kernel and an exact cycle fixed point.

    (qiskit-dynamics' scipy_sparse mode rounds operators to 10 decimals, which breaks this at
    the 1e-10 level for rates ~1e-4; the generator must be assembled without that rounding.)
    """
    for model in models_on_grid():
        gen = liouvillian(model)
        assert np.abs(vec(np.eye(4)) @ gen).max() <= 1e-15 * abs(gen).max()


def test_ness_is_the_kernel_and_the_long_time_limit():
    for model in (two_bath_engine(), two_bath_engine(rates=FIG2_RATES)):
        rho = ness(model)
        assert kernel_dimension(model) == 1
        gen = liouvillian(model)
        assert np.linalg.norm(gen @ vec(rho)) <= 1e-13 * abs(gen).max()
        assert np.trace(rho).real == pytest.approx(1, abs=1e-13)
        assert np.linalg.eigvalsh(rho).min() > -1e-14
        for start in (np.diag([1, 0, 0, 0]), np.eye(4) / 4):
            late = evolve(model, start.astype(complex), [0.0, 3e4])[-1]
            np.testing.assert_allclose(late, rho, atol=1e-9)


def test_ness_populations_match_rate_equations():
    for model in models_on_grid():
        expected = ness_populations(*rates_of(model))
        got = level_populations(ness(model))
        for level in expected:
            assert got[level] == pytest.approx(expected[level], rel=1e-7, abs=1e-14)


def test_eq13_ness_ergotropy():
    """E = 2λ(r_A − r_S) (Eq. 13) whenever r_gg ≥ r_A > r_S ≥ r_ee (Eq. 12)."""
    for model in models_on_grid():
        rho = ness(model)
        p = level_populations(rho)
        assert p["gg"] >= p["A"] > p["S"] >= p["ee"]
        ap, am, sp, sm = rates_of(model)
        lam = model.parameters["lam"]
        closed = 2 * lam * (ap * sm - am * sp) * (am + sm - ap - sp) / _denominator(ap, am, sp, sm)
        assert ergotropy(rho, model.battery_matrix()) == pytest.approx(closed, rel=1e-6)
        assert ergotropy(rho, model.battery_matrix()) == pytest.approx(2 * lam * (p["A"] - p["S"]), rel=1e-9)


def test_eq13_needs_the_ordering_of_eq12():
    """An inverted (negative-temperature) cold channel puts most weight in |ee⟩: then Eq. 12 fails
    and the ergotropy far exceeds 2λ(r_A − r_S)."""
    model = two_bath_engine(rates=(1e-3, 1e-3, 2e-3, 1e-3))
    rho = ness(model)
    p = level_populations(rho)
    assert p["ee"] > p["gg"]
    assert ergotropy(rho, model.battery_matrix()) > 100 * 2 * 0.01 * (p["A"] - p["S"])


@pytest.mark.parametrize("t", [0.1, 0.5, 2.0, 10.0])
def test_equal_temperatures_give_no_ergotropy_and_no_heat(t):
    model = two_bath_engine(t_hot=t, t_cold=t)
    rho = ness(model)
    p = level_populations(rho)
    assert p["A"] == pytest.approx(p["S"], abs=1e-12)
    assert ergotropy(rho, model.battery_matrix()) < 1e-12
    assert abs(heat_current(model, rho, "A")) < 1e-14


@pytest.mark.parametrize("t_hot, t_cold", [(2.0, 0.1), (0.3, 0.2), (5.0, 1.0), (0.1, 2.0), (0.2, 0.3), (1.0, 5.0)])
def test_heat_flows_down_the_temperature_gradient(t_hot, t_cold):
    """With Γ_A⁰ = Γ_S⁰, Q̇^A > 0 iff n̄_A > n̄_S iff T_A > T_S; only then is the NESS active.

    (The paper writes the condition as n̄_k/(n̄_k + 1) = e^{−E_k/T_k}; with the rates of Eq. 9
    the exponent is ω0/T_k, the same for both baths, so the sign flips exactly at T_A = T_S.)
    """
    model = two_bath_engine(t_hot=t_hot, t_cold=t_cold)
    rho = ness(model)
    q_a, q_s = heat_current(model, rho, "A"), heat_current(model, rho, "S")
    assert np.sign(q_a) == np.sign(t_hot - t_cold)
    assert q_a + q_s == pytest.approx(0, abs=1e-12 * abs(q_a))
    active = ergotropy(rho, model.battery_matrix()) > 1e-12
    assert active == (t_hot > t_cold)


def test_eq10_heat_current_for_any_state():
    """Q̇^A = Tr[L_A(ρ)H] = 4ω0(Γ_A⁺ r_A − Γ_A⁻ r_ee) + (ω0 + λ) ṙ_A (Eq. 10), exact for every ρ
    (L_A†(H) is diagonal in the energy basis, so coherences do not contribute)."""
    v_a = energy_basis()["A"]
    for model in (two_bath_engine(), two_bath_engine(lam=0.2, rates=FIG2_RATES)):
        ap, am, _, _ = rates_of(model)
        omega0, lam = model.parameters["omega0"], model.parameters["lam"]
        gen = liouvillian(model)
        for seed in range(3):
            rho = random_density_matrix(4, seed=seed).data
            p = level_populations(rho)
            r_a_dot = np.real(v_a.conj() @ unvec(gen @ vec(rho), 4) @ v_a)
            eq10 = 4 * omega0 * (ap * p["A"] - am * p["ee"]) + (omega0 + lam) * r_a_dot
            assert heat_current(model, rho, "A") == pytest.approx(eq10, rel=1e-7)


def test_eq11_ness_heat_current():
    """paper prints Q̇^A = 4ω0 (Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺)/(Γ_A⁺ + Γ_S⁺) · r_S (Eq. 11);
    correct is Q̇^A = 4ω0 (Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺) · (Γ_A⁺Γ_S⁻ + Γ_A⁻Γ_S⁺)
                     / [Γ_A⁺Γ_S⁻(Γ_A⁺ + Γ_S⁺) + Γ_A⁻Γ_S⁺(Γ_A⁻ + Γ_S⁻)] · r_S
    because solving the stationary rate equations (module docstring) for Eq. 10 with ṙ_A = 0
    gives Q̇^A = 4ω0 (Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺)(Γ_A⁺Γ_S⁻ + Γ_A⁻Γ_S⁺)/D and
    r_S = [Γ_A⁺Γ_S⁻(Γ_A⁺ + Γ_S⁺) + Γ_A⁻Γ_S⁺(Γ_A⁻ + Γ_S⁻)]/D.  The two agree only when
    Γ_A⁻Γ_S⁺(Γ⁻ − Γ⁺) = 0, e.g. for a cold bath at T_S = 0; at the Fig. 4 parameters
    (Γ_S⁺ ≈ 5e-8) the printed form is off by only ~1e-5, at the Fig. 2 rates by 63 %.
    """
    for model in models_on_grid():
        ap, am, sp, sm = rates_of(model)
        omega0 = model.parameters["omega0"]
        rho = ness(model)
        r_s = level_populations(rho)["S"]
        simulated = heat_current(model, rho, "A")
        corrected = 4 * omega0 * (ap * sm - am * sp) * (ap * sm + am * sp) / (ap * sm * (ap + sp) + am * sp * (am + sm)) * r_s
        assert simulated == pytest.approx(corrected, rel=1e-6)
        assert simulated == pytest.approx(heat_current_ness(omega0, ap, am, sp, sm), rel=1e-6)

    printed = lambda m, r_s: 4 * (m[0] * m[3] - m[1] * m[2]) / (m[0] + m[2]) * r_s  # noqa: E731
    fig2 = two_bath_engine(rates=FIG2_RATES)
    rho = ness(fig2)
    ratio = printed(FIG2_RATES, level_populations(rho)["S"]) / heat_current(fig2, rho, "A")
    assert ratio == pytest.approx(1.63, abs=0.01)
    cold_at_zero = two_bath_engine(t_hot=2.0, t_cold=0.0)
    rho = ness(cold_at_zero)
    exact = printed(rates_of(cold_at_zero), level_populations(rho)["S"])
    assert heat_current(cold_at_zero, rho, "A") == pytest.approx(exact, rel=1e-7)
