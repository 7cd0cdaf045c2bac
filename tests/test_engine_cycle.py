"""The engine cycle (Tacchino et al., Eqs. 2–5 and 14–17): discharges, OSS, heat, short cycles.

Short-cycle closed forms (ΣΓτ ≪ 1, first order in τ), with Γ^± = Γ_A^± + Γ_S^± and
K = (Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺)/(Γ⁺ + Γ⁻)²:

    E_τ = 4λτK(Γ⁻ − Γ⁺)                                   (Eq. 14)
    Q_τ^A = 2Kτ[(ω0 − λ)Γ⁺ + (ω0 + λ)Γ⁻]                   (Eq. 15)
    η_τ = (2λ/ω0)(1 − x)/(1 + λ/ω0 + x(1 − λ/ω0)),  x = Γ⁺/Γ⁻   (Eq. 16)

Derivation (confirming the printed forms): in the OSS the swap makes the passive state
q + O(τ) with q_S = q_A; first order in τ forces (Rq)_gg = (Rq)_ee = 0 for the rate matrix
R, so q = s(Γ⁻/Γ⁺, 1, 1, Γ⁺/Γ⁻), s = Γ⁺Γ⁻/(Γ⁺ + Γ⁻)², and r_A(τ) − r_S(τ) = τ(Rq)_A =
2τK(Γ⁻ − Γ⁺); Q^A = τ Tr[L_A(q)H].

The error is second order, not first: with P the S ↔ A swap, the charged OSS populations
solve p_c = e^{Rτ} P p_c, and p_c(−τ) = P p_c(τ) solves the same equation with −τ, so
r_A − r_S and Q^A are odd in τ and E/τ, Q^A/τ, η are even: relative deviations O((ΣΓτ)²).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import random_density_matrix
from scipy.special import roots_legendre

from qbexp.dynamics import evolve, propagator, vec
from qbexp.errors import QbexpError
from qbexp.dynamics.cycle import (
    DISCHARGES,
    cycle_trajectory,
    discharge_unitary,
    engine_cycle,
    heat_current,
    ness,
    run_engine,
)
from qbexp.models.engine import energy_basis, level_populations, rates_of, two_bath_engine
from qbexp.thermo import ergotropy

FIG2_RATES = (3.5e-4, 5e-4, 3.5e-4, 5.5e-3)
SWAPS = ("local1", "local2", "global")


def short_cycle(model):
    """(P_τ = E_τ/τ, Q_τ^A/τ, η_τ) of Eqs. 14–16."""
    ap, am, sp, sm = rates_of(model)
    omega0, lam = model.parameters["omega0"], model.parameters["lam"]
    up, down = ap + sp, am + sm
    k = (ap * sm - am * sp) / (up + down) ** 2
    power = 4 * lam * k * (down - up)
    heat_rate = 2 * k * ((omega0 - lam) * up + (omega0 + lam) * down)
    x = up / down
    eta = 2 * lam / omega0 * (1 - x) / (1 + lam / omega0 + x * (1 - lam / omega0))
    assert power / heat_rate == pytest.approx(eta, rel=1e-12)
    return power, heat_rate, eta


@pytest.fixture(scope="module")
def fig4():
    """The Fig. 4 engine at τ = 150 for every discharge."""
    model = two_bath_engine()
    return model, {d: run_engine(model, 150.0, cycles=40, discharge=d) for d in DISCHARGES}


# ---------------------------------------------------------------- charging stroke


def test_long_charging_propagator_by_squaring_matches_direct_evolution():
    model = two_bath_engine(rates=FIG2_RATES)
    rho = random_density_matrix(4, seed=7).data
    late = evolve(model, rho, [0.0, 40.0])[-1]  # one qiskit-dynamics solve over the whole interval
    # evolve's DOP853 stops each step at rtol = 1e-10: its global error over t = 40 is ~rtol itself (4.6e-11
    # here, 1.2e-10 for one of 60 random states), so 10 rtol, not rtol; one squaring too many or few is off by > 0.05
    np.testing.assert_allclose(propagator(model, 40.0) @ vec(rho), vec(late), atol=1e-9)


def test_heat_integral_matches_quadrature_of_evolved_states():
    """Q^H = ∫₀^τ Tr[L_A(ρ(t))H] dt (Eq. 5): block exponential vs qiskit-dynamics evolve + Gauss–Legendre."""
    model = two_bath_engine()
    tau = 60.0
    cycle = engine_cycle(model, tau)
    rho = random_density_matrix(4, seed=3).data
    nodes, weights = roots_legendre(40)
    times = tau * (nodes + 1) / 2
    states = evolve(model, rho, times)
    quadrature = tau / 2 * sum(w * heat_current(model, s, "A") for w, s in zip(weights, states))
    assert cycle.heat(rho, "A") == pytest.approx(quadrature, rel=1e-9)


# ---------------------------------------------------------------- discharge stroke


def test_fixed_discharges_swap_s_and_a():
    model = two_bath_engine()
    v = energy_basis()
    for name in SWAPS:
        u = discharge_unitary(name, None, model)
        np.testing.assert_allclose(u.conj().T @ u, np.eye(4), atol=1e-14)
        for a, b in (("gg", "gg"), ("ee", "ee"), ("S", "A"), ("A", "S")):
            assert abs(v[b].conj() @ u @ v[a]) == pytest.approx(1, abs=1e-14)


def test_unknown_discharge_lists_the_valid_ones():
    with pytest.raises(QbexpError, match="local1, local2, global, optimal"):
        discharge_unitary("swap", None, two_bath_engine())
    with pytest.raises(QbexpError, match="local1, local2, global, optimal"):
        run_engine(two_bath_engine(), 10.0, discharge="swap")


def test_three_swaps_extract_the_same_work_as_the_optimal_unitary(fig4):
    """Section II: local1, local2 and global are equally good; for diagonal charged states obeying
    Eq. 12 they extract the full ergotropy (= the optimal unitary's work)."""
    model, results = fig4
    ref = results["local1"]
    for name in DISCHARGES:
        r = results[name]
        assert r.oss_work == pytest.approx(ref.oss_work, rel=1e-9)
        assert r.heat_hot == pytest.approx(ref.heat_hot, rel=1e-9)
        np.testing.assert_allclose(r.oss_charged, ref.oss_charged, atol=1e-12)
    for name in SWAPS:
        np.testing.assert_allclose(results[name].work_per_cycle, ref.work_per_cycle, rtol=1e-9, atol=1e-15)
    charged = ref.oss_charged
    p = level_populations(charged)
    off_diagonal = sum(abs(a.conj() @ charged @ b) for i, a in enumerate(energy_basis().values())
                       for j, b in enumerate(energy_basis().values()) if i != j)
    assert off_diagonal < 1e-13
    assert p["gg"] >= p["A"] > p["S"] >= p["ee"]
    assert ref.oss_work == pytest.approx(ref.oss_ergotropy, rel=1e-9)
    assert ref.oss_work == pytest.approx(2 * 0.01 * (p["A"] - p["S"]), rel=1e-9)
    # The first discharge acts on the NESS: all four extract its ergotropy.
    for name in DISCHARGES:
        assert results[name].work_per_cycle[0] == pytest.approx(ref.ness_ergotropy, rel=1e-9)


def test_swap_costs_work_when_the_charged_state_is_not_inverted(fig4):
    """At τ = 150 the first recharge from the swapped NESS leaves r_A < r_S: the swap then
    spends work (negative entry) while the optimal unitary does nothing (zero)."""
    _, results = fig4
    assert results["local1"].work_per_cycle[1] < 0
    assert results["optimal"].work_per_cycle[1] == pytest.approx(0, abs=1e-15)


# ---------------------------------------------------------------- operational steady state


@pytest.mark.parametrize("name", DISCHARGES)
def test_oss_is_the_limit_of_the_iterated_map(fig4, name):
    model, results = fig4
    r = results[name]
    cycle = engine_cycle(model, 150.0, name)
    steps = cycle.iterate(ness(model))
    for _ in range(400):
        charged, after, work = next(steps)
    np.testing.assert_allclose(charged, r.oss_charged, atol=1e-11)
    np.testing.assert_allclose(after, r.oss, atol=1e-11)
    assert work == pytest.approx(r.oss_work, rel=1e-8)
    # ρ_OSS is passive-reset-to-itself: one more cycle returns it.
    again, work = cycle.discharge_state(cycle.charge(r.oss))
    np.testing.assert_allclose(again, r.oss, atol=1e-12)


def test_first_law_in_the_oss(fig4):
    """Energy gained in the charging stroke, Q^A + Q^S, is the work extracted in the discharge."""
    _, results = fig4
    for r in results.values():
        assert r.heat_hot + r.heat_cold == pytest.approx(r.oss_work, rel=1e-8)
        assert r.power == pytest.approx(r.oss_work / 150.0)
        assert r.efficiency == pytest.approx(r.oss_work / r.heat_hot)


@pytest.mark.parametrize("name", ["local1", "optimal"])
def test_cycles_to_converge_is_where_work_settles_for_good(fig4, name):
    model, results = fig4
    r = results[name]
    k = r.cycles_to_converge
    works = engine_cycle(model, 150.0, name).works(ness(model), 3 * k + 50)
    tol = 1e-3 * abs(r.oss_work)
    assert all(abs(w - r.oss_work) <= tol for w in works[k - 1:])
    assert abs(works[k - 2] - r.oss_work) > tol
    assert r.work_per_cycle == pytest.approx(works[:40], rel=1e-12, abs=1e-18)


def test_longer_cycles_store_more_but_run_less_efficiently():
    """Fig. 4a and the text: E_OSS grows with τ while power and efficiency fall."""
    model = two_bath_engine()
    results = [engine_cycle(model, tau).steady_operation() for tau in (10.0, 100.0, 1000.0)]
    ness_ergotropy = ergotropy(ness(model), model.battery_matrix())
    assert results[0]["oss_ergotropy"] < results[1]["oss_ergotropy"] < results[2]["oss_ergotropy"] < ness_ergotropy
    assert results[0]["power"] > results[1]["power"] > results[2]["power"]
    assert results[0]["efficiency"] > results[1]["efficiency"] > results[2]["efficiency"]


# ---------------------------------------------------------------- short cycles, Eqs. 14–17


@pytest.mark.parametrize("kwargs", [{}, {"rates": FIG2_RATES}, {"lam": 0.05, "t_hot": 5.0, "t_cold": 0.5}])
def test_eqs_14_to_16_in_the_short_cycle_limit(kwargs):
    """Eqs. 14–16 hold to first order, with an error that shrinks as τ → 0: quadratically
    (×~100 per ×10 in τ, ΣΓτ = 0.1 → 0.01), as the τ → −τ symmetry of the module docstring says."""
    model = two_bath_engine(**kwargs)
    power, heat_rate, eta = short_cycle(model)
    total = sum(rates_of(model))
    deviations = []
    for tau in (0.1 / total, 0.01 / total):
        r = engine_cycle(model, tau).steady_operation()
        dev = [abs(r["oss_ergotropy"] / (power * tau) - 1), abs(r["heat_hot"] / (heat_rate * tau) - 1),
               abs(r["efficiency"] / eta - 1)]
        deviations.append(dev)
        assert max(dev) < (total * tau) ** 2
    for coarse, fine in zip(*deviations):
        assert 50 < coarse / fine < 200


def test_eq17_and_power_when_the_cold_channel_dominates():
    """Implementation with Γ ≫ γ, p: η_τ → 2λ/(ω0 + λ) (Eq. 17) and P_τ → 2pλ (= 4λΓ_A⁺)."""
    gamma, p, big, lam = 1e-5, 1e-5, 1e-1, 0.01
    model = two_bath_engine(lam=lam, implementation=(gamma, p, big))
    r = engine_cycle(model, 0.01).steady_operation()
    assert r["efficiency"] == pytest.approx(2 * lam / (1 + lam), rel=1e-3)
    assert r["power"] == pytest.approx(2 * p * lam, rel=1e-3)


def test_power_when_both_baths_are_cold():
    """paper: P_τ ≈ 4λ(Γ_A⁺Γ_S⁻ − Γ_A⁻Γ_S⁺)/(Γ_A⁻ + Γ_S⁻) for T_A, T_S ≪ ω0.  That is the leading
    term of the exact short-cycle P_τ = 4λK(Γ⁻ − Γ⁺) (Eq. 14 / τ), whose ratio to it is
    (1 − x)/(1 + x)² ≈ 1 − 3x with x = Γ⁺/Γ⁻; the simulation follows the exact form."""
    model = two_bath_engine(t_hot=0.25, t_cold=0.1)
    ap, am, sp, sm = rates_of(model)
    x = (ap + sp) / (am + sm)
    power = engine_cycle(model, 1.0).steady_operation()["power"]
    approx = 4 * 0.01 * (ap * sm - am * sp) / (am + sm)
    assert power == pytest.approx(short_cycle(model)[0], rel=1e-4)
    assert power / approx == pytest.approx((1 - x) / (1 + x) ** 2, rel=1e-4)
    assert abs(power / approx - 1) < 4 * x


# ---------------------------------------------------------------- trajectories and input checks


def test_cycle_trajectory_follows_the_cycle_map():
    model = two_bath_engine()
    tau, cycles, n = 150.0, 3, 10
    times, states = cycle_trajectory(model, tau, cycles, points_per_cycle=n)
    assert len(times) == len(states) == cycles * (n + 1) + 1
    assert np.all(np.diff(times) >= 0) and times[-1] == cycles * tau
    cycle = engine_cycle(model, tau)
    steps = cycle.iterate(ness(model))
    for k in range(cycles):
        charged, after, _ = next(steps)
        np.testing.assert_allclose(states[k * (n + 1)], charged, atol=1e-11)
        np.testing.assert_allclose(states[k * (n + 1) + 1], after, atol=1e-11)
    np.testing.assert_allclose(states[-1], cycle.charge(after), atol=1e-11)
    energies = [np.trace(s @ model.battery_matrix()).real for s in states]
    assert ergotropy(states[0], model.battery_matrix()) == pytest.approx(energies[0] - energies[1], rel=1e-9)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: run_engine(m, 0.0),
        lambda m: run_engine(m, -1.0),
        lambda m: run_engine(m, float("inf")),
        lambda m: run_engine(m, 10.0, cycles=0),
        lambda m: cycle_trajectory(m, 10.0, 2, points_per_cycle=0),
        lambda m: heat_current(m, np.eye(4) / 4, bath="hot"),
    ],
)
def test_bad_cycle_input(call):
    with pytest.raises(QbexpError) as err:
        call(two_bath_engine())
    assert "\n" not in str(err.value)


