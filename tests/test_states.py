"""Tests for qbexp.models.states: initial states and state validation."""

import numpy as np
import pytest
from qiskit.quantum_info import Operator, SparsePauliOp

from qbexp.errors import QbexpError
from qbexp.models.states import (
    INITIAL_STATE_FORMS,
    bures_state,
    c_family_state,
    ground_state,
    haar_pure_state,
    hilbert_schmidt_state,
    initial_state,
    load_state_file,
    thermal_state,
    validate_density_matrix,
)

SIGMA_PLUS = np.array([[0, 0], [1, 0]], dtype=complex)  # |1><0| : |0> ground -> |1> excited
SIGMA_MINUS = SIGMA_PLUS.conj().T
I2 = np.eye(2)


def assert_valid_state(rho, num_qubits, atol=1e-10):
    """Independent checks (not via validate_density_matrix) that rho is a density matrix."""
    d = 2**num_qubits
    assert rho.shape == (d, d)
    assert rho.dtype == np.complex128
    assert np.allclose(rho, rho.conj().T, atol=atol)
    assert abs(np.trace(rho) - 1) < atol
    assert np.linalg.eigvalsh(rho).min() > -atol


def purity(rho):
    return float(np.trace(rho @ rho).real)


def h0(num_qubits, omega):
    """H0 = omega * sum_i sigma_i^+ sigma_i^- in little-endian order (qubit 0 = rightmost factor)."""
    dim = 2**num_qubits
    H = np.zeros((dim, dim), dtype=complex)
    for i in range(num_qubits):
        op = np.array([[1.0]])
        for j in reversed(range(num_qubits)):  # kron leftmost = highest qubit
            op = np.kron(op, SIGMA_PLUS @ SIGMA_MINUS if j == i else I2)
        H += omega * op
    return H


# ----------------------------------------------------------------------------
# generated states are valid
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec, n",
    [
        ("ground", 1),
        ("ground", 3),
        ("c:0", 2),
        ("c:0.3", 2),
        ("c:1", 2),
        ("haar:7", 1),
        ("haar:7", 3),
        ("hs:7", 2),
        ("hs:11", 3),
        ("bures:7", 2),
        ("bures:11", 3),
    ],
)
def test_initial_state_specs_are_valid(spec, n):
    assert_valid_state(initial_state(spec, n), n)


def test_thermal_spec_is_valid_and_matches_function():
    H = h0(3, 1.3)
    rho = initial_state("thermal", 3, hamiltonian=H, beta=0.7)
    assert_valid_state(rho, 3)
    assert np.allclose(rho, thermal_state(H, 0.7))


def test_spec_kind_is_case_insensitive_and_whitespace_tolerant():
    assert np.allclose(initial_state(" HAAR: 5 ", 2), haar_pure_state(2, 5))
    assert np.allclose(initial_state("Ground", 2), ground_state(2))


# ----------------------------------------------------------------------------
# ground state
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 4])
def test_ground_state_weight_on_index_zero(n):
    rho = ground_state(n)
    assert_valid_state(rho, n)
    assert rho[0, 0] == 1
    assert np.count_nonzero(rho) == 1
    # it is the zero-energy eigenstate of H0 (all qubits in |0>)
    assert np.trace(rho @ h0(n, 1.0)).real == pytest.approx(0.0)


# ----------------------------------------------------------------------------
# random states
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3])
def test_haar_states_are_pure(n):
    rho = haar_pure_state(n, 3)
    assert_valid_state(rho, n)
    assert purity(rho) == pytest.approx(1.0, abs=1e-12)
    assert np.linalg.matrix_rank(rho, tol=1e-10) == 1


@pytest.mark.parametrize("maker", [hilbert_schmidt_state, bures_state])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_hs_and_bures_states_are_mixed(maker, n):
    rho = maker(n, 3)
    assert_valid_state(rho, n)
    assert purity(rho) < 1 - 1e-3
    assert np.linalg.eigvalsh(rho).min() > 0  # full rank


