"""State estimators for Pauli-basis tomography: linear inversion, projection, maximum likelihood.

Every map between a state and its measurement statistics is a tensor product of the
same one-qubit map (the Pauli-product structure), so it is applied one qubit factor at
a time (:func:`_apply_local`): ``O(N 6^N)`` operations and ``O(6^N)`` memory per map
instead of a dense ``6^N x 4^N`` matrix (1.9e8 complex entries, 3 GB, at N = 6).

* :func:`born_probabilities` -- the exact outcome probabilities ``p[s, b] = tr(rho Pi_sb)``
  with ``Pi_sb`` the product of the one-qubit projectors ``(1 + (-1)^b sigma_a) / 2``.
* :func:`linear_inversion` -- every Pauli expectation ``<P>`` is estimated from all the
  settings compatible with ``P`` (equal axes where ``P`` is not the identity), pooling
  their shots, and ``rho = 2^-N sum_P <P> P``.  With equal shots per setting this is the
  least-squares solution; it is unbiased but may have negative eigenvalues.
* :func:`project_to_states` -- the closest density matrix in Frobenius norm (Smolin,
  Gambetta and Smith, PRL 108, 070502 (2012)): the eigenvalues are projected onto the
  probability simplex, the eigenvectors kept.
* :func:`maximum_likelihood` -- the maximiser of ``sum_sb n_sb log p_sb(rho)`` over
  density matrices (see its docstring for the algorithm and stopping rule).

With readout-error mitigation (:mod:`qbexp.analysis.readout`), :func:`fit_states` and
:func:`maximum_likelihood` take per-setting assignment matrices: linear inversion then
inverts the corrected counts ``(⊗ A^-1) n``, maximum likelihood uses ``p_obs = (⊗ A) p(rho)``.

Functions that take count arrays accept leading batch axes (``(..., 3^N, 2^N)``), which
the bootstrap uses to fit hundreds of resamples at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from qbexp.analysis._checks import real_array
from qbexp.analysis.readout import apply_assignment, check_assignment, mitigated
from qbexp.analysis.tomography_data import PROBABILITY_ATOL, TomographyData, check_counts, check_tomography_qubits
from qbexp.circuits.measure import setting_labels
from qbexp.errors import QbexpError
from qbexp.models.matrices import check_integer, check_real, dagger, precision_atol
from qbexp.thermo._validate import as_density_matrix

#: Names accepted by :func:`fit_states`.
ESTIMATORS = ("linear", "mle")
#: Internal estimator name of :func:`fit_states`: plain linear inversion, not projected, for
#: figures linear in the state (their unbiased estimate; :mod:`qbexp.analysis.figures`).
UNPROJECTED = "unprojected"

_PAULIS = np.array([np.eye(2), [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
#: state (row r, col c) -> Pauli coordinate tr(rho sigma_p) = sum_rc rho[r, c] sigma_p[c, r].
_STATE_TO_PAULI = _PAULIS.transpose(0, 2, 1).reshape(4, 4)
#: Pauli coordinate -> state (r, c): rho = sum_p E_p sigma_p / 2 per qubit.
_PAULI_TO_STATE = _PAULIS.reshape(4, 4).T / 2
#: Outcome (axis a, bit b) -> Pauli p: tr(Pi_ab sigma_p) for the one-qubit projector
#: Pi_ab = (1 + (-1)^b sigma_a)/2, i.e. 1 for the identity and (-1)^b where p = a.
#: Its transpose / 2 maps Pauli coordinates to outcome probabilities.
_OUTCOME_TO_PAULI = np.zeros((4, 6))
_OUTCOME_TO_PAULI[0, :] = 1.0
for _a in range(3):
    _OUTCOME_TO_PAULI[_a + 1, 2 * _a : 2 * _a + 2] = (1.0, -1.0)
_PAULI_TO_OUTCOME = _OUTCOME_TO_PAULI.T / 2
#: Setting axis a -> Pauli p: 1 where the setting measures p (always for the identity).
_SETTING_TO_PAULI = np.vstack([np.ones(3), np.eye(3)])


def _apply_local(matrix: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
    """``(matrix ⊗ ... ⊗ matrix) x`` for each row of ``x`` (shape ``(B, m**n)``) -> ``(B, k**n)``."""
    batch = x.shape[0]
    # With the batch axis last, each step is one 2-D matrix product on the leading
    # factor, which is then moved behind the others; after n steps the factors are
    # back in order and the batch axis has come to the front.
    x = x.T
    for _ in range(n):
        x = (matrix @ x.reshape(matrix.shape[1], -1)).T
    return x.reshape(batch, -1)


def _interleave(x: np.ndarray, n: int, first: int, second: int) -> np.ndarray:
    """``(B, first**n, second**n)`` -> ``(B, (first*second)**n)`` with the qubit factors paired."""
    batch = x.shape[0]
    order = [0] + [k for q in range(n) for k in (1 + q, 1 + n + q)]
    return x.reshape((batch,) + (first,) * n + (second,) * n).transpose(order).reshape(batch, -1)


def _deinterleave(x: np.ndarray, n: int, first: int, second: int) -> np.ndarray:
    """Inverse of :func:`_interleave`."""
    batch = x.shape[0]
    order = [0] + [1 + 2 * q for q in range(n)] + [2 + 2 * q for q in range(n)]
    return x.reshape((batch,) + (first, second) * n).transpose(order).reshape(batch, first**n, second**n)


def _num_qubits(dim: int, what: str) -> int:
    if dim < 2 or dim & (dim - 1):
        raise QbexpError(f"{what} has dimension {dim}; expected 2^N")
    return dim.bit_length() - 1


def born_probabilities(rho) -> np.ndarray:
    """Outcome probabilities ``(3**N, 2**N)`` of every Pauli setting for the state ``rho``.

    Rows and columns follow :class:`~qbexp.analysis.tomography_data.TomographyData`.
    ``rho`` may carry leading batch axes (or be a state vector).  It must be a state: finite,
    Hermitian, of unit trace (the tolerances of :func:`qbexp.thermo._validate.as_density_matrix`)
    and with no outcome probability below ``-PROBABILITY_ATOL`` (an unprojected estimate whose
    negative eigenvalues give no negative probability passes; no eigendecomposition is made).
    """
    checked = as_density_matrix(rho, "state", stack=True)
    check_tomography_qubits(checked.shape[-1].bit_length() - 1, "number of qubits of the state")  # 6^N probabilities
    given = _given(rho, checked)
    p = outcome_probabilities(given)
    low = p.min()
    if low < -precision_atol(given, PROBABILITY_ATOL):
        index = np.unravel_index(np.argmin(p), p.shape)
        n = p.shape[-1].bit_length() - 1
        where = "" if p.ndim == 2 else f" {tuple(int(i) for i in index[:-2])} of the stack"
        raise QbexpError(f"state{where} is not positive semidefinite: setting {setting_labels(n)[index[-2]]}, "
                         f"outcome {index[-1]:0{n}b} has probability {low:.3g}")
    return p


def _given(rho, checked: np.ndarray):
    """What a checked function computes on: ``rho`` as given (a Qiskit object's ``.data``), so that
    the results stay bitwise those of the unchecked function, or the validator's matrix ``checked``
    where ``rho`` is not a matrix (a state vector, a sparse matrix)."""
    raw = rho if isinstance(rho, (np.ndarray, list, tuple)) else getattr(rho, "data", rho)
    return raw if np.ndim(raw) == checked.ndim else checked


def outcome_probabilities(rho) -> np.ndarray:
    """:func:`born_probabilities` without the checks (internal callers: fitted and simulated states)."""
    rho = np.asarray(getattr(rho, "data", rho), dtype=complex)
    n = _num_qubits(rho.shape[-1], "state")
    flat = rho.reshape(-1, 2**n, 2**n)
    return _deinterleave(_probabilities(flat, n), n, 3, 2).reshape(rho.shape[:-2] + (3**n, 2**n))


def _probabilities(rho: np.ndarray, n: int) -> np.ndarray:
    """Outcome probabilities, qubit factors paired, of a stack of states ``(B, 2^N, 2^N)``."""
    pauli = _apply_local(_STATE_TO_PAULI, _interleave(rho, n, 2, 2), n).real
    return _apply_local(_PAULI_TO_OUTCOME, pauli, n)


def _outcome_operator(x: np.ndarray, n: int) -> np.ndarray:
    """``sum_sb x_sb Pi_sb`` for each row of outcome weights ``(B, 6^N)`` (qubit factors paired) -> ``(B, d, d)``."""
    pauli = _apply_local(_OUTCOME_TO_PAULI, x, n).astype(complex)
    g = _deinterleave(_apply_local(_PAULI_TO_STATE, pauli, n), n, 2, 2)
    return 0.5 * (g + g.conj().transpose(0, 2, 1))


def _counts_array(data) -> np.ndarray:
    return data.counts if isinstance(data, TomographyData) else np.asarray(data)


def linear_inversion(data) -> np.ndarray:
    """Linear-inversion estimate (Hermitian, unit trace, not necessarily positive).

    ``data`` is :class:`TomographyData` or a count array ``(..., 3**N, 2**N)``.
    """
    counts = _counts_array(data)
    n = _num_qubits(counts.shape[-1], "tomography outcome axis")
    flat = counts.reshape(-1, 3**n, 2**n).astype(float)
    rho = _invert(flat, flat.sum(axis=-1), n)
    return rho.reshape(counts.shape[:-2] + rho.shape[1:])


def _invert(flat: np.ndarray, shots: np.ndarray, n: int) -> np.ndarray:
    """Linear inversion of counts ``(B, 3^N, 2^N)`` with ``shots`` (``(B or 1, 3^N)``) per setting:
    every Pauli expectation from the pooled shots of its compatible settings."""
    pauli_sums = _apply_local(_OUTCOME_TO_PAULI, _interleave(flat, n, 3, 2), n)
    pauli_shots = _apply_local(_SETTING_TO_PAULI, shots, n)
    expectations = pauli_sums / pauli_shots
    rho = _deinterleave(_apply_local(_PAULI_TO_STATE, expectations.astype(complex), n), n, 2, 2)
    return 0.5 * (rho + rho.conj().transpose(0, 2, 1))


def linear_inversion_weights(num_qubits: int, shots) -> np.ndarray:
    """``Omega (3^N, 2^N, d, d)``: at fixed ``shots`` (``(3^N,)``) per setting the linear inversion
    is linear in the counts, :func:`linear_inversion` ``= sum_sb n_sb Omega_sb``.  Read-only,
    computed once per shots (:mod:`qbexp.analysis.delta` evaluates it at every candidate state)."""
    return _inversion_weights(int(num_qubits), tuple(float(x) for x in np.ravel(shots)))


@lru_cache(maxsize=8)
def _inversion_weights(n: int, shots: tuple) -> np.ndarray:
    size = 3**n * 2**n
    omega = _invert(np.eye(size).reshape(size, 3**n, 2**n), np.asarray(shots)[None], n)
    omega = omega.reshape(3**n, 2**n, 2**n, 2**n)
    omega.flags.writeable = False
    return omega


def _simplex_projection(values: np.ndarray) -> np.ndarray:
    """Euclidean projection of each row of ``values`` onto ``{x >= 0, sum x = 1}``."""
    desc = -np.sort(-values, axis=-1)
    ranks = np.arange(1, values.shape[-1] + 1)
    shifts = (np.cumsum(desc, axis=-1) - 1.0) / ranks
    support = np.sum(desc - shifts > 0, axis=-1, keepdims=True)
    shift = np.take_along_axis(shifts, support - 1, axis=-1)
    return np.clip(values - shift, 0.0, None)


def project_to_states(rho) -> np.ndarray:
    """Closest density matrix to the Hermitian unit-trace ``rho`` (Smolin–Gambetta–Smith).

    The eigenvalues are replaced by their Euclidean projection onto the probability
    simplex, which is what the SGS algorithm computes (negative eigenvalues set to zero,
    their weight subtracted evenly from the rest).  Accepts leading batch axes.  ``rho`` must
    be finite, Hermitian and of unit trace (the tolerances of
    :func:`qbexp.thermo._validate.as_density_matrix`; positivity is what the projection gives).
    """
    return projection(_given(rho, as_density_matrix(rho, "state to project", stack=True)))


def projection(rho) -> np.ndarray:
    """:func:`project_to_states` without the checks (internal callers: Hermitian unit-trace
    matrices such as linear-inversion estimates and the points of the test-inversion families)."""
    rho = np.asarray(getattr(rho, "data", rho), dtype=complex)
    vals, vecs = np.linalg.eigh(rho)
    new = _simplex_projection(vals)
    return (vecs * new[..., None, :]) @ dagger(vecs)


def projected_linear_inversion(data) -> np.ndarray:
    """Linear inversion followed by :func:`project_to_states` (batch axes allowed)."""
    return projection(linear_inversion(data))


#: Certified per-shot log-likelihood gap at which a maximum-likelihood fit stops
#: (:func:`maximum_likelihood`), and its iteration limit.
MLE_TOL = 1e-5
MLE_MAX_ITER = 2000


@dataclass(frozen=True)
class MLEResult:
    """Maximum-likelihood state and how the fit ended.

    ``gap`` is the certified bound on the log-likelihood per shot still to gain,
    ``lambda_max(G) - 1`` (see :func:`maximum_likelihood`).
    """

    state: np.ndarray
    iterations: int
    gap: float
    converged: bool


def fit_states(counts, estimator: str = "linear", assignment=None) -> np.ndarray:
    """Fit every data set of a count array ``(..., 3**N, 2**N)`` with the named estimator.

    ``counts`` (or :class:`TomographyData`): integers >= 0, every setting of every data set
    measured (:func:`qbexp.analysis.tomography_data.check_counts`).

    ``estimator`` is ``"linear"`` (:func:`projected_linear_inversion`, vectorised over
    the batch) or ``"mle"`` (:func:`maximum_likelihood`, one data set at a time); the
    internal :data:`UNPROJECTED` returns the linear inversion itself (Hermitian, unit trace).
    ``assignment`` (``(..., 3**N, N, 2, 2)``, broadcasting against the batch): readout
    assignment matrices of every clbit of every setting (:mod:`qbexp.analysis.readout`);
    linear inversion then fits the mitigated counts, maximum likelihood the forward model.
    Returns physical states ``(..., 2**N, 2**N)`` (except for :data:`UNPROJECTED`).
    """
    check_estimator(estimator)
    counts = check_counts(_counts_array(counts), "counts", stack=True)
    if assignment is not None:
        n = counts.shape[-1].bit_length() - 1
        shape = check_assignment(assignment, n).shape
        try:
            fits = np.broadcast_shapes(counts.shape[:-1], shape[:-3]) == counts.shape[:-1]
        except ValueError:
            fits = False
        if not fits:
            raise QbexpError(f"assignment matrices have shape {shape}; expected (..., 3^N, N, 2, 2) broadcasting "
                             f"against counts of shape {counts.shape}, e.g. {(3**n, n, 2, 2)}")
    if estimator == UNPROJECTED:
        return linear_inversion(counts if assignment is None else mitigated(counts, assignment))
    if estimator == "linear":
        return projected_linear_inversion(counts if assignment is None else mitigated(counts, assignment))
    flat, _ = _likelihood_data(counts, stack=True)
    matrices = None
    if assignment is not None:
        matrices = np.broadcast_to(np.asarray(assignment, dtype=float), counts.shape[:-1] + np.shape(assignment)[-3:])
        matrices = matrices.reshape((-1,) + matrices.shape[-4:])
    states, _, _ = _maximum_likelihood_fits(flat, matrices, MLE_TOL, MLE_MAX_ITER)
    return states.reshape(counts.shape[:-2] + states.shape[-2:])


def check_estimator(estimator) -> str:
    """``estimator`` unless it is not one of :data:`ESTIMATORS` (or the internal :data:`UNPROJECTED`)."""
    if not isinstance(estimator, str) or estimator not in (*ESTIMATORS, UNPROJECTED):
        raise QbexpError(f"unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    return estimator


def _likelihood_data(counts, stack: bool) -> tuple:
    """``(counts (K, 3^N, 2^N) as floats, N)`` for the maximum-likelihood fits: every setting
    measured, no negative count; ``stack``: leading batch axes allowed, else exactly one data set."""
    counts = real_array(counts, "tomography data")
    if counts.ndim < 2:
        raise QbexpError(f"tomography data have shape {counts.shape}; expected (3^N, 2^N)")
    n = _num_qubits(counts.shape[-1], "tomography outcome axis")
    flat = np.asarray(counts, dtype=float).reshape((-1,) + counts.shape[-2:])
    if (not stack and counts.ndim != 2) or flat.shape[1:] != (3**n, 2**n) or not np.all(flat >= 0) \
            or np.any(flat.sum(axis=2) <= 0):
        what = "data sets" if stack else "one data set"
        raise QbexpError(f"maximum likelihood needs {what} of non-negative counts of shape (3^N, 2^N) with "
                         f"every setting measured; got shape {counts.shape}")
    return flat, n


def maximum_likelihood(data, tol: float = MLE_TOL, max_iter: int = MLE_MAX_ITER, assignment=None) -> MLEResult:
    """Maximum-likelihood state of Pauli-basis counts (or exact probabilities).

    Maximises ``L(rho) = sum_sb w_sb log p_sb(rho)``, ``w`` = counts / total shots,
    over density matrices parametrised as ``rho = T T^† / tr(T T^†)`` (positive and of
    unit trace by construction, ``T`` a complex ``2^N x 2^N`` matrix), by L-BFGS started
    from the projected linear-inversion estimate (mixed with 0.1 % of the maximally mixed
    state so that every observed outcome has ``p > 0``); see :func:`_maximum_likelihood_fits`.

    Convergence criterion: with ``G = sum_sb (w_sb / p_sb) Pi_sb`` (so ``tr(G rho) = 1``),
    concavity of ``L`` gives ``L(sigma) - L(rho) <= lambda_max(G) - 1`` for every state
    ``sigma``.  The fit stops as soon as this certified per-shot gap is ``<= tol``.  The
    default 1e-5 leaves the state within ~5e-6 (max-abs entry) of the fully converged fit
    for N = 6 at 4000 shots per setting, ~1/500 of its statistical error.  ``converged``
    is False when ``max_iter`` iterations ran out or the line search could make no further
    floating-point progress first; ``gap`` then says how far from certified it stopped.

    ``data`` is :class:`TomographyData` or an array ``(3**N, 2**N)`` of non-negative
    weights per setting (counts, or exact probabilities for a noiseless fit).

    ``assignment`` (``(3**N, N, 2, 2)``, see :mod:`qbexp.analysis.readout`): the outcome
    probabilities become ``p_obs = (⊗_k A_sk) p(rho)`` per setting ``s``.  ``L`` stays concave
    in ``rho`` (a linear map inside the log), ``G`` becomes ``sum_sb [A_s^T (w_s / p_obs,s)]_b
    Pi_sb`` with ``tr(G rho) = 1`` still, so the same certificate applies; the fit starts
    from the projected linear inversion of the mitigated counts.
    """
    tol = check_real(tol, "tol")
    if tol <= 0:
        raise QbexpError(f"tol = {tol:g}; the certified log-likelihood gap to stop at must be > 0")
    max_iter = check_integer(max_iter, "max_iter", 1, "positive")
    counts, n = _likelihood_data(_counts_array(data), stack=False)
    if assignment is not None:
        assignment = check_assignment(assignment, n)
        if assignment.shape != (3**n, n, 2, 2):
            raise QbexpError(f"assignment matrices have shape {assignment.shape}; expected {(3**n, n, 2, 2)}")
        assignment = assignment[None]
    states, iterations, gaps = _maximum_likelihood_fits(counts, assignment, tol, max_iter)
    return MLEResult(state=states[0], iterations=int(iterations[0]), gap=float(gaps[0]), converged=gaps[0] <= tol)


#: Curvature pairs kept by the L-BFGS of :func:`_maximum_likelihood_fits` (scipy's default).
_LBFGS_MEMORY = 10
#: Sufficient decrease of its backtracking line search (Armijo constant).
_ARMIJO = 1e-4
#: Changes of -L (a per-shot Kullback-Leibler divergence, a sum of terms of order 1) below
#: which its rounding hides a decrease: the line search then asks the certificate to fall.
_RESOLUTION = 1e-14
#: Halvings of the step before its line search gives up on a data set.
_MAX_HALVINGS = 60


def _maximum_likelihood_fits(counts: np.ndarray, assignment, tol: float, max_iter: int) -> tuple:
    """Maximum-likelihood states of a stack of data sets ``(K, 3^N, 2^N)`` (every setting
    measured), with assignment matrices ``(K, 3^N, N, 2, 2)`` or None: ``(states (K, d, d),
    iterations (K,), gaps (K,))``; the model, start and certificate of :func:`maximum_likelihood`.

    L-BFGS (Nocedal and Wright, Algorithm 7.4: two-loop recursion, ``_LBFGS_MEMORY`` pairs,
    a pair skipped where its curvature ``s.y <= 0``) with a backtracking Armijo line search,
    vectorised over the stack: every iteration evaluates the likelihood, its gradient and the
    certificate of all data sets not yet certified at once.  Why not scipy's L-BFGS-B (used
    until 2026-12-03): it fits one data set per call, and at N = 3 a fit took ~20 iterations
    of ~0.5 ms, nearly all of it Python and scipy overhead around 8 x 8 matrices, while the
    bootstrap fits B data sets at every point of the test inversion.  Stacks of B = 39 / 79
    (``benchmarks/bench_mle.py``, 1000 shots, time against scipy's one by one): N = 2 0.16 /
    0.11, N = 3 0.25 / 0.21, N = 4 0.51 / 0.61 (there the slowest data set of the stack sets
    the number of iterations); an MLE ergotropy interval at N = 3 took ~12 s -> ~3 s per
    repetition of ``benchmarks/coverage.py`` on the loaded 2-core machine.  Both stop at the
    same certified gap (tests/test_mle_fits.py checks the certificate and the likelihood
    against a dense scipy fit).
    """
    k_sets = counts.shape[0]
    n = counts.shape[-1].bit_length() - 1
    dim = 2**n
    size = dim * dim
    totals = counts.sum(axis=(1, 2))
    weights = _interleave(counts / totals[:, None, None], n, 3, 2)
    observed = weights > 0
    # Each setting's share of the shots, per outcome: p * share sums to 1 like the weights.
    shot_share = np.broadcast_to(counts.sum(axis=2, keepdims=True), counts.shape) / totals[:, None, None]
    share = _interleave(shot_share, n, 3, 2)
    log_weights = np.log(np.where(observed, weights, 1.0))
    transposed = None if assignment is None else assignment.swapaxes(-1, -2)
    corrected = counts if assignment is None else mitigated(counts, assignment)
    start = 0.999 * projected_linear_inversion(corrected) + 0.001 * np.eye(dim) / dim
    vals, vecs = np.linalg.eigh(start)
    t0 = vecs * np.sqrt(np.clip(vals, 0.0, None))[:, None, :]
    x = np.concatenate([t0.real.reshape(k_sets, size), t0.imag.reshape(k_sets, size)], axis=1)

    def evaluate(x, idx):
        """-L (up to a constant), its gradient in x, the state and G at the rows ``idx`` of the
        stack (G is NaN where an observed outcome has p = 0, -L then inf)."""
        t = (x[:, :size] + 1j * x[:, size:]).reshape(-1, dim, dim)
        a = t @ t.conj().transpose(0, 2, 1)
        norm = np.trace(a, axis1=1, axis2=2).real
        rho = a / norm[:, None, None]
        p = _probabilities(rho, n)
        if assignment is not None:
            p = _interleave(apply_assignment(_deinterleave(p, n, 3, 2), assignment[idx]), n, 3, 2)
        seen = observed[idx]
        safe = np.where(seen, p, 1.0)
        feasible = np.all(safe > 0, axis=1)
        safe = np.where(safe > 0, safe, 1.0)
        w = weights[idx]
        ratio = np.where(seen, w / safe, 0.0)
        # the Kullback-Leibler divergence of p from w, small near the optimum (keeps its resolution)
        value = np.sum(np.where(seen, w * (log_weights[idx] - np.log(safe * share[idx])), 0.0), axis=1)
        value = np.where(feasible, value, np.inf)
        if assignment is not None:
            ratio = _interleave(apply_assignment(_deinterleave(ratio, n, 3, 2), transposed[idx]), n, 3, 2)
        g = _outcome_operator(ratio, n)
        # -dL/dT* for rho = T T^†/tr(T T^†), as real and imaginary parts (times 2).
        inner = np.einsum("kij,kji->k", g, rho).real
        grad_t = -2.0 * (g - inner[:, None, None] * np.eye(dim)) @ t / norm[:, None, None]
        grad = np.concatenate([grad_t.real.reshape(-1, size), grad_t.imag.reshape(-1, size)], axis=1)
        return value, grad, rho, np.where(feasible[:, None, None], g, np.nan)

    def certificate(g):
        """lambda_max(G) - 1, the certified gap (inf where an observed outcome has p = 0)."""
        out = np.full(g.shape[0], np.inf)
        finite = ~np.isnan(g[:, 0, 0])
        out[finite] = np.linalg.eigvalsh(g[finite])[:, -1] - 1.0
        return out

    value, grad, rho, g = evaluate(x, np.arange(k_sets))
    gap = certificate(g)
    iterations = np.zeros(k_sets, dtype=int)
    # Curvature pairs in a ring shared by all data sets: a data set, once certified, is never
    # iterated again, so those still iterating have all made the same number of steps.
    memory_s = np.zeros((_LBFGS_MEMORY, k_sets, 2 * size))
    memory_y = np.zeros_like(memory_s)
    memory_r = np.zeros((_LBFGS_MEMORY, k_sets))  # 1 / s.y, 0 for an empty or skipped pair
    scale = np.zeros(k_sets)  # s.y / y.y of the newest kept pair (the initial inverse Hessian)
    active = gap > tol
    for step_count in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        newest = step_count % _LBFGS_MEMORY
        g_x = grad[idx]
        q = g_x.copy()
        alphas = []
        for j in range(min(step_count, _LBFGS_MEMORY)):  # newest to oldest
            col = (newest - 1 - j) % _LBFGS_MEMORY
            s_j, y_j, r_j = memory_s[col, idx], memory_y[col, idx], memory_r[col, idx]
            alpha = r_j * np.einsum("kp,kp->k", s_j, q)
            q -= alpha[:, None] * y_j
            alphas.append((s_j, y_j, r_j, alpha))
        norm_g = np.maximum(np.linalg.norm(g_x, axis=1), 1e-300)
        z = np.where(scale[idx] > 0, scale[idx], 0.1 / norm_g)[:, None] * q
        for s_j, y_j, r_j, alpha in reversed(alphas):  # oldest to newest
            z += (alpha - r_j * np.einsum("kp,kp->k", y_j, z))[:, None] * s_j
        direction = -z
        slope = np.einsum("kp,kp->k", g_x, direction)
        uphill = ~(slope < 0)  # numerically not a descent direction: steepest descent instead
        if uphill.any():
            direction[uphill] = -g_x[uphill] * (0.1 / norm_g[uphill])[:, None]
            slope[uphill] = np.einsum("kp,kp->k", g_x[uphill], direction[uphill])
        start_x, start_value, start_gap = x[idx], value[idx], gap[idx]
        step = np.ones(idx.size)
        pending = np.arange(idx.size)
        accepted = np.zeros(idx.size, dtype=bool)
        x_new, value_new, grad_new = start_x.copy(), start_value.copy(), g_x.copy()
        rho_new, g_new = rho[idx].copy(), np.empty((idx.size, dim, dim), dtype=complex)
        for _ in range(_MAX_HALVINGS):
            trial = start_x[pending] + step[pending, None] * direction[pending]
            v, gr, r, gt = evaluate(trial, idx[pending])
            before = start_value[pending]
            ok = v <= before + _ARMIJO * step[pending] * slope[pending]
            # below the resolution of -L (exact probabilities near the optimum) the certificate decides
            flat = ~ok & (np.abs(v - before) <= _RESOLUTION)
            if flat.any():
                ok[flat] = certificate(gt[flat]) < start_gap[pending[flat]]
            took = pending[ok]
            x_new[took], value_new[took], grad_new[took] = trial[ok], v[ok], gr[ok]
            rho_new[took], g_new[took] = r[ok], gt[ok]
            accepted[took] = True
            pending = pending[~ok]
            if pending.size == 0:
                break
            step[pending] *= 0.5
        iterations[idx] += 1
        s_new = x_new - start_x
        y_new = grad_new - g_x
        sy = np.einsum("kp,kp->k", s_new, y_new)
        keep = accepted & (sy > 1e-300)
        memory_s[newest, idx], memory_y[newest, idx] = s_new, y_new
        memory_r[newest, idx] = np.where(keep, 1.0 / np.where(keep, sy, 1.0), 0.0)
        scale[idx] = np.where(keep, sy / np.maximum(np.einsum("kp,kp->k", y_new, y_new), 1e-300), scale[idx])
        gap_new = start_gap.copy()
        gap_new[accepted] = certificate(g_new[accepted])
        x[idx], value[idx], grad[idx], rho[idx], gap[idx] = x_new, value_new, grad_new, rho_new, gap_new
        # a data set whose line search found no decrease, or no step to take, has stalled
        active[idx] = (gap_new > tol) & accepted & np.any(s_new != 0, axis=1)
    return 0.5 * (rho + rho.conj().transpose(0, 2, 1)), iterations, gap