def test_no_efficiency_between_baths_at_one_temperature():
    """T_H = T_C: the OSS exchanges no heat with either bath (detailed balance; |Q^H| ~ 1e-18 is
    rounding) and the efficiency is None, not the ratio of two rounding errors (it read 2.1e-4);
    a hair hotter, Q^H is a figure again and W/Q^H is reported."""
    equal = engine_cycle(two_bath_engine(t_hot=1.0, t_cold=1.0), 1.0).steady_operation()
    assert abs(equal["heat_hot"]) < 1e-14 and abs(equal["heat_cold"]) < 1e-14 and equal["efficiency"] is None
    warmer = engine_cycle(two_bath_engine(t_hot=1.2, t_cold=1.0), 1.0).steady_operation()
    assert warmer["heat_hot"] > 1e-8
    assert warmer["efficiency"] == pytest.approx(warmer["oss_work"] / warmer["heat_hot"], rel=1e-12)


@pytest.mark.parametrize("cycles", [1, 2, 3])
def test_engine_experiment_is_the_state_after_k_charging_strokes(cycles):
    """EngineCycles(cycles=K) measures the state after K charging strokes from the discharged NESS:
    the one the (K+1)-th discharge of run_engine acts on (its first discharge acts on the NESS).
    The docs said "the K-th discharge"; an independent audit found the state one discharge later."""
    import qbexp

    model = two_bath_engine()
    works = run_engine(model, 10.0, cycles=4).work_per_cycle
    rho = qbexp.EngineCycles(tau=10.0, cycles=cycles).exact().state.data
    u = discharge_unitary("local1", rho, model)
    h = model.battery_matrix()
    work = np.trace(h @ rho).real - np.trace(h @ u @ rho @ u.conj().T).real
    assert abs(works[cycles] - works[cycles - 1]) > 1e-3  # consecutive discharges differ: the index matters
    assert work == pytest.approx(works[cycles], abs=1e-12)