@pytest.mark.parametrize("maker", [haar_pure_state, hilbert_schmidt_state, bures_state])
def test_random_states_are_reproducible_and_seed_dependent(maker):
    a = maker(2, 42)
    b = maker(2, 42)
    c = maker(2, 43)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_hs_and_bures_differ_for_same_seed():
    assert not np.allclose(hilbert_schmidt_state(2, 1), bures_state(2, 1))


def test_random_spec_matches_functions():
    assert np.allclose(initial_state("haar:9", 2), haar_pure_state(2, 9))
    assert np.allclose(initial_state("hs:9", 2), hilbert_schmidt_state(2, 9))
    assert np.allclose(initial_state("bures:9", 2), bures_state(2, 9))


@pytest.mark.parametrize("maker", [haar_pure_state, hilbert_schmidt_state, bures_state])
@pytest.mark.parametrize("seed", [-1, 1.5, "3", True])
def test_random_states_reject_bad_seed(maker, seed):
    with pytest.raises(QbexpError, match="seed"):
        maker(2, seed)


# ----------------------------------------------------------------------------
# c-family (paper Eq. 8)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("c", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_c_family_weight_outside_psi_minus(c):
    rho = c_family_state(c)
    assert_valid_state(rho, 2)
    # |01> = index 1 (qubit 0 excited), |10> = index 2 (qubit 1 excited)
    psi_minus = np.array([0, 1, -1, 0], dtype=complex) / np.sqrt(2)
    assert np.vdot(psi_minus, rho @ psi_minus).real == pytest.approx(1 - c)
    assert np.trace(rho).real == pytest.approx(1.0)
    # weight on psi0, psi1, psi+ (the paper's c) adds up to c
    psi_plus = np.array([0, 1, 1, 0], dtype=complex) / np.sqrt(2)
    e00, e11 = np.eye(4)[0], np.eye(4)[3]
    c_paper = sum(np.vdot(v, rho @ v).real for v in (e00, e11, psi_plus))
    assert c_paper == pytest.approx(c)


def test_c_family_spec_matches_function():
    assert np.allclose(initial_state("c:0.4", 2), c_family_state(0.4))


@pytest.mark.parametrize("c", [-0.1, 1.01, float("nan"), float("inf")])
def test_c_family_rejects_out_of_range(c):
    with pytest.raises(QbexpError, match="c must"):
        c_family_state(c)


@pytest.mark.parametrize("n", [1, 3])
def test_c_spec_requires_two_qubits(n):
    with pytest.raises(QbexpError, match=r"c:VALUE states are defined for N = 2 only"):
        initial_state("c:0.5", n)


# ----------------------------------------------------------------------------
# thermal states
# ----------------------------------------------------------------------------
def test_thermal_diagonal_boltzmann_ratios():
    energies = np.array([0.3, -1.2, 2.5, 0.7])
    beta = 0.8
    rho = thermal_state(np.diag(energies), beta)
    assert_valid_state(rho, 2)
    expected = np.exp(-beta * energies) / np.exp(-beta * energies).sum()
    assert np.allclose(np.diag(rho).real, expected, atol=1e-13)
    assert np.allclose(rho - np.diag(np.diag(rho)), 0, atol=1e-13)
    pops = np.diag(rho).real
    assert pops[0] / pops[3] == pytest.approx(np.exp(-beta * (energies[0] - energies[3])))


def test_thermal_large_beta_is_stable():
    energies = np.array([0.0, 1.0, 1.0, 2.0]) * 1000.0
    rho = thermal_state(np.diag(energies), 50.0)  # exp(-50000) would underflow Z naively
    assert np.all(np.isfinite(rho))
    assert rho[0, 0].real == pytest.approx(1.0)


def test_thermal_shift_invariant():
    H = h0(2, 1.0)
    assert np.allclose(thermal_state(H, 1.1), thermal_state(H + 1e4 * np.eye(4), 1.1), atol=1e-12)


@pytest.mark.parametrize("beta", [0.01, 1.0, 5.0])
def test_thermal_h0_two_qubits_is_product_of_single_qubit_thermal(beta):
    omega = 1.7
    rho = thermal_state(h0(2, omega), beta)
    p1 = np.exp(-beta * omega) / (1 + np.exp(-beta * omega))  # excited population
    single = np.diag([1 - p1, p1]).astype(complex)
    assert np.allclose(rho, np.kron(single, single), atol=1e-13)


