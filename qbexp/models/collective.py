"""N qubits coupled to one thermal bath: Çakmak, "Ergotropy from coherences", Eqs. (5)–(7).

    dρ/dt = -i[H0 + Hd, ρ] + D₋(ρ) + D₊(ρ)
    H0 = ω Σ_i σ_i⁺σ_i⁻,   Hd = Σ_{i≠j} f_ij σ_i⁺σ_j⁻
    D₋(ρ) = Σ_ij γ_ij (n̄+1) (σ_j⁻ ρ σ_i⁺ - ½{σ_i⁺σ_j⁻, ρ})
    D₊(ρ) = Σ_ij γ_ij n̄     (σ_j⁺ ρ σ_i⁻ - ½{σ_i⁻σ_j⁺, ρ}),   n̄ = 1/(e^{βω} - 1)

The Kossakowski matrix γ is diagonalised, γ = Σ_k g_k u_k u_k†, which turns the double
sums into ordinary Lindblad terms with jump operators A_k = Σ_j conj(u_jk) σ_j⁻ (emission,
rate g_k (n̄+1)) and A_k† (absorption, rate g_k n̄).  For collective coupling (γ_ij = γ0)
this is the single collective jump J⁻ = Σ_j σ_j⁻ at rate γ0, for individual coupling
(γ_ij = γ0 δ_ij) one σ_j⁻ per qubit.  For a complex Hermitian γ the absorption term built
this way carries γ_ji = conj(γ_ij), the pairing that keeps emission and absorption each
other's adjoints; for the real symmetric γ of identical dipoles it is Eq. (7) as printed.

The battery Hamiltonian (ergotropy reference) is H0, as in the paper (Sec. IV and App. C).
"""

from __future__ import annotations

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qbexp.errors import QbexpError
from qbexp.models.matrices import SCALE_MAX, as_complex_array, check_real, check_scale
from qbexp.models.lindblad import (
    Dissipator,
    LindbladModel,
    check_register_size,
    number_op,
    sigma_minus,
    sigma_plus,
)

COUPLINGS = ("collective", "individual")
#: Hottest bath: n̄ = 1/(e^{βω} − 1) ≈ 1/(βω) up to 1e12 (the steady state is exact there; the
#: rates γn̄ make any finite-time evolution stiff, which its own time limit refuses).
BETA_OMEGA_MIN = 1e-12


def bose_occupation(beta: float, omega: float) -> float:
    """Mean thermal photon number n̄ = 1/(e^{βω} - 1) (below Eq. 7), for β > 0 and ω > 0."""
    beta, omega = check_real(beta, "beta"), check_real(omega, "omega")
    if beta <= 0 or omega <= 0:  # n̄ < 0 or infinite: no thermal bath
        raise QbexpError(f"bose_occupation needs beta > 0 and omega > 0, got beta = {beta:g}, omega = {omega:g}")
    x = beta * omega
    return 0.0 if x > 700 else float(1.0 / np.expm1(x))  # e^700 ~ 1e304: n̄ is 0 in float64


