"""Tests of qbexp.dynamics (evolve, propagator, steady_state, kernel_dimension, liouvillian).

The independent reference is a small Liouvillian builder written here from the paper's
Eqs. (5)-(7) (Çakmak, "Ergotropy from coherences") with explicit double loops over the
Kossakowski matrix γ_ij and the dipole couplings f_ij, and σ_i^± built from bit
arithmetic (qubit i = bit i of the basis index, |1> excited), exponentiated with
scipy.linalg.expm.  Vectorisation is column stacking, vec(A X B) = (B^T ⊗ A) vec(X).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla

from qbexp.dynamics import (
    evolve,
    kernel_dimension,
    liouvillian,
    propagator,
    steady_state,
    unique_steady_state,
    unvec,
    vec,
)
from qbexp.errors import QbexpError
from qbexp.models.collective import collective_battery
from qbexp.models.states import c_family_state, ground_state, haar_pure_state

PSI_MINUS = np.array([0, 1, -1, 0], dtype=complex) / np.sqrt(2)
KET00 = np.array([1, 0, 0, 0], dtype=complex)


# ----------------------------------------------------------------------------
# independent reference: Eqs. (5)-(7) with explicit loops
# ----------------------------------------------------------------------------
def sigma_minus_ref(i, n):
    """σ_i^- = |0><1| on qubit i: maps basis index y (bit i set) to y ^ (1 << i)."""
    d = 2**n
    m = np.zeros((d, d), dtype=complex)
    for y in range(d):
        if (y >> i) & 1:
            m[y ^ (1 << i), y] = 1.0
    return m


def ref_liouvillian(n, beta, omega=1.0, gamma_matrix=None, f_matrix=None):
    """Dense d² × d² generator of Eq. (5): -i[H0 + Hd, ρ] + D₋(ρ) + D₊(ρ)."""
    d = 2**n
    gamma_matrix = np.ones((n, n)) if gamma_matrix is None else np.asarray(gamma_matrix)
    f_matrix = np.zeros((n, n)) if f_matrix is None else np.asarray(f_matrix)
    nbar = 1.0 / (np.exp(beta * omega) - 1.0)
    sm = [sigma_minus_ref(i, n) for i in range(n)]
    sp = [s.conj().T for s in sm]
    eye = np.eye(d)
    H = sum(omega * sp[i] @ sm[i] for i in range(n))
    for i in range(n):
        for j in range(n):
            if i != j:
                H = H + f_matrix[i, j] * sp[i] @ sm[j]
    L = -1j * (np.kron(eye, H) - np.kron(H.T, eye))

    def term(rate, a, b):
        """rate × (a ρ b - ½{b a, ρ})."""
        ba = b @ a
        return rate * (np.kron(b.T, a) - 0.5 * np.kron(eye, ba) - 0.5 * np.kron(ba.T, eye))

    for i in range(n):
        for j in range(n):
            g = gamma_matrix[i, j]
            L = L + term(g * (nbar + 1), sm[j], sp[i])  # Eq. 6: σ_j^- ρ σ_i^+ - ½{σ_i^+ σ_j^-, ρ}
            L = L + term(g * nbar, sp[j], sm[i])  # Eq. 7: σ_j^+ ρ σ_i^- - ½{σ_i^- σ_j^+, ρ}
    return L


def gibbs(n, beta, omega=1.0):
    e = omega * np.array([bin(k).count("1") for k in range(2**n)], dtype=float)
    w = np.exp(-beta * e)
    return np.diag(w / w.sum()).astype(complex)


def spectral_gap(L, tol=1e-6):
    """Slowest decay rate; asserts there is no undamped oscillation (the limit exists)."""
    ev = np.linalg.eigvals(L)
    nonzero = ev[np.abs(ev) > tol]
    assert np.all(np.abs(nonzero.real) > tol), "purely imaginary eigenvalue: no long-time limit"
    return float(np.min(np.abs(nonzero.real)))


def assert_density_matrix(rho, atol=1e-10):
    assert np.allclose(rho, rho.conj().T, atol=atol)
    assert abs(np.trace(rho) - 1) < atol
    assert np.linalg.eigvalsh(rho).min() > -atol


GAMMA3 = np.array([[1.0, 0.8, 0.5], [0.8, 1.2, 0.7], [0.5, 0.7, 0.9]])  # real symmetric, PSD
F3 = np.array([[0.0, 0.3, -0.2 + 0.1j], [0.3, 0.0, 0.15], [-0.2 - 0.1j, 0.15, 0.0]])  # Hermitian
GAMMA2 = np.array([[1.0, 0.6], [0.6, 0.7]])
F2 = np.array([[0.0, 0.4], [0.4, 0.0]])


def test_reference_matrices_are_valid():
    assert np.linalg.eigvalsh(GAMMA3).min() > 0 and np.linalg.eigvalsh(GAMMA2).min() > 0
    assert np.allclose(F3, F3.conj().T)
    # the reference builder is trace preserving (column sums of the identity) ...
    L = ref_liouvillian(3, 0.6, gamma_matrix=GAMMA3, f_matrix=F3)
    assert np.max(np.abs(vec(np.eye(8)).conj() @ L)) < 1e-12


# ----------------------------------------------------------------------------
# the generator and the time evolution
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, kw",
    [
        (2, dict(beta=0.7)),
        (2, dict(beta=0.7, omega=1.7, gamma=0.6, f=0.25)),
        (2, dict(beta=1.3, gamma_matrix=GAMMA2, f_matrix=F2)),
        (3, dict(beta=0.6, gamma_matrix=GAMMA3, f_matrix=F3)),
        (3, dict(beta=0.9, coupling="individual")),
    ],
)
def test_liouvillian_matches_reference(n, kw):
    model = collective_battery(n, **kw)
    omega, gamma, f = kw.get("omega", 1.0), kw.get("gamma", 1.0), kw.get("f", 0.0)
    if kw.get("coupling") == "individual":
        gm, fm = gamma * np.eye(n), np.zeros((n, n))
    else:
        gm = kw.get("gamma_matrix", gamma * np.ones((n, n)))
        fm = kw.get("f_matrix", f * (np.ones((n, n)) - np.eye(n)))
    ref = ref_liouvillian(n, kw["beta"], omega, gm, fm)
    np.testing.assert_allclose(liouvillian(model).toarray(), ref, atol=1e-12)


@pytest.mark.parametrize(
    "n, gamma_matrix, f_matrix, seed",
    [(2, GAMMA2, F2, 11), (3, GAMMA3, F3, 12)],
)
def test_evolve_matches_dense_expm(n, gamma_matrix, f_matrix, seed):
    beta = 0.8
    model = collective_battery(n, beta, gamma_matrix=gamma_matrix, f_matrix=f_matrix)
    L = ref_liouvillian(n, beta, 1.0, gamma_matrix, f_matrix)
    rho0 = haar_pure_state(n, seed)
    times = [0.0, 0.3, 1.1, 2.5, 4.0]
    states = evolve(model, rho0, times)
    assert states.shape == (len(times), 2**n, 2**n)
    for t, rho in zip(times, states):
        expected = unvec(sla.expm(L * t) @ vec(rho0), 2**n)
        np.testing.assert_allclose(rho, expected, atol=1e-8, err_msg=f"t = {t}")


def test_evolve_from_nonzero_first_time():
    n, beta = 2, 0.5
    model = collective_battery(n, beta, f=0.2)
    L = ref_liouvillian(n, beta, 1.0, np.ones((2, 2)), 0.2 * (np.ones((2, 2)) - np.eye(2)))
    rho0 = haar_pure_state(2, 5)
    states = evolve(model, rho0, [0.7, 1.5])
    for t, rho in zip([0.7, 1.5], states):
        np.testing.assert_allclose(rho, unvec(sla.expm(L * t) @ vec(rho0), 4), atol=1e-8)
    np.testing.assert_allclose(evolve(model, rho0, [0.0])[0], rho0, atol=0)


@pytest.mark.parametrize("tau", [0.4, 2.0, 30.0])  # 2.0 and 30.0: by squaring
def test_propagator_matches_evolve_and_expm(tau):
    n, beta = 2, 0.9
    model = collective_battery(n, beta, gamma_matrix=GAMMA2, f_matrix=F2)
    P = propagator(model, tau)
    assert P.shape == (16, 16)
    L = ref_liouvillian(n, beta, 1.0, GAMMA2, F2)
    np.testing.assert_allclose(P, sla.expm(L * tau), atol=1e-10)
    for seed in (1, 2):
        rho0 = haar_pure_state(n, seed)
        np.testing.assert_allclose(unvec(P @ vec(rho0), 4), evolve(model, rho0, [tau])[-1], atol=1e-9)


def test_propagator_three_qubits():
    n, beta, tau = 3, 0.6, 0.5
    model = collective_battery(n, beta, f=0.3)
    P = propagator(model, tau)
    rho0 = haar_pure_state(n, 4)
    np.testing.assert_allclose(unvec(P @ vec(rho0), 8), evolve(model, rho0, [tau])[-1], atol=1e-9)


def test_vec_is_column_stacking():
    a = np.arange(9.0).reshape(3, 3) + 1j
    assert vec(a)[1] == a[1, 0] and vec(a)[3] == a[0, 1]
    np.testing.assert_array_equal(unvec(vec(a), 3), a)


# ----------------------------------------------------------------------------
# steady states
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("init", ["haar", "ground"])
def test_steady_state_matches_long_time_evolution(n, init):
    beta = 0.5
    model = collective_battery(n, beta)
    rho0 = haar_pure_state(n, 21 + n) if init == "haar" else ground_state(n)
    gap = spectral_gap(ref_liouvillian(n, beta))
    assert gap > 0.5  # the regime where brute-force time evolution is practical
    t_end = 40.0 / gap  # e^{-40} ≈ 4e-18: the transient is far below the tolerance
    rho_t = evolve(model, rho0, [0.0, t_end])[-1]
    np.testing.assert_allclose(steady_state(model, rho0), rho_t, atol=1e-8)


@pytest.mark.parametrize("n", [3, 4])
@pytest.mark.parametrize("init", ["haar:0", "haar:1", "ground", "mixed"])
def test_steady_state_methods_agree(n, init):
    model = collective_battery(n, 0.8, f=0.2)
    if init == "ground":
        rho0 = ground_state(n)
    elif init == "mixed":
        rho0 = 0.5 * haar_pure_state(n, 7) + 0.5 * haar_pure_state(n, 8)
    else:
        rho0 = haar_pure_state(n, int(init.split(":")[1]))
    dense = steady_state(model, rho0, method="dense")
    sparse = steady_state(model, rho0, method="sparse")
    auto = steady_state(model, rho0, method="auto")
    np.testing.assert_allclose(sparse, dense, atol=1e-10)
    np.testing.assert_allclose(auto, dense, atol=1e-10)


@pytest.mark.parametrize("n, seed, f", [(2, 3, 0.0), (3, 4, 0.3), (4, 5, 0.1)])
def test_steady_state_is_stationary_and_physical(n, seed, f):
    beta = 0.9
    model = collective_battery(n, beta, f=f)
    rho = steady_state(model, haar_pure_state(n, seed))
    assert_density_matrix(rho)
    L = ref_liouvillian(n, beta, 1.0, np.ones((n, n)), f * (np.ones((n, n)) - np.eye(n)))
    assert np.linalg.norm(L @ vec(rho)) < 1e-10
    assert np.linalg.norm(liouvillian(model) @ vec(rho)) < 1e-10


def test_dark_state_population_is_conserved_two_qubits():
    """N = 2: ⟨ψ-|ρ|ψ-⟩ is a conserved quantity (𝓛†(|ψ-><ψ-|) = 0, text below Eq. 8)."""
    beta = 0.7
    L = ref_liouvillian(2, beta, 1.0, np.ones((2, 2)), 0.3 * (np.ones((2, 2)) - np.eye(2)))
    q = vec(np.outer(PSI_MINUS, PSI_MINUS.conj()))
    assert np.max(np.abs(q.conj() @ L)) < 1e-13
    model = collective_battery(2, beta, f=0.3)
    for seed in (0, 1, 2):
        rho0 = haar_pure_state(2, seed)
        p0 = np.real(PSI_MINUS.conj() @ rho0 @ PSI_MINUS)
        for rho in evolve(model, rho0, [0.0, 0.5, 2.0, 10.0]):
            assert np.real(PSI_MINUS.conj() @ rho @ PSI_MINUS) == pytest.approx(p0, abs=1e-9)
        rho_ss = steady_state(model, rho0)
        assert np.real(PSI_MINUS.conj() @ rho_ss @ PSI_MINUS) == pytest.approx(p0, abs=1e-10)


def _rank_deficiency(L, rtol=1e-10):
    s = np.linalg.svd(L, compute_uv=False)
    return int(np.sum(s < rtol * s.max()))


@pytest.mark.parametrize(
    "n, f, expected",
    # collective: steady states ⊕_J (thermal spin-J state) ⊗ M_J, M_J any multiplicity matrix,
    # so dim ker 𝓛 = Σ_J mult(J)²: N=2: 1+1; N=3: 1+2²; N=4: 1+3²+2²
    [(2, 0.0, 2), (2, 0.4, 2), (3, 0.0, 5), (3, 0.3, 5), (4, 0.0, 14)],
)
def test_kernel_dimension_collective(n, f, expected):
    beta = 0.7
    L = ref_liouvillian(n, beta, 1.0, np.ones((n, n)), f * (np.ones((n, n)) - np.eye(n)))
    assert _rank_deficiency(L) == expected  # independent: SVD of the dense reference
    assert kernel_dimension(collective_battery(n, beta, f=f)) == expected


def test_kernel_dimension_two_qubits_is_two_not_four():
    """The brief asked "4 in total?": it is 2 — |ψ-><ψ-| and the triplet Gibbs state.

    Coherences |ψ-><T_m| decay (rates γn̄ for |00>, γ(n̄+1) for |11>, γ(2n̄+1) for |ψ+>),
    so they are not stationary.  Restricted to the diagonal block (what ground/c-family
    states touch) the kernel is also 2.
    """
    model = collective_battery(2, 1.0)
    assert kernel_dimension(model) == 2
    assert kernel_dimension(model, c_family_state(0.3)) == 2
    assert _rank_deficiency(ref_liouvillian(2, 1.0)) == 2


@pytest.mark.parametrize("n", [2, 3])
def test_individual_coupling_has_unique_gibbs_steady_state(n):
    beta = 0.6
    model = collective_battery(n, beta, coupling="individual")
    L = ref_liouvillian(n, beta, 1.0, np.eye(n), np.zeros((n, n)))
    assert _rank_deficiency(L) == 1
    assert kernel_dimension(model) == 1
    target = gibbs(n, beta)
    excited = np.zeros((2**n, 2**n), dtype=complex)
    excited[-1, -1] = 1.0
    for rho0 in (ground_state(n), excited, haar_pure_state(n, 3), haar_pure_state(n, 4)):
        np.testing.assert_allclose(steady_state(model, rho0), target, atol=1e-10)
    np.testing.assert_allclose(unique_steady_state(model), target, atol=1e-10)


def test_steady_state_exact_where_evolution_is_too_slow():
    """β = 10, N = 2: the slowest rate is γn̄ ≈ 4.5e-5 (coherence |ψ-><00|).

    steady_state gives the Eq. 9 coherence exactly; time evolution to t = 100 has not
    relaxed yet (e^{-γn̄·100} ≈ 0.9955) — this is why the kernel projection exists.
    """
    beta = 10.0
    nbar = 1.0 / np.expm1(beta)
    gap = spectral_gap(ref_liouvillian(2, beta), tol=1e-8)
    assert gap == pytest.approx(nbar, rel=1e-6)
    model = collective_battery(2, beta)
    psi = (KET00 + PSI_MINUS) / np.sqrt(2)  # c = 1/2, coherence between |ψ-> and |00>
    rho0 = np.outer(psi, psi.conj())
    c = 0.5
    eq9 = abs(-1 + c + c / (1 + 2 * np.cosh(beta)))

    def cl1(rho):
        return float(np.sum(np.abs(rho)) - np.sum(np.abs(np.diag(rho))))

    rho_ss = steady_state(model, rho0)
    assert cl1(rho_ss) == pytest.approx(eq9, abs=1e-10)
    rho_t = evolve(model, rho0, [0.0, 100.0])[-1]
    assert abs(cl1(rho_t) - eq9) > 1e-3
    # evolve is right, only slow: it matches the exact propagator at t = 100
    L = ref_liouvillian(2, beta)
    np.testing.assert_allclose(rho_t, unvec(sla.expm(100.0 * L) @ vec(rho0), 4), atol=1e-8)


# ----------------------------------------------------------------------------
# bad input
# ----------------------------------------------------------------------------
def test_bad_times_and_states():
    model = collective_battery(2, 1.0)
    rho0 = ground_state(2)
    with pytest.raises(QbexpError):
        evolve(model, rho0, [-1.0, 1.0])
    with pytest.raises(QbexpError):
        evolve(model, rho0, [2.0, 1.0])
    with pytest.raises(QbexpError):
        evolve(model, rho0, [])
    with pytest.raises(QbexpError, match="dimension"):
        evolve(model, ground_state(3), [0.0, 1.0])
    with pytest.raises(QbexpError, match="dimension"):
        steady_state(model, ground_state(1))
    with pytest.raises(QbexpError):
        steady_state(model, rho0, method="qr")
    for tau in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(QbexpError, match="tau"):
            propagator(model, tau)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=2, beta=0.0), "beta"),
        (dict(n=2, beta=-1.0), "beta"),
        (dict(n=2, beta=float("nan")), "beta"),
        (dict(n=2, beta=1.0, omega=0.0), "omega"),
        (dict(n=2, beta=1.0, omega=-2.0), "omega"),
        (dict(n=2, beta=1.0, gamma=-0.1), "gamma"),
        (dict(n=0, beta=1.0), "N"),
        (dict(n=-3, beta=1.0), "N"),
        (dict(n=2.5, beta=1.0), "N"),
        (dict(n=2, beta=1.0, coupling="global"), "coupling"),
        (dict(n=2, beta=1.0, gamma_matrix=[[1.0, 2.0], [2.0, 1.0]]), "negative eigenvalue"),
        (dict(n=2, beta=1.0, gamma_matrix=np.ones((3, 3))), "shape"),
        (dict(n=2, beta=1.0, f_matrix=np.zeros((2, 3))), "shape"),
        (dict(n=3, beta=1.0, gamma_matrix=np.ones(3)), "shape"),
        (dict(n=2, beta=1.0, gamma_matrix=[[1.0, 0.5], [0.2, 1.0]]), "Hermitian"),
        (dict(n=2, beta=1.0, f_matrix=[[0.0, 1j], [1j, 0.0]]), "Hermitian"),
    ],
)
def test_bad_model_parameters(kwargs, match):
    with pytest.raises(QbexpError, match=match):
        collective_battery(**kwargs)


def test_too_many_qubits_names_the_memory():
    with pytest.raises(QbexpError, match=r"N = 13 qubits needs about [0-9.]+ GiB.*use fewer qubits"):
        collective_battery(13, 1.0)


def test_qbexp_error_is_a_value_error():
    with pytest.raises(ValueError):
        collective_battery(2, -1.0)


@pytest.mark.parametrize("n, f", [(2, 0.3), (3, 0.0)])
def test_liouvillian_equals_qiskit_dynamics_dense_model(n, f):
    """Our scipy.sparse builder equals qiskit-dynamics' own (dense, unrounded) vectorised model."""
    QDModel = pytest.importorskip("qiskit_dynamics.models", reason="needs the [dynamics] extra").LindbladModel

    from qbexp.dynamics import liouvillian

    model = collective_battery(n, 0.7, f=f)
    reference = QDModel(
        static_hamiltonian=model.hamiltonian_matrix(),
        static_dissipators=model.collapse_operators(),
        array_library="numpy",
        vectorized=True,
    ).evaluate(0.0)
    assert np.max(np.abs(liouvillian(model).toarray() - reference)) < 1e-14
