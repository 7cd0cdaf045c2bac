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

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qbexp.circuits.measure import setting_labels  # the settings are those the circuits measure
from qbexp.errors import QbexpError

#: Pauli axes of one qubit's measurement setting, in the order used for array rows.
AXES = "XYZ"

#: How many missing or unknown names an error message lists before summarising.
_LISTED = 8


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
        counts = np.asarray(self.counts)
        if counts.ndim != 2 or counts.shape[1] < 2 or counts.shape[1] & (counts.shape[1] - 1):
            raise QbexpError(f"tomography counts have shape {counts.shape}; expected (3^N, 2^N)")
        n = counts.shape[1].bit_length() - 1
        if counts.shape[0] != 3**n:
            raise QbexpError(f"tomography counts have {counts.shape[0]} settings; {n} qubits need 3^{n} = {3**n}")
        if counts.dtype.kind not in "iu" or np.any(counts < 0):
            raise QbexpError("tomography counts must be non-negative integers")
        empty = np.flatnonzero(counts.sum(axis=1) == 0)
        if empty.size:
            raise QbexpError(f"tomography settings with zero shots: {_listing(setting_labels(n)[i] for i in empty)}")
        object.__setattr__(self, "counts", counts.astype(np.int64))

    @property
    def num_qubits(self) -> int:
        return self.counts.shape[1].bit_length() - 1

    @property
    def labels(self) -> list[str]:
        return setting_labels(self.num_qubits)

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
    if isinstance(num_qubits, bool) or not isinstance(num_qubits, numbers.Integral) or num_qubits < 1:
        raise QbexpError(f"num_qubits must be a positive integer, got {num_qubits!r}")
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


#: the largest count a histogram holds (int64 arrays)
MAX_COUNT = np.iinfo(np.int64).max


def histogram_counts(histogram: Mapping, num_qubits: int, what: str = "histogram") -> np.ndarray:
    """``{bitstring: count}`` -> integer array of length ``2**num_qubits`` indexed by ``int(bitstring, 2)``.

    Bitstrings must have ``num_qubits`` characters ``0``/``1``, counts be non-negative
    integers; ``what`` names the histogram in error messages.
    """
    if not isinstance(histogram, Mapping):
        raise QbexpError(f"counts of {what} must be a mapping {{bitstring: count}}")
    counts = np.zeros(2**num_qubits, dtype=np.int64)
    for bits, count in histogram.items():
        if not isinstance(bits, str) or len(bits) != num_qubits or set(bits) - {"0", "1"}:
            raise QbexpError(f"{what} has outcome {bits!r}; expected a bitstring of {num_qubits} characters 0/1")
        valid = isinstance(count, numbers.Real) and not isinstance(count, bool) and abs(count) <= MAX_COUNT
        if not valid or count < 0 or count != int(count):  # abs(): NaN and inf fail, no int beyond int64 is cast
            raise QbexpError(f"{what}, outcome {bits}: count {count!r} is not a non-negative integer")
        counts[int(bits, 2)] += int(count)
    return counts


def simulate_counts(probabilities, shots: int, seed=None) -> TomographyData:
    """Multinomial counts with ``shots`` per setting from exact outcome probabilities.

    ``probabilities`` has the :class:`TomographyData` layout (e.g. from
    :func:`qbexp.analysis.estimators.born_probabilities`); ``seed`` seeds
    ``numpy.random.default_rng``.
    """
    p = np.clip(np.asarray(probabilities, dtype=float), 0.0, None)
    if isinstance(shots, bool) or not isinstance(shots, numbers.Integral) or shots < 1:
        raise QbexpError(f"shots must be a positive integer, got {shots!r}")
    rng = np.random.default_rng(seed)
    return TomographyData(rng.multinomial(shots, p / p.sum(axis=-1, keepdims=True)))