def _hand_engine(omega0, lam, rates):
    """The engine of Eqs. (6)–(8) written out in numpy (Qiskit order: index = 2 b1 + b0, |1⟩
    excited), its Liouvillian acting on row-stacked ρ: an independent reference for the rates."""
    sm = np.array([[0, 1], [0, 0]], dtype=complex)
    eye = np.eye(2)
    s0, s1 = np.kron(eye, sm), np.kron(sm, eye)
    h = omega0 * (s0.conj().T @ s0 + s1.conj().T @ s1) - lam * (s0.conj().T @ s1 + s1.conj().T @ s0)
    a_op, s_op = s0 - s1, s0 + s1
    jumps = zip(rates, (a_op.conj().T, a_op, s_op.conj().T, s_op))
    one = np.eye(4)
    gen = -1j * (np.kron(h, one) - np.kron(one, h.T))
    for rate, j in jumps:
        jj = j.conj().T @ j
        gen += rate * (np.kron(j, j.conj()) - 0.5 * np.kron(jj, one) - 0.5 * np.kron(one, jj.T))
    return h, gen


@pytest.mark.parametrize("cycles", [1, 3])
def test_engine_experiment_with_fig2_rates_against_a_hand_written_liouvillian(cycles):
    """EngineCycles(rates=...) (``qbexp run engine --rates``): the paper's Fig. 2 rate set, which
    Eq. (9) cannot give (its Γ⁺ are equal while its Γ⁻ differ), run as the experiment; NESS,
    local1 discharge e^{−iσ_z π/2} on the paper's qubit 1 (Qiskit qubit 0) and charging for τ
    from a Liouvillian written out here."""
    import qbexp
    from scipy.linalg import expm, null_space

    tau = 400.0
    h, gen = _hand_engine(1.0, 1e-2, FIG2_RATES)
    null = null_space(gen)
    assert null.shape[1] == 1
    rho = null[:, 0].reshape(4, 4)
    rho = rho / np.trace(rho)
    z0 = np.kron(np.eye(2), np.diag([1.0, -1.0]))
    charge = expm(gen * tau)
    for _ in range(cycles):
        rho = (charge @ (z0 @ rho @ z0).reshape(-1)).reshape(4, 4)
    exp = qbexp.EngineCycles(tau=tau, cycles=cycles, rates=FIG2_RATES)
    exact = exp.exact()
    assert np.abs(exact.state.data - rho).max() < 1e-10
    levels = np.linalg.eigvalsh(h)
    work = np.trace(h @ rho).real - np.sort(np.linalg.eigvalsh(rho))[::-1] @ levels
    assert exact.ergotropy == pytest.approx(work, abs=1e-10) and work > 1e-3  # charged: r_A > r_S again
    # the rates are the run's identity, and a manifest builds the same experiment again
    from qbexp.experiments.run import experiment_from_manifest

    params = exp.parameters()
    assert params["rates"] == list(FIG2_RATES) and not {"gamma0", "t_hot", "t_cold"} & set(params)
    again = experiment_from_manifest({"kind": "engine", "parameters": {**params, "charging": "collision"},
                                      "circuit_names": []})
    assert again == exp and again.rates == FIG2_RATES
    # Eq. 9's temperatures give other rates: not the same state
    assert np.abs(qbexp.EngineCycles(tau=tau, cycles=cycles).exact().state.data - rho).max() > 1e-3


