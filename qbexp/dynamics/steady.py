"""Steady states as the exact image of the initial state under lim_{t→∞} e^{𝓛t}.

(For the collective battery with uniform coupling ``steady_state`` hands over to the
symmetry-reduced closed form of :mod:`qbexp.dynamics.symmetric`; what follows is the general
solver, ``method="general"``.)

When every non-zero eigenvalue of 𝓛 has a negative real part and the eigenvalue 0 is
semisimple (true for Lindblad generators whose long-time limit exists), the limit
e^{𝓛t} → P₀ is the spectral projector onto ker 𝓛 *along* ran 𝓛:

    P₀ ρ₀ = Σ_{kl} R_k [(Q†R)^{-1}]_{kl} ⟨Q_l, ρ₀⟩,

where the columns R_k span the right kernel (the stationary states) and Q_l the left kernel
(the conserved quantities, 𝓛†(Q) = 0).  This is what makes the steady state of the
collective battery depend on its initial state (Çakmak, Sec. III and Eq. 8): e.g. for two
qubits ⟨ψ₋|ρ|ψ₋⟩ and tr ρ are conserved.  For a model with a unique steady state (the
two-bath NESS) the left kernel is the identity and this reduces to the usual null vector.
No time integration is involved, so the answer does not depend on how slow the slowest
relaxation is (at β = 10 it is ∝ n̄ ≈ 5·10⁻⁵).

Kernels are computed block by block (invariant blocks of 𝓛).  First the cyclic subspace
span{ρ₀, 𝓛ρ₀, 𝓛²ρ₀, …} is built by Arnoldi: when it closes after a few vectors (ρ₀ with a
symmetry, e.g. the ground state, which stays permutation symmetric) it is an exactly
invariant subspace and P₀ is computed inside it, with the truncation error bounded by
residual / smallest non-zero relaxation rate and checked.  Otherwise small blocks use a dense SVD;
large blocks use subspace iteration with the shifted inverse (𝓛 + δ)⁻¹, δ ≪ spectral gap,
on one sparse LU factorisation, growing the subspace until it holds the whole kernel.
Either way the kernel dimension is read off a gap in the singular values of 𝓛 restricted
to the candidate space, and a missing gap (a relaxation rate too close to zero to tell from
a conserved mode) is an error, not a silent guess.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from qbexp.dynamics.liouvillian import check_model, liouvillian, supported_blocks, unvec, vec
from qbexp.errors import QbexpError, shown
from qbexp.models.lindblad import LindbladModel

#: Blocks up to this size get a dense SVD; larger ones the sparse subspace iteration.
DENSE_KERNEL_MAX = 1200
#: A singular value below KERNEL_RTOL·‖𝓛‖ counts as zero ...
KERNEL_RTOL = 1e-10
#: ... and the next one must be at least GAP_FACTOR times larger.
GAP_FACTOR = 100.0
#: Largest cyclic (Krylov) subspace tried before falling back to the block's whole kernel.
CYCLIC_MAX = 200
#: Largest block whose shifted generator is factorised densely in the subspace iteration.
DENSE_LU_MAX = 6000


#: Steady-state methods: ``auto`` takes the symmetric solver for the uniform collective battery
#: and the general one otherwise; ``general`` is the general solver with its own size choice.
STEADY_METHODS = ("auto", "general", "dense", "sparse", "symmetric")


def steady_state(model: LindbladModel, rho0: np.ndarray, method: str = "auto", *, check: bool = True) -> np.ndarray:
    """lim_{t→∞} ρ(t) from ρ(0) = ``rho0`` by the kernel projection described above.

    ``method`` is ``"auto"`` (the symmetry-reduced closed form of
    :mod:`qbexp.dynamics.symmetric` when the model is the collective battery with uniform
    coupling, else the general solver), ``"general"`` (the general solver, dense or sparse by
    block size), ``"dense"``, ``"sparse"`` or ``"symmetric"``.

    ``rho0`` must be a density matrix (finite, Hermitian, trace one, positive semidefinite) or,
    for the symmetric solver, a ``PermutationInvariantState``.  ``check=False`` takes any
    Hermitian operator instead (P₀ is linear; ``qbexp.circuits.channel`` builds the map from
    operator bases): a finite d × d matrix, its Hermiticity not checked.  A spec string such as
    ``"ground"`` is refused either way (:func:`qbexp.models.initial_state` makes the matrix).
    """
    if method not in STEADY_METHODS:
        raise QbexpError(f"unknown steady-state method {method!r}; use {', '.join(STEADY_METHODS)}")
    from qbexp.dynamics.symmetric_model import CollectiveSpinModel
    from qbexp.dynamics.symmetric_state import PermutationInvariantState

    if not isinstance(model, CollectiveSpinModel):
        check_model(model)
    if not isinstance(check, (bool, np.bool_)):
        raise QbexpError(f"check = {shown(check)}; it must be True or False")
    if not isinstance(rho0, PermutationInvariantState):
        from qbexp.dynamics.evolution import check_operator, check_state

        dim = 2**model.n if isinstance(model, CollectiveSpinModel) else model.dim
        rho0 = check_state(rho0, dim) if check else check_operator(rho0, dim, "initial operator", vector=True)
    if method in ("auto", "symmetric"):
        from qbexp.dynamics import symmetric

        if method == "symmetric" or symmetric.uniform_collective(model) is not None:
            return symmetric.steady_state(model, rho0)
        method = "auto"
    elif method == "general":
        method = "auto"
    d = model.dim
    y0 = vec(rho0)
    if y0.size != d * d:
        raise QbexpError(f"initial state has dimension {int(np.sqrt(y0.size))}; the model needs {d}")
    generator = liouvillian(model)
    out = np.zeros(d * d, dtype=complex)
    for block in supported_blocks(generator, y0):
        g = sp.csc_matrix(generator[block][:, block])
        projected = _project_in_cyclic_subspace(g, y0[block]) if method == "auto" else None
        if projected is not None:
            out[block] = projected
            continue
        use_dense = method == "dense" or (method == "auto" and block.size <= DENSE_KERNEL_MAX)
        right, left = _dense_kernels(g) if use_dense else _sparse_kernels(g)
        out[block] = _apply_projector(right, left, y0[block])
    rho = unvec(out, d)
    return 0.5 * (rho + rho.conj().T)


def unique_steady_state(model: LindbladModel) -> np.ndarray:
    """The steady state of a model with a one-dimensional kernel (e.g. the NESS); a one-line
    error where the kernel is larger (the steady state would depend on the initial state: the
    projection of I/d would be one of many, reported as *the* NESS)."""
    check_model(model)
    dimension = kernel_dimension(model)
    if dimension != 1:
        zero = [name for name, rate in model.parameters.get("rates", {}).items() if rate == 0]  # the engine's
        raise QbexpError(f"the {model.name} model has {dimension} independent steady states, so no unique NESS"
                         + (f": the rates {', '.join(zero)} are 0" if zero else " (a bath, or a rate, switched off?)"))
    d = model.dim
    return steady_state(model, np.eye(d) / d)


def kernel_dimension(model: LindbladModel, rho0=None) -> int:
    """dim ker 𝓛 restricted to the blocks ``rho0`` touches (all blocks if None).

    ``rho0``: a finite d × d matrix (a state, or any operator: only where it is non-zero counts).
    """
    check_model(model)
    if rho0 is not None:
        from qbexp.dynamics.evolution import check_operator

        rho0 = check_operator(rho0, model.dim, "rho0")
    generator = liouvillian(model)
    y0 = np.ones(model.dim**2) if rho0 is None else vec(rho0)
    total = 0
    for block in supported_blocks(generator, y0):
        g = sp.csc_matrix(generator[block][:, block])
        right, _ = _dense_kernels(g) if block.size <= DENSE_KERNEL_MAX else _sparse_kernels(g)
        total += right.shape[1]
    return total


def _apply_projector(right, left, y):
    """P₀ y = R (Q†R)⁻¹ Q† y for right/left kernel bases R, Q."""
    if right.shape[1] == 0:
        return np.zeros_like(y)
    return right @ np.linalg.solve(left.conj().T @ right, left.conj().T @ y)


def _project_in_cyclic_subspace(g, y, max_dim=CYCLIC_MAX, accuracy=1e-9):
    """P₀ y inside the Krylov space of y if that space closes within ``max_dim`` vectors.

    Returns None (caller falls back to the full kernel) when it does not close, or when the
    bound residual / (smallest non-zero |eigenvalue| inside the space) exceeds ``accuracy``.
    """
    n = g.shape[0]
    scale = _scale(g)
    dim = min(n, max_dim)
    basis = np.zeros((n, dim + 1), dtype=complex)
    hess = np.zeros((dim + 1, dim), dtype=complex)
    norm_y = np.linalg.norm(y)
    basis[:, 0] = y / norm_y
    for k in range(dim):
        w = g @ basis[:, k]
        for _ in range(2):  # classical Gram–Schmidt, twice: orthogonal to machine precision
            h = basis[:, : k + 1].conj().T @ w
            w -= basis[:, : k + 1] @ h
            hess[: k + 1, k] += h
        hess[k + 1, k] = residual = np.linalg.norm(w)
        if residual < 1e-10 * scale:
            h_small = hess[: k + 1, : k + 1]
            eig = np.abs(np.linalg.eigvals(h_small))
            slowest = eig[eig > KERNEL_RTOL * scale]
            if slowest.size and residual / slowest.min() > accuracy:
                return None
            try:
                right, left = _dense_kernels(sp.csc_matrix(h_small), scale)
            except QbexpError:
                return None
            return basis[:, : k + 1] @ _apply_projector(right, left, np.eye(k + 1)[:, 0] * norm_y)
        if k + 1 < dim + 1:
            basis[:, k + 1] = w / residual
    return None


def _scale(g: sp.spmatrix) -> float:
    return max(spla.norm(g, 1), 1e-300)


def _count_kernel(singular_values: np.ndarray, scale: float) -> int:
    """Number of singular values that are zero, insisting on a clear gap to the rest."""
    s = np.sort(singular_values)
    k = int(np.sum(s < KERNEL_RTOL * scale))
    if k < s.size and s[k] < GAP_FACTOR * KERNEL_RTOL * scale:
        raise QbexpError(
            f"cannot separate the steady states from a relaxation mode of rate {s[k]:.2e}"
            f" (generator norm {scale:.2e}): the long-time limit is numerically ill-defined"
        )
    return k


def _dense_kernels(g: sp.spmatrix, scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    a = g.toarray()
    u, s, vh = la.svd(a)
    k = _count_kernel(s, scale or _scale(g))
    n = a.shape[0]
    right = vh[n - k :].conj().T
    left = u[:, n - k :]
    return right, left


def _sparse_kernels(g: sp.csc_matrix) -> tuple[np.ndarray, np.ndarray]:
    scale = _scale(g)
    n = g.shape[0]
    shifted = g + (1e-12 * scale) * sp.identity(n, format="csc")
    if n <= DENSE_LU_MAX:
        # A dense LU solves many right-hand sides with BLAS-3 kernels: measured 4x faster than
        # SuperLU's solve at n = 3432 (N = 7), whose factors fill in to ~40 % anyway.
        lu = la.lu_factor(shifted.toarray(), check_finite=False)
        solve = lambda v: la.lu_solve(lu, v, check_finite=False)  # noqa: E731
        solve_h = lambda v: la.lu_solve(lu, v, trans=2, check_finite=False)  # noqa: E731
    else:
        lu = spla.splu(shifted)
        solve = lu.solve
        solve_h = lambda v: lu.solve(v, trans="H")  # noqa: E731
    right = _kernel_by_subspace_iteration(g, solve, scale)
    gh = sp.csc_matrix(g.conj().T)
    left = _kernel_by_subspace_iteration(gh, solve_h, scale, size=right.shape[1])
    if left.shape[1] != right.shape[1]:
        raise QbexpError("left and right kernels of the generator differ in dimension: the zero eigenvalue is defective")
    return right, left


def _kernel_by_subspace_iteration(g, solve, scale, size=None, sweeps=3):
    """Orthonormal basis of ker g: subspaces of growing width m are pushed through
    (g + δ)⁻¹ ``sweeps`` times; once fewer than m directions are annihilated, they are all."""
    n = g.shape[0]
    rng = np.random.default_rng(1234)
    m = min(n, max(8, (size or 0) + 4))
    while True:
        v = rng.standard_normal((n, m)) + 1j * rng.standard_normal((n, m))
        for _ in range(sweeps):
            v, _ = la.qr(solve(v), mode="economic")
        _, s, wh = la.svd(np.asarray(g @ v), full_matrices=False)
        k = _count_kernel(s, scale)
        if k < m or m == n:
            return v @ wh[m - k :].conj().T
        m = min(n, 4 * m)