def test_thermal_non_diagonal_matches_expm():
    from scipy.linalg import expm

    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    H = A + A.conj().T
    beta = 0.6
    ref = expm(-beta * H)
    ref /= np.trace(ref)
    rho = thermal_state(H, beta)
    assert_valid_state(rho, 2)
    assert np.allclose(rho, ref, atol=1e-12)


def test_thermal_accepts_qiskit_operators():
    omega, beta = 1.0, 0.9
    # sigma+ sigma- = |1><1| = (I - Z)/2 per qubit
    spo = SparsePauliOp.from_list([("II", omega), ("IZ", -omega / 2), ("ZI", -omega / 2)])
    expected = thermal_state(h0(2, omega), beta)
    assert np.allclose(thermal_state(spo, beta), expected, atol=1e-13)
    assert np.allclose(thermal_state(Operator(h0(2, omega)), beta), expected, atol=1e-13)


@pytest.mark.parametrize("beta", [0, -1.0, float("nan"), float("inf"), "1"])
def test_thermal_rejects_bad_beta(beta):
    with pytest.raises(QbexpError, match="beta"):
        thermal_state(h0(1, 1.0), beta)


def test_thermal_rejects_non_hermitian_hamiltonian():
    with pytest.raises(QbexpError, match="Hamiltonian is not Hermitian"):
        thermal_state(np.array([[0, 1], [0, 0]]), 1.0)


def test_thermal_rejects_non_square_hamiltonian():
    with pytest.raises(QbexpError, match="Hamiltonian has shape"):
        thermal_state(np.zeros((2, 3)), 1.0)


def test_thermal_spec_requires_hamiltonian_and_beta():
    with pytest.raises(QbexpError, match="needs a Hamiltonian and beta"):
        initial_state("thermal", 2)
    with pytest.raises(QbexpError, match="needs beta"):
        initial_state("thermal", 2, hamiltonian=h0(2, 1.0))
    with pytest.raises(QbexpError, match="needs a Hamiltonian"):
        initial_state("thermal", 2, beta=1.0)


def test_thermal_spec_wrong_hamiltonian_size():
    with pytest.raises(QbexpError, match=r"8 rows; expected 2\^N = 4 for N = 2 qubits"):
        initial_state("thermal", 2, hamiltonian=h0(3, 1.0), beta=1.0)


# ----------------------------------------------------------------------------
# validate_density_matrix
# ----------------------------------------------------------------------------
def test_validate_vector_becomes_projector():
    psi = np.array([1, 1j, 0, -1]) / np.sqrt(3)
    rho = validate_density_matrix(psi, num_qubits=2)
    assert rho.dtype == np.complex128
    assert np.allclose(rho, np.outer(psi, psi.conj()))


def test_validate_matrix_passes_through():
    rho0 = np.diag([0.5, 0.25, 0.25, 0.0])
    rho = validate_density_matrix(rho0)
    assert rho.dtype == np.complex128
    assert np.allclose(rho, rho0)
    assert rho is not rho0


def test_validate_accepts_real_lists():
    rho = validate_density_matrix([[0.5, 0.5], [0.5, 0.5]], num_qubits=1)
    assert np.allclose(rho, 0.5)


