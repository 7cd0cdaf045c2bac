"""Discharge unitaries compiled to gates (Çakmak Sec. II A; Tacchino et al., Eq. 3 and below Eq. 13).

:func:`compile_unitary` turns a given unitary into gates.  A tensor product of single-qubit
unitaries is emitted factor by factor, a diagonal factor as one RZ, so the paper's closed
forms come out directly: e^{−iσz π/2} is RZ(π) on one qubit, e^{−i(σz¹ − σz²)π/4} is
RZ(π/2) ⊗ RZ(−π/2).  Other two-qubit unitaries go through the KAK decomposition (fewest
CNOTs for that unitary, ≤ 3), larger ones through the quantum Shannon decomposition.

:func:`ergotropy_discharge` compiles *an* ergotropy-optimal unitary of a state.  U₀ =
Σ_j |ε_j⟩⟨r_j| is not unique: with E (energy eigenvectors, increasing) and R (eigenvectors of
ρ, decreasing) every U = E · D_H · D_ρ · R† is equally optimal, where D_H is any unitary that
is block diagonal on the degenerate energy levels (phases for non-degenerate ones) and D_ρ any
unitary block diagonal on the degenerate eigenvalues of ρ.  Over that family we look for the
cheapest member, class by class:

* 0 two-qubit gates — a product of single-qubit unitaries: operator-Schmidt rank one across
  every qubit, i.e. all 2 × 2 minors of each qubit's operator-Schmidt matrix vanish;
* for two qubits, 1 and then 2 CNOTs — the Shende–Bullock–Markov criteria on
  γ(U) = U (Y⊗Y) Uᵀ (Y⊗Y), U ∈ SU(4) (PRA 69, 062321 (2004)): 1 CNOT iff γ² = −1 and
  tr γ = 0, 2 CNOTs iff tr γ is real.

Each criterion's residual is driven to zero over the family's parameters by Gauss–Newton from
deterministic starting points (U₀ and three seeded random members for two qubits, U₀ alone
for more).  The first class reached (‖r‖² ≤ 1e-20) wins, provided its compiled circuit
reaches the passive energy to 1e-10; otherwise U₀ is synthesised as it is.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize as so
from qiskit import QuantumCircuit
from qiskit.circuit.library import CXGate, UnitaryGate
from qiskit.quantum_info import Operator
from qiskit.synthesis import TwoQubitBasisDecomposer, qs_decomposition

from qbexp.errors import QbexpError
from qbexp.models.matrices import check_real
from qbexp.thermo import energy, ergotropy_unitary, passive_energy
from qbexp.thermo._validate import as_density_matrix, as_hamiltonian, energy_eigenbasis

#: Operator-norm tolerance for recognising products and diagonal factors.
PRODUCT_ATOL = 1e-10
#: A discharge circuit is accepted when it leaves at most this energy above the passive energy.
ENERGY_ATOL = 1e-10
#: Starting points per gate-count class in the search (two qubits; one, U₀ itself, for more).
STARTS = 4
#: Residual evaluations per start.
MAX_EVALUATIONS = 100
_YY = np.kron([[0, -1j], [1j, 0]], [[0, -1j], [1j, 0]])


def compile_unitary(u, atol: float = PRODUCT_ATOL) -> QuantumCircuit:
    """Gates implementing the unitary ``u`` exactly (global phase included).

    ``u``: anything ``qiskit.quantum_info.Operator`` reads (a matrix, an ``Operator``, a gate, a
    circuit), an N-qubit unitary; ``atol``: finite, > 0.
    """
    atol = check_real(atol, "compile_unitary: atol")
    if atol <= 0:
        raise QbexpError(f"compile_unitary: atol = {atol:g}; it must be > 0")
    try:
        u = np.asarray(Operator(u).data, dtype=complex)
    except Exception as err:  # QiskitError, TypeError, ValueError: not an operator
        raise QbexpError(f"discharge operator u is not a unitary matrix or operator "
                         f"({type(u).__name__}: {' '.join(str(err).split())[:200]})") from None
    n = int(np.log2(u.shape[0]))
    if u.shape != (2**n, 2**n) or not np.allclose(u.conj().T @ u, np.eye(2**n), atol=1e-8):
        raise QbexpError(f"discharge operator of shape {u.shape} is not an N-qubit unitary")
    factors = _product_factors(u, atol)
    if factors is not None:
        return _product_circuit(u, factors)
    if n == 2:
        return _two_qubit_circuit(u, atol)
    qc = qs_decomposition(u)
    qc.name = "discharge"
    return qc


def ergotropy_discharge(rho, hamiltonian) -> QuantumCircuit:
    """An ergotropy-optimal unitary of ``rho`` w.r.t. ``hamiltonian`` with the fewest two-qubit gates found."""
    rho = as_density_matrix(rho)
    h = as_hamiltonian(hamiltonian, dim=rho.shape[0])
    n = int(np.log2(rho.shape[0]))
    target = passive_energy(rho, h)
    family = _optimal_family(rho, h)
    classes = [_product_residual] + ([_one_cnot_residual, _two_cnot_residual] if n == 2 else [])
    for residual in classes:
        u = _search(family, residual, STARTS if n == 2 else 1)
        if u is None:
            continue
        qc = compile_unitary(u, atol=1e-8)
        out = Operator(qc).data
        if energy(out @ rho @ out.conj().T, h) - target <= ENERGY_ATOL:
            return qc
    return compile_unitary(ergotropy_unitary(rho, h))


# -- the family of optimal unitaries -------------------------------------------------------


def _groups(values: np.ndarray, tol: float) -> list[np.ndarray]:
    """Index blocks of (sorted) ``values`` that are equal within ``tol``."""
    cuts = np.flatnonzero(np.abs(np.diff(values)) > tol) + 1
    return np.split(np.arange(values.size), cuts)


def _optimal_family(rho, h):
    """A map params → U = E · D_H · D_ρ · R† covering the ergotropy-optimal unitaries."""
    energies, e_vecs, _ = energy_eigenbasis(h)
    r_vals, r_vecs = np.linalg.eigh(rho)
    r_vals, r_vecs = r_vals[::-1], r_vecs[:, ::-1]
    scale = max(1.0, float(np.max(np.abs(energies))))
    h_blocks = _groups(energies, 1e-10 * scale)
    blocks = [(b, k < len(h_blocks), _hermitian_basis(b.size)) for k, b in enumerate(h_blocks + _groups(r_vals, 1e-10))]
    d = e_vecs.shape[0]

    def unitary(params):
        d_h = np.eye(d, dtype=complex)
        d_r = np.eye(d, dtype=complex)
        offset = 0
        for block, in_h, basis in blocks:
            x = params[offset : offset + len(basis)]
            offset += len(basis)
            values, vectors = np.linalg.eigh(np.tensordot(x, basis, axes=1))
            (d_h if in_h else d_r)[np.ix_(block, block)] = (vectors * np.exp(1j * values)) @ vectors.conj().T
        return e_vecs @ d_h @ d_r @ r_vecs.conj().T

    unitary.num_params = sum(len(basis) for _, _, basis in blocks)
    return unitary


def _hermitian_basis(g: int) -> np.ndarray:
    """g² Hermitian g × g matrices spanning all Hermitian matrices (generators of U(g))."""
    out = []
    for a in range(g):
        for b in range(a, g):
            m = np.zeros((g, g), dtype=complex)
            m[a, b] = m[b, a] = 1.0
            out.append(m)
            if a != b:
                m = np.zeros((g, g), dtype=complex)
                m[a, b], m[b, a] = -1j, 1j
                out.append(m)
    return np.array(out)


def _search(family, residual, starts: int):
    """A member of ``family`` whose ``residual`` vanishes (‖r‖² ≤ 1e-20), or None.

    Gauss–Newton (trust region) from the unperturbed U₀ and from seeded random points; it
    converges quadratically onto zero-residual solutions, so each start gets a small budget.
    """
    rng = np.random.default_rng(7)
    for start in range(starts):
        x0 = np.zeros(family.num_params) if start == 0 else rng.uniform(-np.pi, np.pi, family.num_params)
        res = so.least_squares(lambda p: _real(residual(family(p))), x0, method="trf",
                               xtol=1e-15, ftol=1e-8, gtol=1e-15, max_nfev=MAX_EVALUATIONS)
        if 2 * res.cost <= 1e-20:
            return family(res.x)
    return None


def _real(z: np.ndarray) -> np.ndarray:
    z = np.atleast_1d(z).ravel()
    return np.concatenate([z.real, z.imag])


def _gamma(u: np.ndarray) -> np.ndarray:
    u = u / np.linalg.det(u) ** 0.25
    return u @ _YY @ u.T @ _YY


def _product_residual(u: np.ndarray) -> np.ndarray:
    """2 × 2 minors of every qubit's operator-Schmidt matrix M (all vanish iff u is a product).

    The minors are polynomials in u that grow linearly with the distance from rank one, which
    keeps Gauss–Newton quadratically convergent onto products.
    """
    n = int(np.log2(u.shape[0]))
    rows_a, rows_b = np.triu_indices(4, 1)
    out = []
    for q in range(n):
        m = _split(u, q) / np.sqrt(u.shape[0])
        cols_a, cols_b = np.triu_indices(m.shape[1], 1)
        out.append(m[rows_a][:, cols_a] * m[rows_b][:, cols_b] - m[rows_a][:, cols_b] * m[rows_b][:, cols_a])
    return np.concatenate([x.ravel() for x in out])


def _one_cnot_residual(u: np.ndarray) -> np.ndarray:
    g = _gamma(u)
    return np.append((g @ g + np.eye(4)).ravel(), np.trace(g))


def _two_cnot_residual(u: np.ndarray) -> np.ndarray:
    return np.array([np.imag(np.trace(_gamma(u)))])


# -- synthesis ------------------------------------------------------------------------------


def _split(u: np.ndarray, q: int) -> np.ndarray:
    """u reshaped to (qubit q's out/in) × (rest out/in), for the operator-Schmidt decomposition."""
    n = int(np.log2(u.shape[0]))
    t = u.reshape([2] * (2 * n))  # axes: out qubits n−1..0, in qubits n−1..0
    axis = n - 1 - q
    rest = [a for a in range(2 * n) if a not in (axis, n + axis)]
    return t.transpose([axis, n + axis] + rest).reshape(4, -1)


def _product_factors(u: np.ndarray, atol: float):
    """Single-qubit unitaries [u_0, …, u_{n−1}] with u ∝ u_{n−1} ⊗ … ⊗ u_0, or None."""
    n = int(np.log2(u.shape[0]))
    factors = []
    for q in range(n):
        left, s, _ = np.linalg.svd(_split(u, q))
        if s[1:].max(initial=0.0) > atol * s[0]:
            return None
        f = left[:, 0].reshape(2, 2)
        factors.append(f / np.sqrt(abs(np.linalg.det(f))))
    return factors


def _product_circuit(u: np.ndarray, factors) -> QuantumCircuit:
    n = len(factors)
    qc = QuantumCircuit(n, name="discharge")
    for q, f in enumerate(factors):
        f = f / np.sqrt(np.linalg.det(f))  # SU(2)
        if abs(f[0, 1]) <= PRODUCT_ATOL and abs(f[1, 0]) <= PRODUCT_ATOL:
            angle = float(np.angle(f[1, 1] / f[0, 0]))
            if abs(angle) > PRODUCT_ATOL:
                qc.rz(angle, q)
        elif not np.allclose(f, np.eye(2), atol=PRODUCT_ATOL):
            qc.append(UnitaryGate(f, label="u"), [q])
    built = Operator(qc).data
    overlap = np.vdot(built.ravel(), u.ravel())
    qc.global_phase = float(np.angle(overlap))
    return qc


def _two_qubit_circuit(u: np.ndarray, atol: float) -> QuantumCircuit:
    """KAK with the fewest CNOTs that reproduce u to ``atol`` (a slightly imperfect CNOT makes
    the decomposer prefer fewer uses when they are exact to rounding)."""
    for fidelity in (1.0 - 1e-10, 1.0):
        qc = TwoQubitBasisDecomposer(CXGate(), basis_fidelity=fidelity)(u)
        if np.allclose(Operator(qc).data, u, atol=atol):
            qc.name = "discharge"
            return qc
    raise QbexpError("two-qubit synthesis of the discharge unitary failed")
