"""Bootstrap over shots: replicate states, the denoised reference, and the two interval rules.

Replicate data sets are drawn by multinomial resampling of every setting's shots with a
seeded ``numpy.random.Generator``, either

* nonparametrically (:func:`resampled_states`), from each setting's observed frequencies, or
* parametrically (:func:`simulated_states`), from the Born probabilities of a given state
  with the experiment's shots per setting,

and refitted with the same estimator as the data.  With readout-error mitigation (a
:class:`~qbexp.analysis.readout.ReadoutModel`), simulated counts pass through the estimated
assignment matrices, and every replicate is refitted with the assignment matrices of its own
calibration, redrawn binomially from the calibration's shots: the spread then includes the
calibration's uncertainty and the bias of the mitigated estimator.  Two rules turn them into
``{"value", "stderr", "ci95"}``:

:func:`percentile_summary` -- the plug-in value and the plain percentile interval of the
nonparametric replicates: what tomography code usually reports.  It fails where a figure
of merit is not smooth at the true state, and noise can then only add: a passive state
looks active under noise (ergotropy), a zero entry ``rho_ij`` becomes ``|noise| > 0`` (l1
coherence).  The plug-in value is biased upwards and the interval lies above the truth
(ergotropy of a passive 2-qubit state: coverage 0 %; see the coverage tests).

:func:`calibrated_summary` -- the earlier default, now ``method="two-reference"`` of
:func:`qbexp.analysis.figures.estimate_figures` (kept for comparison).  It undercovers
between its two reference points -- just above ``W = 0`` (0.80-0.88) -- and was calibrated
at the exact state for the fidelity (0.49-0.73 for noisy states); the default is now the
test-inversion interval of :mod:`qbexp.analysis.intervals`, which explains why.
The sampling distribution of the plug-in value ``f(rho_hat)`` is calibrated on two
reference states, each simulated and refitted:

* the estimate itself: deviations ``D_e = f(rho*) - f(rho_hat)`` carry the bias of
  smooth (spectral) figures -- ergotropy, energy, entropies, fidelity -- including the
  part that comes from projecting onto the physical states, which a nonparametric
  bootstrap around the unprojected data cannot see;
* the denoised estimate (:func:`denoised_reference`: off-diagonal entries within
  :data:`DENOISE_THRESHOLD` standard errors of zero set to zero): deviations ``D_d``
  carry the bias that noise gives zero entries -- the l1 coherence's ``|noise|`` -- and,
  for a passive state, the distribution of the ergotropy that noise alone produces.

Bias-corrected value: ``f(rho_hat) - mean(D_d)`` for entrywise figures (l1 coherence),
``f(rho_hat) - mean(D_e)`` for the others.  95 % interval:
``[f(rho_hat) - q97.5(D_d), f(rho_hat) - q2.5(D_e)]`` (basic bootstrap bounds), clipped to
the figure's physical range.  The denoised reference gives the *lower* bound because it
attributes every sub-threshold entry to noise -- the largest plausible bias, exact when
those entries are zero (a passive state's noise-made coherence, the zero entries of a
2-qubit steady state), too large when many true entries lie below the noise (6 qubits,
4000 shots per setting).  The estimate gives the *upper* bound, since it takes noise
for signal -- the smallest plausible bias.  So the interval brackets the bias as well as
the sampling spread: at a passive state the lower bound excludes 0 only at the nominal
rate (coverage 96 % in the tests), and for N = 6 the bracket is wide exactly where the
data cannot tell small coherences from noise.
"""

from __future__ import annotations

import numpy as np

from qbexp.analysis._checks import check_bounds, check_replicates, check_rng
from qbexp.analysis.estimators import born_probabilities, check_estimator, fit_states, projection
from qbexp.analysis.readout import apply_assignment, check_readout
from qbexp.analysis.tomography_data import TomographyData, check_shots
from qbexp.errors import QbexpError
from qbexp.models.matrices import check_real
from qbexp.thermo._validate import as_density_matrix

#: Two-sided 95 % normal quantile (the one definition; intervals, figures and ZNE use it).
Z95 = 1.959963984540054

#: Replicates drawn by default: enough for stable 2.5 % / 97.5 % quantiles, with ``B + 1`` a
#: multiple of 80 so that the intervals' tests (:data:`qbexp.analysis.intervals.TAIL_GRID`) have
#: exactly their size (300 until 2026-12-03: sizes 0.0465-0.0498 instead of 0.05).
DEFAULT_RESAMPLES = 319

#: Off-diagonal entries smaller than this many standard errors count as zero in
#: :func:`denoised_reference`.  A zero entry with complex Gaussian noise exceeds 3
#: standard errors with probability e^-9 ~ 1e-4, so even the 4032 off-diagonal
#: entries of a 6-qubit state keep less than one noise-made coherence on average.
DENOISE_THRESHOLD = 3.0

