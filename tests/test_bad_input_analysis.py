"""Bad arguments to the public functions of :mod:`qbexp.analysis` (those its ``__init__`` exports):
each refused in one :class:`qbexp.QbexpError` line naming the argument and the problem, instead of
a numpy traceback, NaN output, a hang or unphysical output (defects 19-28 of the adversarial
review).  Rows: ``(call, fragment)``; then the odd but valid input that stays accepted."""

from __future__ import annotations

import numpy as np
import pytest

from qbexp import analysis as A
from qbexp.analysis.estimators import UNPROJECTED
from qbexp.analysis.readout import ReadoutCalibration, ReadoutModel
from qbexp.analysis.tomography_data import MAX_QUBITS
from _bad_input import one_line_error, time_limit

RHO1 = np.array([[0.8, 0.1 - 0.2j], [0.1 + 0.2j, 0.2]])  # a 1-qubit state
RHO2 = np.diag([0.7, 0.1, 0.1, 0.1]).astype(complex)
H2 = np.diag([0.0, 1.0, 1.0, 2.0])
DATA1 = A.simulate_counts(A.born_probabilities(RHO1), 50, seed=1)
DATA2 = A.simulate_counts(A.born_probabilities(RHO2), 50, seed=1)
GEN = np.random.default_rng(0)
CALIBRATION = ReadoutCalibration.from_counts({"0": 95, "1": 5}, {"1": 90, "0": 10}, [0])
UNIFORM = [[0.5, 0.5]] * 3  # outcome probabilities of I/2
GOOD_ASSIGNMENT = [[[0.9, 0.2], [0.1, 0.8]]]  # (N = 1, 2, 2)
REPLICATES = np.linspace(0.0, 1.0, 40)

