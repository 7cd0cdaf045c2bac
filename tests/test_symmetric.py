"""The symmetry-reduced solver (qbexp.dynamics.symmetric and friends) against independent
references: the general solver (kernel projection, ``method="general"``), the matrix
exponential of the full Liouvillian, Çakmak's closed forms (Eqs. 13–17) up to N = 1000, the
kernel dimension Σ_j d_j², and the known mean purities of the random-state ensembles.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as sla

from qbexp.cli.main import main as cli_main
from qbexp.dynamics import kernel_dimension as general_kernel_dimension
from qbexp.dynamics import steady_state as steady_auto
from qbexp.dynamics import symmetric as sym
from qbexp.dynamics.engines import dynamics_available
from qbexp.dynamics.liouvillian import liouvillian, supported_blocks, unvec, vec
from qbexp.dynamics.schur import ladder, multiplicity, schur_basis
from qbexp.dynamics.symmetric_batch import (
    multiplicity_blocks_batch,
    sample_schur_states,
    steady_figures_from_blocks,
    steady_figures_of_states,
)
from qbexp.dynamics.symmetric_charge import charge_symmetric
from qbexp.dynamics.symmetric_model import CollectiveSpinModel
from qbexp.dynamics.symmetric_state import (
    PermutationInvariantState,
    coherent,
    dicke,
    ground,
    thermal,
)
from qbexp.errors import QbexpError
from qbexp.experiments.collective import charge_collective
from qbexp.models.collective import collective_battery
from qbexp.models.states import (
    bures_state,
    c_family_state,
    haar_pure_state,
    hilbert_schmidt_state,
)
from qbexp.thermo import coherence_l1, ergotropy, figures_of_merit
from qbexp.thermo.permutation import coherence_l1_johnson, permutation_invariant_figures

TOL = 1e-10


def h0(n, omega=1.0):
    return np.diag(omega * np.array([x.bit_count() for x in range(2**n)], dtype=float))


def general_steady(model, rho0):
    return steady_auto(model, rho0, method="general")


def exact_evolution(model, rho0, t):
    """e^{𝓛t} ρ0 with scipy's expm on each invariant block of the full Liouvillian."""
    g = liouvillian(model)
    y0 = vec(rho0)
    out = np.zeros_like(y0)
    for block in supported_blocks(g, y0):
        out[block] = sla.expm(g[block][:, block].toarray() * t) @ y0[block]
    return unvec(out, model.dim)


