"""The charging map as a qiskit channel, run on Aer's density-matrix simulator (issue part 1).

The reference is qiskit-dynamics itself through :func:`qbexp.dynamics.evolve` (which integrates
the state, not the propagator) and :func:`qbexp.dynamics.steady_state`.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Choi, DensityMatrix, SparsePauliOp, SuperOp, random_density_matrix

from qbexp.circuits.channel import (
    channel_instruction,
    charging_channel,
    check_cptp,
    minimal_kraus,
    steady_state_channel,
)
from qbexp.circuits.simulate import ideal_state
from qbexp.dynamics import evolve, propagator, steady_state, unvec, vec
from qbexp.errors import QbexpError
from qbexp.models import collective_battery
from qbexp.models.engine import two_bath_engine
from qbexp.models.lindblad import Dissipator, LindbladModel, sigma_minus
from qbexp.models.states import c_family_state, ground_state

TOL = 1e-8


def aer_output(channel, rho):
    n = int(math.log2(rho.shape[0]))
    qc = QuantumCircuit(n)
    qc.set_density_matrix(rho)
    qc.append(channel_instruction(channel), range(n))
    return ideal_state(qc, range(n))


def assert_cptp(channel, atol=TOL):
    d = channel.dim[0]
    choi = Choi(channel).data
    assert np.linalg.eigvalsh(0.5 * (choi + choi.conj().T)).min() >= -atol
    partial = np.trace(choi.reshape(d, d, d, d), axis1=1, axis2=3)
    assert np.abs(partial - np.eye(d)).max() <= atol


def test_column_stacking_is_superop_convention():
    model = collective_battery(2, 1.0, f=0.3)
    p = propagator(model, 0.4)
    rho = random_density_matrix(4, seed=5).data
    via_superop = DensityMatrix(rho).evolve(SuperOp(p)).data
    assert np.allclose(via_superop, unvec(p @ vec(rho), 4), atol=1e-14)


@pytest.mark.parametrize(
    ("n", "taus"),
    [(1, (0.3, 2.0)), (2, (0.2, 1.0, 5.0)), (3, (0.5, 2.5)), (4, (0.1, 0.3))],
)
def test_collective_channel_on_aer_matches_qiskit_dynamics(n, taus):
    model = collective_battery(n, 1.0, f=0.2 if n > 1 else 0.0)
    rho0 = random_density_matrix(2**n, seed=n).data
    exact = evolve(model, rho0, [0.0, *taus], rtol=1e-12, atol=1e-14)[1:]
    for tau, expected in zip(taus, exact):
        channel = charging_channel(model, tau)
        assert_cptp(channel)
        assert np.abs(aer_output(channel, rho0) - expected).max() <= TOL


def test_engine_channel_on_aer_matches_qiskit_dynamics():
    model = two_bath_engine()
    rho0 = random_density_matrix(4, seed=11).data
    taus = (1.0, 40.0, 150.0)
    exact = evolve(model, rho0, [0.0, *taus], rtol=1e-12, atol=1e-14)[1:]
    for tau, expected in zip(taus, exact):
        channel = charging_channel(model, tau)
        assert_cptp(channel)
        assert np.abs(aer_output(channel, rho0) - expected).max() <= TOL


@pytest.mark.parametrize(
    ("model", "rho0"),
    [
        (collective_battery(2, 1.0), c_family_state(0.25)),
        (collective_battery(2, 1.0), c_family_state(1.0)),
        (collective_battery(3, 1.0), ground_state(3)),
        (two_bath_engine(), ground_state(2)),
    ],
)
def test_steady_state_channel_is_the_limit_map(model, rho0):
    channel = charging_channel(model, math.inf)
    assert_cptp(channel)
    assert np.abs(aer_output(channel, rho0) - steady_state(model, rho0)).max() <= TOL
    p0 = channel.data
    assert np.abs(p0 @ p0 - p0).max() <= TOL  # a projection


def test_minimal_kraus_has_the_choi_rank_and_is_trace_preserving():
    channel = steady_state_channel(collective_battery(2, 1.0))
    kraus = minimal_kraus(channel).data
    assert len(kraus) == 10  # 1 (singlet) + 3 × 3 (triplet → Gibbs), Choi rank of P0
    total = sum(k.conj().T @ k for k in kraus)
    assert np.abs(total - np.eye(4)).max() <= 1e-12
    assert np.abs(SuperOp(minimal_kraus(channel)).data - channel.data).max() <= 1e-10


@pytest.mark.parametrize("tau", [0, -1.0, float("nan"), True, "1"])
def test_bad_tau(tau):
    with pytest.raises(QbexpError, match="tau"):
        charging_channel(collective_battery(2, 1.0), tau)


def test_non_cptp_model_is_refused():
    """A non-Hermitian H would make e^{Lτ} no channel: the model is refused when it is built (until
    2026-12-06 only charging_channel's check_cptp refused it; evolve and steady_state gave a
    "state" with population -0.83), and check_cptp refuses the generator's propagator."""
    n = 1
    with pytest.raises(QbexpError, match="LindbladModel: hamiltonian is not Hermitian"):
        LindbladModel(
            num_qubits=n,
            hamiltonian=SparsePauliOp(["X"], [1j]),
            battery_hamiltonian=SparsePauliOp(["Z"], [-0.5]),
            dissipators=(Dissipator(1.0, sigma_minus(0, n), "bath"),),
        )
    h = np.array([[0, 1j], [1j, 0]])  # the same H, its propagator built by hand
    generator = -1j * (np.kron(np.eye(2), h) - np.kron(h.T, np.eye(2)))
    with pytest.raises(QbexpError, match="not (completely positive|trace preserving)"):
        check_cptp(scipy.linalg.expm(0.5 * generator))


def test_non_cptp_superoperator_is_refused():
    transpose = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            transpose[j + 2 * i, i + 2 * j] = 1.0  # ρ → ρᵀ: positive but not completely positive
    with pytest.raises(QbexpError, match="completely positive"):
        check_cptp(transpose)
    with pytest.raises(QbexpError, match="not a quantum channel"):
        check_cptp(np.ones((3, 5)))


@pytest.mark.parametrize("eps, refused", [(1e-7, True), (1e-9, False)])
def test_cptp_check_at_its_tolerance(eps, refused):
    """(1 − ε) id + ε T (T the transpose): trace preserving, its Choi matrix (1 − ε)|Ω⟩⟨Ω| + ε SWAP has
    the smallest eigenvalue −ε (the singlet).  Refused beyond CPTP_ATOL = 1e-8, with that eigenvalue;
    accepted within it (positivity shown by a Cholesky factor, the eigenvalues only for the message)."""
    transpose = np.zeros((4, 4))
    for i in range(2):
        for j in range(2):
            transpose[j + 2 * i, i + 2 * j] = 1.0
    mixed = (1 - eps) * np.eye(4) + eps * transpose
    if refused:
        with pytest.raises(QbexpError, match=f"not completely positive \\(Choi eigenvalue {-eps:.2e}"):
            check_cptp(mixed)
    else:
        assert np.allclose(check_cptp(mixed).data, mixed)