@pytest.mark.parametrize(
    "rho, kwargs, pattern",
    [
        (np.eye(3) / 3, {"num_qubits": 2}, r"state has 3 rows; expected 2\^N = 4 for N = 2 qubits"),
        (np.eye(3) / 3, {}, r"state has 3 rows; expected a power of 2"),
        (np.eye(8) / 8, {"num_qubits": 2}, r"state has 8 rows; expected 2\^N = 4 for N = 2 qubits"),
        (np.ones(3) / np.sqrt(3), {}, r"state has 3 entries; expected a power of 2"),
        (np.array([1.0]), {}, r"state has 1 entries; expected a power of 2"),
        (np.zeros((2, 4)), {}, r"state has shape \(2, 4\); a density matrix must be square"),
        (np.zeros((2, 2, 2)), {}, r"state has shape \(2, 2, 2\); expected a state vector"),
        (np.array([[0.5, 0.3], [0.0, 0.5]]), {}, r"state is not Hermitian \(max \|rho - rho\^dag\| = 0.3\)"),
        (np.array([[1.12, 0.0], [0.0, -0.12]]), {}, r"state is not positive semidefinite \(smallest eigenvalue -0.12\)"),
        (np.diag([1.0, 0.5]), {}, r"state has trace 1.5, expected 1"),
        (np.array([1.0, 1.0]), {}, r"state vector has norm 1.41, expected 1"),
        (np.array([[np.nan, 0], [0, 1]]), {}, r"state contains NaN or infinite entries"),
        (np.array([np.inf, 0]), {}, r"state contains NaN or infinite entries"),
        (np.array([["a", "b"], ["c", "d"]]), {}, r"state is not a numeric array"),
    ],
)
def test_validate_failures(rho, kwargs, pattern):
    with pytest.raises(QbexpError, match=pattern):
        validate_density_matrix(rho, **kwargs)


def test_validate_uses_name_in_message():
    with pytest.raises(QbexpError, match=r"^my rho has trace 2, expected 1$"):
        validate_density_matrix(np.eye(2), name="my rho")


def test_validate_tolerance():
    rho = np.diag([0.5 + 1e-10, 0.5])
    validate_density_matrix(rho)  # within default atol
    with pytest.raises(QbexpError, match="trace"):
        validate_density_matrix(rho, atol=1e-12)


@pytest.mark.parametrize("n", [0, -1, 1.5, "2", True])
def test_validate_rejects_bad_num_qubits(n):
    with pytest.raises(QbexpError, match="num_qubits must be a positive integer"):
        validate_density_matrix(np.eye(2) / 2, num_qubits=n)


def test_error_messages_are_single_line():
    bad_inputs = [np.eye(3), np.diag([2.0, 0.0]), np.array([[0.5, 1], [0, 0.5]]), np.array([[2.0, 0], [0, -1]])]
    for bad in bad_inputs:
        with pytest.raises(QbexpError) as info:
            validate_density_matrix(bad)
        assert "\n" not in str(info.value)


def test_qbexp_error_is_value_error():
    with pytest.raises(ValueError):
        validate_density_matrix(np.eye(3))


# ----------------------------------------------------------------------------
# load_state_file
# ----------------------------------------------------------------------------
def test_load_round_trip_vector(tmp_path):
    rng = np.random.default_rng(1)
    psi = rng.normal(size=4) + 1j * rng.normal(size=4)
    psi = psi / np.linalg.norm(psi)
    path = tmp_path / "psi.npy"
    np.save(path, psi)
    rho = load_state_file(path, 2)
    assert np.allclose(rho, np.outer(psi, psi.conj()))
    assert np.allclose(load_state_file(str(path), 2), rho)


def test_load_round_trip_matrix(tmp_path):
    rho0 = bures_state(3, 5)
    path = tmp_path / "rho.npy"
    np.save(path, rho0)
    assert np.allclose(load_state_file(path, 3), rho0, atol=1e-14)


def test_file_spec_round_trip(tmp_path):
    rho0 = hilbert_schmidt_state(2, 8)
    path = tmp_path / "rho.npy"
    np.save(path, rho0)
    assert np.allclose(initial_state(f"file:{path}", 2), rho0, atol=1e-14)


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.npy"
    with pytest.raises(QbexpError, match=r"state file '.*nope\.npy' does not exist"):
        load_state_file(path, 2)


def test_load_corrupt_file(tmp_path):
    path = tmp_path / "x.npy"
    path.write_bytes(np.random.default_rng(0).bytes(200))
    with pytest.raises(QbexpError, match=r"state file '.*x\.npy' could not be read"):
        load_state_file(path, 2)


def test_load_truncated_file(tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.eye(4) / 4)
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(QbexpError, match=r"t\.npy' could not be read"):
        load_state_file(path, 2)


def test_load_object_array_refused(tmp_path):
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(QbexpError, match=r"obj\.npy' could not be read"):
        load_state_file(path, 1)