# (call, fragment of the one-line QbexpError)
ROWS = [
    # 19: fit_states takes non-negative integer counts (..., 3^N, 2^N), every setting measured
    (lambda: A.fit_states(np.array([[-5, 5], [5, 5], [10, 0]])), "counts hold a negative entry (-5); counts must be integers >= 0"),
    (lambda: A.fit_states(np.array([[5.0, 5], [5, 5], [10, 0]])), "counts must be integers >= 0, got an array of float64"),
    (lambda: A.fit_states(np.array([5, 5, 5])), "counts have shape (3,); expected (..., 3^N, 2^N)"),
    (lambda: A.fit_states(np.ones((4, 2), int)), "counts have 4 settings; 1 qubits need 3^1 = 3"),
    (lambda: A.fit_states(np.array([[5, 5], [0, 0], [10, 0]])), "counts have settings with zero shots: Y"),
    (lambda: A.fit_states(np.stack([DATA1.counts, 0 * DATA1.counts])), "counts (data set (1,)) have settings with zero shots"),
    (lambda: A.fit_states([["a", "b"]] * 3), "counts must be integers >= 0"),
    (lambda: A.fit_states(DATA1.counts, "cvxpy"), "unknown estimator 'cvxpy'"),
    (lambda: A.fit_states(DATA1.counts, "linear", [[[0.5, 0.5], [0.5, 0.5]]]), "singular matrix"),
    (lambda: A.fit_states(DATA1.counts, "mle", np.broadcast_to(GOOD_ASSIGNMENT, (5, 1, 2, 2))), "broadcasting against counts"),
    (lambda: A.fit_states(DATA1.counts, "linear", np.ones((3, 2, 2, 2)) / 2), "expected (..., 1, 2, 2)"),
    # 20: born_probabilities of a state: finite, Hermitian, unit trace, no negative probability
    (lambda: A.born_probabilities(np.full((2, 2), np.nan)), "state contains NaN or infinite entries"),
    (lambda: A.born_probabilities(np.diag([2, -1])), "state is not positive semidefinite: setting Z, outcome 1 has probability -1"),
    (lambda: A.born_probabilities(np.stack([RHO2, np.diag([1.5, 0, 0, -0.5])])), "state (1,) of the stack is not positive semidefinite"),
    (lambda: A.born_probabilities(np.eye(2)), "state has trace 2, expected 1"),
    (lambda: A.born_probabilities([[0.5, 1], [0, 0.5]]), "state is not Hermitian"),
    (lambda: A.born_probabilities(np.eye(3) / 3), "state has 3 rows; expected a power of 2"),
    (lambda: A.born_probabilities(np.eye(2**7) / 2**7), "number of qubits of the state = 7: tomography goes up to 6 qubits"),
    # 21: simulate_counts: rows of probabilities, shots, seed
    (lambda: A.simulate_counts([[0.7, 0.5]] * 3, 10), "probabilities: row 0 sums to 1.2; each row must sum to 1"),
    (lambda: A.simulate_counts([[1.5, -0.5]] * 3, 10), "probabilities hold a negative entry (-0.5, row 0)"),
    (lambda: A.simulate_counts([[np.nan, 1.0]] * 3, 10), "NaN or infinite value in probabilities"),
    (lambda: A.simulate_counts([[0.5, 0.5]] * 2, 10), "probabilities have 2 settings; 1 qubits need 3^1 = 3"),
    (lambda: A.simulate_counts(UNIFORM, 10, seed=-1), "seed must be a non-negative integer, got -1"),
    (lambda: A.simulate_counts(UNIFORM, 10, seed=1.5), "seed must be a non-negative integer, got 1.5"),
    (lambda: A.simulate_counts(UNIFORM, 0), "shots must be a positive integer, got 0"),
    # 22: assignment matrices from error rates; mitigation needs invertible matrices
    (lambda: A.assignment_matrices([[0.5, 1.5]]), "error rates hold 1.5; error rates are probabilities in [0, 1]"),
    (lambda: A.assignment_matrices([[-0.1, 0.1]]), "error rates hold -0.1"),
    (lambda: A.assignment_matrices([[np.nan, 0.1]]), "NaN or infinite value in error rates"),
    (lambda: A.assignment_matrices([0.1, 0.2, 0.3]), "error rates have shape (3,); expected (..., 2)"),
    (lambda: A.mitigate_counts([[3, 4]], [[[0.5, 0.5], [0.5, 0.5]]]), "assignment matrices hold a singular matrix"),
    (lambda: A.mitigate_counts([[3, 4]], [[[0.9, 0.2], [0.2, 0.8]]]), "have a column summing to 1.1"),
    (lambda: A.mitigate_counts([[3, 4]], [[[np.nan, 0.2], [0.1, 0.8]]]), "NaN or infinite value in assignment matrices"),
    (lambda: A.mitigate_counts([[-3, 4]], GOOD_ASSIGNMENT), "counts hold a negative entry (-3)"),
    (lambda: A.mitigate_counts(np.ones((5, 2)), np.broadcast_to(GOOD_ASSIGNMENT, (3, 1, 2, 2))), "do not broadcast"),
    # 23: the summaries need values, at least two finite replicates (1-D) and ordered bounds
    (lambda: A.percentile_summary(0.5, np.array([])), "replicates must be a 1-D array of at least 2 values, got shape (0,)"),
    (lambda: A.percentile_summary(0.5, np.full(40, np.nan)), "NaN or infinite value in replicates"),
    (lambda: A.percentile_summary(0.5, REPLICATES, (1.0, 0.0)), "bounds = (1, 0): low must be <= high"),
    (lambda: A.percentile_summary(0.5, REPLICATES, (0.0, np.nan)), "bounds must be a pair of numbers"),
    (lambda: A.percentile_summary(0.5, REPLICATES, 1.0), "bounds must be a pair (low, high)"),
    (lambda: A.percentile_summary("x", REPLICATES), "value must be a real number, got 'x'"),
    (lambda: A.percentile_summary(np.nan, REPLICATES), "value must be finite"),
    (lambda: A.percentile_summary(0.5, ["a", "b"]), "replicates holds a non-numeric array"),
    (lambda: A.calibrated_summary(0.5, np.array([]), REPLICATES), "estimate_deviations must be a 1-D array of at least 2"),
    (lambda: A.calibrated_summary(0.5, np.ones((3, 3)), REPLICATES), "got shape (3, 3)"),
    (lambda: A.calibrated_summary(0.5, REPLICATES, [1.0]), "reference_deviations must be a 1-D array"),
    (lambda: A.calibrated_summary(0.5, REPLICATES, REPLICATES, entrywise="yes"), "entrywise must be True or False"),
    # 24: maximum_likelihood's tolerance and iteration limit
    (lambda: A.maximum_likelihood(DATA1, tol=np.nan), "tol must be finite, got nan"),
    (lambda: A.maximum_likelihood(DATA1, tol=-1), "tol = -1; the certified log-likelihood gap to stop at must be > 0"),
    (lambda: A.maximum_likelihood(DATA1, tol="1e-5"), "tol must be a real number"),
    (lambda: A.maximum_likelihood(DATA1, max_iter=1.5), "max_iter must be a positive integer, got 1.5"),
    (lambda: A.maximum_likelihood(DATA1, max_iter=0), "max_iter must be a positive integer, got 0"),
    (lambda: A.maximum_likelihood(np.full((3, 2), np.inf)), "NaN or infinite value in tomography data"),
    (lambda: A.maximum_likelihood(np.ones(3)), "tomography data have shape (3,)"),
    (lambda: A.maximum_likelihood(DATA1, assignment=np.ones((3, 1, 2, 2))), "have a column summing to 2"),
    # 25: setting_labels: 1 to MAX_QUBITS qubits
    (lambda: A.setting_labels(20), "num_qubits = 20: tomography goes up to 6 qubits (MAX_CIRCUIT_QUBITS"),
    (lambda: A.setting_labels(30), "num_qubits = 30: tomography goes up to 6 qubits"),
    (lambda: A.setting_labels(-1), "num_qubits must be a positive integer, got -1"),
    (lambda: A.setting_labels(2.0), "num_qubits must be a positive integer, got 2.0"),
    (lambda: A.setting_labels(0), "num_qubits must be a positive integer, got 0"),
    (lambda: A.setting_labels(True), "num_qubits must be a positive integer, got True"),
    (lambda: A.tomography_data({"X" * 20: {"0" * 20: 1}}), "num_qubits = 20: tomography goes up to 6 qubits"),
    # 26: histogram_counts: the dense histogram's qubits bounded too
    (lambda: A.histogram_counts({"0": 3}, 64), "num_qubits = 64: tomography goes up to 6 qubits"),
    (lambda: A.histogram_counts({"0": 3}, 0), "num_qubits must be a positive integer, got 0"),
    (lambda: A.histogram_counts({"0": 3}, "1"), "num_qubits must be a positive integer, got '1'"),
    # 27: the bootstrap's and figures' other arguments
    (lambda: A.resampled_states(DATA1, "linear", 39, 5), "rng must be a numpy.random.Generator (np.random.default_rng(seed)), got 5"),
    (lambda: A.resampled_states(DATA1, "linear", 39, None), "rng must be a numpy.random.Generator"),
    (lambda: A.resampled_states(DATA1.counts, "linear", 39, GEN), "resampled_states needs TomographyData"),
    (lambda: A.resampled_states(DATA1, "lsq", 39, GEN), "unknown estimator 'lsq'"),
    (lambda: A.resampled_states(DATA1, "linear", 20, GEN), "n_resamples = 20; it must be an integer from 39"),
    (lambda: A.resampled_states(DATA1, "linear", 39, GEN, readout=CALIBRATION), "readout must be a ReadoutModel"),
    (lambda: A.resampled_states(DATA2, "linear", 39, GEN, readout=ReadoutModel(CALIBRATION, [[0]] * 3)),
     "readout model covers (3, 1) (measurements, clbits); the 9 tomography settings need (9, 2)"),
    (lambda: A.estimate_figures(DATA2, H2, seed="x"), "seed must be a non-negative integer, got 'x'"),
    (lambda: A.estimate_figures(DATA2, H2, seed=-3), "seed must be a non-negative integer, got -3"),
    (lambda: A.simulated_states(RHO1, np.array([10, -1, 10]), "linear", 39, GEN), "shots must be integers >= 1 (every setting measured), got -1"),
    (lambda: A.simulated_states(RHO1, np.array([10]), "linear", 39, GEN), "shots have shape (1,); expected one count per setting, (3,)"),
    (lambda: A.simulated_states(RHO1, np.array([10.0] * 3), "linear", 39, GEN), "shots must be integers >= 1 (every setting measured), got an array of float64"),
    (lambda: A.simulated_states(RHO1, -5, "linear", 39, GEN), "shots must be a positive integer, got -5"),
    (lambda: A.simulated_states(RHO1, 10, "linear", 39, 7), "rng must be a numpy.random.Generator"),
    (lambda: A.simulated_states(np.diag([2.0, -1.0]), 10, "linear", 39, GEN), "state is not positive semidefinite"),
    (lambda: A.simulated_states(np.stack([RHO1, RHO1]), 10, "linear", 39, GEN), "simulates one state, got a stack of shape (2, 2, 2)"),
    (lambda: A.denoised_reference(RHO2, np.stack([np.eye(2) / 2] * 3)), "replicates have shape (3, 2, 2); expected (B, 4, 4) like the estimate"),
    (lambda: A.denoised_reference(RHO2, np.stack([RHO2] * 3), threshold=-1), "threshold = -1"),
    (lambda: A.denoised_reference(np.stack([RHO2] * 2), np.stack([RHO2] * 3)), "estimate has shape (2, 4, 4)"),
    (lambda: A.denoised_reference(RHO2, np.stack([2 * RHO2] * 3)), "replicates has trace 2, expected 1"),
    (lambda: A.figure_functions(np.eye(3)), "Hamiltonian is 3 x 3; expected 2^N x 2^N"),
    (lambda: A.work_extracted({"00": 1}, {"00": 1}, [0, 1, 1, 2], readout=CALIBRATION), "readout must be a ReadoutModel"),
    # 28: project_to_states takes Hermitian unit-trace matrices
    (lambda: A.project_to_states(np.ones((2, 3))), "state to project has shape (2, 3); a density matrix must be square"),
    (lambda: A.project_to_states("abc"), "state to project is not a numeric array"),
    (lambda: A.project_to_states(np.zeros((2, 2))), "state to project has trace 0, expected 1"),
    (lambda: A.project_to_states(np.array([[0.5, 1.0], [0.0, 0.5]])), "state to project is not Hermitian"),
    (lambda: A.project_to_states(np.full((2, 2), np.inf)), "state to project contains NaN or infinite entries"),
]