def collective_battery(
    n: int,
    beta: float,
    omega: float = 1.0,
    gamma: float = 1.0,
    f: float = 0.0,
    coupling: str = "collective",
    gamma_matrix=None,
    f_matrix=None,
) -> LindbladModel:
    """The model of Eq. (5) for ``n`` qubits at inverse temperature ``beta``.

    ``coupling`` picks γ_ij = γ0 and f_ij = f (``collective``) or γ_ij = γ0 δ_ij, f = 0
    (``individual``); explicit ``gamma_matrix`` / ``f_matrix`` (n × n) override it.
    """
    _check_parameters(n, beta, omega, gamma, f)
    if coupling not in COUPLINGS:
        raise QbexpError(f"unknown coupling {coupling!r}; choose one of {', '.join(COUPLINGS)}")
    if coupling == "individual" and f != 0 and f_matrix is None:  # it would be ignored, and recorded as used
        raise QbexpError(f"f = {f:g} with individual coupling: individually coupled qubits have no dipole coupling "
                         "(f_ij = 0, Çakmak Sec. II); use f = 0, or coupling collective")
    check_register_size(n)
    if gamma_matrix is None:
        gamma_matrix = gamma * (np.ones((n, n)) if coupling == "collective" else np.eye(n))
    if f_matrix is None:
        f_matrix = (f if coupling == "collective" else 0.0) * (np.ones((n, n)) - np.eye(n))
    gamma_matrix = _check_matrix(gamma_matrix, n, "gamma_matrix")
    f_matrix = _check_matrix(f_matrix, n, "f_matrix")
    g, u = np.linalg.eigh(gamma_matrix)
    if g.min() < -1e-12 * max(1.0, abs(g).max()):
        raise QbexpError(f"gamma_matrix has a negative eigenvalue {g.min():.3g}: the dynamics would not be completely positive")

    nbar = bose_occupation(beta, omega)
    h0 = sum((omega * number_op(i, n) for i in range(n)), SparsePauliOp("I" * n, 0.0)).simplify()
    hd = SparsePauliOp("I" * n, 0.0)
    for i in range(n):
        for j in range(n):
            if i != j and f_matrix[i, j] != 0:
                hd += f_matrix[i, j] * (sigma_plus(i, n) @ sigma_minus(j, n))
    dissipators = []
    for gk, uk in zip(g, u.T):
        if gk <= 1e-12 * abs(g).max():
            continue
        # Normalise the jump so that its rate reads γ0 for uniform coupling (J⁻ = Σ σ⁻).
        scale = np.max(np.abs(uk))
        lower = sum((np.conj(uk[j]) / scale * sigma_minus(j, n) for j in range(n)), SparsePauliOp("I" * n, 0.0))
        rate = gk * scale**2
        dissipators.append(Dissipator(rate * (nbar + 1), lower.simplify(), "bath"))
        dissipators.append(Dissipator(rate * nbar, lower.adjoint().simplify(), "bath"))
    return LindbladModel(
        num_qubits=n,
        hamiltonian=(h0 + hd).simplify(),
        battery_hamiltonian=h0,
        dissipators=tuple(dissipators),
        name="collective",
        parameters={"n": n, "beta": beta, "omega": omega, "gamma": gamma, "f": f, "coupling": coupling, "nbar": nbar},
    )


def _check_parameters(n, beta, omega, gamma, f=0.0):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise QbexpError(f"number of qubits N = {n!r}; it must be an integer >= 1")
    check_parameters(beta, omega, gamma, f)


def check_parameters(beta, omega, gamma, f=0.0, beta_zero: bool = False) -> None:
    """β, ω, γ and f within what the solvers handle (:data:`~qbexp.models.matrices.SCALE_MIN` ..
    :data:`~qbexp.models.matrices.SCALE_MAX`; γ and f may be 0, β too with ``beta_zero``), and
    n̄ = 1/(e^{βω} − 1) at most about 1e12 (β·ω ≥ :data:`BETA_OMEGA_MIN`)."""
    beta = check_real(beta, "beta")
    if beta < 0 or (beta == 0 and not beta_zero):
        raise QbexpError(f"inverse temperature beta = {beta:g}; it must be > 0")
    if beta > SCALE_MAX:
        check_scale(beta, "beta")
    omega = check_scale(omega, "omega")
    check_scale(gamma, "gamma", zero=True)
    check_scale(f, "f", zero=True, negative=True)
    if beta and beta * omega < BETA_OMEGA_MIN:
        raise QbexpError(f"beta * omega = {beta * omega:g}: a bath this hot has {1 / (beta * omega):.3g} thermal "
                         f"quanta per mode; beta * omega must be >= {BETA_OMEGA_MIN:g}"
                         + (" (or beta = 0, the limit)" if beta_zero else ""))


def _check_matrix(m, n, name):
    m = as_complex_array(m, name)  # text, ragged lists, 10**400: one line
    if m.shape != (n, n):
        raise QbexpError(f"{name} has shape {m.shape}; expected ({n}, {n}) for N = {n} qubits")
    if not np.all(np.isfinite(m)):
        raise QbexpError(f"{name} has NaN or infinite entries")
    if np.max(np.abs(m)) > SCALE_MAX:  # as gamma and f themselves (check_parameters)
        raise QbexpError(f"{name} has an entry of magnitude {np.max(np.abs(m)):g}; entries must be at most "
                         f"{SCALE_MAX:g} (what the solvers handle)")
    if not np.allclose(m, m.conj().T, atol=1e-12):
        raise QbexpError(f"{name} is not Hermitian")
    return m
