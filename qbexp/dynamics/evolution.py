"""Exact time evolution ρ(t) = e^{𝓛t} ρ(0), solved with qiskit-dynamics or SciPy.

The vectorised generator is split into its invariant blocks (see
:func:`qbexp.dynamics.liouvillian.invariant_blocks`) and each block that carries weight is
handed to the engine (:mod:`qbexp.dynamics.engines`: ``qiskit_dynamics.solve_ode`` or
``scipy.integrate.solve_ivp``) as its own linear ODE dy/dt = 𝓛_block y (the
generator is applied directly, dense or scipy-sparse by block size, because qiskit-dynamics'
sparse operator collections round entries to 10 decimals; see ``liouvillian``).  For an initial state with
populations only (the ground state, thermal states, the c-family of Eq. 8 in the
computational basis) this integrates C(2N, N) instead of 4^N unknowns — the reason this is
faster than QuTiP's ``mesolve`` on the same model (see ``benchmarks/``).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
from scipy.integrate import OdeSolver, solve_ivp

from qbexp.dynamics.engines import resolve_engine
from qbexp.dynamics.liouvillian import check_model, liouvillian, supported_blocks, unvec, vec
from qbexp.errors import QbexpError, shown
from qbexp.models.lindblad import LindbladModel
from qbexp.models.matrices import check_real, check_scale

#: Longest interval one qiskit-dynamics solve of :func:`propagator` covers; longer times are
#: reached by exact squaring.
MAX_SOLVER_TIME = 0.5

#: Longest evolution, in relaxation times of the fastest rate of the model: beyond it every state
#: has long reached the steady state (use it) and an ODE solve would take practically forever.
MAX_RELAXATION_TIMES = 1e6

#: Most times one :func:`evolve` call returns (each a d × d state): 10,000 take about 2 s for two
#: qubits, 10^7 practically forever.  Longer series: several calls.
MAX_TIMES = 10_000

#: Largest initial state (rows) whose positivity is checked (an eigendecomposition).
PSD_CHECK_MAX = 1024

#: Methods of the ODE solver that both engines take: ``scipy.integrate.solve_ivp``'s, which
#: qiskit-dynamics' ``solve_ode`` hands to it (its other methods need JAX or a fixed step).
ODE_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")

#: Blocks up to this size are evaluated as dense numpy arrays, larger ones as scipy sparse
#: matrices (measured crossover on a 2-core machine: see benchmarks/bench_evolution.py).
DENSE_BLOCK_MAX = 64


def evolve(
    model: LindbladModel,
    rho0: np.ndarray,
    times,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "DOP853",
    engine: str | None = None,
    solver: str = "auto",
) -> np.ndarray:
    """States ρ(t) for every t in ``times`` (sorted, ≥ 0), starting from ρ(0) = ``rho0``.

    Args:
        model: the Lindblad model (Çakmak Eq. 5, Tacchino Eq. 1, ...).
        rho0: initial density matrix, d × d.
        times: sorted times ≥ 0.
        rtol, atol, method: tolerances (finite, > 0) and method of the ODE solver (both engines;
            one of :data:`ODE_METHODS`).
        engine: ``"qiskit-dynamics"``, ``"scipy"`` or ``"auto"``; None: the scoped choice of
            :func:`qbexp.dynamics.engines.using_engine` (default auto).
        solver: ``"auto"`` hands the collective battery with uniform coupling to the symmetric
            (Schur-basis) solver, :func:`qbexp.dynamics.symmetric.evolve`, whose small blocks are
            exponentiated exactly; ``"general"`` integrates the invariant blocks of the full
            Liouvillian with the engine.

    Returns:
        An array of shape (len(times), d, d).
    """
    engine = resolve_engine(engine)
    if solver not in ("auto", "general"):
        raise QbexpError(f"unknown solver {solver!r}; use auto or general")
    from qbexp.dynamics.symmetric_model import CollectiveSpinModel
    from qbexp.dynamics.symmetric_state import PermutationInvariantState

    spin = isinstance(model, CollectiveSpinModel)
    if not spin:
        check_model(model)
    rtol, atol = check_tolerances(rtol, atol)
    check_method(method)
    times = check_times(times)
    check_duration(model, float(times[-1]), "evolution time t")
    d = 2**model.n if spin else model.dim
    if not isinstance(rho0, PermutationInvariantState):
        rho0 = check_state(rho0, d)
    if solver == "auto" or spin:
        from qbexp.dynamics import symmetric

        if symmetric.uniform_collective(model) is not None:
            return symmetric.evolve(model, rho0, times, engine)
    y0 = vec(rho0)
    if y0.size != d * d:
        raise QbexpError(f"initial state has dimension {int(np.sqrt(y0.size))}; the model needs {d}")
    out = np.zeros((times.size, d * d), dtype=complex)
    if times[-1] == 0:
        out[:] = y0
        return _states(out, d)
    generator = liouvillian(model)
    for block in supported_blocks(generator, y0):
        out[:, block] = _solve_block(generator, block, y0[block], times, rtol, atol, method, engine)
    return _states(out, d)


def propagator(model: LindbladModel, tau: float, rtol: float = 1e-12, atol: float = 1e-14,
               engine: str | None = None) -> np.ndarray:
    """The d² × d² superoperator e^{𝓛τ} (column stacking), block by invariant block.

    With qiskit-dynamics: (e^{𝓛τ/2^k})^{2^k}, one solve of the identity per block over
    τ/2^k ≤ :data:`MAX_SOLVER_TIME`, then k exact squarings (an ODE solve costs in proportion
    to its interval, a squaring does not).  With SciPy: ``scipy.linalg.expm`` of each block
    times τ.  ``engine`` as in :func:`evolve`.
    """
    tau = check_real(tau, "charging time tau")
    if tau <= 0:
        raise QbexpError(f"charging time tau = {tau:g}; it must be > 0")
    check_model(model)
    check_duration(model, tau, "charging time tau")
    rtol, atol = check_tolerances(rtol, atol)
    engine = resolve_engine(engine)
    generator = liouvillian(model)
    d2 = model.dim**2
    out = np.zeros((d2, d2), dtype=complex)
    blocks = supported_blocks(generator, np.ones(d2))
    if engine == "scipy":
        for block in blocks:
            g = generator[block][:, block]
            g = g.toarray() if sp.issparse(g) else np.asarray(g)
            out[np.ix_(block, block)] = la.expm(g * float(tau))
        return out
    k = max(0, int(np.ceil(np.log2(tau / MAX_SOLVER_TIME))))
    for block in blocks:
        eye = np.eye(block.size, dtype=complex)
        sol = _solve_block(generator, block, eye, np.array([tau / 2**k]), rtol, atol, "DOP853", engine)
        out[np.ix_(block, block)] = sol[-1]
    for _ in range(k):
        out = out @ out
    return out


def check_times(times) -> np.ndarray:
    """``times`` as a 1-d float array: real numbers (no strings, booleans or complex numbers),
    finite, >= 0, sorted, from 1 to :data:`MAX_TIMES` of them; a one-line :class:`QbexpError`
    otherwise.  The one check of :func:`evolve` and :func:`qbexp.dynamics.symmetric.evolve`."""
    must = "evolution times must be a non-empty, sorted list of finite values >= 0"
    too_many = f"{must}; got {{:,}} times, at most {MAX_TIMES:,} in one call"
    if isinstance(times, range) and len(times) > MAX_TIMES:  # refused before it is listed
        raise QbexpError(too_many.format(len(times)))
    try:
        raw = np.atleast_1d(np.asarray(times))
    except (TypeError, ValueError):  # ragged lists
        raise QbexpError(f"{must}; got a {type(times).__name__} that is not a flat list of numbers") from None
    if raw.size > MAX_TIMES:
        raise QbexpError(too_many.format(raw.size))
    if raw.dtype.kind not in "iuf" and not (raw.dtype.kind == "O" and all(
            isinstance(t, numbers.Real) and not isinstance(t, bool) for t in raw.flat)):
        kind = raw.dtype.name if raw.dtype.kind != "O" else "mixed objects"
        raise QbexpError(f"{must}; got values of type {kind}, not real numbers")
    if raw.ndim != 1:
        raise QbexpError(f"{must}; got an array of shape {raw.shape}")
    with np.errstate(over="ignore"):
        try:
            out = raw.astype(float)
        except OverflowError:  # an int beyond the floats
            out = np.array([np.inf])
    if out.size == 0 or not np.all(np.isfinite(out)) or np.any(out < 0) or np.any(np.diff(out) < 0):
        raise QbexpError(must)
    return out


def check_tolerances(rtol, atol) -> tuple[float, float]:
    """The ODE solver's ``rtol`` and ``atol`` as floats: finite and > 0 (a NaN tolerance never
    accepts a step: the solve hangs); a one-line :class:`QbexpError` naming the argument."""
    out = []
    for value, name in ((rtol, "rtol"), (atol, "atol")):
        v = check_real(value, f"solver tolerance {name}")
        if not v > 0:
            raise QbexpError(f"solver tolerance {name} = {v:g}; it must be > 0")
        out.append(v)
    return out[0], out[1]


def check_method(method) -> None:
    """``method`` must name one of :data:`ODE_METHODS` (or be a SciPy ``OdeSolver`` class)."""
    if isinstance(method, str) and method in ODE_METHODS:
        return
    if isinstance(method, type) and issubclass(method, OdeSolver):
        return
    raise QbexpError(f"unknown ODE solver method = {shown(method)}; choose one of {', '.join(ODE_METHODS)}")


def _not_a_spec(value, name: str) -> None:
    """A state spec string is for :func:`qbexp.models.initial_state`, not for the solvers."""
    if isinstance(value, str):
        raise QbexpError(f"{name} = {shown(value)} is a string; pass a matrix "
                         f"(a spec such as 'ground' becomes one with qbexp.initial_state(spec, N))")


def check_state(rho0, dim: int, name: str = "initial state") -> np.ndarray:
    """``rho0`` as a ``dim`` x ``dim`` density matrix (a state vector becomes |ψ⟩⟨ψ|): finite,
    Hermitian, trace one, positive semidefinite (checked up to :data:`PSD_CHECK_MAX` rows: an
    eigendecomposition beyond would cost more than the solve); a one-line :class:`QbexpError`
    otherwise."""
    from qbexp.models.matrices import validate_density_matrix

    _not_a_spec(rho0, name)
    size = int(np.prod(np.shape(rho0))) if hasattr(rho0, "shape") else 0
    rho = validate_density_matrix(rho0, name=name, atol=1e-7, positive=size <= PSD_CHECK_MAX**2)
    if rho.shape[0] != dim:
        raise QbexpError(f"{name} has dimension {rho.shape[0]}; the model needs {dim}")
    return rho


def check_operator(op, dim: int, name: str, vector: bool = False) -> np.ndarray:
    """``op`` as a finite ``dim`` x ``dim`` complex matrix (``vector``: a length-``dim`` vector
    too), neither trace nor positivity checked (inputs of linear maps: ``steady_state(...,
    check=False)``, the blocks :func:`~qbexp.dynamics.steady.kernel_dimension` looks at)."""
    from qbexp.models.matrices import as_complex_array

    _not_a_spec(op, name)
    arr = as_complex_array(op, name)
    if arr.shape != (dim, dim) and not (vector and arr.shape == (dim,)):
        raise QbexpError(f"{name} has shape {arr.shape}; the model needs {dim} x {dim}")
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{name} contains NaN or infinite entries")
    return arr


def check_duration(model, t: float, name: str) -> None:
    """Refuse times beyond :data:`MAX_RELAXATION_TIMES` relaxation times of the fastest rate."""
    rate = max((float(d.rate) for d in getattr(model, "dissipators", ())), default=0.0)
    if rate > 0 and t * rate > MAX_RELAXATION_TIMES:
        raise QbexpError(f"{name} = {t:g} is {t * rate:.3g} relaxation times (1/{rate:.3g}); at most "
                         f"{MAX_RELAXATION_TIMES:g}: the state has long reached its steady state, use that instead")


def check_charging_time(model, tau, name: str = "charging time tau") -> float:
    """A charging time τ as a float: real, within :func:`check_duration` of ``model`` and within
    the solvers' scale (:func:`~qbexp.models.matrices.check_scale`, the check of β and the rates:
    a subnormal τ such as 1e-320 is refused as β is); a one-line :class:`QbexpError` naming ``name``."""
    check_duration(model, check_real(tau, name), name)  # first: it says how many relaxation times
    return check_scale(tau, name)


def _solve_block(generator, block, y0, times, rtol, atol, method, engine):
    unique, index = np.unique(times, return_inverse=True)  # sorted (check_times); -0.0 is 0.0
    if unique.size < len(times):  # both ODE solvers refuse a repeated time: solved once, repeated
        return _solve_block(generator, block, y0, unique, rtol, atol, method, engine)[index.reshape(-1)]
    g = generator[block][:, block]
    g = g.toarray() if block.size <= DENSE_BLOCK_MAX else sp.csr_matrix(g)
    # The block's mean frequency w (a multiple of the identity, so it commutes with the rest) is
    # taken out of the ODE and applied exactly as a phase: e^{g t} = e^{i w t} e^{(g - i w) t}.
    # In the coherence-order blocks of a battery it is the qubits' omega times the order, so the
    # solver steps on the slow couplings and rates only (N = 3, omega = 1e3, t = 30: 67 s and
    # errors 2.5e-10 without it; benchmarks/README.md, "The fast phase").
    w = float(np.mean(g.diagonal().imag))
    if w != 0.0:
        g = g - 1j * w * (np.eye(block.size) if isinstance(g, np.ndarray) else sp.identity(block.size, format="csr"))
    t_eval = times if times[0] == 0 else np.concatenate([[0.0], times])
    t_span = [0.0, float(times[-1])]
    if engine == "qiskit-dynamics":
        from qiskit_dynamics import solve_ode  # the [dynamics] extra (qbexp.dynamics.engines)

        sol = solve_ode(lambda t, y: g @ y, t_span=t_span, y0=y0, t_eval=t_eval, method=method, rtol=rtol, atol=atol)
        y = np.asarray(sol.y)
    else:
        y = _solve_ivp_linear(g, np.asarray(y0, dtype=complex), t_span, t_eval, method, rtol, atol)
    if w != 0.0:
        y = y * np.exp(1j * w * t_eval).reshape(-1, *[1] * (y.ndim - 1))
    return y if times[0] == 0 else y[1:]


def _solve_ivp_linear(g, y0, t_span, t_eval, method, rtol, atol) -> np.ndarray:
    """``solve_ivp`` on dy/dt = g y for a vector or a matrix of columns, shaped as
    qiskit-dynamics returns it: (len(t_eval), *y0.shape).  qiskit-dynamics hands a matrix
    initial state to ``solve_ivp`` flattened, in the same way."""
    shape = y0.shape
    if y0.ndim == 1:
        rhs = lambda t, y: g @ y  # noqa: E731
    else:
        rhs = lambda t, y: (g @ y.reshape(shape)).reshape(-1)  # noqa: E731
    sol = solve_ivp(rhs, t_span, y0.reshape(-1), t_eval=t_eval, method=method, rtol=rtol, atol=atol)
    if not sol.success:
        raise QbexpError(f"scipy solve_ivp failed: {sol.message}")
    return sol.y.T.reshape(len(t_eval), *shape)


def _states(vecs: np.ndarray, d: int) -> np.ndarray:
    return np.stack([unvec(v, d) for v in vecs])