#: Outcomes per fitted batch: bounds the memory of N = 6 fits (~50 data sets, ~100 MB).
_CHUNK_OUTCOMES = 2**21


#: Fewest replicates that give a 95 % interval: with ``B + 1 >= 40`` each 2.5 % tail of the
#: intervals' tests holds one order statistic (:meth:`qbexp.analysis.intervals._Curve.quantile`);
#: with fewer, both tails are empty, every value is accepted and the "interval" is the figure's
#: whole range (20 was allowed until 2026-12-06: ergotropy (0, 1.0), fidelity (0.50, 1.0) at N = 1).
MIN_RESAMPLES = 39

#: Most replicates per simulated state: the intervals simulate ~10-30 states, so 10^5 replicates
#: are already hours of refits at N = 4 (and 10^9 would never end).
MAX_RESAMPLES = 100_000


def check_resamples(n_resamples, name: str = "n_resamples") -> int:
    """``n_resamples`` as an int from :data:`MIN_RESAMPLES` to :data:`MAX_RESAMPLES`; a one-line
    :class:`~qbexp.errors.QbexpError` otherwise."""
    if (isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer))
            or not MIN_RESAMPLES <= n_resamples <= MAX_RESAMPLES):
        raise QbexpError(f"{name} = {n_resamples!r}; it must be an integer from {MIN_RESAMPLES} to "
                         f"{MAX_RESAMPLES:,} (at least {MIN_RESAMPLES} for a 95 % interval)")
    return int(n_resamples)


