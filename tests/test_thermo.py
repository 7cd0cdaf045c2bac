"""Tests of qbexp.thermo against independent references.

References used: hand-computed permutations, closed forms from the paper
(Cakmak, "Ergotropy from coherences": Eqs. 9, 11, 12, 13, 16, 17), textbook
results (Bell/Werner states, Ollivier-Zurek Werner discord, Wootters
concurrence of pure states 2|ad - bc|, Schmidt decomposition), direct numerical
minimisation over unitaries, and a brute-force discord search written
independently with explicit projectors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, Operator, SparsePauliOp, Statevector
from qiskit.quantum_info import concurrence as qiskit_concurrence
from scipy.linalg import expm
from scipy.stats import unitary_group

from qbexp.errors import QbexpError
from qbexp.thermo import (
    coherence_l1,
    coherence_rel_entropy,
    concurrence,
    discord,
    energy,
    ergotropy,
    ergotropy_unitary,
    figures_of_merit,
    mutual_information,
    partial_trace,
    passive_energy,
    passive_state,
    purity,
    von_neumann_entropy,
)

# ---------------------------------------------------------------- helpers


def random_rho(rng, n_qubits=2, rank=None):
    d = 2**n_qubits
    rank = rank or d
    g = rng.normal(size=(d, rank)) + 1j * rng.normal(size=(d, rank))
    r = g @ g.conj().T
    return r / np.trace(r)


def random_hermitian(rng, d):
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    return (a + a.conj().T) / 2


def h0(n, omega=1.0):
    """H0 = omega * sum_i sigma_i^+ sigma_i^- : diagonal, energy = omega * popcount(index)."""
    return np.diag([omega * bin(k).count("1") for k in range(2**n)]).astype(complex)


def ket(label):
    return Statevector.from_label(label).data


def proj(v):
    v = np.asarray(v, dtype=complex)
    return np.outer(v, v.conj())


BELL_MINUS = (ket("01") - ket("10")) / np.sqrt(2)
BELL_PLUS = (ket("01") + ket("10")) / np.sqrt(2)


def paper_steady_state(beta, c, omega=1.0):
    """Eq. 8: (1-c)|psi-><psi-| + c Z+^-1 (e^{-2wb}|11><11| + e^{-wb}|psi+><psi+| + |00><00|)."""
    zp = 1 + math.exp(-omega * beta) + math.exp(-2 * omega * beta)
    thermal = (
        math.exp(-2 * omega * beta) * proj(ket("11"))
        + math.exp(-omega * beta) * proj(BELL_PLUS)
        + proj(ket("00"))
    ) / zp
    return (1 - c) * proj(BELL_MINUS) + c * thermal


def werner(p):
    return p * proj(BELL_MINUS) + (1 - p) * np.eye(4) / 4


def entropy_bits(p):
    p = np.asarray(p, dtype=float)
    p = p[p > 1e-15]
    return float(-np.sum(p * np.log2(p)))


# ---------------------------------------------------------------- ergotropy


def test_energy_accepts_qiskit_objects():
    rho = DensityMatrix.from_label("01")  # qubit 0 excited
    H = SparsePauliOp.from_list([("IZ", -0.5), ("ZI", -0.25)])  # -0.5 Z_0 - 0.25 Z_1
    # <Z_0> = -1 (qubit 0 in |1>), <Z_1> = +1
    assert energy(rho, H) == pytest.approx(0.5 - 0.25, abs=1e-14)
    assert energy(Statevector.from_label("01"), Operator(H)) == pytest.approx(0.25, abs=1e-14)
    assert energy(rho.data, H.to_matrix()) == pytest.approx(0.25, abs=1e-14)


def test_inverted_diagonal_state_hand_permutation():
    # populations of |00>, |01>, |10>, |11> with H0 energies 0, 1, 1, 2
    rho = np.diag([0.1, 0.2, 0.3, 0.4]).astype(complex)
    H = h0(2)
    # by hand: E = 0.2 + 0.3 + 2*0.4 = 1.3; passive: 0.4->0, 0.3->1, 0.2->1, 0.1->2 = 0.7
    assert energy(rho, H) == pytest.approx(1.3, abs=1e-14)
    assert passive_energy(rho, H) == pytest.approx(0.7, abs=1e-14)
    assert ergotropy(rho, H) == pytest.approx(0.6, abs=1e-14)
    sigma = passive_state(rho, H)
    assert np.allclose(np.diag(sigma), [0.4, 0.3, 0.2, 0.1], atol=1e-14)
    assert np.allclose(sigma, np.diag(np.diag(sigma)), atol=1e-14)


def test_pure_state_ergotropy_is_energy_above_ground():
    rng = np.random.default_rng(7)
    for _ in range(5):
        H = random_hermitian(rng, 8)
        psi = rng.normal(size=8) + 1j * rng.normal(size=8)
        psi /= np.linalg.norm(psi)
        expected = float(np.real(psi.conj() @ H @ psi)) - float(np.linalg.eigvalsh(H)[0])
        assert ergotropy(psi, H) == pytest.approx(expected, abs=1e-12)
        assert ergotropy(proj(psi), H) == pytest.approx(expected, abs=1e-12)


def test_random_unitaries_never_beat_passive_energy_and_optimal_unitary_reaches_it():
    rng = np.random.default_rng(11)
    rho = random_rho(rng, 2)
    H = random_hermitian(rng, 4)
    e_passive = passive_energy(rho, H)
    us = unitary_group.rvs(4, size=2000, random_state=12)
    e_rand = np.real(np.einsum("nij,jk,nlk,li->n", us, rho, us.conj(), H))
    assert e_rand.min() >= e_passive - 1e-12
    U = ergotropy_unitary(rho, H)
    assert float(np.real(np.trace(U @ rho @ U.conj().T @ H))) == pytest.approx(e_passive, abs=1e-12)
    assert ergotropy(rho, H) == pytest.approx(energy(rho, H) - e_passive, abs=1e-14)


@pytest.mark.parametrize("H_kind", ["degenerate_h0", "random"])
def test_ergotropy_matches_gradient_flow_over_unitaries(H_kind):
    # independent reference: steepest descent of tr(U rho U^dagger H) on the unitary orbit
    # (double-bracket flow sigma <- e^{eta K} sigma e^{-eta K}, K = [sigma, H]); the
    # landscape has no spurious local minima (Brockett), so it reaches min_U of Eq. 2
    rng = np.random.default_rng(3)
    rho = random_rho(rng, 2)
    H = h0(2) if H_kind == "degenerate_h0" else h0(2) + 0.3 * random_hermitian(rng, 4)
    eta = 0.5 / np.linalg.norm(H, 2)
    sigma = rho.copy()
    for _ in range(50000):
        k = sigma @ H - H @ sigma
        if np.linalg.norm(k) < 1e-11:
            break
        w, v = np.linalg.eigh(-1j * k)
        u = (v * np.exp(1j * eta * w)) @ v.conj().T  # e^{eta K}
        sigma = u @ sigma @ u.conj().T
    else:
        pytest.fail("gradient flow did not converge")
    e_min = float(np.real(np.trace(sigma @ H)))
    assert energy(rho, H) - e_min == pytest.approx(ergotropy(rho, H), abs=1e-10)
    assert e_min == pytest.approx(passive_energy(rho, H), abs=1e-10)


@pytest.mark.parametrize("H_kind", ["degenerate_h0", "random"])
def test_unitary_is_unitary_and_gives_passive_state(H_kind):
    rng = np.random.default_rng(5)
    H = h0(2) if H_kind == "degenerate_h0" else random_hermitian(rng, 4)
    for rank in (1, 2, 4):
        rho = random_rho(rng, 2, rank=rank)
        U = ergotropy_unitary(rho, H)
        assert np.allclose(U.conj().T @ U, np.eye(4), atol=1e-12)
        out = U @ rho @ U.conj().T
        sigma = passive_state(rho, H)
        assert np.allclose(out, sigma, atol=1e-12)
        assert np.allclose(sigma @ H - H @ sigma, 0, atol=1e-12)  # [sigma, H] = 0
        # populations of sigma decrease with energy
        evals, evecs = np.linalg.eigh(H)
        pops = np.real(np.einsum("ij,ik,kj->j", evecs.conj(), sigma, evecs))
        assert np.all(np.diff(pops) <= 1e-12)
        assert energy(out, H) == pytest.approx(passive_energy(rho, H), abs=1e-12)
        assert ergotropy(out, H) == pytest.approx(0.0, abs=1e-12)


def test_degenerate_h0_levels():
    # H0 for 2 qubits has levels 0, 1, 1, 2 (|01> and |10> degenerate).
    H = h0(2)
    # a pure state in the degenerate level can be rotated to the ground state
    assert ergotropy(proj(BELL_PLUS), H) == pytest.approx(1.0, abs=1e-13)
    # coherence inside the degenerate level alone gives no ergotropy (cf. paper, block D_1):
    # eigenvalues 0.6, 0.4 -> passive energy 0.4 = energy of the state
    rho = 0.6 * proj(ket("00")) + 0.4 * proj(BELL_PLUS)
    assert coherence_l1(rho) == pytest.approx(0.4, abs=1e-14)
    assert ergotropy(rho, H) == pytest.approx(0.0, abs=1e-13)
    # superposition across levels: (|00> + |11>)/sqrt2 has E = 1, E_min = 0
    phi = (ket("00") + ket("11")) / np.sqrt(2)
    assert ergotropy(phi, H) == pytest.approx(1.0, abs=1e-13)
    # populations 0.5 on |01>, 0.5 on |10>: passive puts them on 0 and 1 -> W = 1 - 0.5
    rho = np.diag([0, 0.5, 0.5, 0]).astype(complex)
    assert ergotropy(rho, H) == pytest.approx(0.5, abs=1e-14)
    sigma = passive_state(rho, H)
    assert sigma[0, 0].real == pytest.approx(0.5, abs=1e-14)
    assert sigma[1, 1].real + sigma[2, 2].real == pytest.approx(0.5, abs=1e-14)


def test_thermal_states_have_zero_ergotropy():
    rng = np.random.default_rng(9)
    for H in (h0(3), random_hermitian(rng, 8)):
        for beta in (0.1, 1.0, 5.0):
            g = expm(-beta * H)
            rho = g / np.trace(g)
            assert ergotropy(rho, H) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("beta", [0.3, 1.0, 2.5])
@pytest.mark.parametrize("c", [0.0, 0.2, 0.45, 1.0])
def test_paper_eq11_two_qubit_steady_state_ergotropy(beta, c):
    omega = 1.0
    rho = paper_steady_state(beta, c, omega)
    if c < 0.5:
        ref = omega * (
            1 - c * (1 + 3 * math.cosh(beta * omega) + math.sinh(beta * omega)) / (1 + 2 * math.cosh(beta * omega))
        )
    else:  # c == 1
        # The paper prints omega / (1 + e^{-omega beta} + e^{-2 omega beta}), a sign typo: for
        # c = 1 (Eq. 10) the eigenvalues e^{2bw}/Z', e^{bw}/Z', 1/Z' (Z' = 1 + e^{bw} + e^{2bw})
        # sit on energies 0, w, 2w and the passive state moves 1/Z' from 2w to w, so
        # W = w / Z'.  This also agrees with Eq. 12 (W -> 0 as beta -> inf for c = 1),
        # which the printed form (W -> omega) contradicts.
        ref = omega / (1 + math.exp(omega * beta) + math.exp(2 * omega * beta))
    assert ergotropy(rho, h0(2, omega)) == pytest.approx(ref, abs=1e-12)
    # Eq. 9: C_l1 = |-1 + c + c / (1 + 2 cosh(beta omega))|
    ref_l1 = abs(-1 + c + c / (1 + 2 * math.cosh(beta * omega)))
    assert coherence_l1(rho) == pytest.approx(ref_l1, abs=1e-12)


@pytest.mark.parametrize("c", [0.1, 0.4, 0.6, 0.9])
def test_paper_eq12_eq13_temperature_limits(c):
    # Eq. 12 (beta -> inf) and Eq. 13 (beta -> 0); W/omega = C_l1 at high T
    low = ergotropy(paper_steady_state(60.0, c), h0(2))
    assert low == pytest.approx(1 - 2 * c if c < 0.5 else 0.0, abs=1e-12)
    rho_hot = paper_steady_state(1e-9, c)
    high = ergotropy(rho_hot, h0(2))
    assert high == pytest.approx(abs(1 - 4 * c / 3), abs=1e-8)
    assert high == pytest.approx(coherence_l1(rho_hot), abs=1e-8)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("r", [0.2, 0.7, 0.999])
def test_paper_eq16_eq17_ground_initial_states(n, r):
    # Eq. 14/15: block k (k excitations) = d_k * ones(p_k, p_k), d_k = (1-r) r^k / ((1-r^{N+1}) p_k)
    dim = 2**n
    rho = np.zeros((dim, dim), dtype=complex)
    for k in range(n + 1):
        idx = [i for i in range(dim) if bin(i).count("1") == k]
        p_k = math.comb(n, k)
        d_k = (1 - r) * r**k / ((1 - r ** (n + 1)) * p_k)
        rho[np.ix_(idx, idx)] = d_k
    omega = 1.3
    ref_w = omega * (n + (n + r) / (r ** (n + 1) - 1) + r / (1 - r))  # Eq. 17
    ref_w_sum = omega * sum(
        k * (1 - r) * r ** (k + 1) / (1 - r ** (n + 1)) for k in range(1, n)
    )  # Eq. 17, sum form (p_k d_k = (1-r) r^k / (1-r^{N+1}))
    assert ref_w == pytest.approx(ref_w_sum, rel=1e-9)
    assert ergotropy(rho, h0(n, omega)) == pytest.approx(ref_w_sum, abs=1e-12)
    ref_l1 = (r - 1) * (r + 1) ** n / (r ** (n + 1) - 1) - 1  # Eq. 16
    assert coherence_l1(rho) == pytest.approx(ref_l1, abs=1e-11)
    assert coherence_l1(rho, hamiltonian=h0(n, omega)) == pytest.approx(ref_l1, abs=1e-11)


def test_ergotropy_is_basis_covariant():
    rng = np.random.default_rng(21)
    rho = random_rho(rng, 2)
    H = h0(2)
    V = unitary_group.rvs(4, random_state=22)
    assert ergotropy(V @ rho @ V.conj().T, V @ H @ V.conj().T) == pytest.approx(ergotropy(rho, H), abs=1e-12)


# ---------------------------------------------------------------- coherence


def test_coherence_of_plus_state():
    plus = np.array([1, 1]) / np.sqrt(2)
    assert coherence_l1(plus) == pytest.approx(1.0, abs=1e-14)
    assert coherence_rel_entropy(plus) == pytest.approx(1.0, abs=1e-12)
    # in the X eigenbasis |+> is incoherent
    hadamard = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    assert coherence_l1(plus, basis=hadamard) == pytest.approx(0.0, abs=1e-14)
    x = np.array([[0, 1], [1, 0]])
    assert coherence_l1(plus, hamiltonian=x) == pytest.approx(0.0, abs=1e-14)
    assert coherence_rel_entropy(plus, hamiltonian=x) == pytest.approx(0.0, abs=1e-12)


def test_maximally_coherent_state():
    psi = np.ones(8) / np.sqrt(8)
    assert coherence_l1(psi) == pytest.approx(7.0, abs=1e-12)  # d - 1
    assert coherence_rel_entropy(psi) == pytest.approx(3.0, abs=1e-12)  # log2 d
    assert coherence_l1(np.eye(8) / 8) == 0.0
    assert coherence_rel_entropy(np.eye(8) / 8) == pytest.approx(0.0, abs=1e-12)


def test_coherence_rel_entropy_matches_definition():
    rng = np.random.default_rng(4)
    rho = random_rho(rng, 2)
    ref = entropy_bits(np.real(np.diag(rho))) - entropy_bits(np.linalg.eigvalsh(rho))
    assert coherence_rel_entropy(rho) == pytest.approx(ref, abs=1e-12)
    V = unitary_group.rvs(4, random_state=5)
    rot = V.conj().T @ rho @ V
    assert coherence_l1(rho, basis=V) == pytest.approx(
        float(np.sum(np.abs(rot)) - np.sum(np.abs(np.diag(rot)))), abs=1e-12
    )


def test_coherence_basis_arguments_validated():
    rho = np.eye(4) / 4
    with pytest.raises(QbexpError, match="not both"):
        coherence_l1(rho, basis=np.eye(4), hamiltonian=h0(2))
    with pytest.raises(QbexpError, match="not unitary"):
        coherence_l1(rho, basis=2 * np.eye(4))
    V = unitary_group.rvs(4, random_state=1)
    with pytest.raises(QbexpError, match="not unique"):
        coherence_l1(rho, hamiltonian=V @ h0(2) @ V.conj().T)  # degenerate, not diagonal


# ---------------------------------------------------------------- entropy


def test_partial_trace_little_endian():
    rho = DensityMatrix.from_label("01")  # qubit 0 = |1>, qubit 1 = |0>
    assert np.allclose(partial_trace(rho, [0], 2), proj([0, 1]))
    assert np.allclose(partial_trace(rho, [1], 2), proj([1, 0]))
    # keep order: result qubit k is input qubit keep[k]
    r3 = DensityMatrix.from_label("110").data  # q2=1, q1=1, q0=0
    assert np.allclose(partial_trace(r3, [0, 2]), DensityMatrix.from_label("10").data)
    assert np.allclose(partial_trace(r3, [2, 0]), DensityMatrix.from_label("01").data)
    assert np.allclose(partial_trace(r3, [0, 1, 2]), r3)


def test_partial_trace_reorder_random():
    rng = np.random.default_rng(8)
    rho = random_rho(rng, 3)
    swap = np.eye(4)[[0, 2, 1, 3]]
    a = partial_trace(rho, [0, 2])
    b = partial_trace(rho, [2, 0])
    assert np.allclose(b, swap @ a @ swap, atol=1e-14)
    # explicit reference: trace out qubit 1 (middle axis of the [q2, q1, q0] tensor)
    t = rho.reshape([2] * 6)
    ref = np.einsum("aibcid->abcd", t).reshape(4, 4)
    assert np.allclose(a, ref, atol=1e-14)


def test_partial_trace_validation():
    rho = np.eye(4) / 4
    with pytest.raises(QbexpError, match="out of range"):
        partial_trace(rho, [2], 2)
    with pytest.raises(QbexpError, match="num_qubits"):
        partial_trace(rho, [0], 3)
    with pytest.raises(QbexpError, match="repeated"):
        partial_trace(rho, [0, 0])
    with pytest.raises(QbexpError, match="at least one"):
        partial_trace(rho, [])


def test_entropy_and_purity():
    assert von_neumann_entropy(np.eye(4) / 4) == pytest.approx(2.0, abs=1e-14)
    assert von_neumann_entropy(np.eye(4) / 4, base=math.e) == pytest.approx(2 * math.log(2), abs=1e-14)
    assert von_neumann_entropy(BELL_MINUS) == pytest.approx(0.0, abs=1e-14)
    assert purity(np.eye(4) / 4) == pytest.approx(0.25, abs=1e-15)
    assert purity(BELL_MINUS) == pytest.approx(1.0, abs=1e-14)
    rng = np.random.default_rng(2)
    rho = random_rho(rng, 2)
    assert purity(rho) == pytest.approx(float(np.sum(np.abs(rho) ** 2)), abs=1e-14)
    with pytest.raises(QbexpError, match="base"):
        von_neumann_entropy(rho, base=1)


# ---------------------------------------------------------------- correlations


def test_concurrence_reference_states():
    assert concurrence(BELL_MINUS) == pytest.approx(1.0, abs=1e-14)
    assert concurrence(DensityMatrix.from_label("0+")) == pytest.approx(0.0, abs=1e-14)
    for p in (0.0, 0.2, 1 / 3, 0.5, 0.8, 1.0):
        assert concurrence(werner(p)) == pytest.approx(max(0.0, (3 * p - 1) / 2), abs=1e-12)


def test_concurrence_pure_state_formula_and_qiskit():
    rng = np.random.default_rng(6)
    for _ in range(5):
        psi = rng.normal(size=4) + 1j * rng.normal(size=4)
        psi /= np.linalg.norm(psi)
        a, b, c, d = psi
        assert concurrence(psi) == pytest.approx(2 * abs(a * d - b * c), abs=1e-12)
    for rank in (2, 2, 3, 4):
        rho = random_rho(rng, 2, rank=rank)
        assert concurrence(rho) == pytest.approx(qiskit_concurrence(DensityMatrix(rho)), abs=1e-7)


def test_mutual_information():
    assert mutual_information(BELL_MINUS) == pytest.approx(2.0, abs=1e-12)
    assert mutual_information(np.kron(proj([0.6, 0.8]), np.eye(2) / 2)) == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(12)
    rho = random_rho(rng, 2)
    t = rho.reshape(2, 2, 2, 2)  # [a, b, a', b'] with a = qubit 1
    s_a = entropy_bits(np.linalg.eigvalsh(np.einsum("ibjb->ij", t)))
    s_b = entropy_bits(np.linalg.eigvalsh(np.einsum("aiaj->ij", t)))
    ref = s_a + s_b - entropy_bits(np.linalg.eigvalsh(rho))
    assert mutual_information(rho) == pytest.approx(ref, abs=1e-12)


def test_discord_reference_states():
    assert discord(BELL_MINUS) == pytest.approx(1.0, abs=1e-10)
    assert discord(np.kron(random_rho(np.random.default_rng(1), 1), random_rho(np.random.default_rng(2), 1))) == (
        pytest.approx(0.0, abs=1e-10)
    )
    # pure states: discord = entanglement entropy (Schmidt coefficients from the SVD)
    rng = np.random.default_rng(13)
    for _ in range(3):
        psi = rng.normal(size=4) + 1j * rng.normal(size=4)
        psi /= np.linalg.norm(psi)
        schmidt = np.linalg.svd(psi.reshape(2, 2), compute_uv=False) ** 2
        assert discord(psi) == pytest.approx(entropy_bits(schmidt), abs=1e-9)
    # Werner states (Ollivier & Zurek 2001)
    for p in (0.1, 0.5, 0.9):
        ref = (
            (1 - p) * math.log2(1 - p) / 4
            - (1 + p) * math.log2(1 + p) / 2
            + (1 + 3 * p) * math.log2(1 + 3 * p) / 4
        )
        assert discord(werner(p)) == pytest.approx(ref, abs=1e-9)


def test_discord_measures_qubit_0():
    # classical on b = qubit 0 (quantum on a): D^{<-} = 0
    plus = np.array([1, 1]) / np.sqrt(2)
    cq = 0.5 * np.kron(proj([1, 0]), proj([1, 0])) + 0.5 * np.kron(proj(plus), proj([0, 1]))
    assert discord(cq) == pytest.approx(0.0, abs=1e-10)
    # the same state with the roles swapped is quantum on b: D^{<-} > 0
    qc = 0.5 * np.kron(proj([1, 0]), proj([1, 0])) + 0.5 * np.kron(proj([0, 1]), proj(plus))
    assert discord(qc) > 0.05


def brute_force_discord(rho):
    """Independent D^{<-}: explicit projectors on qubit 0, dense grid + zoom-in."""
    t = rho.reshape(2, 2, 2, 2)  # [a, b, a', b']
    s_b = entropy_bits(np.linalg.eigvalsh(np.einsum("aiaj->ij", t)))
    s_ab = entropy_bits(np.linalg.eigvalsh(rho))

    def cond(theta, phi):
        theta, phi = np.broadcast_arrays(np.ravel(theta), np.ravel(phi))
        n = np.stack([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)], axis=-1)
        nperp = np.stack([-np.exp(-1j * phi) * np.sin(theta / 2), np.cos(theta / 2)], axis=-1)
        total = 0.0
        for v in (n, nperp):
            # unnormalised state of a: <v|_b rho |v>_b
            m = np.einsum("kb,abcd,kd->kac", v.conj(), t, v)
            p = np.real(np.einsum("kaa->k", m))
            lam = np.linalg.eigvalsh(m)
            with np.errstate(divide="ignore", invalid="ignore"):
                xl = np.where(lam > 1e-15, lam * np.log2(np.where(lam > 1e-15, lam, 1)), 0).sum(-1)
                pl = np.where(p > 1e-15, p * np.log2(np.where(p > 1e-15, p, 1)), 0)
            total = total - xl + pl
        return total

    th, ph = np.meshgrid(np.linspace(0, np.pi, 100), np.linspace(0, 2 * np.pi, 200))
    vals = cond(th, ph)
    i = int(np.argmin(vals))
    t0, p0, best = th.ravel()[i], ph.ravel()[i], vals[i]
    dt, dp = np.pi / 99, 2 * np.pi / 200
    for _ in range(8):  # zoom in around the best point
        th, ph = np.meshgrid(np.linspace(t0 - 2 * dt, t0 + 2 * dt, 21), np.linspace(p0 - 2 * dp, p0 + 2 * dp, 21))
        vals = cond(th, ph)
        i = int(np.argmin(vals))
        if vals[i] < best:
            t0, p0, best = th.ravel()[i], ph.ravel()[i], vals[i]
        dt, dp = dt / 5, dp / 5
    return s_b - s_ab + best


def test_discord_matches_brute_force_on_random_states():
    rng = np.random.default_rng(2024)
    states = [random_rho(rng, 2, rank=k) for k in (2, 3, 4, 4)]
    states.append(paper_steady_state(1.0, 0.7))
    states.append(paper_steady_state(0.05, 0.3))
    for rho in states:
        d = discord(rho)
        ref = brute_force_discord(rho)
        assert d <= ref + 1e-12  # ours is a minimum, the brute force an upper bound
        assert d == pytest.approx(ref, abs=1e-6)


def test_two_qubit_functions_reject_other_sizes():
    rho3 = np.eye(8) / 8
    for f in (concurrence, mutual_information, discord):
        with pytest.raises(QbexpError, match="two-qubit"):
            f(rho3)


# ---------------------------------------------------------------- validation and summary


def test_input_validation_messages():
    with pytest.raises(QbexpError, match=r"shape \(3, 4\); a density matrix must be square"):
        energy(np.zeros((3, 4)), np.eye(3))
    with pytest.raises(QbexpError, match=r"has 3 rows; expected a power of 2"):
        ergotropy(np.eye(3) / 3, np.eye(3))
    with pytest.raises(QbexpError, match="Hamiltonian has shape"):
        ergotropy(np.eye(4) / 4, np.eye(2))
    with pytest.raises(QbexpError, match="trace"):
        ergotropy(np.eye(4), h0(2))
    with pytest.raises(QbexpError, match="not Hermitian"):
        purity(np.array([[0.5, 0.3], [0.0, 0.5]]))
    with pytest.raises(QbexpError, match="NaN"):
        purity(np.array([[np.nan, 0], [0, 1]]))
    with pytest.raises(QbexpError, match="Hamiltonian is not Hermitian"):
        energy(np.eye(2) / 2, np.array([[0, 1], [0, 0]]))


def test_slightly_unphysical_input_accepted():
    # estimator output with a small negative eigenvalue: no exception, finite values
    rho = np.diag([0.6, 0.3, 0.11, -0.01]).astype(complex)
    rho[0, 1] = rho[1, 0] = 0.05
    out = figures_of_merit(rho, h0(2), 2)
    assert all(math.isfinite(v) for v in out.values())


def test_figures_of_merit():
    rho = paper_steady_state(1.0, 0.3)
    out = figures_of_merit(rho, SparsePauliOp.from_list([("IZ", -0.5), ("ZI", -0.5), ("II", 1.0)]), 2)
    assert set(out) == {
        "energy",
        "ergotropy",
        "passive_energy",
        "coherence_l1",
        "coherence_rel_entropy",
        "purity",
        "von_neumann_entropy",
        "concurrence",
        "mutual_information",
        "discord",
    }
    assert all(type(v) is float for v in out.values())
    assert out["ergotropy"] == pytest.approx(ergotropy(rho, h0(2)), abs=1e-12)
    assert out["energy"] == pytest.approx(out["ergotropy"] + out["passive_energy"], abs=1e-12)
    out3 = figures_of_merit(np.eye(8) / 8, h0(3))
    assert "discord" not in out3 and out3["von_neumann_entropy"] == pytest.approx(3.0, abs=1e-12)
    with pytest.raises(QbexpError, match="num_qubits"):
        figures_of_merit(rho, h0(2), 3)


def test_l1_coherence_far_below_the_populations_keeps_its_digits():
    """C_l1 summed as "all entries less the diagonal" cancelled a coherence of 1e-20 to 0."""
    from qbexp.thermo import coherence_l1

    eps = 1e-20
    rho = np.array([[1.0 - 3e-20, eps], [eps, 3e-20]])
    assert coherence_l1(rho) == 2 * eps
    stack = np.stack([rho, np.eye(2) / 2])
    assert list(coherence_l1(stack)) == [2 * eps, 0.0]