@pytest.fixture(autouse=True)
def _timeout():
    with time_limit(10):
        yield


@pytest.mark.parametrize("call, fragment", ROWS, ids=[f"{k}:{row[1][:40]}" for k, row in enumerate(ROWS)])
def test_bad_input_is_one_clear_line(call, fragment):
    one_line_error(call, fragment)


# -- what stays accepted ----------------------------------------------------------------------
def test_the_largest_tomography_is_accepted():
    """The limit itself (the experiments' MAX_CIRCUIT_QUBITS) is a valid number of qubits."""
    labels = A.setting_labels(np.int64(MAX_QUBITS))
    assert len(labels) == len(set(labels)) == 3**MAX_QUBITS and all(len(x) == MAX_QUBITS for x in labels)


def test_unprojected_and_batched_states_stay_accepted():
    # the unprojected linear inversion of X, Y, Z all +1: Bloch vector of length sqrt(3), an eigenvalue
    # (1 - sqrt 3) / 2 < 0, yet every outcome probability is a frequency, >= 0
    counts = np.array([[50, 0]] * 3)
    unprojected = A.fit_states(counts, UNPROJECTED)
    assert np.linalg.eigvalsh(unprojected)[0] < -0.3
    np.testing.assert_allclose(A.born_probabilities(unprojected), [[1, 0]] * 3, atol=1e-12)
    projected = A.project_to_states(unprojected)  # what projection is for
    assert np.linalg.eigvalsh(projected)[0] > -1e-12
    batch = np.stack([RHO2, np.eye(4) / 4, RHO2.astype(np.complex64)])
    assert A.born_probabilities(batch).shape == (3, 9, 4)
    assert A.project_to_states(batch[:, None]).shape == (3, 1, 4, 4)
    np.testing.assert_allclose(A.born_probabilities([1, 0]), [[0.5, 0.5], [0.5, 0.5], [1, 0]])  # a state vector
    pure = np.outer([1, 1j], [1, -1j]) / 2  # eigenvalue 0 (to rounding): its probabilities are exactly 0 and 1
    assert A.born_probabilities(pure)[1, 1] == pytest.approx(0.0, abs=1e-15)


