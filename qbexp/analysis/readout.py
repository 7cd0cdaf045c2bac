"""Readout-error mitigation with a tensored (one matrix per qubit) assignment model.

Calibration (:func:`qbexp.circuits.measure.readout_calibration_circuits`): every qubit is
prepared in 0 and read, then prepared in 1 and read.  For each *physical* qubit ``q`` this
estimates the assignment matrix

    A_q = [[P(0|0), P(0|1)],
           [P(1|0), P(1|1)]]          (column = prepared bit, row = read bit)

and a measurement of the clbits ``k = 0 .. N-1``, read on the physical qubits ``q_k``, has
observed outcome probabilities ``p_obs = (A_{q_{N-1}} ⊗ ... ⊗ A_{q_0}) p_ideal`` (outcome
index ``b = int(bitstring, 2)``, clbit 0 rightmost, as in
:mod:`qbexp.analysis.tomography_data`).  This is the tensored model of Bravyi, Sheldon,
Kandala, Mckay and Gambetta, PRA 103, 042605 (2021), Sec. II: it neglects correlated
readout errors (crosstalk between the read-out resonators), but needs only two calibration
circuits for any number of qubits.

How the model enters the fits (:mod:`qbexp.analysis.estimators`):

* linear inversion: every setting's counts are multiplied by ``⊗ A_{q_k}^{-1}``
  (:func:`mitigate_counts`) before the inversion and the projection onto the physical
  states; the corrected "counts" are real numbers, possibly negative, with the same sum;
* maximum likelihood: the likelihood uses the forward model ``p_obs = (⊗ A) p(rho)``.

The bootstrap (:mod:`qbexp.analysis.bootstrap`) redraws the calibration counts of every
replicate (:meth:`ReadoutModel.resampled_assignments`), so the intervals include the
uncertainty of the calibration.

Written here rather than taken from ``qiskit.result.LocalReadoutMitigator`` (deprecated in
Qiskit 1.3, gone in 2.0) or mthree: those correct quasi-probabilities after the fact, while
here the assignment model must also enter the maximum-likelihood forward model and every
bootstrap replicate, vectorised over settings and replicates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qbexp.analysis._checks import real_array
from qbexp.analysis.tomography_data import histogram_counts
from qbexp.errors import QbexpError

#: Tolerance of an assignment matrix's entries (probabilities in [0, 1]) and column sums (1).
ASSIGNMENT_ATOL = 1e-8
#: |det A| below which a 2 x 2 assignment matrix counts as singular (readout that tells nothing:
#: P(1|0) + P(0|1) = 1); its inverse would amplify the counts by 1/|det A|.
SINGULAR_DET = 1e-12


def assignment_matrices(error_rates) -> np.ndarray:
    """``(..., 2)`` error rates ``(P(1|0), P(0|1))`` -> assignment matrices ``(..., 2, 2)``.

    The rates must be probabilities: finite, in [0, 1].
    """
    rates = real_array(error_rates, "error rates")
    if rates.ndim < 1 or rates.shape[-1] != 2:
        raise QbexpError(f"error rates have shape {rates.shape}; expected (..., 2): (P(1|0), P(0|1)) per qubit")
    if rates.size and (rates.min() < 0 or rates.max() > 1):
        bad = rates.min() if rates.min() < 0 else rates.max()
        raise QbexpError(f"error rates hold {bad:g}; error rates are probabilities in [0, 1]")
    return rates_to_matrices(error_rates)


def rates_to_matrices(error_rates) -> np.ndarray:
    """:func:`assignment_matrices` without the checks (internal callers: calibrated, redrawn and
    finite-difference rates)."""
    rates = np.asarray(error_rates, dtype=float)
    e0, e1 = rates[..., 0], rates[..., 1]
    return np.stack([np.stack([1 - e0, e1], axis=-1), np.stack([e0, 1 - e1], axis=-1)], axis=-2)


def apply_assignment(values, matrices) -> np.ndarray:
    """``(M_{N-1} ⊗ ... ⊗ M_0) v`` for every outcome vector ``v`` of ``values``.

    ``values`` has shape ``(..., 2**N)`` (outcome axis last, index ``b`` with clbit ``k`` as
    bit ``k``); ``matrices`` ``(..., N, 2, 2)`` hold the one-clbit matrices ``M_k``, with
    leading axes that broadcast against those of ``values`` (e.g. one set per setting).
    """
    values = np.asarray(values)
    matrices = np.asarray(matrices)
    n = matrices.shape[-3]
    if values.shape[-1] != 2**n:
        raise QbexpError(f"outcome axis has {values.shape[-1]} entries; {n} clbits need {2**n}")
    try:
        lead = np.broadcast_shapes(values.shape[:-1], matrices.shape[:-3])
    except ValueError:
        raise QbexpError(f"values of shape {values.shape} and matrices of shape {matrices.shape}: their leading "
                         "axes do not broadcast") from None
    x = np.broadcast_to(values, lead + (2**n,)).reshape(lead + (2,) * n)
    for k in range(n):
        axis = x.ndim - 1 - k  # the bit axes run from clbit N-1 (first) to clbit 0 (last)
        m = matrices[..., k, :, :].reshape(matrices.shape[:-3] + (1,) * (n - 1) + (2, 2))
        x = np.moveaxis(x, axis, -1)
        x = (m @ x[..., None])[..., 0]
        x = np.moveaxis(x, -1, axis)
    return x.reshape(lead + (2**n,))


def check_assignment(matrices, num_clbits: int | None = None, name: str = "assignment matrices") -> np.ndarray:
    """``matrices`` as a float array ``(..., N, 2, 2)`` (``N = num_clbits`` if given) of invertible
    assignment matrices: entries probabilities in [0, 1], columns summing to 1 (each to
    :data:`ASSIGNMENT_ATOL`), ``|det| > SINGULAR_DET``; a one-line :class:`QbexpError` otherwise."""
    arr = real_array(matrices, name)
    expected = "(..., N, 2, 2)" if num_clbits is None else f"(..., {num_clbits}, 2, 2)"
    if arr.ndim < 3 or arr.shape[-2:] != (2, 2) or arr.shape[-3] < 1 or \
            (num_clbits is not None and arr.shape[-3] != num_clbits):
        raise QbexpError(f"{name} have shape {arr.shape}; expected {expected}")
    arr = arr.astype(float)
    if arr.min() < -ASSIGNMENT_ATOL or arr.max() > 1 + ASSIGNMENT_ATOL:
        bad = arr.min() if arr.min() < -ASSIGNMENT_ATOL else arr.max()
        raise QbexpError(f"{name} hold an entry {bad:g}; their entries are probabilities P(read | prepared) in [0, 1]")
    sums = arr.sum(axis=-2)
    if np.max(np.abs(sums - 1.0)) > ASSIGNMENT_ATOL:
        worst = sums.flat[np.argmax(np.abs(sums - 1.0))]
        raise QbexpError(f"{name} have a column summing to {worst:.10g}; each column (a prepared bit) must sum to 1")
    det = arr[..., 0, 0] * arr[..., 1, 1] - arr[..., 0, 1] * arr[..., 1, 0]
    if np.min(np.abs(det)) <= SINGULAR_DET:
        raise QbexpError(f"{name} hold a singular matrix (determinant {det.flat[np.argmin(np.abs(det))]:.3g}: "
                         "P(1|0) + P(0|1) = 1, the readout tells nothing); it cannot be inverted")
    return arr


def mitigate_counts(counts, matrices) -> np.ndarray:
    """Counts corrected for readout errors: ``(⊗ A_k^{-1}) n`` per outcome vector (real, sum kept).

    ``counts`` (``(..., 2**N)``): finite values >= 0; ``matrices`` (``(..., N, 2, 2)``): invertible
    assignment matrices (:func:`check_assignment`).
    """
    values = real_array(counts, "counts")
    if values.size and values.min() < 0:
        raise QbexpError(f"counts hold a negative entry ({values.min():g}); counts must be >= 0")
    check_assignment(matrices)
    return mitigated(counts, matrices)


def mitigated(counts, matrices) -> np.ndarray:
    """:func:`mitigate_counts` without the checks (internal callers: counts and matrices already checked)."""
    return apply_assignment(np.asarray(counts, dtype=float), np.linalg.inv(matrices))


@dataclass(frozen=True)
class ReadoutCalibration:
    """Tensored readout calibration of physical qubits.

    ``qubits[i]`` is a physical qubit; ``errors[i] = (n_10, n_01)`` the shots that read 1
    when 0 was prepared and 0 when 1 was prepared, out of ``shots[i] = (shots_0, shots_1)``.
    """

    qubits: tuple
    errors: np.ndarray
    shots: np.ndarray

    def __post_init__(self):
        errors, shots = np.asarray(self.errors, dtype=np.int64), np.asarray(self.shots, dtype=np.int64)
        qubits = tuple(int(q) for q in self.qubits)
        if errors.shape != (len(qubits), 2) or shots.shape != errors.shape:
            raise QbexpError(f"readout calibration of {len(qubits)} qubits needs errors and shots of shape "
                             f"({len(qubits)}, 2); got {errors.shape} and {shots.shape}")
        if len(set(qubits)) != len(qubits) or np.any(shots < 1) or np.any(errors < 0) or np.any(errors > shots):
            raise QbexpError("readout calibration: qubits must be distinct, shots >= 1 and 0 <= errors <= shots")
        singular = [q for q, r in zip(qubits, (errors / shots).sum(axis=-1)) if r >= 1]
        if singular:
            raise QbexpError(f"readout calibration of qubit(s) {singular}: P(1|0) + P(0|1) >= 1, so the "
                             "assignment matrix cannot be inverted (the readout tells nothing)")
        object.__setattr__(self, "qubits", qubits)
        object.__setattr__(self, "errors", errors)
        object.__setattr__(self, "shots", shots)

    @classmethod
    def from_counts(cls, counts_0: Mapping, counts_1: Mapping, qubits_0, qubits_1=None) -> "ReadoutCalibration":
        """From the counts of the two calibration circuits (all 0, all 1).

        ``qubits_0[k]`` (``qubits_1[k]``) is the physical qubit read into clbit ``k`` of the
        first (second) circuit (:func:`qbexp.backends.submit.measured_qubits`); both must be
        the same, so that each qubit has both error rates.
        """
        qubits_0 = list(qubits_0)
        qubits_1 = qubits_0 if qubits_1 is None else list(qubits_1)
        if qubits_0 != qubits_1 or None in qubits_0:
            raise QbexpError(f"the two readout calibration circuits were read on qubits {qubits_0} and {qubits_1}; "
                             "they must be the same")
        n = len(qubits_0)
        zeros = histogram_counts(counts_0, n, "readout calibration (all 0)")
        ones = histogram_counts(counts_1, n, "readout calibration (all 1)")
        bits = (np.arange(2**n)[:, None] >> np.arange(n)) & 1  # bits[b, k]: clbit k of outcome b
        errors = np.stack([zeros @ bits, ones.sum() - ones @ bits], axis=-1)
        return cls(tuple(qubits_0), errors, np.tile([zeros.sum(), ones.sum()], (n, 1)))

    @property
    def error_rates(self) -> np.ndarray:
        """``(Q, 2)``: ``(P(1|0), P(0|1))`` per qubit."""
        return self.errors / self.shots

    @property
    def matrices(self) -> np.ndarray:
        """Assignment matrices ``(Q, 2, 2)``, ``A[i, read, prepared]``."""
        return rates_to_matrices(self.error_rates)

    @property
    def fidelities(self) -> np.ndarray:
        """Assignment fidelity ``1 - (P(1|0) + P(0|1)) / 2`` per qubit."""
        return 1.0 - self.error_rates.mean(axis=-1)

    def index(self, measured) -> np.ndarray:
        """Rows of the calibration for an array of physical qubits (error if one is not calibrated)."""
        measured = np.asarray(measured, dtype=object)
        where = {q: i for i, q in enumerate(self.qubits)}
        missing = sorted({q for q in measured.ravel() if q not in where}, key=str)
        if missing:
            raise QbexpError(f"qubit(s) {missing} were read but not calibrated (calibrated: {list(self.qubits)})")
        return np.vectorize(where.__getitem__, otypes=[np.int64])(measured)

    def resampled_rates(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``(count, Q, 2)`` error rates of calibrations redrawn binomially from the estimated rates."""
        return rng.binomial(self.shots, self.error_rates, size=(count,) + self.shots.shape) / self.shots

    def to_dict(self) -> dict:
        """What results.json records: per physical qubit, the matrix, the error rates and the fidelity."""
        return {
            "model": "tensored",
            "qubits": list(self.qubits),
            "shots": self.shots.tolist(),  # per qubit: (prepared 0, prepared 1)
            "p1_given_0": self.error_rates[:, 0].tolist(),
            "p0_given_1": self.error_rates[:, 1].tolist(),
            "assignment_matrices": self.matrices.tolist(),
            "readout_fidelity": self.fidelities.tolist(),
        }


