"""Batch-aware figures of merit: a stack (..., d, d) gives the per-state values with shape (...);
one (d, d) matrix gives a float.  Also the one validator on stacks and the distances."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, random_density_matrix, state_fidelity

from qbexp.errors import QbexpError
from qbexp.models.matrices import validate_density_matrix
from qbexp.thermo import (
    coherence_l1,
    concurrence,
    coherence_rel_entropy,
    energy,
    ergotropy,
    ergotropy_function,
    ergotropy_unitary,
    fidelity,
    fidelity_function,
    passive_energy,
    passive_state,
    purity,
    trace_distance,
    von_neumann_entropy,
)


def states(n, shape, seed=0):
    d = 2**n
    flat = [random_density_matrix(d, seed=seed + k).data for k in range(int(np.prod(shape)))]
    return np.array(flat).reshape(*shape, d, d)


def hamiltonian(n, seed=1):
    a = np.random.default_rng(seed).normal(size=(2**n, 2**n))
    return a + a.T


SCALAR_FIGURES = [
    lambda r, h: energy(r, h),
    lambda r, h: ergotropy(r, h),
    lambda r, h: passive_energy(r, h),
    lambda r, h: coherence_l1(r),
    lambda r, h: coherence_l1(r, hamiltonian=h),
    lambda r, h: coherence_rel_entropy(r),
    lambda r, h: purity(r),
    lambda r, h: von_neumann_entropy(r),
    lambda r, h: von_neumann_entropy(r, base=np.e),
]


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("figure", range(len(SCALAR_FIGURES)))
def test_stack_equals_loop(n, figure):
    f = SCALAR_FIGURES[figure]
    rho, h = states(n, (3, 4)), hamiltonian(n)
    values = f(rho, h)
    assert isinstance(values, np.ndarray) and values.shape == (3, 4)
    single = f(rho[1, 2], h)
    assert type(single) is float
    expected = np.array([[f(rho[i, j], h) for j in range(4)] for i in range(3)])
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-13)


def test_matrix_valued_functions_on_stacks():
    rho, h = states(2, (5,)), hamiltonian(2)
    sigma = passive_state(rho, h)
    u = ergotropy_unitary(rho, h)
    assert sigma.shape == u.shape == (5, 4, 4)
    for k in range(5):
        np.testing.assert_allclose(sigma[k], passive_state(rho[k], h), atol=1e-13)
        np.testing.assert_allclose(u[k] @ rho[k] @ u[k].conj().T, sigma[k], atol=1e-12)
    np.testing.assert_allclose(energy(rho, h) - energy(sigma, h), ergotropy(rho, h), atol=1e-12)


def test_distances_broadcast_and_match_qiskit():
    rho, sigma = states(2, (6,)), states(2, (6,), seed=50)
    f = fidelity(rho, sigma[0])
    t = trace_distance(rho, sigma)
    assert f.shape == t.shape == (6,)
    for k in range(6):
        assert f[k] == pytest.approx(state_fidelity(DensityMatrix(rho[k]), DensityMatrix(sigma[0])), abs=1e-10)
        assert t[k] == pytest.approx(0.5 * np.abs(np.linalg.eigvalsh(rho[k] - sigma[k])).sum(), abs=1e-13)
    assert type(trace_distance(rho[0], sigma[0])) is float
    assert fidelity(rho[0], rho[0]) == pytest.approx(1.0, abs=1e-10)
    with pytest.raises(QbexpError, match="different dimensions"):
        trace_distance(rho[0], np.eye(2) / 2)


@pytest.mark.parametrize("d, ranks", [(4, (1, 1)), (4, (2, 2)), (8, (1, 1)), (8, (2, 3)), (4, (1, 4)), (16, (3, 1))])
def test_fidelity_of_rank_deficient_states_to_rounding(d, ranks):
    """F(ρ, σ) = ‖A†B‖₁² for ρ = AA†, σ = BB† (no square root of a rounding eigenvalue): pure and
    low-rank pairs (the exact |ψ−⟩, a ground state's steady state) were ~1e-8 off, rounding
    eigenvalues of √σ ρ √σ counted as √1e-17 each; full-rank ones and stacks as before."""
    rng = np.random.default_rng(d + 10 * ranks[0] + ranks[1])
    a, b = (rng.normal(size=(d, k)) + 1j * rng.normal(size=(d, k)) for k in ranks)
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    rho, sigma = a @ a.conj().T, b @ b.conj().T
    exact = np.linalg.svd(a.conj().T @ b, compute_uv=False).sum() ** 2
    assert abs(fidelity(rho, sigma) - exact) < 5e-14 and abs(fidelity(sigma, rho) - exact) < 5e-14
    assert abs(fidelity_function(sigma)(rho) - exact) < 5e-14
    assert np.abs(fidelity(np.stack([rho, sigma]), sigma) - [exact, 1.0]).max() < 5e-14
    assert abs(fidelity(rho, rho) - 1.0) < 5e-14


@pytest.mark.parametrize("d, smallest", [(2, 1e-8), (8, 1e-7), (16, 1e-7), (16, 1e-12), (16, 1e-28)])
def test_fidelity_keeps_small_populations(d, smallest):
    """Commuting states, F = (Σ √(p_i q_i))² (the closed form), with populations spread down to
    ``smallest`` (a Gibbs state's at large β) in a random eigenbasis: a floor on the eigenvalues of
    √σ ρ √σ (~p², under its rounding) dropped them, and F(ρ, ρ) of an N = 4 Gibbs state at β = 8
    was 1 − 1.4e-6 (review of 2026-12-07)."""
    from scipy.stats import unitary_group

    rng = np.random.default_rng(d)
    u = unitary_group.rvs(d, random_state=rng)
    p = np.geomspace(1.0, smallest, d)
    q = p * rng.uniform(0.5, 2.0, d)
    p, q = p / p.sum(), q / q.sum()
    rho, sigma = (u * p) @ u.conj().T, (u * q) @ u.conj().T
    assert abs(fidelity(rho, sigma) - np.sum(np.sqrt(p * q)) ** 2) < 5e-14
    assert abs(fidelity(rho, rho) - 1.0) < 5e-14 and abs(fidelity_function(sigma)(sigma) - 1.0) < 5e-14


def test_functions_of_one_hamiltonian_or_reference_give_the_same_values_and_errors():
    """ergotropy_function(H) / fidelity_function(sigma): H and sigma checked once, the states at
    every call; the values are those of ergotropy / fidelity (against qiskit's state_fidelity)."""
    rho, h, sigma = states(2, (5,)), hamiltonian(2), states(2, (1,), seed=50)[0]
    w, f = ergotropy_function(h), fidelity_function(sigma)
    assert np.array_equal(w(rho), ergotropy(rho, h)) and w(rho[0]) == ergotropy(rho[0], h)
    assert np.array_equal(f(rho), fidelity(rho, sigma)) and type(f(rho[0])) is float
    assert f(rho[1]) == pytest.approx(state_fidelity(DensityMatrix(rho[1]), DensityMatrix(sigma)), abs=1e-10)
    bad = rho.copy()
    bad[3] *= 2
    for function in (w, f):
        with pytest.raises(QbexpError, match="has trace 2, expected 1"):
            function(bad)
    with pytest.raises(QbexpError, match="Hamiltonian has shape \\(4, 4\\) but the density matrix is 2 x 2"):
        w(np.eye(2) / 2)
    with pytest.raises(QbexpError, match="different dimensions: 2 and 4"):
        f(np.eye(2) / 2)
    with pytest.raises(QbexpError, match="not Hermitian"):
        ergotropy_function(np.array([[0, 1], [0, 0]]))
    with pytest.raises(QbexpError, match="second state has trace 3"):
        fidelity_function(3 * sigma)


def test_validator_checks_every_matrix_of_a_stack():
    rho = states(1, (3,))
    out = validate_density_matrix(rho, stack=True)
    assert out.shape == (3, 2, 2)
    bad = rho.copy()
    bad[2] *= 2
    with pytest.raises(QbexpError, match="state has trace 2, expected 1"):
        validate_density_matrix(bad, stack=True)
    with pytest.raises(QbexpError, match="expected a state vector"):
        validate_density_matrix(rho)  # stacks only when asked
    with pytest.raises(QbexpError, match=r"shape \(2, 4, 4\); expected a state vector"):
        concurrence(states(2, (2,)))  # single-state functions refuse stacks