def _fit_in_chunks(draw, n_resamples: int, size: int, estimator: str, readout=None,
                   rng: np.random.Generator | None = None) -> np.ndarray:
    """Fit ``n_resamples`` data sets produced chunk by chunk by ``draw(count)``; with a
    ``readout`` model, each with assignment matrices of a calibration redrawn with ``rng``."""
    chunk = max(1, _CHUNK_OUTCOMES // size)
    parts = []
    for start in range(0, n_resamples, chunk):
        count = min(chunk, n_resamples - start)
        counts = draw(count)
        assignment = None if readout is None else readout.resampled_assignments(count, rng)
        parts.append(fit_states(counts, estimator, assignment))
    return np.concatenate(parts)


def resampled_states(data: TomographyData, estimator: str, n_resamples: int, rng: np.random.Generator,
                     readout=None) -> np.ndarray:
    """States fitted to ``n_resamples`` nonparametric resamples of ``data``, shape ``(B, 2^N, 2^N)``
    (and of the calibration of ``readout``, a :class:`~qbexp.analysis.readout.ReadoutModel`)."""
    if not isinstance(data, TomographyData):
        raise QbexpError(f"resampled_states needs TomographyData (see qbexp.analysis.tomography_data), "
                         f"got {type(data).__name__}")
    check_estimator(estimator)
    n_resamples = check_resamples(n_resamples)
    check_rng(rng)
    check_readout(readout, (3**data.num_qubits, data.num_qubits), f"the {3**data.num_qubits} tomography settings")
    return _fit_in_chunks(lambda count: data.resample(count, rng), n_resamples, data.counts.size, estimator,
                          readout, rng)


def simulated_states(state, shots, estimator: str, n_resamples: int, rng: np.random.Generator,
                     readout=None) -> np.ndarray:
    """States fitted to ``n_resamples`` data sets simulated from ``state`` with ``shots[s]`` per setting.

    With ``readout`` (a :class:`~qbexp.analysis.readout.ReadoutModel`) the counts are drawn
    from ``(⊗ A) p(state)`` and fitted with redrawn calibrations (module docstring).
    ``state``: as :func:`~qbexp.analysis.estimators.born_probabilities` takes it (one state);
    ``shots``: integers >= 1, one per setting (or one for all).
    """
    check_estimator(estimator)
    n_resamples = check_resamples(n_resamples)
    check_rng(rng)
    born = born_probabilities(state)
    if born.ndim != 2:
        raise QbexpError(f"simulated_states simulates one state, got a stack of shape {np.shape(state)}")
    settings, num_qubits = born.shape[0], born.shape[1].bit_length() - 1
    check_shots(shots, settings)
    check_readout(readout, (settings, num_qubits), f"the {settings} tomography settings")
    p = np.clip(born, 0.0, None)
    if readout is not None:
        p = np.clip(apply_assignment(p, readout.assignment()), 0.0, None)
    p /= p.sum(axis=1, keepdims=True)
    shots = np.asarray(shots)
    return _fit_in_chunks(
        lambda count: rng.multinomial(shots, p, size=(count, p.shape[0])), n_resamples, p.size, estimator,
        readout, rng,
    )


def denoised_reference(estimate: np.ndarray, replicates: np.ndarray, threshold: float = DENOISE_THRESHOLD):
    """The estimate with off-diagonal entries below ``threshold`` standard errors set to zero.

    Standard errors are the spread of the entries over ``replicates`` (states refitted
    to data simulated from the estimate); the result is projected back onto the density
    matrices (:func:`project_to_states`).  ``estimate`` is a ``d x d`` state, ``replicates`` a stack
    ``(B, d, d)`` (Hermitian, unit trace: :func:`qbexp.thermo._validate.as_density_matrix`),
    ``threshold`` a number >= 0.
    """
    checked = as_density_matrix(estimate, "estimate")
    if np.ndim(estimate) != 2:
        raise QbexpError(f"estimate has shape {np.shape(estimate)}; expected a d x d density matrix")
    as_density_matrix(replicates, "replicates", stack=True)
    if np.ndim(replicates) != 3 or np.shape(replicates)[1:] != checked.shape:
        raise QbexpError(f"replicates have shape {np.shape(replicates)}; expected (B, {checked.shape[0]}, "
                         f"{checked.shape[0]}) like the estimate")
    if check_real(threshold, "threshold") < 0:
        raise QbexpError(f"threshold = {threshold:g}; a number of standard errors must be >= 0")
    estimate, replicates = np.asarray(estimate), np.asarray(replicates)
    stderr = np.sqrt(np.mean(np.abs(replicates - replicates.mean(axis=0)) ** 2, axis=0))
    keep = (np.abs(estimate) >= threshold * stderr) | np.eye(estimate.shape[0], dtype=bool)
    return projection(np.where(keep, estimate, 0.0))


def _summary(value, stderr, lo, hi, bounds, **extra) -> dict:
    value, lo, hi = (float(np.clip(x, *bounds)) for x in (value, lo, hi))
    return {"value": value, "stderr": float(stderr), "ci95": [min(lo, value), max(hi, value)], **extra}


def percentile_summary(value: float, replicates: np.ndarray, bounds=(-np.inf, np.inf)) -> dict:
    """Plug-in ``value``, replicate standard deviation and percentile 95 % interval.

    ``value`` a finite number, ``replicates`` a 1-D array of at least 2 finite values, ``bounds``
    ``(low, high)`` with ``low <= high`` (the figure's range, to which all three are clipped).
    """
    check_real(value, "value")
    check_replicates(replicates, "replicates")
    check_bounds(bounds)
    lo, hi = np.percentile(replicates, [2.5, 97.5])
    return _summary(value, np.std(replicates, ddof=1), lo, hi, bounds)


def normal_summary(value: float, replicates: np.ndarray, bounds=(-np.inf, np.inf)) -> dict:
    """``value`` with the replicates' standard deviation and the normal 95 % interval: for an
    unbiased estimator of a figure linear in the state (the energy by linear inversion)."""
    stderr = np.std(replicates, ddof=1)
    return _summary(value, stderr, value - Z95 * stderr, value + Z95 * stderr, bounds, plug_in=float(value), bias=0.0)


def calibrated_summary(
    value: float,
    estimate_deviations: np.ndarray,
    reference_deviations: np.ndarray,
    bounds=(-np.inf, np.inf),
    entrywise: bool = False,
) -> dict:
    """Bias-corrected value and bracketing 95 % interval (module docstring).

    ``value`` is the plug-in figure ``f(rho_hat)``; ``estimate_deviations`` are ``D_e``,
    ``reference_deviations`` ``D_d``.  ``entrywise`` selects the bias of the denoised
    reference for the value (l1 coherence).  ``stderr`` is the spread of ``D_e``; the
    result also carries the ``plug_in`` value and the ``bias`` subtracted from it.  Arguments
    as for :func:`percentile_summary` (each set of deviations 1-D, at least 2 finite values).
    """
    check_real(value, "value")
    check_replicates(estimate_deviations, "estimate_deviations")
    check_replicates(reference_deviations, "reference_deviations")
    check_bounds(bounds)
    if not isinstance(entrywise, (bool, np.bool_)):
        raise QbexpError(f"entrywise must be True or False, got {entrywise!r}")
    bias = float(np.mean(reference_deviations if entrywise else estimate_deviations))
    lo = value - np.percentile(reference_deviations, 97.5)
    hi = value - np.percentile(estimate_deviations, 2.5)
    return _summary(value - bias, np.std(estimate_deviations, ddof=1), lo, hi, bounds, plug_in=float(value), bias=bias)
