"""Initial states for the quantum-battery experiments.

Every function here returns a dense ``complex128`` density matrix in Qiskit's
little-endian basis order (qubit 0 is the least significant bit of the basis
index) with the convention that a qubit's ``|1>`` is its excited state, so the
all-ground state ``|0...0>`` is basis index 0.

States provided (paper: Cakmak, "Ergotropy from coherences in an open quantum
system", ``/work/shared/papers/cakmak-ergotropy-from-coherences.md``):

* ``ground``  -- all qubits in ``|0>`` (Sec. IV A, ground initial states);
* ``thermal`` -- the Gibbs state of a given Hamiltonian (Sec. IV: a thermal
  initial state produces no steady-state coherence or ergotropy);
* ``c:VALUE`` -- the two-qubit family ``(1-c)|psi-><psi-| + c|00><00|``, whose
  collective-bath steady state is ``rho_ss(beta, c)`` of Eq. (8);
* ``haar:SEED``, ``hs:SEED``, ``bures:SEED`` -- seeded random states (Sec. IV B,
  random initial states), drawn with :mod:`qiskit.quantum_info`;
* ``file:PATH.npy`` -- a state vector or density matrix stored with ``np.save``.

:func:`initial_state` parses these command-line specs; bad input of any kind
raises :class:`qbexp.errors.QbexpError` with a one-line message.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path

import numpy as np
import scipy.linalg

from qbexp.errors import QbexpError

__all__ = [
    "validate_density_matrix",
    "load_state_file",
    "thermal_state",
    "ground_state",
    "c_family_state",
    "haar_pure_state",
    "hilbert_schmidt_state",
    "bures_state",
    "initial_state",
    "INITIAL_STATE_FORMS",
]

#: The command-line forms accepted by :func:`initial_state`.
INITIAL_STATE_FORMS = (
    "ground",
    "thermal",
    "c:VALUE",
    "haar:SEED",
    "hs:SEED",
    "bures:SEED",
    "file:PATH.npy",
)


# ----------------------------------------------------------------------------
# small argument checkers
# ----------------------------------------------------------------------------
def _check_num_qubits(num_qubits, name: str = "num_qubits") -> int:
    """Return ``num_qubits`` as an int >= 1, or raise QbexpError."""
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, numbers.Integral):
        raise QbexpError(f"{name} must be a positive integer, got {num_qubits!r}")
    n = int(num_qubits)
    if n < 1:
        raise QbexpError(f"{name} must be a positive integer, got {n}")
    return n


def _check_seed(seed) -> int:
    """Return ``seed`` as a non-negative int, or raise QbexpError."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise QbexpError(f"seed must be a non-negative integer, got {seed!r}")
    s = int(seed)
    if s < 0:
        raise QbexpError(f"seed must be a non-negative integer, got {s}")
    return s