@dataclass(frozen=True)
class ReadoutModel:
    """The readout model of a set of measurements: ``measured[s, k]`` is the physical qubit
    read into clbit ``k`` of measurement ``s`` (a tomography setting, in the row order of
    :class:`~qbexp.analysis.tomography_data.TomographyData`), all in ``calibration``."""

    calibration: ReadoutCalibration
    measured: np.ndarray

    def __post_init__(self):
        measured = np.asarray(self.measured, dtype=object)
        if measured.ndim != 2:
            raise QbexpError(f"measured qubits must be a (measurements, clbits) array; got shape {measured.shape}")
        object.__setattr__(self, "measured", measured)
        object.__setattr__(self, "_rows", self.calibration.index(measured))

    def assignment(self) -> np.ndarray:
        """``(S, N, 2, 2)``: the estimated assignment matrix of every clbit of every measurement."""
        return self.calibration.matrices[self._rows]

    def resampled_assignments(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``(count, S, N, 2, 2)``: the same from ``count`` redrawn calibrations."""
        return rates_to_matrices(self.calibration.resampled_rates(count, rng)[:, self._rows])


def check_readout(readout, shape: tuple, what: str) -> None:
    """Refuse a ``readout`` that is neither None nor a :class:`ReadoutModel` whose measured qubits
    have ``shape`` ``(measurements, clbits)`` (``what`` names the measurements)."""
    if readout is None:
        return
    if not isinstance(readout, ReadoutModel):
        raise QbexpError(f"readout must be a ReadoutModel (qbexp.analysis.readout) or None, got {type(readout).__name__}")
    if readout.measured.shape != shape:
        raise QbexpError(f"readout model covers {readout.measured.shape} (measurements, clbits); "
                         f"{what} need {shape}")