# ----------------------------------------------------------------------------------------
# the Schur basis and the kernel
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_schur_basis_is_orthogonal_and_carries_the_ladder(n):
    b = schur_basis(n)
    u = b.matrix()
    np.testing.assert_allclose(u.T @ u, np.eye(2**n), atol=1e-12)
    jm = sum(np.kron(np.eye(2 ** (n - 1 - i)), np.kron(np.array([[0, 1], [0, 0]]), np.eye(2**i))) for i in range(n))
    expected = np.zeros((2**n, 2**n))
    for s, w in enumerate(b.where):
        a = ladder(n - 2 * s)
        for i in range(1, w.shape[0]):
            expected[w[i - 1], w[i]] = a[i]
    np.testing.assert_allclose(u.T @ jm @ u, expected, atol=1e-12)
    assert sum(multiplicity(n, s) * (n - 2 * s + 1) for s in range(n // 2 + 1)) == 2**n


@pytest.mark.parametrize("n, expected", [(2, 2), (3, 5), (4, 14)])
def test_kernel_dimension_is_sum_of_squared_multiplicities(n, expected):
    assert sym.kernel_dimension(n) == expected == sum(multiplicity(n, s) ** 2 for s in range(n // 2 + 1))
    assert general_kernel_dimension(collective_battery(n, 0.7, f=0.2, gamma=1.3)) == expected


# ----------------------------------------------------------------------------------------
# steady states and evolution against the general solver
# ----------------------------------------------------------------------------------------
CASES = [  # n, beta, gamma, f
    (2, 1.0, 1.0, 0.0),
    (3, 0.3, 0.7, 0.4),
    (4, 2.0, 1.5, -0.3),
    (5, 0.8, 1.0, 0.25),
]


def random_states(n, seed):
    return [haar_pure_state(n, seed), hilbert_schmidt_state(n, seed + 1), bures_state(n, seed + 2)]


@pytest.mark.parametrize("n, beta, gamma, f", CASES)
def test_steady_state_matches_general_solver(n, beta, gamma, f):
    model = collective_battery(n, beta, gamma=gamma, f=f)
    assert sym.uniform_collective(model) == CollectiveSpinModel(n, beta, 1.0, gamma, f)
    for rho0 in random_states(n, 10 * n):
        np.testing.assert_allclose(sym.steady_state(model, rho0), general_steady(model, rho0), atol=TOL)


def test_steady_state_n6_matches_general_solver():
    model = collective_battery(6, 0.5, gamma=0.8, f=0.2)
    rho0 = haar_pure_state(6, 3)
    np.testing.assert_allclose(sym.steady_state(model, rho0), general_steady(model, rho0), atol=TOL)


def test_steady_state_without_bath_is_dephasing_in_h():
    model = collective_battery(3, 1.0, gamma=0.0, f=0.3)
    rho0 = hilbert_schmidt_state(3, 4)
    np.testing.assert_allclose(sym.steady_state(model, rho0), general_steady(model, rho0), atol=TOL)


@pytest.mark.parametrize("n, beta, gamma, f", CASES[:3])
def test_evolution_matches_expm_of_the_liouvillian(n, beta, gamma, f):
    model = collective_battery(n, beta, gamma=gamma, f=f)
    times = [0.0, 0.13, 0.5, 1.7]
    for rho0 in random_states(n, 7 * n)[:2]:
        states = sym.evolve(model, rho0, times, engine="scipy")
        for t, rho in zip(times, states):
            np.testing.assert_allclose(rho, exact_evolution(model, rho0, t), atol=TOL)


def test_dense_evolution_shows_its_chains_progress(monkeypatch):
    """A dense initial state is evolved chain by chain with a bar over the chains it has weight on
    (it had none: N = 2, f = 0.5, t = 1e5 ran a silent minute with qiskit-dynamics); the state
    is the one the Liouvillian's exponential gives."""
    shown = []

    class Bar:
        def __init__(self, total, desc):
            shown.append({"total": total, "desc": desc, "updates": 0})

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, k=1):
            shown[-1]["updates"] += k

    monkeypatch.setattr(sym, "progress_bar", lambda total=None, desc="", **kw: Bar(total, desc))
    model = collective_battery(3, 1.0, f=0.5)
    rho0 = random_states(3, 5)[0]
    (rho,) = sym.evolve(model, rho0, [0.7], engine="scipy")
    np.testing.assert_allclose(rho, exact_evolution(model, rho0, 0.7), atol=TOL)
    assert shown == [{"total": shown[0]["total"], "desc": "evolving N = 3", "updates": shown[0]["total"]}]
    assert shown[0]["total"] > 10  # a full-rank state has weight on every chain of every block pair
    sym.evolve(model, np.diag([1.0] + [0.0] * 7), [0.7], engine="scipy")
    assert shown[1]["total"] == 1  # the ground state: one population chain


def test_evolution_n5_permutation_invariant_states():
    n = 5
    model = collective_battery(n, 0.9, gamma=1.2, f=0.3)
    spin = sym.as_spin_model(model)
    for state in (coherent(n, 1.2, 0.7), dicke(n, 2), thermal(n, 0.2)):
        compact = sym.evolve(spin, state, [0.4])[0]
        np.testing.assert_allclose(compact.to_dense(), exact_evolution(model, state.to_dense(), 0.4), atol=TOL)


def test_compact_steady_states_match_dense_ones():
    n = 5
    model = collective_battery(n, 1.3, gamma=0.6, f=0.2)
    for state in (ground(n), coherent(n, 2.0, 0.1), dicke(n, 3), thermal(n, 0.4)):
        compact = sym.steady_state(model, state)
        np.testing.assert_allclose(compact.to_dense(), general_steady(model, state.to_dense()), atol=TOL)


def test_auto_dispatch_and_model_detection():
    model = collective_battery(3, 1.0, f=0.1, gamma=2.0)
    rho0 = hilbert_schmidt_state(3, 1)
    np.testing.assert_allclose(steady_auto(model, rho0), sym.steady_state(model, rho0), atol=1e-14)
    assert sym.uniform_collective(collective_battery(3, 1.0, coupling="individual")) is None
    uneven = np.array([[1.0, 0.5, 0.5], [0.5, 1.0, 0.5], [0.5, 0.5, 1.0]])
    assert sym.uniform_collective(collective_battery(3, 1.0, gamma_matrix=uneven)) is None
    f_uneven = 0.1 * (np.ones((3, 3)) - np.eye(3))
    f_uneven[0, 1] = f_uneven[1, 0] = 0.3
    assert sym.uniform_collective(collective_battery(3, 1.0, f_matrix=f_uneven)) is None


# ----------------------------------------------------------------------------------------
# figures of merit of compact states
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [7, 8])
def test_compact_figures_match_dense_figures(n):
    spin = CollectiveSpinModel(n, 0.6, f=0.2)
    mixed = thermal(n, 1.5)
    mixed.blocks[0] = (mixed.blocks[0][0], coherent(n, 1.0, 0.5).blocks[0][1])  # coherent j = N/2 part
    states = [ground(n), coherent(n, 1.1, 0.4), dicke(n, 3), thermal(n, 0.5), mixed]
    states += [sym.steady_state(spin, s) for s in states[:3]] + [sym.evolve(spin, s, [0.3])[0] for s in states[2:]]
    h = h0(n)
    for state in states:
        compact = permutation_invariant_figures(state, dense_max=0)
        dense = figures_of_merit(state.to_dense(), h, n)
        for key, value in compact.items():
            assert value == pytest.approx(dense[key], abs=1e-9, rel=1e-10), key
        assert coherence_l1_johnson(state) == pytest.approx(dense["coherence_l1"], abs=1e-9, rel=1e-10)


def test_l1_coherence_beyond_the_johnson_limit_names_the_unequal_populations():
    """N = 65 (past JOHNSON_MAX_QUBITS = 64): the Gibbs state's multiplets hold equal populations
    of one string at one energy, so its l1 coherence is the closed form's 0; a second multiplet
    at another temperature breaks that equality, and the refusal says so, with the spread (it
    had said "coherent outside the symmetric multiplet" of a state diagonal in every one)."""
    n = 65
    assert permutation_invariant_figures(thermal(n, 0.7))["coherence_l1"] == pytest.approx(0.0, abs=1e-9)
    uneven = thermal(n, 0.7)
    p, sigma = uneven.blocks[1]
    hotter = np.exp(-0.2 * np.arange(sigma.size))
    uneven.blocks[1] = (p, hotter / hotter.sum())
    with pytest.raises(QbexpError, match=r"N = 65: .*multiplets j < N/2 hold different populations at one energy, "
                                         r"up to .* apart .* exactly up to N = 64"):
        permutation_invariant_figures(uneven)


# ----------------------------------------------------------------------------------------
# closed forms
# ----------------------------------------------------------------------------------------
def eq16_closed(n, r):
    return (r - 1) * (r + 1) ** n / (r ** (n + 1) - 1) - 1


def eq17_closed(n, r, omega=1.0):
    return omega * (n + (n + r) / (r ** (n + 1) - 1) + r / (1 - r))


@pytest.mark.parametrize("n", [2, 7, 50, 300, 1000])
@pytest.mark.parametrize("beta", [0.02, 0.5, 3.0])
def test_eqs_16_17_ground_state_up_to_n1000(n, beta):
    figs = permutation_invariant_figures(sym.steady_state(CollectiveSpinModel(n, beta), ground(n)), dense_max=0)
    r = math.exp(-beta)
    assert figs["coherence_l1"] == pytest.approx(eq16_closed(n, r), rel=1e-10)
    assert figs["ergotropy"] == pytest.approx(eq17_closed(n, r), rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("n, beta, t", [(1000, 1.0, 6e5), (300, 1e-3, 900.0)])
def test_long_charging_reaches_eqs_16_17_to_rounding(n, beta, t):
    """Charged from the ground state for ~1e4 to ~1e6 relaxation times: the closed forms of the
    steady state (Eqs. 16, 17) to 1e-10.  The stiff chain's scaling and squaring lost population
    (every figure 4.1e-6 / 6.5e-7 too small); the population chains keep their sums."""
    figs = charge_symmetric(n, beta, init="ground", t=t, engine="scipy")["figures"]
    r = math.exp(-beta)
    assert figs["coherence_l1"] == pytest.approx(eq16_closed(n, r), rel=1e-10)
    assert figs["ergotropy"] == pytest.approx(eq17_closed(n, r), rel=1e-10)


@pytest.mark.parametrize("n", [2, 3, 10, 100, 1000])
def test_high_temperature_limit_ground_state(n):
    charged = charge_symmetric(n, 0.0, init="ground", omega=2.0)
    assert charged["figures"]["coherence_l1"] == pytest.approx((2.0**n - n - 1) / (n + 1), rel=1e-10)
    assert charged["figures"]["ergotropy"] == pytest.approx(2.0 * n * (n - 1) / (2 * (n + 1)), rel=1e-10)
    assert charged["figures"]["energy"] == pytest.approx(2.0 * n / 2, rel=1e-12)


@pytest.mark.parametrize("c", [0.0, 0.3, 0.6, 0.9, 1.0])
def test_eq13_two_qubits_high_temperature(c):
    """β → 0: W = ω|1 − 4c/3| = ω C_l1 (Eq. 13 and below)."""
    figs = charge_symmetric(2, 0.0, init=f"c:{c}")["figures"]
    assert figs["ergotropy"] == pytest.approx(abs(1 - 4 * c / 3), abs=1e-12)
    assert figs["coherence_l1"] == pytest.approx(abs(1 - 4 * c / 3), abs=1e-12)


def test_beta_zero_is_the_limit_of_small_beta():
    n = 4
    rho0 = hilbert_schmidt_state(n, 2)
    exact = sym.steady_state(CollectiveSpinModel(n, 0.0), rho0)
    near = general_steady(collective_battery(n, 1e-6), rho0)
    np.testing.assert_allclose(exact, near, atol=1e-5)


# ----------------------------------------------------------------------------------------
# batches of random initial states (Fig. 3)
# ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, beta", [(3, 0.0), (4, 0.7), (5, 2.0)])
def test_batch_figures_match_general_solver(n, beta):
    model = collective_battery(n, beta or 1.0, gamma=1.4, f=0.2)  # at beta = 0 only its H0 is used
    pure = np.array([np.linalg.eigh(haar_pure_state(n, s))[1][:, -1] for s in range(3)])
    mixed = np.array([hilbert_schmidt_state(n, s) for s in range(2)] + [bures_state(n, 5)])
    h = model.battery_matrix()
    for batch in (pure, mixed):
        figs = steady_figures_of_states(n, batch, beta)
        for a in range(batch.shape[0]):
            rho0 = np.outer(batch[a], batch[a].conj()) if batch.ndim == 2 else batch[a]
            rho = general_steady(model, rho0) if beta else sym.steady_state(CollectiveSpinModel(n, 0.0), rho0)
            assert figs["ergotropy"][a] == pytest.approx(ergotropy(rho, h), abs=1e-10)
            assert figs["coherence_l1"][a] == pytest.approx(coherence_l1(rho), abs=1e-10)


def test_batch_two_qubits_high_temperature_w_equals_cl1():
    rng = np.random.default_rng(5)
    for ensemble in ("haar", "hs", "bures"):
        states = sample_schur_states(2, 500, ensemble, rng)
        figs = steady_figures_from_blocks(2, multiplicity_blocks_batch(2, states), 0.0, pure=ensemble == "haar")
        np.testing.assert_allclose(figs["ergotropy"], figs["coherence_l1"], atol=1e-12)


@pytest.mark.parametrize("ensemble, mean_purity", [
    ("hs", lambda d: 2 * d / (d * d + 1)),  # square Ginibre (Życzkowski–Sommers 2001)
    ("bures", lambda d: (5 * d * d + 1) / (2 * d * (d * d + 2))),  # Sommers–Życzkowski 2003
])
@pytest.mark.parametrize("n", [2, 3])
def test_sampler_mean_purity(ensemble, mean_purity, n):
    rho = sample_schur_states(n, 8000, ensemble, np.random.default_rng(11 + n))
    np.testing.assert_allclose(np.trace(rho, axis1=1, axis2=2), 1.0, atol=1e-12)
    purity = np.einsum("sij,sji->s", rho, rho).real
    stderr = purity.std() / np.sqrt(purity.size)
    assert abs(purity.mean() - mean_purity(2**n)) < 4 * stderr


def test_haar_sampler_is_uniform():
    psi = sample_schur_states(3, 20000, "haar", np.random.default_rng(3))
    np.testing.assert_allclose(np.linalg.norm(psi, axis=1), 1.0, atol=1e-12)
    p = np.abs(psi) ** 2  # E|ψ_i|² = 1/d, E|ψ_i|⁴ = 2/(d(d+1))
    assert np.max(np.abs(p.mean(axis=0) - 1 / 8)) < 4 * p.std() / np.sqrt(psi.shape[0])
    assert (p**2).mean() == pytest.approx(2 / (8 * 9), rel=0.03)


# ----------------------------------------------------------------------------------------
# bad input and the command line
# ----------------------------------------------------------------------------------------
def test_limits_are_one_line_errors():
    with pytest.raises(QbexpError, match="up to N = 1000"):
        charge_symmetric(1001, 1.0)
    with pytest.raises(QbexpError, match="only up to N = 12"):
        charge_symmetric(13, 1.0, init="haar:1")
    with pytest.raises(QbexpError, match="time t needs beta > 0"):
        charge_symmetric(4, 0.0, t=1.0)
    with pytest.raises(QbexpError, match="only uniform collective coupling scales"):
        charge_collective(40, 1.0, coupling="individual")
    with pytest.raises(QbexpError, match="time evolution needs beta > 0"):
        sym.evolve(CollectiveSpinModel(3, 0.0), ground(3), [1.0])
    with pytest.raises(QbexpError):
        sym.evolve(CollectiveSpinModel(3, 1.0), ground(3), [1.0], engine="bogus")
    with pytest.raises(QbexpError, match="model has N = 3"):
        sym.steady_state(CollectiveSpinModel(3, 1.0), ground(4))


def test_cli_symmetric_solver(capsys):
    import json

    assert cli_main(["simulate", "collective", "--n", "1000", "--beta", "0", "--init", "ground", "--steady", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["solver"] == "symmetric"
    assert out["ergotropy"] == pytest.approx(1000 * 999 / (2 * 1001), rel=1e-12)
    assert cli_main(["simulate", "collective", "--n", "30", "--beta", "1", "--init", "dicke:3", "--t", "0.2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["solver"] == "symmetric"
    assert cli_main(["simulate", "collective", "--n", "2", "--beta", "1", "--coupling", "individual", "--steady",
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["solver"] == "general"
    assert cli_main(["simulate", "collective", "--n", "10", "--beta", "0", "--t", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "beta" in err and "\n" not in err


def test_charge_collective_small_n_agrees_with_general_path():
    sym_run = charge_collective(3, 0.8, init="haar:4", f=0.2, gamma=0.5)
    model = collective_battery(3, 0.8, f=0.2, gamma=0.5)
    from qbexp.models.states import initial_state

    rho = general_steady(model, initial_state("haar:4", 3))
    np.testing.assert_allclose(sym_run.state, rho, atol=TOL)
    assert sym_run.solver == "symmetric"
    assert isinstance(ground(3), PermutationInvariantState)
    np.testing.assert_allclose(c_family_state(0.4), charge_symmetric(2, 1.0, init="c:0.4", t=0.0)["state"], atol=1e-14)


def test_long_stiff_chain_is_exponentiated_densely():
    """A chain longer than DENSE_CHAIN_MAX with a large ||G t|| goes to the dense expm (N = 400 to
    t = 10 took 50 s in expm_multiply's 4 million products, now 0.3 s), with the same result."""
    import scipy.sparse.linalg as spla

    from qbexp.dynamics.symmetric_model import chain_generator

    spin = CollectiveSpinModel(401, 1.0, 1.0, 1.0, 0.0)
    _, _, g = chain_generator(spin, 0, 0, 0)
    assert g.shape[0] > sym.DENSE_CHAIN_MAX
    assert abs(g).sum(axis=0).max() * 0.1 > g.shape[0] ** 3 / sym.STIFF_CHAIN_RATIO
    x = np.zeros((g.shape[0], 1), dtype=complex)
    x[-1] = 1.0  # all population in one level
    got = sym._propagate(g, x, np.array([0.0, 0.1]))[-1]
    assert np.allclose(got, spla.expm_multiply(g.tocsc() * 0.1, x), atol=1e-10)


@pytest.mark.parametrize("coupling", ["collective", "individual"])
def test_steady_state_without_a_bath_is_the_dephased_initial_state_and_says_so(coupling, capsys):
    """gamma = 0: the steady state (the kernel projection of a unitary evolution) is the time
    average, sum_E P_E rho0 P_E over the eigenspaces of the full H (f = 0.3 mixes the levels of
    the collective model; the individual one has f = 0);
    checked against that sum built from H's eigendecomposition, in both solvers.  The result and
    the CLI say what the state is; with a bath, or at a finite t, they say nothing."""
    import json

    from qbexp.experiments.collective import NO_BATH_NOTE
    from qbexp.models.states import initial_state

    f = 0.3 if coupling == "collective" else 0.0  # individually coupled qubits have no dipole coupling
    model = collective_battery(3, 1.0, f=f, gamma=0.0, coupling=coupling)
    rho0 = initial_state("haar:4", 3)
    energies, vecs = np.linalg.eigh(model.hamiltonian_matrix())
    dephased = np.zeros_like(rho0)
    for level in np.unique(np.round(energies, 9)):
        v = vecs[:, np.abs(energies - level) < 1e-9]
        dephased += v @ (v.conj().T @ rho0 @ v) @ v.conj().T
    assert np.linalg.norm(dephased - rho0) > 0.1  # the average changes the state
    charged = charge_collective(3, 1.0, init="haar:4", f=f, gamma=0.0, coupling=coupling)
    np.testing.assert_allclose(charged.state, dephased, atol=1e-9)
    assert charged.note == NO_BATH_NOTE
    assert charge_collective(3, 1.0, init="haar:4", f=f, gamma=0.5, coupling=coupling).note is None
    assert charge_collective(3, 1.0, init="haar:4", f=f, gamma=0.0, t=1.0, coupling=coupling).note is None
    args = ["simulate", "collective", "--n", "3", "--beta", "1", "--f", str(f), "--init", "haar:4", "--coupling", coupling]
    assert cli_main([*args, "--gamma", "0", "--steady", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["note"] == NO_BATH_NOTE
    assert cli_main([*args, "--steady", "--json"]) == 0
    assert "note" not in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("f", [1e-6, 1e-5, 0.3])
def test_nearly_degenerate_levels_without_a_bath_agree_with_the_general_solver(f):
    """gamma = 0, omega = 1e6: f = 1e-6 splits |01>, |10> by 2e-6, which the symmetric solver's
    degeneracy tolerance (1e-12 omega N^2 = 4e-6) took for one level: |01> came back undephased
    (ergotropy 1e6 instead of 5e5).  Both solvers now give the time average over distinct levels."""
    from qbexp.dynamics import steady_state

    model = collective_battery(2, 1.0, omega=1e6, gamma=0.0, f=f)
    rho0 = np.zeros((4, 4), dtype=complex)
    rho0[1, 1] = 1.0
    symmetric_state = steady_state(model, rho0)
    np.testing.assert_allclose(symmetric_state, steady_state(model, rho0, method="general"), atol=1e-12)
    np.testing.assert_allclose(np.diag(symmetric_state).real, [0, 0.5, 0.5, 0], atol=1e-12)


ENGINES_HERE = ["scipy"] + (["qiskit-dynamics"] if dynamics_available() else [])  # no skip: the one there is


@pytest.mark.parametrize("engine", ENGINES_HERE)
def test_repeated_times_are_evolved_once_and_repeated(engine):
    """evolve with a repeated time (check_times accepts sorted, not strictly increasing, times):
    both ODE solvers refused it with a ValueError traceback (general solver; symmetric with
    qiskit-dynamics)."""
    from qbexp.dynamics import evolve
    from qbexp.models.states import initial_state

    for model, init, times in [(collective_battery(2, 1.0, coupling="individual"), "coherent:1", [0, 1, 1, 2]),
                               (collective_battery(2, 1.0, coupling="individual"), "coherent:1", [0, -0.0, 1]),
                               (collective_battery(3, 1.0, f=0.3), "haar:2", [0, 0.3, 0.3, 1.7])]:
        rho0 = initial_state(init, model.num_qubits)
        got = evolve(model, rho0, times, engine=engine)
        distinct = sorted({float(t) for t in times})
        want = evolve(model, rho0, distinct, engine=engine)
        for k, t in enumerate(times):
            np.testing.assert_allclose(got[k], want[distinct.index(float(t))], atol=1e-12)
        assert abs(np.trace(got[-1]) - 1) < 1e-9 and np.abs(got[-1] - got[0]).max() > 1e-3