def test_numpy_integers_and_odd_valid_arguments_stay_accepted():
    counts = A.simulate_counts(A.born_probabilities(RHO1), np.int64(20), seed=np.int64(3)).counts
    assert counts.sum() == 60
    per_setting = A.simulate_counts(UNIFORM, [5, 6, 7], seed=np.random.default_rng(1)).shots
    np.testing.assert_array_equal(per_setting, [5, 6, 7])
    assert A.fit_states(np.stack([counts, counts]).astype(np.uint16)).shape == (2, 2, 2)
    fit = A.maximum_likelihood(A.born_probabilities(RHO1), tol=1, max_iter=np.int64(3))  # exact probabilities
    assert fit.converged and fit.state.shape == (2, 2)
    np.testing.assert_allclose(A.assignment_matrices([[0.0, 1.0]]), [[[1, 1], [0, 0]]])  # rates at the ends
    np.testing.assert_allclose(A.mitigate_counts([[9.5, 0.5]], GOOD_ASSIGNMENT).sum(), 10.0)
    states = A.simulated_states(RHO1, 30, "linear", np.int64(39), np.random.default_rng(2))
    assert states.shape == (39, 2, 2)
    summary = A.percentile_summary(np.float32(0.0), [0, 0], (0.0, 0.0))  # H = c I: a range of one point
    assert summary["ci95"] == [0.0, 0.0]
    assert A.percentile_summary(1, np.arange(40), (-np.inf, np.inf))["value"] == 1.0
    assert A.calibrated_summary(0.5, REPLICATES, REPLICATES, (0, 1), entrywise=np.bool_(True))["bias"] == 0.5
    assert A.setting_labels(1) == ["X", "Y", "Z"]
    assert A.histogram_counts({"01": np.int64(2)}, np.int32(2)).tolist() == [0, 2, 0, 0]
