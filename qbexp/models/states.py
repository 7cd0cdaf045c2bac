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
* ``dicke:K`` -- the Dicke state ``C(N,K)^(-1/2) sum_{|x|=K} |x>`` (K excitations,
  symmetric under permutations);
* ``coherent:THETA,PHI`` -- the spin-coherent product state
  ``prod_i (cos(THETA/2)|0> + e^{i PHI} sin(THETA/2)|1>)`` (radians; ``coherent:0,0`` is
  ``ground``, ``coherent:3.14159...,0`` all excited; ``coherent:THETA`` means PHI = 0);
* ``file:PATH.npy`` -- a state vector or density matrix stored with ``np.save``.

:func:`initial_state` parses these command-line specs; bad input of any kind
raises :class:`qbexp.errors.QbexpError` with a one-line message.
"""

from __future__ import annotations


import numpy as np
import scipy.linalg

from qbexp.errors import InitialStateError, QbexpError, initial_state_errors, shown
from qbexp.models.matrices import as_hamiltonian, check_integer, check_real, validate_density_matrix

__all__ = [
    "validate_density_matrix",
    "load_state_file",
    "thermal_state",
    "ground_state",
    "c_family_state",
    "haar_pure_state",
    "hilbert_schmidt_state",
    "bures_state",
    "dicke_state",
    "spin_coherent_state",
    "parse_dicke",
    "parse_coherent",
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
    "dicke:K",
    "coherent:THETA,PHI",
    "file:PATH.npy",
)


# ----------------------------------------------------------------------------
# small argument checkers
# ----------------------------------------------------------------------------
def _check_num_qubits(num_qubits, name: str = "num_qubits", what: str = "the state") -> int:
    """Return ``num_qubits`` as an int from 1 to :data:`DENSE_MAX_QUBITS` (the states here are
    dense matrices), or raise QbexpError."""
    n = check_integer(num_qubits, name, 1, "positive")
    check_dense_size(n, what)
    return n


def _check_seed(seed) -> int:
    """Return ``seed`` as a non-negative int, or raise QbexpError."""
    return check_integer(seed, "seed", 0, "non-negative")


_check_real = check_real

#: Largest N of a dense 2^N x 2^N state (4^N entries: 268 MB at N = 12, the limit of the general
#: solver as well).  The one bound of :func:`initial_state`, the Schur basis and the symmetric
#: solver's dense states (``qbexp.dynamics.schur.SCHUR_MAX_QUBITS`` is this number).
DENSE_MAX_QUBITS = 12


def check_dense_size(n: int, what: str = "a general (not permutation-invariant) state") -> None:
    """Refuse a dense state of ``n`` qubits beyond :data:`DENSE_MAX_QUBITS` in one line naming ``what``
    (numpy would fail on its size, or the random states would take practically forever)."""
    if n > DENSE_MAX_QUBITS:
        raise QbexpError(
            f"N = {n}: {what} is held as a dense 2^N x 2^N matrix only up to N = {DENSE_MAX_QUBITS}"
            " (its 4^N matrix elements); permutation-invariant states (ground, thermal, dicke:K,"
            " coherent:THETA,PHI) go to any N in the symmetric solver"
        )


# ----------------------------------------------------------------------------
# validation and loading
# ----------------------------------------------------------------------------
# validate_density_matrix lives in qbexp.models.matrices (the one validator of the package)
# and is re-exported here.


def check_numeric(array: np.ndarray, name: str) -> None:
    """A state's entries are numbers: no strings (even of digits), objects or booleans; the one
    rule for a state file and a state passed to the Python API."""
    if array.dtype.kind not in "iufc":
        raise QbexpError(f"{name} holds a non-numeric array (dtype {array.dtype})")


def load_state_file(path, num_qubits) -> np.ndarray:
    """Load a state vector or density matrix saved with ``np.save`` and validate it.

    Only ``.npy`` files are accepted; pickled/object arrays are refused
    (``allow_pickle=False``).  Missing, unreadable or corrupt files and states of
    the wrong size for ``num_qubits`` raise :class:`QbexpError` naming the file.
    """
    num_qubits = _check_num_qubits(num_qubits)
    from qbexp.files import check_path

    p = check_path(path, "state file", what="file")  # type, empty, NUL byte, too long: one line
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
    check_numeric(data, f"state file '{p}'")
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
    energies, vecs = scipy.linalg.eigh(as_hamiltonian(H))
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


def dicke_state(num_qubits, k) -> np.ndarray:
    """Dicke state ``|D_k> = C(N,k)^(-1/2) sum_{|x|=k} |x>`` (k excitations, total spin j = N/2)."""
    n = _check_num_qubits(num_qubits)
    k = check_integer(k, "Dicke excitation number K", 0, "non-negative")
    if k > n:
        raise QbexpError(f"Dicke state needs 0 <= K <= N = {n}, got {k}")
    psi = np.array([1.0 if x.bit_count() == k else 0.0 for x in range(2**n)], dtype=np.complex128)
    psi /= np.linalg.norm(psi)
    return np.outer(psi, psi.conj())


def spin_coherent_state(num_qubits, theta, phi=0.0) -> np.ndarray:
    """Spin-coherent product state ``prod_i (cos(theta/2)|0> + e^{i phi} sin(theta/2)|1>)``."""
    n = _check_num_qubits(num_qubits)
    theta, phi = _check_real(theta, "theta"), _check_real(phi, "phi")
    one = np.array([np.cos(theta / 2), np.exp(1j * phi) * np.sin(theta / 2)], dtype=np.complex128)
    psi = np.ones(1, dtype=np.complex128)
    for _ in range(n):
        psi = np.kron(one, psi)  # qubit 0 is the least significant bit
    return np.outer(psi, psi.conj())


def parse_dicke(value: str, num_qubits: int) -> int:
    """K of a ``dicke:K`` spec, checked against N."""
    try:
        k = int(value.strip())
    except ValueError:
        raise QbexpError(f"initial state 'dicke:{value}': '{value}' is not an integer") from None
    if not 0 <= k <= num_qubits:
        raise QbexpError(f"initial state 'dicke:{value}': K must lie in 0..N = {num_qubits}")
    return k


def parse_coherent(value: str) -> tuple[float, float]:
    """(THETA, PHI) of a ``coherent:THETA,PHI`` spec (PHI defaults to 0)."""
    parts = value.split(",")
    if len(parts) > 2:
        raise QbexpError(f"initial state 'coherent:{value}': expected THETA,PHI")
    try:
        angles = [float(x.strip()) for x in parts]
    except ValueError:
        raise QbexpError(f"initial state 'coherent:{value}': THETA and PHI must be numbers (radians)") from None
    if not all(np.isfinite(angles)):
        raise QbexpError(f"initial state 'coherent:{value}': THETA and PHI must be finite")
    return angles[0], (angles[1] if len(angles) == 2 else 0.0)


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
    * ``dicke:K`` -- :func:`dicke_state`; ``coherent:THETA,PHI`` -- :func:`spin_coherent_state`;
    * ``file:PATH.npy`` -- :func:`load_state_file`.

    The result is always checked with :func:`validate_density_matrix` against
    ``2**num_qubits``.
    """
    if not isinstance(spec, str):
        raise InitialStateError(f"initial state spec must be a string, got {type(spec).__name__} {shown(spec, 40)} "
                                f"(a matrix or vector: validate_density_matrix); valid forms: {_VALID_FORMS_TEXT}")
    spec = spec.strip()
    n = _check_num_qubits(num_qubits, what=f"initial state {spec[:40]!r}")
    with initial_state_errors():  # the spec's errors, told apart from those of num_qubits
        return _build_initial_state(spec, n, hamiltonian, beta)