def _check_real(value, name: str) -> float:
    """Return ``value`` as a finite float, or raise QbexpError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise QbexpError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not np.isfinite(v):
        raise QbexpError(f"{name} must be finite, got {v}")
    return v


def _is_power_of_two(n: int) -> bool:
    return n >= 2 and (n & (n - 1)) == 0


def _unwrap_qiskit(obj):
    """Return the raw array behind Qiskit states/operators; other objects unchanged."""
    try:  # qiskit is a dependency, but keep the import local and cheap
        from qiskit.quantum_info import DensityMatrix, Operator, SparsePauliOp, Statevector
    except ImportError:  # pragma: no cover
        return obj
    if isinstance(obj, SparsePauliOp):
        return obj.to_matrix()
    if isinstance(obj, (Operator, Statevector, DensityMatrix)):
        return obj.data
    return obj


def _as_complex_array(obj, name: str) -> np.ndarray:
    """Convert to a complex128 array, rejecting non-numeric data."""
    obj = _unwrap_qiskit(obj)
    try:
        arr = np.asarray(obj)
    except Exception as exc:  # ragged lists etc.
        raise QbexpError(f"{name} is not a numeric array ({exc})") from None
    if arr.dtype.kind not in "iufcO":
        raise QbexpError(f"{name} is not a numeric array (dtype {arr.dtype})")
    try:
        arr = arr.astype(np.complex128)
    except (TypeError, ValueError):
        raise QbexpError(f"{name} is not a numeric array (dtype {arr.dtype})") from None
    return arr


def _fmt(x: float) -> str:
    return f"{x:.3g}"


# ----------------------------------------------------------------------------
# validation and loading
# ----------------------------------------------------------------------------
def validate_density_matrix(rho, num_qubits=None, atol: float = 1e-8, name: str = "state") -> np.ndarray:
    """Check that ``rho`` is an N-qubit quantum state and return it as a density matrix.

    ``rho`` may be a state vector of shape ``(2**N,)`` (must have unit norm; it is
    turned into ``|psi><psi|``) or a density matrix of shape ``(2**N, 2**N)``
    (must be square, Hermitian, positive semidefinite and of unit trace, each up
    to ``atol``).  Qiskit ``Statevector``/``DensityMatrix``/``Operator`` objects
    are accepted too.  If ``num_qubits`` is given the dimension must be
    ``2**num_qubits``.  ``name`` is used in error messages.

    Returns a new ``complex128`` array; for a matrix input it is the Hermitian
    part ``(rho + rho^dag)/2`` (identical up to ``atol``).
    """
    atol = _check_real(atol, "atol")
    if atol < 0:
        raise QbexpError(f"atol must be non-negative, got {atol}")
    if num_qubits is not None:
        num_qubits = _check_num_qubits(num_qubits)

    arr = _as_complex_array(rho, name)

    if arr.ndim == 1:
        kind, size = "entries", arr.shape[0]
    elif arr.ndim == 2:
        if arr.shape[0] != arr.shape[1]:
            raise QbexpError(f"{name} has shape {arr.shape}; a density matrix must be square")
        kind, size = "rows", arr.shape[0]
    else:
        raise QbexpError(
            f"{name} has shape {arr.shape}; expected a state vector (2^N,) or a density matrix (2^N, 2^N)"
        )

    if num_qubits is not None:
        if size != 2**num_qubits:
            raise QbexpError(
                f"{name} has {size} {kind}; expected 2^N = {2**num_qubits} for N = {num_qubits} qubits"
            )
    elif not _is_power_of_two(size):
        raise QbexpError(f"{name} has {size} {kind}; expected a power of 2 (2^N for N >= 1 qubits)")

    if not np.all(np.isfinite(arr)):
        raise QbexpError(f"{name} contains NaN or infinite entries")

    if arr.ndim == 1:
        norm2 = float(np.vdot(arr, arr).real)
        if abs(norm2 - 1.0) > atol:
            raise QbexpError(f"{name} vector has norm {_fmt(np.sqrt(norm2))}, expected 1")
        return np.outer(arr, arr.conj()).astype(np.complex128)

    herm_err = float(np.max(np.abs(arr - arr.conj().T)))
    if herm_err > atol:
        raise QbexpError(f"{name} is not Hermitian (max |rho - rho^dag| = {_fmt(herm_err)})")
    rho_h = 0.5 * (arr + arr.conj().T)

    min_eig = float(np.linalg.eigvalsh(rho_h)[0])
    if min_eig < -atol:
        raise QbexpError(f"{name} is not positive semidefinite (smallest eigenvalue {_fmt(min_eig)})")

    trace = float(np.trace(rho_h).real)
    if abs(trace - 1.0) > atol:
        raise QbexpError(f"{name} has trace {_fmt(trace)}, expected 1")
    return rho_h


def load_state_file(path, num_qubits) -> np.ndarray:
    """Load a state vector or density matrix saved with ``np.save`` and validate it.

    Only ``.npy`` files are accepted; pickled/object arrays are refused
    (``allow_pickle=False``).  Missing, unreadable or corrupt files and states of
    the wrong size for ``num_qubits`` raise :class:`QbexpError` naming the file.
    """
    num_qubits = _check_num_qubits(num_qubits)
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise QbexpError(f"state file path must be a string or path, got {path!r}") from None
    if p.suffix.lower() != ".npy":
        raise QbexpError(f"state file '{p}' is not a .npy file (save states with numpy.save)")
    if not p.exists():
        raise QbexpError(f"state file '{p}' does not exist")
    if not p.is_file():
        raise QbexpError(f"state file '{p}' is not a regular file")
    try:
        data = np.load(p, allow_pickle=False)
    except Exception as exc:  # corrupt header, truncated data, object arrays, permissions
        msg = " ".join(str(exc).split()) or type(exc).__name__
        raise QbexpError(f"state file '{p}' could not be read as a .npy array: {msg}") from None
    if not isinstance(data, np.ndarray):  # e.g. an .npz archive renamed to .npy
        if hasattr(data, "close"):
            data.close()
        raise QbexpError(f"state file '{p}' does not hold a single numpy array (is it an .npz archive?)")
    if data.dtype.kind not in "iufc":
        raise QbexpError(f"state file '{p}' holds a non-numeric array (dtype {data.dtype})")
    return validate_density_matrix(data, num_qubits=num_qubits, name=f"state in file '{p}'")


# ----------------------------------------------------------------------------
# deterministic states
# ----------------------------------------------------------------------------
def thermal_state(H, beta) -> np.ndarray:
    """Gibbs state ``exp(-beta H) / Z`` of a Hermitian Hamiltonian ``H`` at inverse temperature ``beta``.

    ``H`` may be a numpy array, a Qiskit ``SparsePauliOp`` or ``Operator``.  The
    state is built from the eigendecomposition of ``H`` with the ground energy
    subtracted before exponentiating, so large ``beta * H`` does not overflow.
    ``beta`` must be a finite positive number.
    """
    beta = _check_real(beta, "beta")
    if beta <= 0:
        raise QbexpError(f"beta must be positive, got {beta}")
    h = _as_complex_array(H, "Hamiltonian")
    if h.ndim != 2 or h.shape[0] != h.shape[1] or h.shape[0] == 0:
        raise QbexpError(f"Hamiltonian has shape {h.shape}; expected a square matrix")
    if not np.all(np.isfinite(h)):
        raise QbexpError("Hamiltonian contains NaN or infinite entries")
    scale = max(1.0, float(np.max(np.abs(h))))
    herm_err = float(np.max(np.abs(h - h.conj().T)))
    if herm_err > 1e-8 * scale:
        raise QbexpError(f"Hamiltonian is not Hermitian (max |H - H^dag| = {_fmt(herm_err)})")
    energies, vecs = scipy.linalg.eigh(0.5 * (h + h.conj().T))
    weights = np.exp(-beta * (energies - energies[0]))  # eigh sorts ascending; all exponents <= 0
    weights /= weights.sum()
    rho = (vecs * weights) @ vecs.conj().T
    return (0.5 * (rho + rho.conj().T)).astype(np.complex128)


def ground_state(num_qubits) -> np.ndarray:
    """All qubits in their ground state: ``|0...0><0...0|`` (basis index 0; paper Sec. IV A)."""
    n = _check_num_qubits(num_qubits)
    rho = np.zeros((2**n, 2**n), dtype=np.complex128)
    rho[0, 0] = 1.0
    return rho


def c_family_state(c) -> np.ndarray:
    """Two-qubit state ``(1-c)|psi-><psi-| + c|00><00|`` with ``|psi-> = (|01> - |10>)/sqrt(2)``.

    Under the collective thermal bath the two-qubit steady state depends on the
    initial state only through ``c``, its weight outside the dark state
    ``|psi->`` (paper Eq. 8: ``rho_ss(beta, c)``); this family realises every
    ``c`` in ``[0, 1]`` with the remaining weight on the ground state ``|00>``.
    """
    c = _check_real(c, "c")
    if not 0.0 <= c <= 1.0:
        raise QbexpError(f"c must lie in [0, 1], got {c}")
    psi_minus = np.zeros(4, dtype=np.complex128)
    psi_minus[0b01] = 1 / np.sqrt(2)  # |01>: qubit 0 excited
    psi_minus[0b10] = -1 / np.sqrt(2)  # |10>: qubit 1 excited
    rho = (1.0 - c) * np.outer(psi_minus, psi_minus.conj())
    rho[0, 0] += c
    return rho


# ----------------------------------------------------------------------------
# seeded random states (paper Sec. IV B)
# ----------------------------------------------------------------------------
def haar_pure_state(num_qubits, seed) -> np.ndarray:
    """Haar-random pure state ``|psi><psi|`` on N qubits, reproducible from ``seed`` (paper Sec. IV B)."""
    from qiskit.quantum_info import random_statevector

    n = _check_num_qubits(num_qubits)
    psi = np.asarray(random_statevector(2**n, seed=_check_seed(seed)).data, dtype=np.complex128)
    return np.outer(psi, psi.conj())


def _random_mixed(num_qubits, seed, method: str) -> np.ndarray:
    from qiskit.quantum_info import random_density_matrix

    n = _check_num_qubits(num_qubits)
    rho = random_density_matrix(2**n, rank=None, method=method, seed=_check_seed(seed))
    return np.array(rho.data, dtype=np.complex128)


def hilbert_schmidt_state(num_qubits, seed) -> np.ndarray:
    """Full-rank random mixed state from the Hilbert-Schmidt measure, reproducible from ``seed`` (paper Sec. IV B)."""
    return _random_mixed(num_qubits, seed, "Hilbert-Schmidt")


def bures_state(num_qubits, seed) -> np.ndarray:
    """Full-rank random mixed state from the Bures measure, reproducible from ``seed`` (paper Sec. IV B)."""
    return _random_mixed(num_qubits, seed, "Bures")


# ----------------------------------------------------------------------------
# command-line spec parser
# ----------------------------------------------------------------------------
_VALID_FORMS_TEXT = ", ".join(INITIAL_STATE_FORMS)


def _parse_seed_text(kind: str, text: str) -> int:
    try:
        seed = int(text.strip())
    except ValueError:
        raise QbexpError(f"initial state '{kind}:{text}': seed '{text}' is not an integer") from None
    if seed < 0:
        raise QbexpError(f"initial state '{kind}:{text}': seed must be a non-negative integer")
    return seed


def initial_state(spec: str, num_qubits: int, hamiltonian=None, beta=None) -> np.ndarray:
    """Build the initial state named by a command-line ``spec`` for ``num_qubits`` qubits.

    Forms (kind names are case-insensitive):

    * ``ground`` -- :func:`ground_state`;
    * ``thermal`` -- :func:`thermal_state` of ``hamiltonian`` (the battery
      Hamiltonian) at ``beta``; both must be given;
    * ``c:VALUE`` -- :func:`c_family_state`, two qubits only (paper Eq. 8);
    * ``haar:SEED``, ``hs:SEED``, ``bures:SEED`` -- Haar pure, Hilbert-Schmidt and
      Bures random states (paper Sec. IV B);
    * ``file:PATH.npy`` -- :func:`load_state_file`.

    The result is always checked with :func:`validate_density_matrix` against
    ``2**num_qubits``.
    """
    n = _check_num_qubits(num_qubits)
    if not isinstance(spec, str):
        raise QbexpError(f"initial state spec must be a string, got {spec!r}; valid forms: {_VALID_FORMS_TEXT}")
    spec = spec.strip()
    kind, sep, value = spec.partition(":")
    kind = kind.strip().lower()

    if kind in ("ground", "thermal") and sep:
        raise QbexpError(f"initial state '{spec}': '{kind}' takes no value; valid forms: {_VALID_FORMS_TEXT}")
    if kind in ("c", "haar", "hs", "bures", "file") and not value.strip():
        raise QbexpError(f"initial state '{spec}' is missing its value; valid forms: {_VALID_FORMS_TEXT}")

    if kind == "ground":
        rho = ground_state(n)
        name = "ground state"
    elif kind == "thermal":
        missing = [label for label, v in (("a Hamiltonian", hamiltonian), ("beta", beta)) if v is None]
        if missing:
            raise QbexpError(f"initial state 'thermal' needs {' and '.join(missing)}")
        rho = thermal_state(hamiltonian, beta)
        name = "thermal state"
    elif kind == "c":
        if n != 2:
            raise QbexpError(f"c:VALUE states are defined for N = 2 only (got N = {n})")
        try:
            c = float(value.strip())
        except ValueError:
            raise QbexpError(f"initial state '{spec}': '{value}' is not a number") from None
        rho = c_family_state(c)
        name = "c-family state"
    elif kind in ("haar", "hs", "bures"):
        seed = _parse_seed_text(kind, value)
        maker = {"haar": haar_pure_state, "hs": hilbert_schmidt_state, "bures": bures_state}[kind]
        rho = maker(n, seed)
        name = f"{kind} state"
    elif kind == "file":
        return load_state_file(value.strip(), n)
    else:
        raise QbexpError(f"unknown initial state '{spec}'; valid forms: {_VALID_FORMS_TEXT}")
    return validate_density_matrix(rho, num_qubits=n, name=name)
