"""The one place that turns user input into checked matrices: density matrices, Hamiltonians,
unitaries, and the integer and real arguments that size and parametrise them.

Every layer above (states, dynamics, thermo, circuits, analysis) validates through here, so
that bad input fails with one clear :class:`~qbexp.errors.QbexpError` line instead of a numpy
traceback, and the same input is accepted or refused everywhere.

Accepted inputs: numpy arrays and nested lists, SciPy sparse matrices, and Qiskit objects
(``DensityMatrix``, ``Statevector``, ``Operator`` through ``.data``; ``SparsePauliOp``,
``Pauli`` through ``.to_matrix()``).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse

from qbexp.errors import QbexpError, shown

__all__ = [
    "as_complex_array",
    "as_hamiltonian",
    "as_unitary",
    "check_integer",
    "check_real",
    "qubit_count",
    "validate_density_matrix",
]


def check_integer(value, name: str, minimum: int, kind: str) -> int:
    """Check an integer argument (qubit count, seed, …).

    Args:
        value: the argument.
        name: its name in the error message.
        minimum: the smallest allowed value.
        kind: the range in words for the message, e.g. ``"positive"``, ``"non-negative"``.

    Returns:
        ``value`` as an int; bools, non-integers and values below ``minimum`` raise
        :class:`QbexpError`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise QbexpError(f"{name} must be a {kind} integer, got {value!r}")
    n = int(value)
    if n < minimum:
        raise QbexpError(f"{name} must be a {kind} integer, got {n}")
    return n