def test_engine_run_with_explicit_rates_resumes_and_reanalyses(tmp_path):
    """``qbexp run engine --rates`` end to end: the estimate is about the hand-written state,
    the same command resumes the directory, and one with Eq. 9's temperatures is another run."""
    from qbexp.cli.main import main

    out = tmp_path / "r"
    argv = ["run", "engine", "--tau", "400", "--rates", ",".join(map(str, FIG2_RATES)), "--charging", "kraus",
            "--shots", "4000", "--seed", "3", "--out", str(out), "--json"]
    assert main(argv) == 0
    import json

    first = json.loads((out / "results.json").read_text())
    assert main(argv) == 0
    again = json.loads((out / "results.json").read_text())
    assert again["estimates"] == first["estimates"]
    h, gen = _hand_engine(1.0, 1e-2, FIG2_RATES)
    energy = first["estimates"]["energy"]
    from scipy.linalg import expm, null_space

    rho = null_space(gen)[:, 0].reshape(4, 4)
    rho = rho / np.trace(rho)
    z0 = np.kron(np.eye(2), np.diag([1.0, -1.0]))
    rho = (expm(gen * 400.0) @ (z0 @ rho @ z0).reshape(-1)).reshape(4, 4)
    assert first["exact"]["energy"] == pytest.approx(np.trace(h @ rho).real, abs=1e-10)
    assert abs(energy["value"] - first["exact"]["energy"]) < 4 * energy["stderr"]
    other = [a for a in argv if a not in ("--rates", ",".join(map(str, FIG2_RATES)))]
    assert main([*other[:-1], "--t-hot", "2"]) == 2  # Eq. 9's rates: another run, refused in this directory


