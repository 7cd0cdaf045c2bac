"""Pauli-basis tomography counts: validation and the count arrays the estimators use.

An N-qubit experiment has ``3**N`` settings, one Pauli axis (X, Y or Z) per qubit,
labelled in Qiskit order: the rightmost character of ``"XZY"`` is the axis of
``qubits[0]`` (see :func:`qbexp.circuits.measure.tomography_circuits`).  Outcome
bitstrings are Qiskit's too: the rightmost bit belongs to ``qubits[0]``, and bit
value 0 means the +1 eigenstate of that qubit's axis.

:class:`TomographyData` keeps the counts as one integer array ``counts[s, b]`` with
rows in the order of :func:`setting_labels` (itertools order, ``"XX..X"`` first)
and columns indexed by the outcome integer ``b = int(bitstring, 2)``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qbexp.analysis._checks import check_seed, real_array
from qbexp.circuits import measure  # the settings are those the circuits measure
from qbexp.errors import QbexpError
from qbexp.models.matrices import check_integer, precision_atol, qubit_count
from qbexp.thermo._validate import TRACE_TOL

#: Pauli axes of one qubit's measurement setting, in the order used for array rows.
AXES = "XYZ"

#: How many missing or unknown names an error message lists before summarising.
_LISTED = 8

#: Largest number of qubits of the analysis's settings and histograms (3^N settings of 2^N
#: outcomes); the experiments build circuits up to it (``qbexp.experiments.experiment.MAX_CIRCUIT_QUBITS``).
MAX_QUBITS = 6

#: Most negative outcome probability taken for rounding (the positivity tolerance of
#: :func:`qbexp.models.matrices.validate_density_matrix`); rows of probabilities must sum to 1
#: within :data:`qbexp.thermo._validate.TRACE_TOL`, the trace tolerance of the states they come from.
PROBABILITY_ATOL = 1e-8


def check_tomography_qubits(num_qubits, name: str = "num_qubits") -> int:
    """``num_qubits`` as an int from 1 to :data:`MAX_QUBITS`; a one-line :class:`QbexpError` otherwise."""
    n = check_integer(num_qubits, name, 1, "positive")
    if n > MAX_QUBITS:
        raise QbexpError(f"{name} = {n}: tomography goes up to {MAX_QUBITS} qubits (MAX_CIRCUIT_QUBITS; "
                         f"3^N settings of 2^N outcomes)")
    return n


def setting_labels(num_qubits: int) -> list[str]:
    """All ``3**num_qubits`` Pauli setting labels of state tomography in array-row order
    (``"XX"``, ``"XY"``, ..., ``"ZZ"``; the rightmost letter is qubit 0), for 1 to
    :data:`MAX_QUBITS` qubits (:func:`qbexp.circuits.measure.setting_labels`)."""
    return measure.setting_labels(check_tomography_qubits(num_qubits))


def _layout(shape: tuple, name: str, stack: bool) -> int:
    """The number of qubits N of an array of shape ``(3^N, 2^N)`` (``stack``: ``(..., 3^N, 2^N)``)."""
    expected = "(..., 3^N, 2^N)" if stack else "(3^N, 2^N)"
    if len(shape) < 2 or (not stack and len(shape) != 2) or qubit_count(shape[-1]) is None:
        raise QbexpError(f"{name} have shape {shape}; expected {expected}")
    n = qubit_count(shape[-1])
    if shape[-2] != 3**n:
        raise QbexpError(f"{name} have {shape[-2]} settings; {n} qubits need 3^{n} = {3**n}")
    return n


def check_counts(counts, name: str = "counts", stack: bool = False) -> np.ndarray:
    """``np.asarray(counts)``: integers >= 0 of shape ``(3^N, 2^N)`` (``stack``: with leading batch
    axes), every setting of every data set with at least one shot; a one-line :class:`QbexpError`
    otherwise."""
    try:
        counts = np.asarray(counts)
    except (TypeError, ValueError):  # ragged lists
        raise QbexpError(f"{name} are not an array of integers (a ragged or mixed list)") from None
    n = _layout(counts.shape, name, stack)
    if counts.dtype.kind not in "iu":
        raise QbexpError(f"{name} must be integers >= 0, got an array of {counts.dtype}")
    if counts.size and counts.min() < 0:
        raise QbexpError(f"{name} hold a negative entry ({counts.min()}); counts must be integers >= 0")
    if counts.size and (counts.max() > MAX_COUNT or counts.sum(axis=-1).max() > MAX_COUNT):  # no sum wraps around
        raise QbexpError(f"{name} hold a setting of more than 2^53 = {MAX_COUNT:,} shots")
    empty = (counts.sum(axis=-1) == 0).reshape(-1, 3**n)
    if empty.any():
        k = int(np.flatnonzero(empty.any(axis=1))[0])
        where = "" if counts.ndim == 2 else f" (data set {tuple(int(i) for i in np.unravel_index(k, counts.shape[:-2]))})"
        labels = measure.setting_labels(n)
        raise QbexpError(f"{name}{where} have settings with zero shots: "
                         f"{_listing(labels[i] for i in np.flatnonzero(empty[k]))}")
    return counts


def check_probabilities(probabilities, name: str = "probabilities") -> np.ndarray:
    """``np.asarray(probabilities)``: finite reals of shape ``(3^N, 2^N)``, each row a probability
    distribution (entries >= -:data:`PROBABILITY_ATOL`, sum 1 within ``TRACE_TOL``; coarser for
    float32 input, :func:`qbexp.models.matrices.precision_atol`)."""
    p = real_array(probabilities, name)
    _layout(p.shape, name, stack=False)
    if p.min() < -precision_atol(p, PROBABILITY_ATOL):
        s, b = np.unravel_index(np.argmin(p), p.shape)
        raise QbexpError(f"{name} hold a negative entry ({p[s, b]:.3g}, row {s}); probabilities must be >= 0")
    sums = p.sum(axis=-1)
    worst = int(np.argmax(np.abs(sums - 1.0)))
    if abs(sums[worst] - 1.0) > precision_atol(p, TRACE_TOL):
        raise QbexpError(f"{name}: row {worst} sums to {sums[worst]:.10g}; each row must sum to 1")
    return p


def check_shots(shots, settings: int, name: str = "shots"):
    """``shots`` unless it is not a positive integer or an integer array of shape ``(settings,)``
    of them (shots per setting)."""
    if not isinstance(shots, (np.ndarray, list, tuple)):
        check_integer(shots, name, 1, "positive")
        return shots
    try:
        arr = np.asarray(shots)
    except (TypeError, ValueError):  # ragged lists
        raise QbexpError(f"{name} are not an array of integers (a ragged or mixed list)") from None
    if arr.shape != (settings,):
        raise QbexpError(f"{name} have shape {arr.shape}; expected one count per setting, ({settings},)")
    if arr.dtype.kind not in "iu":
        raise QbexpError(f"{name} must be integers >= 1 (every setting measured), got an array of {arr.dtype}")
    if arr.min() < 1:
        raise QbexpError(f"{name} must be integers >= 1 (every setting measured), got {arr.min()}")
    return shots


def _listing(names) -> str:
    names = list(names)
    shown = ", ".join(names[:_LISTED])
    return shown if len(names) <= _LISTED else f"{shown} and {len(names) - _LISTED} more"


@dataclass(frozen=True)
class TomographyData:
    """Counts of a complete Pauli-basis tomography experiment.

    ``counts`` has shape ``(3**N, 2**N)``: row ``s`` is setting ``setting_labels(N)[s]``,
    column ``b`` the outcome whose bitstring is ``format(b, f"0{N}b")``.
    """

    counts: np.ndarray

    def __post_init__(self):
        counts = check_counts(self.counts, "tomography counts").astype(np.int64)  # a copy: the caller's array
        counts.setflags(write=False)  # may change, these counts must not (shots and fits are read from them)
        object.__setattr__(self, "counts", counts)

    @property
    def num_qubits(self) -> int:
        return self.counts.shape[1].bit_length() - 1

    @property
    def labels(self) -> list[str]:
        return measure.setting_labels(self.num_qubits)

    @property
    def shots(self) -> np.ndarray:
        """Shots of each setting, shape ``(3**N,)``."""
        return self.counts.sum(axis=1)

    @property
    def frequencies(self) -> np.ndarray:
        """Relative frequencies ``counts / shots``, each row summing to 1."""
        return self.counts / self.shots[:, None]

    def resample(self, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
        """``n_resamples`` bootstrap copies of the counts, shape ``(n_resamples, 3**N, 2**N)``.

        Each setting's counts are redrawn from a multinomial with that setting's
        shots and observed frequencies (the nonparametric bootstrap over shots).
        """
        return rng.multinomial(self.shots, self.frequencies, size=(n_resamples, self.counts.shape[0]))


def tomography_data(counts_by_setting: Mapping, num_qubits: int | None = None) -> TomographyData:
    """Validate ``{setting_label: {bitstring: count}}`` and turn it into :class:`TomographyData`.

    Every one of the ``3**N`` settings must be present with at least one shot;
    bitstrings must have N characters ``0``/``1`` and counts be non-negative
    integers.  ``num_qubits`` defaults to the length of the labels.  Qiskit
    ``Counts`` objects (``result.get_counts(circuit)``) are accepted as values.
    """
    if not isinstance(counts_by_setting, Mapping) or not counts_by_setting:
        raise QbexpError("tomography counts must be a non-empty mapping {setting label: {bitstring: count}}")
    if num_qubits is None:
        first = next(iter(counts_by_setting))
        if not isinstance(first, str):
            raise QbexpError(f"tomography setting label {first!r} is not a string like 'XZY'")
        num_qubits = len(first)
    labels = setting_labels(num_qubits)
    row = {label: i for i, label in enumerate(labels)}
    unknown = [repr(k) for k in counts_by_setting if k not in row]
    if unknown:
        raise QbexpError(
            f"unknown tomography setting labels {_listing(unknown)}; "
            f"expected {num_qubits} characters from {AXES}"
        )
    missing = [label for label in labels if label not in counts_by_setting]
    if missing:
        raise QbexpError(
            f"tomography data is missing {len(missing)} of {len(labels)} settings: {_listing(missing)}"
        )
    counts = np.array(
        [histogram_counts(counts_by_setting[label], num_qubits, f"setting {label}") for label in labels]
    )
    return TomographyData(counts)


#: The most shots a histogram (or a setting) holds: 2^53, below which every integer is exact in
#: float64 (frequencies are counts / shots), and 64 outcomes (N <= 6) of it sum within int64.
MAX_COUNT = 2**53


def histogram_counts(histogram: Mapping, num_qubits: int, what: str = "histogram") -> np.ndarray:
    """``{bitstring: count}`` -> integer array of length ``2**num_qubits`` indexed by ``int(bitstring, 2)``.

    Bitstrings must have ``num_qubits`` characters ``0``/``1``, counts be non-negative
    integers; ``what`` names the histogram in error messages.
    """
    if not isinstance(histogram, Mapping):
        raise QbexpError(f"counts of {what} must be a mapping {{bitstring: count}}")
    num_qubits = check_tomography_qubits(num_qubits)
    counts = np.zeros(2**num_qubits, dtype=np.int64)
    for bits, count in histogram.items():
        if not isinstance(bits, str) or len(bits) != num_qubits or set(bits) - {"0", "1"}:
            raise QbexpError(f"{what} has outcome {bits!r}; expected a bitstring of {num_qubits} characters 0/1")
        valid = isinstance(count, numbers.Real) and not isinstance(count, bool) and abs(count) < math.inf
        if not valid or count < 0 or count != int(count):  # NaN and inf fail the first test
            raise QbexpError(f"{what}, outcome {bits}: count {count!r} is not a non-negative integer")
        if count > MAX_COUNT:  # no int beyond int64 is cast
            raise QbexpError(f"{what}, outcome {bits}: count {count!r} is more than 2^53 = {MAX_COUNT:,} shots")
        counts[int(bits, 2)] += int(count)
    if counts.sum() > MAX_COUNT:
        raise QbexpError(f"{what} holds {int(counts.sum()):,} shots; at most 2^53 = {MAX_COUNT:,}")
    return counts


def simulate_counts(probabilities, shots: int, seed=None) -> TomographyData:
    """Multinomial counts with ``shots`` per setting from exact outcome probabilities.

    ``probabilities`` has the :class:`TomographyData` layout (e.g. from
    :func:`qbexp.analysis.estimators.born_probabilities`): every row a probability distribution
    (entries >= -:data:`PROBABILITY_ATOL`, clipped at 0; sum 1 within ``TRACE_TOL``);
    ``shots`` a positive integer (or one per setting); ``seed`` seeds ``numpy.random.default_rng``.
    """
    checked = check_probabilities(probabilities)
    check_shots(shots, checked.shape[0])
    check_seed(seed)
    p = np.clip(np.asarray(probabilities, dtype=float), 0.0, None)
    rng = np.random.default_rng(seed)
    return TomographyData(rng.multinomial(shots, p / p.sum(axis=-1, keepdims=True)))