def check_real(value, name: str) -> float:
    """Check a real argument.

    Args:
        value: the argument.
        name: its name in the error message.

    Returns:
        ``value`` as a finite float; bools, non-reals, NaN and ±inf raise :class:`QbexpError`.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise QbexpError(f"{name} must be a real number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond the floats: its digits would make no one-line message
        raise QbexpError(f"{name} is out of range: an integer of {int(value).bit_length()} bits; "
                         "it must be a finite number") from None
    if not np.isfinite(v):
        raise QbexpError(f"{name} must be finite, got {v}")
    return v


#: Energies, rates and inverse temperatures the solvers handle: between these magnitudes (or 0
#: where a parameter may vanish).  Beyond them exponentials overflow, the generator loses all
#: precision (ratios of 10^12 between its rates) or the integration never ends.
SCALE_MIN, SCALE_MAX = 1e-6, 1e6


def check_scale(value, name: str, zero: bool = False, negative: bool = False) -> float:
    """``value`` as a float whose magnitude lies in [SCALE_MIN, SCALE_MAX] (0 too with ``zero``,
    negative values too with ``negative``); a one-line :class:`QbexpError` naming ``name`` otherwise."""
    v = check_real(value, name)
    if v == 0 and zero:
        return v
    if v < 0 and not negative:
        raise QbexpError(f"{name} = {v:g}; it must be {'>= 0' if zero else '> 0'}")
    if not SCALE_MIN <= abs(v) <= SCALE_MAX:
        must = ("0 or " if zero else "") + ("of magnitude " if negative else "")
        raise QbexpError(f"{name} = {v:g} is outside what the solvers handle; it must be {must}"
                         f"between {SCALE_MIN:g} and {SCALE_MAX:g}")
    return v


def qubit_count(dim: int) -> int | None:
    """The number of qubits of a dimension.

    Args:
        dim: a matrix dimension.

    Returns:
        ``N`` if ``dim == 2**N`` with N >= 1, else None.
    """
    if dim >= 2 and dim & (dim - 1) == 0:
        return dim.bit_length() - 1
    return None


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _fmt_one(x: float) -> str:
    """``x`` that should be 1 (a trace, a norm): with the digits that show how far it is off."""
    return _fmt(x) if _fmt(x) != "1" else f"{x:.10g}"


def precision_atol(obj, atol: float) -> float:
    """``atol``, or 16 rounding errors of ``obj``'s floating-point type where that is coarser
    than float64: a state normalised in float32 has norm 1 only to about 1e-7."""
    dtype = getattr(obj, "dtype", None)
    if not isinstance(dtype, np.dtype) or dtype.kind not in "fc" or np.finfo(dtype).eps <= np.finfo(float).eps:
        return atol
    return max(atol, 16 * float(np.finfo(dtype).eps))


def as_complex_array(obj, name: str) -> np.ndarray:
    """Unwrap and convert matrix-like input.

    Args:
        obj: an array, (nested) list, SciPy sparse matrix or Qiskit state/operator.
        name: how error messages call it.

    Returns:
        A complex128 ndarray; non-numeric data (strings, ragged lists) raises
        ``"{name} is not a numeric array"``.
    """
    if scipy.sparse.issparse(obj):
        obj = obj.toarray()
    elif not isinstance(obj, (np.ndarray, list, tuple)):
        if hasattr(obj, "to_matrix") and not hasattr(obj, "data"):  # SparsePauliOp, Pauli
            obj = obj.to_matrix()
        elif hasattr(obj, "data"):  # DensityMatrix, Statevector, Operator
            obj = obj.data
    try:
        arr = np.asarray(obj)
    except Exception as exc:  # ragged lists etc.
        raise QbexpError(f"{name} is not a numeric array ({' '.join(str(exc).split())})") from None
    if arr.dtype.kind not in "iufcO":
        raise QbexpError(f"{name} is not a numeric array (dtype {arr.dtype})")
    if arr.dtype.kind == "O":  # complex("1") would read a string of digits
        bad = next((x for x in arr.flat if not isinstance(x, numbers.Number) or isinstance(x, (bool, np.bool_))), arr)
        if bad is not arr:
            raise QbexpError(f"{name} is not a numeric array (an entry is {type(bad).__name__} {shown(bad, 20)})")
    try:
        return arr.astype(np.complex128)
    except (TypeError, ValueError):
        raise QbexpError(f"{name} is not a numeric array (dtype {arr.dtype})") from None
    except OverflowError:  # a Python int such as 10**400
        raise QbexpError(f"{name} has an entry beyond the floating-point range") from None


def dagger(a: np.ndarray) -> np.ndarray:
    """The conjugate transpose of each matrix of a ``(..., d, d)`` stack."""
    return np.swapaxes(a, -1, -2).conj()


def hermitian_part(arr: np.ndarray, name: str, symbol: str, tol: float) -> np.ndarray:
    """``(A + A†)/2`` of each matrix of a ``(..., d, d)`` stack, refusing any with
    ``max|A − A†| > tol · max(1, max|A|)``."""
    adjoint = dagger(arr)
    scale = np.maximum(1.0, np.max(np.abs(arr), axis=(-2, -1)))
    dev = np.max(np.abs(arr - adjoint), axis=(-2, -1))
    if np.any(dev > tol * scale):
        raise QbexpError(f"{name} is not Hermitian (max |{symbol} - {symbol}^dag| = {_fmt(float(np.max(dev)))})")
    return 0.5 * arr + 0.5 * adjoint  # not (arr + adjoint) / 2: entries near 1e308 would overflow


def cholesky_passes(rho: np.ndarray, atol: float) -> bool:
    """Whether every ``rho + atol I`` has a Cholesky factor, i.e. ``rho`` has no eigenvalue below
    ``-atol`` (up to the factorisation's backward error, ~d eps |rho|, far below ``atol``).
    Why not only ``eigvalsh``: at N = 12 (4096 x 4096, one core) the factorisation takes 3.7 s,
    the eigenvalues 25 s (``initial_state("haar:1", 12)``: 21.8 s -> 6.7 s).  Where it fails,
    ``eigvalsh`` decides and names the smallest eigenvalue."""
    try:
        factor = np.linalg.cholesky(rho + atol * np.eye(rho.shape[-1]))
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.isfinite(factor)))


#: Tolerance of a state a run stores or a result holds (Hermitian, trace one, eigenvalues >=
#: -STATE_ATOL): ``exact.npy``, ``device.npy``, ``ExactResult.of``, ``RunResult.from_dict``; the
#: solvers' and the fits' states pass it.
STATE_ATOL = 1e-6


def validate_density_matrix(
    rho,
    num_qubits=None,
    atol: float = 1e-8,
    name: str = "state",
    *,
    positive: bool = True,
    trace_atol: float | None = None,
    stack: bool = False,
) -> np.ndarray:
    """Check that ``rho`` is an N-qubit quantum state and return it as a density matrix.

    Args:
        rho: a state vector ``(2**N,)`` (unit norm; turned into ``|psi><psi|``), a density
            matrix ``(2**N, 2**N)`` or, with ``stack=True``, a stack ``(..., 2**N, 2**N)``;
            arrays, lists, sparse matrices or Qiskit objects.
        num_qubits: if given, the dimension must be ``2**num_qubits``.
        atol: tolerance of the Hermiticity check (relative to ``max(1, max|rho|)``), of
            positivity and, unless ``trace_atol`` is given, of the trace and the norm.
        name: how error messages call ``rho``.
        positive: require positive semidefiniteness (smallest eigenvalue ``>= -atol``).
            Estimates (linear-inversion tomography, shot noise) may be slightly negative; the
            figures of merit pass ``False`` and say how they treat them.
        trace_atol: tolerance of ``|tr rho - 1|`` (and of a vector's squared norm); default ``atol``.
        stack: accept a stack of density matrices (every one is checked).

    Returns:
        A new ``complex128`` array: the Hermitian part ``(rho + rho^dag)/2`` of a matrix (or of
        each matrix of a stack), ``|psi><psi|`` for a vector.  A state given in a coarser type
        than float64 (float32, complex64, float16) is checked to that type's precision
        (:func:`precision_atol`) and returned exact in float64: normalised and, with ``positive``,
        its eigenvalues clipped at 0, so that the float64 checks downstream (the solvers',
        1e-8) hold for it.
    """
    atol = check_real(atol, "atol")
    if atol < 0:
        raise QbexpError(f"atol must be non-negative, got {atol}")
    if trace_atol is not None:
        trace_atol = check_real(trace_atol, "trace_atol")
        if trace_atol < 0:
            raise QbexpError(f"trace_atol must be non-negative, got {trace_atol}")
    trace_atol = precision_atol(rho, atol if trace_atol is None else trace_atol)
    coarse = precision_atol(rho, 0.0) > 0.0  # float32 and the like
    atol = precision_atol(rho, atol)
    if num_qubits is not None:
        num_qubits = check_integer(num_qubits, "num_qubits", 1, "positive")

    arr = as_complex_array(rho, name)
    if arr.ndim == 1:
        kind, size = "entries", arr.shape[0]
    elif arr.ndim == 2 or (stack and arr.ndim > 2):
        if arr.shape[-1] != arr.shape[-2]:
            raise QbexpError(f"{name} has shape {arr.shape}; a density matrix must be square")
        kind, size = "rows", arr.shape[-1]
        if arr.ndim > 2 and arr.size == 0:
            raise QbexpError(f"{name} has shape {arr.shape}: an empty stack (no density matrix)")
    else:
        expected = "a state vector (2^N,) or a density matrix (2^N, 2^N)"
        raise QbexpError(f"{name} has shape {arr.shape}; expected {expected}"
                         + (" or a stack (..., 2^N, 2^N)" if stack else ""))

    if num_qubits is not None:
        if size != 2**num_qubits:
            raise QbexpError(
                f"{name} has {size} {kind}; expected 2^N = {2**num_qubits} for N = {num_qubits} qubits"
            )
    elif qubit_count(size) is None:
        raise QbexpError(f"{name} has {size} {kind}; expected a power of 2 (2^N for N >= 1 qubits)")

    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{name} contains NaN or infinite entries")

    if arr.ndim == 1:
        norm2 = float(np.vdot(arr, arr).real)
        if abs(norm2 - 1.0) > trace_atol:
            raise QbexpError(f"{name} vector has norm {_fmt_one(np.sqrt(norm2))}, expected 1")
        return np.outer(arr, arr.conj()) / (norm2 if coarse else 1.0)

    rho_h = hermitian_part(arr, name, "rho", atol)
    if positive and not cholesky_passes(rho_h, atol):
        min_eig = float(np.min(np.linalg.eigvalsh(rho_h)[..., 0]))
        if min_eig < -atol:
            raise QbexpError(f"{name} is not positive semidefinite (smallest eigenvalue {_fmt(min_eig)})")
    traces = np.real(np.trace(rho_h, axis1=-2, axis2=-1))
    worst = np.max(np.abs(traces - 1.0))
    if not worst <= trace_atol:  # NaN too (inf - inf of entries near the float limit)
        trace = float(np.ravel(traces)[np.argmax(np.abs(np.ravel(traces) - 1.0))])
        raise QbexpError(f"{name} has trace {_fmt_one(trace)}, expected 1")
    return _exact_in_float64(rho_h, positive) if coarse else rho_h


def _exact_in_float64(rho: np.ndarray, positive: bool) -> np.ndarray:
    """A state (or stack) read to a coarser type's precision, made exact in float64: its
    eigenvalues clipped at 0 (with ``positive``) and its trace 1.  It moves the state by no more
    than that precision, which the caller has just checked."""
    if positive:
        vals, vecs = np.linalg.eigh(rho)
        rho = (vecs * np.clip(vals, 0.0, None)[..., None, :]) @ dagger(vecs)
        rho = 0.5 * (rho + dagger(rho))
    return rho / np.real(np.trace(rho, axis1=-2, axis2=-1))[..., None, None]


#: Largest |H_ij| of a Hamiltonian: eigensolvers and norms square the entries, and the energies
#: sum d of them, so far below the float limit (1.8e308) they would overflow to inf or NaN.
HAMILTONIAN_MAX = 1e150


def psd_sqrt(matrix) -> np.ndarray:
    """Square root of the positive part of Hermitian matrices ``(..., d, d)``, from the
    eigendecomposition with negative eigenvalues clipped to 0 (the one definition: fidelities,
    discord's square roots and the fidelity's gradient use it)."""
    vals, vecs = np.linalg.eigh(matrix)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))[..., None, :]) @ dagger(vecs)


def as_hamiltonian(H, dim: int | None = None, what: str = "Hamiltonian") -> np.ndarray:
    """``H`` as a Hermitian complex ndarray, optionally required to be ``dim x dim``.

    Args:
        H: a square matrix (array, sparse, Qiskit ``Operator`` or ``SparsePauliOp``).
        dim: the dimension of the density matrices it acts on, if known.
        what: how error messages call ``H``.

    Returns:
        The Hermitian part ``(H + H^dag)/2`` (``H`` must be Hermitian to 1e-8 relative).
    """
    arr = as_complex_array(H, what)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise QbexpError(f"{what} has shape {tuple(arr.shape)}; expected a square matrix")
    if dim is not None and arr.shape[0] != dim:
        raise QbexpError(f"{what} has shape {tuple(arr.shape)} but the density matrix is {dim} x {dim}")
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{what} contains NaN or infinite entries")
    largest = float(np.max(np.abs(arr)))
    if largest > HAMILTONIAN_MAX:
        raise QbexpError(f"{what} has an entry of magnitude {_fmt(largest)}; at most {HAMILTONIAN_MAX:g} "
                         "(beyond, its energies and tr(rho H) overflow)")
    return hermitian_part(arr, what, "H", 1e-8)


def as_unitary(U, dim: int, what: str = "basis") -> np.ndarray:
    """Check a unitary (e.g. a reference basis whose columns are the basis vectors).

    Args:
        U: a square matrix (array or Qiskit ``Operator``).
        dim: the required dimension.
        what: how error messages call ``U``.

    Returns:
        ``U`` as a ``dim x dim`` complex ndarray; U†U must equal 1 to 1e-8.
    """
    arr = as_complex_array(U, what)
    if arr.ndim != 2 or arr.shape != (dim, dim):
        raise QbexpError(f"{what} has shape {tuple(arr.shape)}; expected a {dim} x {dim} unitary matrix")
    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{what} contains NaN or infinite entries")
    dev = float(np.max(np.abs(arr.conj().T @ arr - np.eye(dim))))
    if dev > 1e-8:
        raise QbexpError(f"{what} is not unitary (max |U^dagger U - 1| = {dev:.3g})")
    return arr