def test_load_wrong_size(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.eye(8) / 8)
    with pytest.raises(QbexpError, match=r"big\.npy' has 8 rows; expected 2\^N = 4 for N = 2 qubits"):
        load_state_file(path, 2)


def test_load_invalid_state(tmp_path):
    path = tmp_path / "tr.npy"
    np.save(path, np.eye(4))
    with pytest.raises(QbexpError, match=r"tr\.npy' has trace 4, expected 1"):
        load_state_file(path, 2)


def test_load_rejects_other_extensions(tmp_path):
    path = tmp_path / "rho.txt"
    np.savetxt(path, np.eye(2) / 2)
    with pytest.raises(QbexpError, match=r"is not a \.npy file"):
        load_state_file(path, 1)


def test_load_rejects_directory(tmp_path):
    d = tmp_path / "dir.npy"
    d.mkdir()
    with pytest.raises(QbexpError, match="is not a regular file"):
        load_state_file(d, 1)


def test_load_rejects_npz_renamed(tmp_path):
    path = tmp_path / "arch.npz"
    np.savez(path, rho=np.eye(2) / 2)
    renamed = tmp_path / "arch.npy"
    path.rename(renamed)
    with pytest.raises(QbexpError, match=r"arch\.npy' does not hold a single numpy array"):
        load_state_file(renamed, 1)


# ----------------------------------------------------------------------------
# initial_state spec errors
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["foo", "excited", "haar", "random:3", "", "thermal:2", "ground:1"])
def test_unknown_or_malformed_spec_lists_valid_forms(spec):
    with pytest.raises(QbexpError, match="valid forms") as info:
        initial_state(spec, 2)
    for form in INITIAL_STATE_FORMS:
        assert form in str(info.value)


@pytest.mark.parametrize(
    "spec, pattern",
    [
        ("c:abc", r"'abc' is not a number"),
        ("c:", r"missing its value"),
        ("c:1.5", r"c must lie in \[0, 1\]"),
        ("c:nan", r"c must be finite"),
        ("haar:x", r"seed 'x' is not an integer"),
        ("hs:1.5", r"seed '1.5' is not an integer"),
        ("bures:-3", r"seed must be a non-negative integer"),
        ("file:", r"missing its value"),
        ("file:/nonexistent/dir/s.npy", r"does not exist"),
    ],
)
def test_bad_spec_values(spec, pattern):
    with pytest.raises(QbexpError, match=pattern):
        initial_state(spec, 2)


def test_initial_state_rejects_bad_num_qubits():
    with pytest.raises(QbexpError, match="num_qubits"):
        initial_state("ground", 0)


def test_initial_state_rejects_non_string_spec():
    with pytest.raises(QbexpError, match="must be a string"):
        initial_state(3, 2)


@pytest.mark.parametrize("factor", [0.0, 0.5, 0.9, 1.1, 2.0, 1e4])
@pytest.mark.parametrize("stack", [False, True])
def test_positivity_check_agrees_with_the_smallest_eigenvalue_at_its_tolerance(factor, stack):
    """validate_density_matrix decides positivity by a Cholesky factor of rho + atol I first
    (matrices.cholesky_passes): it must refuse exactly the states whose smallest eigenvalue
    (eigvalsh, the brute-force rule) lies below -atol, on both sides of it."""
    from qbexp.models.matrices import validate_density_matrix

    rng = np.random.default_rng(int(factor * 10) + 7)
    d, atol = 16, 1e-8
    u, _ = np.linalg.qr(rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))
    lam = rng.uniform(0.0, 1.0, d)
    lam[0] = 0.0
    lam /= lam.sum()
    lam[0] = -factor * atol
    lam[1] += factor * atol  # trace 1
    rho = (u * lam) @ u.conj().T
    smallest = np.linalg.eigvalsh(rho)[0]
    rho = np.stack([np.eye(d) / d, rho]) if stack else rho
    if smallest < -atol:
        with pytest.raises(QbexpError, match="not positive semidefinite"):
            validate_density_matrix(rho, atol=atol, stack=stack)
    else:
        validate_density_matrix(rho, atol=atol, stack=stack)
    assert (smallest < -atol) == (factor > 1)