@pytest.mark.parametrize("discharge", DISCHARGES)
@pytest.mark.parametrize("tau", [1e-6, 1e-5])
def test_eq16_plateau_at_very_short_cycles(tau, discharge):
    """ΣΓτ = 5e-9 and 5e-8 (Fig. 4's rates): power and efficiency on Eq. 14–16's plateau to 1e-7
    (the O((ΣΓτ)²) deviation is ~1e-15), with every discharge and on either engine.  The OSS
    work, 5e-12 here, is a difference the propagator's absolute tolerance did not resolve
    (local1 3e-7 off at τ = 1e-6; optimal 8e-5 off at τ = 1e-5, the engines 7e-5 apart, and
    its OSS not found at τ = 1e-6): e^{𝓛τ} − 1 now comes from the charging integral, the
    fixed point from the populations alone, the optimal discharge's work from level populations."""
    model = two_bath_engine()
    power, _, eta = short_cycle(model)
    res = run_engine(model, tau, cycles=2, discharge=discharge)
    assert res.efficiency == pytest.approx(eta, rel=1e-7)
    assert res.power == pytest.approx(power, rel=1e-7)


def test_helpers_take_states_hermitian_to_an_evolutions_rounding():
    """States of an evolution at loose tolerances (rtol 1e-6: |ρ − ρ†| up to ~1e-6) and states
    computed in complex64 are taken (their Hermitian part), as before the helpers checked their
    input; a matrix far from Hermitian is refused (review of 2026-12-07)."""
    model = two_bath_engine()
    rho = random_density_matrix(4, seed=3).data
    skew = rho + 1e-7 * np.triu(np.ones((4, 4)), 1)  # not Hermitian by 1e-7
    cycle = engine_cycle(model, 50.0, "local1")
    assert heat_current(model, skew) == pytest.approx(heat_current(model, rho), abs=1e-9)
    assert np.abs(cycle.charge(skew) - cycle.charge(rho)).max() < 1e-7
    assert level_populations(skew * (1 + 1e-7)) == pytest.approx(level_populations(rho), abs=1e-6)
    single = rho.astype(np.complex64)
    assert heat_current(model, single) == pytest.approx(heat_current(model, rho), rel=1e-5)
    with pytest.raises(QbexpError, match=r"state rho is not Hermitian \(max \|rho - rho\^dag\| = 0.001\)"):
        heat_current(model, rho + 1e-3 * np.triu(np.ones((4, 4)), 1))