def _build_initial_state(spec: str, n: int, hamiltonian, beta) -> np.ndarray:
    """:func:`initial_state` for a stripped ``spec`` and a checked ``n``."""
    kind, sep, value = spec.partition(":")
    kind = kind.strip().lower()

    if kind in ("ground", "thermal") and sep:
        raise QbexpError(f"initial state '{spec}': '{kind}' takes no value; valid forms: {_VALID_FORMS_TEXT}")
    if kind in ("c", "haar", "hs", "bures", "file", "dicke", "coherent") and not value.strip():
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
        text = value.strip()
        try:
            c = float(text)
        except ValueError:
            raise QbexpError(f"initial state '{spec}': '{value}' is not a number") from None
        if np.isinf(c):  # "inf", or more digits than the floats hold (float() reads them as inf)
            shown = text if len(text) <= 30 else f"a number of {len(text):,} characters"
            raise QbexpError(f"initial state c:VALUE: c must lie in [0, 1], got {shown}")
        rho = c_family_state(c)
        name = "c-family state"
    elif kind in ("haar", "hs", "bures"):
        seed = _parse_seed_text(kind, value)
        maker = {"haar": haar_pure_state, "hs": hilbert_schmidt_state, "bures": bures_state}[kind]
        rho = maker(n, seed)
        name = f"{kind} state"
    elif kind == "dicke":
        rho = dicke_state(n, parse_dicke(value, n))
        name = "Dicke state"
    elif kind == "coherent":
        rho = spin_coherent_state(n, *parse_coherent(value))
        name = "spin-coherent state"
    elif kind == "file":
        return load_state_file(value.strip(), n)
    else:
        raise QbexpError(f"unknown initial state '{spec}'; valid forms: {_VALID_FORMS_TEXT}")
    return validate_density_matrix(rho, num_qubits=n, name=name)
