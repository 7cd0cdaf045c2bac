"""Figures of merit of a tomographic estimate with bootstrap errors, and work from energy counts.

:func:`estimate_figures` fits the state, evaluates

* ``ergotropy``  -- ``tr(rho H) - sum_j r_j eps_j`` (Cakmak Eq. 2),
* ``energy``     -- ``tr(rho H)``,
* ``coherence_l1`` -- ``sum_{i != j} |rho_ij|`` (Eq. 4),
* ``coherence_rel_entropy`` -- ``S(diag rho) - S(rho)`` in bits,
* ``fidelity``   -- ``(tr sqrt(sqrt(sigma) rho sqrt(sigma)))^2`` to a given exact state,

and attaches bootstrap standard errors and 95 % intervals (:mod:`qbexp.analysis.bootstrap`).
The figures are the :mod:`qbexp.thermo` functions, which take stacks of states: the
bootstrap evaluates them on hundreds of replicate states at once, with no Python loop.

:func:`work_extracted` is the direct work measurement: energies estimated from counts
in the battery Hamiltonian's eigenbasis (see
:func:`qbexp.circuits.measure.energy_basis_circuit`) before and after the discharge.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from qbexp.analysis._checks import check_seed, real_array
from qbexp.analysis.bootstrap import (
    Z95,
    DEFAULT_RESAMPLES,
    DENOISE_THRESHOLD,
    calibrated_summary,
    check_resamples,
    denoised_reference,
    normal_summary,
    percentile_summary,
    resampled_states,
    simulated_states,
)
from qbexp.analysis.delta import bures_angle, bures_angle_stderr, fidelity_of_angle
from qbexp.analysis.estimators import UNPROJECTED, fit_states
from qbexp.analysis.intervals import (MAX_INTERVAL_QUBITS, boundary_accepted, boundary_near_end, decline,
                                     inversion_family, inversion_summary, matched_spectrum, near_boundary,
                                     nearest_passive_state)
from qbexp.analysis.readout import apply_assignment, check_readout, rates_to_matrices
from qbexp.analysis.tomography_data import TomographyData, histogram_counts
from qbexp.errors import QbexpError
from qbexp import thermo
from qbexp.models.matrices import HAMILTONIAN_MAX, qubit_count
from qbexp.thermo._validate import as_density_matrix, as_hamiltonian, as_unitary

#: The figures of merit :func:`estimate_figures` reports (fidelity only with an exact state).
FIGURES = ("ergotropy", "energy", "coherence_l1", "coherence_rel_entropy", "fidelity")

#: Interval methods of :func:`estimate_figures`: ``"calibrated"`` (default) is the test-inversion
#: interval of :mod:`qbexp.analysis.intervals`; ``"two-reference"`` the earlier calibration at the
#: estimate and the denoised estimate (:func:`qbexp.analysis.bootstrap.calibrated_summary`), kept
#: for comparison (it undercovers just above W = 0 and for fidelities of noisy states);
#: ``"percentile"`` the plain nonparametric percentile bootstrap.
METHODS = ("calibrated", "two-reference", "percentile")

#: Figures that are sums over matrix entries, whose bias comes from zero entries
#: (:func:`qbexp.analysis.bootstrap.calibrated_summary`, ``entrywise``).
ENTRYWISE = frozenset({"coherence_l1"})

#: Figures linear in the state: estimated by the unprojected linear inversion (unbiased).
LINEAR = frozenset({"energy"})

#: From this many qubits (up to :data:`~qbexp.analysis.intervals.MAX_INTERVAL_QUBITS`) the
#: relative-entropy coherence's interval away from C = 0 is the union of the test-inversion and
#: the two-reference intervals.  Why: the test inversion alone undercovers strongly coherent
#: states (N = 4 haar:2 steady state, 1000 shots: 0.923-0.930, every miss below: the projected
#: estimate is of lower rank than the truth, so its family's states are less biased by noise),
#: and the two-reference interval overcovers there but not near 0.  Near C = 0 the union is not
#: taken: at the N = 3 Gibbs state it excluded 0 in 0.022 of the data sets (coverage 0.978; the
#: test inversion alone 0.959).  The ergotropy and the l1 coherence took this union too until
#: :data:`NUISANCE_HULL_QUBITS` and :data:`LENIENT_SIGNIFICANT` replaced it.
UNION_QUBITS = 3

#: From this many qubits the ergotropy's interval away from W = 0 is the hull of the
#: test-inversion intervals of two families, through the matched spectrum
#: (:func:`~qbexp.analysis.intervals.matched_spectrum`) and through the projected estimate.
#: Why: both fix the nuisance (the spectrum, on which the ergotropy's bias depends) at a value
#: estimated from the data, and the interval ignores that estimate's own variation.  On the
#: strongly active N = 3 state (haar:2 steady state, W = 0.74, 1000 shots) the plug-in bias is
#: +0.019 at the truth, +0.015 +- 0.007 at the matched states and +0.009 +- 0.003 at the projected
#: estimates: the matched family misses on both sides (0.910), the projected one below (0.924).
#: The truth's nuisance lies between the two, and the hull (a union over a set of nuisance values,
#: Berger and Boos 1994, J. Am. Stat. Assoc. 89, 1012, with two points) covers 0.948; N = 4
#: (W = 0.84) 0.947-0.973.  Near W = 0 the interval comes from the despread passive reference
#: instead (``near_boundary``), where the hull is not needed.
NUISANCE_HULL_QUBITS = 3

#: Figures whose test-inversion family runs to the estimate with its spectrum matched
#: (:func:`~qbexp.analysis.intervals.matched_spectrum`), not to the projected estimate: the
#: ergotropy (above) and the fidelity, whose plug-in bias, like the ergotropy's, grows with the
#: noise spread of the spectrum (depolarised N = 3 states, p = 0.1, 1000 repetitions: 0.995 with
#: the projected estimate and the guard it then needed, 0.963 through the matched spectrum).  The
#: fidelity's family runs through the debiased deviation from the exact state
#: (:func:`debiased_deviation`), and through the matched spectrum only where no entry of that
#: deviation is significant.
MATCHED = frozenset({"ergotropy", "fidelity"})
COHERENCES = frozenset({"coherence_l1", "coherence_rel_entropy"})

#: Note on the union intervals.
UNION_NOTE = ("union of the test-inversion and two-reference intervals, conservative "
              "(qbexp.analysis.figures.UNION_QUBITS)")

#: Note on the intervals of a family that saturates (nearly pure states): the ergotropy's and the
#: coherences' test inversion there is united with the two-reference interval.  The fidelity's
#: is not: its two-reference interval is calibrated at the exact state (intervals module
#: docstring, "Saturation").
SATURATED_NOTE = ("union of the test-inversion and two-reference intervals: the test's family "
                  "saturates at the boundary of the state space (a nearly pure state; "
                  "qbexp.analysis.intervals)")


def figure_functions(hamiltonian, exact_state=None, coherence_basis=None) -> dict:
    """``{name: (f, (low, high))}``: figures ``f(states) -> values`` and their physical ranges.

    ``states`` is a stack ``(B, d, d)`` of density matrices and ``f`` returns shape ``(B,)``;
    each ``f`` is the batch-aware :mod:`qbexp.thermo` function (Cakmak Eqs. 2 and 4, the
    relative entropy of coherence, the Uhlmann fidelity), with the relative entropy of
    coherence clipped to its range ``>= 0`` (an estimate with negative eigenvalues can
    fall below).  Coherences are taken in the computational basis (the eigenbasis of the
    collective model's H0) unless ``coherence_basis`` is given.

    Args:
        hamiltonian: the battery Hamiltonian H (ergotropy and energy, Cakmak Eq. 2), of N qubits.
        exact_state: the exact state, for ``fidelity`` (omitted when None).
        coherence_basis: a unitary whose columns are the coherence reference basis.

    Returns:
        ``{name: (f, (low, high))}`` for ``ergotropy``, ``energy``, ``coherence_l1``,
        ``coherence_rel_entropy`` and (with ``exact_state``) ``fidelity``.
    """
    H = as_hamiltonian(hamiltonian)
    dim = H.shape[0]
    if qubit_count(dim) is None:
        raise QbexpError(f"Hamiltonian is {dim} x {dim}; expected 2^N x 2^N for a battery of N >= 1 qubits")
    eps = np.linalg.eigvalsh(H)
    basis = None if coherence_basis is None else as_unitary(coherence_basis, dim, "coherence_basis")

    def coherence_rel_entropy(states):
        return np.clip(thermo.coherence_rel_entropy(states, basis=basis), 0.0, None)

    out = {
        "ergotropy": (thermo.ergotropy_function(H), (0.0, eps[-1] - eps[0])),
        "energy": (lambda states: thermo.energy(states, H), (eps[0], eps[-1])),
        "coherence_l1": (lambda states: thermo.coherence_l1(states, basis=basis), (0.0, dim - 1.0)),
        "coherence_rel_entropy": (coherence_rel_entropy, (0.0, np.log2(dim))),
    }
    if exact_state is not None:
        sigma = as_density_matrix(exact_state, "exact state")
        if sigma.shape != H.shape:
            raise QbexpError(f"exact state is {sigma.shape[0]} x {sigma.shape[0]} but the Hamiltonian is {dim} x {dim}")
        out["fidelity"] = (thermo.fidelity_function(sigma), (0.0, 1.0))
    return out


def reference_states(estimate: np.ndarray, hamiltonian, exact_state=None, coherence_basis=None) -> dict:
    """``{name: (reference, sign)}``: the state where each nonlinear figure is extreme, and whether
    the figure increases (+1) or decreases (-1) from it towards the estimate
    (:mod:`qbexp.analysis.intervals`): the closest state to the estimate where the figure is
    extreme -- the nearest passive state (ergotropy 0,
    :func:`~qbexp.analysis.intervals.nearest_passive_state`), the dephased estimate in the
    coherence basis (coherences 0) and the exact state (fidelity 1, the only such state)."""
    H = as_hamiltonian(hamiltonian)
    dim = H.shape[0]
    basis = np.eye(dim) if coherence_basis is None else as_unitary(coherence_basis, dim, "coherence_basis")
    in_basis = basis.conj().T @ estimate @ basis
    dephased = (basis * np.diag(in_basis).real) @ basis.conj().T
    out = {
        "ergotropy": (nearest_passive_state(estimate, H), 1),
        "coherence_l1": (dephased, 1),
        "coherence_rel_entropy": (dephased, 1),
    }
    if exact_state is not None:
        out["fidelity"] = (as_density_matrix(exact_state, "exact state"), -1)
    return out


#: Off-diagonal entries kept in the debiased family: |rho_hat_ij|^2 > SIGNIFICANT * Var (two standard
#: errors; for a zero entry |rho_hat_ij|^2 / Var is ~ Exp(1), so 1.8 % of them pass).
SIGNIFICANT = 4.0

#: The strict cut: |rho_hat_ij|^2 > STRICT_SIGNIFICANT * Var (three standard errors, as
#: :data:`~qbexp.analysis.bootstrap.DENOISE_THRESHOLD`; a zero entry passes with probability
#: e^-9 ~ 1e-4).  Entries between the two cuts may be real or noise, and the two readings bias
#: the plug-in differently: a zero entry past the two-standard-error cut makes the family count
#: its noise as part of the state (its coherence, or its distance from the exact state), so the
#: interval lies below the truth.  The l1 coherence's and the fidelity's intervals are the union
#: of the families through both cuts (:func:`estimate_figures`).  Measured, two-standard-error
#: family alone -> union, 1000 repetitions: the l1 coherence of the 2-qubit device states
#: 0.934-0.946 -> 0.944-0.956 (c:0.25 minimal, the 10 % of data sets where a zero pair passed the
#: first cut: 0.70 alone); the fidelity of the device state c:0.25 minimal (F = 0.9985, four seeds
#: pooled) 0.940 -> 0.953 +- 0.003 (the test on F; on the Bures angle 0.949), for ~45 % more time
#: per fidelity interval.  The price is paid by the turned states (the least favourable
#: direction): on F, N = 2 / 3 0.974 / 0.981 -> 0.984 / 0.990; on the angle, N = 3 0.984.
STRICT_SIGNIFICANT = DENOISE_THRESHOLD**2

#: From :data:`LENIENT_QUBITS` on, the l1 interval is also united with the family through a lenient
#: cut, |rho_hat_ij|^2 > LENIENT_SIGNIFICANT * Var (sqrt(2) standard errors; a zero entry passes
#: with probability e^-2 ~ 0.14).  Why: a state with many small coherences (the N = 4 W = 0.02
#: mix, C_l1 = 0.40, 1000 shots) has true entries of one to two standard errors that the
#: two-standard-error cut sets to 0; the family's states then carry more noise bias than the
#: truth and the interval sat below it (0.897 with the 2 / 3 standard-error families).  The hull
#: over the three cuts covers 0.977 there; its lower end is the stricter cuts' in nearly every
#: data set, so at C = 0 nothing moves (N = 3 / 4 Gibbs 0.956 / 0.957).
LENIENT_SIGNIFICANT = 2.0
#: From this many qubits the l1 interval takes the lenient family (at N = 2 the 2 / 3 standard-error
#: families cover: coherence tests of the 2-qubit battery and device states).
LENIENT_QUBITS = 3


def debiased_coherences(estimate: np.ndarray, around_estimate: np.ndarray, coherence_basis=None,
                        significant: float = SIGNIFICANT) -> np.ndarray:
    """``estimate`` with every off-diagonal entry (in the coherence basis) shrunk to the moment
    estimate of its magnitude, ``|rho_ij| -> sqrt(max(|rho_hat_ij|^2 - Var rho_hat_ij, 0))``, phase
    kept, and set to 0 unless ``|rho_hat_ij|^2 > significant * Var``; ``Var`` is the spread of that
    entry over ``around_estimate`` (fits of data simulated from the estimate).

    Why: ``E |rho_hat_ij|^2 = |rho_ij|^2 + Var``, so every entry that is zero in the true state
    carries a noise coherence of the size of its standard error, and the l1 norm adds them all
    up (2-qubit battery, c = 0.25, 4000 shots: plug-in 0.750 against the exact 0.689, 4 sd).
    The test-inversion family through the raw estimate keeps those noise coherences as part of
    every candidate state, so its states with the true l1 have a smaller real coherence than
    the truth and their simulated data look less coherent than the observed: the interval
    sat above the truth (coverage 0.62-0.73).  Through the debiased estimate the candidates
    carry the truth's coherences and the simulation adds the noise ones (same cell: 0.87 with
    the moment shrinkage alone, which leaves ~0.3 standard errors in every zero entry; 0.97 with
    the two-standard-error cut, 60 repetitions; l1 = 0.029 and 0.004: 0.95).
    """
    dim = estimate.shape[-1]
    basis = np.eye(dim) if coherence_basis is None else np.asarray(coherence_basis)
    in_basis = basis.conj().T @ estimate @ basis
    scale = _shrinkage(in_basis, basis.conj().T @ around_estimate @ basis, significant)
    np.fill_diagonal(scale, 1.0)
    return basis @ (in_basis * scale) @ basis.conj().T


def _shrinkage(entries: np.ndarray, around: np.ndarray, significant: float) -> np.ndarray:
    """Factor of every entry of ``entries`` that shrinks its magnitude to the moment estimate
    ``sqrt(|x|^2 - Var)``, 0 unless ``|x|^2 > significant * Var`` (``Var``: the spread of that entry
    over ``around``, fits of data simulated from the estimate)."""
    variance = np.mean(np.abs(around - around.mean(axis=0)) ** 2, axis=0)
    magnitude = np.abs(entries)
    shrunk = np.where(magnitude**2 > significant * variance, np.sqrt(np.clip(magnitude**2 - variance, 0.0, None)), 0.0)
    return np.divide(shrunk, magnitude, out=np.zeros_like(magnitude), where=magnitude > 0)


#: The fidelity's interval is also united with the segment to the exact state thinned
#: (:func:`thinned_reference`): its eigen-directions whose weight in the data lies within
#: THINNED_WITHIN standard errors above 0 removed; and with the family to the exact state
#: without the data's own directions of that kind.  At 2.0 the N = 3 T1 state at F = 0.987
#: covered 0.974 (1.5: 0.963) and the N = 3 purer state 0.965 (1.5: 0.970; 1000 repetitions,
#: the segment alone); the data's directions at ten rank-deficient N = 3 states (rank 6 or 7,
#: 300 data sets) 0.980 at 2.0 (1.5: 0.973).
THINNED_WITHIN = 1.5


def thinned_reference(exact_state: np.ndarray, unprojected: np.ndarray, around_unprojected: np.ndarray,
                      within: float = THINNED_WITHIN, directions: str = "exact"):
    """The exact state with the eigen-directions ``v`` whose weight in the data, ``<v|rho|v>`` of
    the unprojected estimate, lies below ``within`` standard deviations of its noise (over
    ``around_unprojected``, refits of data simulated from the estimate) set to 0, renormalised;
    ``None`` if there is none (or every direction is).  The fidelity's family from the exact
    state towards it spans the states that differ from the exact one only by lacking weight the
    data cannot resolve.

    Why: near a state with small eigenvalues the fidelity is not smooth (``sqrt F`` sums
    ``sqrt(lambda mu)``), so removing an eigenvalue ``mu`` of the exact state lowers F by about
    ``mu``, while the estimates, whose noise fills those directions anyway, barely change: the
    mean estimated Bures angle is flat along this path (N = 3 haar:2, 1000 shots: 0.1716 / 0.1730 /
    0.1708 at F = 0.9992 / 0.9956 / 0.9911).  A device state purer than the exact one, the exact
    state with its smallest eigenvalues removed, is then a state whose fidelity the family
    through the estimated deviation (:func:`debiased_deviation`, full rank) misjudges: N = 2 /
    3 covered 0.861 (F = 0.9775, one eigenvalue 0.0225 removed; 0.107 of the intervals below
    the truth) / 0.907 (F = 0.9911, the two smallest, 0.0045 each; 0.093 above), 1000
    repetitions, and the MLE at N = 2 0.673 (300); with the segment to the thinned state in the
    union (:func:`estimate_figures`; only the segment, not the states beyond it that the test
    also accepts) 0.968 / 0.970, MLE 0.973 (benchmarks/README.md).

    ``directions="data"``: the directions are the eigenvectors of the unprojected estimate
    instead, and the exact state is projected onto the complement of those dropped (``P rho P``,
    renormalised).  A device state whose null space lies off the exact state's eigenvectors (a
    purer state turned by a coherent error; the cell: the projected estimate of one data set
    from the T1-damped N = 3 state, rank 6, F = 0.958) is missed by the exact directions: 0.725,
    the truth below the interval in 0.275 (1000 repetitions).  Its fidelity also lacks the
    deviation inside the range, so it lies beyond that thinned state: the fidelity's interval
    takes the whole accepted range of this family (:func:`estimate_figures`), 0.938 (the
    segment from the exact state to the data-thinned estimated deviation: 0.833, 300 data sets
    from ten such states).  The data cannot tell such a null space from a small eigenvalue (the
    smallest weight's z-score, median over 100 data sets: -1.94 at the exact state, whose two
    smallest eigenvalues are 0.0044, -2.05 at that rank-6 state), so full-rank states pay on the
    low side of the interval, not in its power to exclude F = 1: N = 3 depolarised p = 0.1 0.954 ->
    0.970 (F = 1 excluded 0.416 -> 0.429), T1 at F = 0.987 0.963 -> 0.985, turned 0.990 -> 0.994."""
    if directions not in ("exact", "data"):
        raise QbexpError(f"thinned_reference: directions {directions!r} is not 'exact' or 'data'")
    w, v = np.linalg.eigh(exact_state if directions == "exact" else unprojected)
    observed = np.einsum("ji,jk,ki->i", v.conj(), unprojected, v).real
    noise = np.std(np.einsum("ji,bjk,ki->bi", v.conj(), around_unprojected, v).real, axis=0, ddof=1)
    drop = observed < within * noise
    if not drop.any() or drop.all():
        return None
    if directions == "data":
        kept = v[:, ~drop]
        thinned = kept @ (kept.conj().T @ exact_state @ kept) @ kept.conj().T
        return thinned / np.trace(thinned).real
    kept = np.where(drop, 0.0, w)
    return (v * (kept / kept.sum())) @ v.conj().T


def debiased_deviation(estimate: np.ndarray, exact_state: np.ndarray, around_estimate: np.ndarray,
                       significant: float = SIGNIFICANT) -> np.ndarray:
    """The exact state plus the estimate's deviation from it with every entry (in the exact
    state's eigenbasis, diagonal included) shrunk as in :func:`debiased_coherences`, trace kept:
    the direction of the fidelity's family (:mod:`qbexp.analysis.intervals`, "Studentized
    fidelity"); the exact state itself where no entry is significant.

    Why: the fidelity's sampling spread at a given F depends on the direction of the deviation
    (2-qubit battery, F = 0.994, 1000 shots: sd 0.0027 depolarised, 0.0082 turned by a coherent
    error), and the estimate's deviation is the true one plus noise in every entry, which
    points the family to noisier directions than the truth's (studentized test, with the
    unified ordering's distance then in the studentized spread, 1000 repetitions: the
    depolarised state covered 0.938 through the matched spectrum, 0.949 through this; the
    turned one 0.948 / 0.946; benchmarks/README.md).  The depolarised and the turned deviations
    are each a few entries in this basis.  ``significant`` sets the cut: the fidelity's interval
    unites the families through the cuts at two and three standard errors
    (:data:`STRICT_SIGNIFICANT`)."""
    _, vecs = np.linalg.eigh(exact_state)
    deviation = vecs.conj().T @ (estimate - exact_state) @ vecs
    deviation = deviation * _shrinkage(deviation, vecs.conj().T @ around_estimate @ vecs, significant)
    deviation -= np.trace(deviation) / deviation.shape[0] * np.eye(deviation.shape[0])
    return exact_state + vecs @ deviation @ vecs.conj().T


def estimate_figures(
    data: TomographyData,
    hamiltonian,
    exact_state=None,
    *,
    estimator: str = "linear",
    n_resamples: int = DEFAULT_RESAMPLES,
    seed=None,
    method: str = "calibrated",
    coherence_basis=None,
    readout=None,
    figures=None,
) -> dict:
    """``{name: {"value", "stderr", "ci95": [lo, hi], ...}}`` for every figure of merit.

    The state is fitted with ``estimator`` (``"linear"``: linear inversion + projection,
    ``"mle"``: maximum likelihood).  ``method="calibrated"`` (default): the energy (linear in
    the state) comes from the unprojected linear inversion with a normal interval; ergotropy,
    coherences and fidelity get the test-inversion bootstrap interval of
    :mod:`qbexp.analysis.intervals` (data simulated along the segment from the state where the
    figure is extreme through the estimate, :func:`reference_states`) and its median-unbiased
    value, plus the ``plug_in`` value and the ``bias`` subtracted.  The intervals are about the
    state that was measured: the exact state enters only as the definition of the fidelity
    (whose *value* is to ``exact_state``), never as the state the data are simulated from
    in place of the measured one.  For N > :data:`~qbexp.analysis.intervals.MAX_INTERVAL_QUBITS`
    the nonlinear figures decline to give an interval: ``"ci95": None`` and a ``"note"``
    (the plug-in value and the bootstrap standard deviation are still reported).
    ``method="two-reference"``: the earlier calibration (:func:`qbexp.analysis.bootstrap.calibrated_summary`);
    ``method="percentile"``: the plug-in value with the plain percentile interval of a
    nonparametric bootstrap (see :mod:`qbexp.analysis.bootstrap`).  ``n_resamples`` replicates
    are drawn per simulated state, ``seed`` seeds every draw.  Values and intervals are clipped
    to the physical range of each figure (e.g. ergotropy >= 0, fidelity <= 1).  ``figures``
    (names from :data:`FIGURES`) restricts the output to those figures.

    ``readout`` (a :class:`~qbexp.analysis.readout.ReadoutModel` whose measurements are the
    settings, in row order) mitigates readout errors in the fit and in every replicate
    (:mod:`qbexp.analysis.readout`, :mod:`qbexp.analysis.bootstrap`).
    """
    if not isinstance(data, TomographyData):
        raise QbexpError("estimate_figures needs TomographyData (see qbexp.analysis.tomography_data)")
    if not isinstance(method, str) or method not in METHODS:
        raise QbexpError(f"unknown interval method {method!r}; choose one of {', '.join(METHODS)}")
    check_seed(seed)
    n_resamples = check_resamples(n_resamples)  # before the fit: 10^9 replicates would never end
    H = as_hamiltonian(hamiltonian, dim=2**data.num_qubits, what=f"Hamiltonian of the {data.num_qubits}-qubit data")
    functions = figure_functions(H, exact_state, coherence_basis)
    if figures is not None:
        try:
            figures = [] if isinstance(figures, str) else list(figures)
        except TypeError:
            figures = []
        if not figures or not all(isinstance(f, str) for f in figures):
            raise QbexpError(f"figures must be a list of names from {', '.join(FIGURES)}")
        unknown = sorted(set(figures) - set(FIGURES))
        if unknown:
            raise QbexpError(f"unknown figure(s) {unknown}; choose from {', '.join(FIGURES)}")
        functions = {name: fb for name, fb in functions.items() if name in figures}
    check_readout(readout, (3**data.num_qubits, data.num_qubits), f"the {3**data.num_qubits} tomography settings")
    estimate = fit_states(data.counts, estimator, None if readout is None else readout.assignment())
    resample_rng, estimate_rng, reference_rng, linear_rng, exact_rng, spectrum_rng = \
        np.random.default_rng(seed).spawn(6)
    if method == "percentile":
        replicates = resampled_states(data, estimator, n_resamples, resample_rng, readout)
        return {
            name: percentile_summary(f(estimate[None])[0], f(replicates), bounds)
            for name, (f, bounds) in functions.items()
        }
    out = {}
    unprojected = fit_states(data.counts, UNPROJECTED, None if readout is None else readout.assignment())
    if "energy" in functions:
        f, bounds = functions["energy"]
        around_unprojected = simulated_states(estimate, data.shots, UNPROJECTED, n_resamples, linear_rng, readout)
        out["energy"] = normal_summary(f(unprojected[None])[0], f(around_unprojected), bounds)
    nonlinear = {name: fb for name, fb in functions.items() if name not in LINEAR}
    if not nonlinear:
        return {name: out[name] for name in functions}
    if method == "two-reference":
        around_estimate = simulated_states(estimate, data.shots, estimator, n_resamples, estimate_rng, readout)
        reference = denoised_reference(estimate, around_estimate)
        around_reference = simulated_states(reference, data.shots, estimator, n_resamples, reference_rng, readout)
        for name, (f, bounds) in nonlinear.items():
            plug_in = f(estimate[None])[0]
            if name == "fidelity":  # calibrated at the exact state
                around_exact = simulated_states(exact_state, data.shots, estimator, n_resamples, exact_rng, readout)
                deviations = f(around_exact) - 1.0
                out[name] = calibrated_summary(plug_in, deviations, deviations, bounds)
            else:
                out[name] = calibrated_summary(plug_in, f(around_estimate) - plug_in,
                                               f(around_reference) - f(reference[None])[0], bounds,
                                               entrywise=name in ENTRYWISE)
        return {name: out[name] for name in functions}
    if data.num_qubits > MAX_INTERVAL_QUBITS:
        around_estimate = simulated_states(estimate, data.shots, estimator, n_resamples, estimate_rng, readout)
        for name, (f, _) in nonlinear.items():
            out[name] = decline(f(estimate[None])[0], np.std(f(around_estimate), ddof=1))
        return {name: out[name] for name in functions}

    def common_draws(fit: str, draws_seed: int):
        """``state -> fits`` (estimator ``fit``) of data simulated from ``state``, with the same
        random numbers for every state (common random numbers), each state simulated once."""
        cache = {}

        def simulate(state):
            key = state.tobytes()
            if key not in cache:
                cache[key] = simulated_states(state, data.shots, fit, n_resamples,
                                              np.random.default_rng(draws_seed), readout)
            return cache[key]
        return simulate

    simulate = common_draws(estimator, int(estimate_rng.integers(2**63)))
    references = reference_states(estimate, H, exact_state, coherence_basis)

    def union(name):
        return name in COHERENCES - ENTRYWISE and data.num_qubits >= UNION_QUBITS

    two_reference = []  # (around_estimate, denoised, around_denoised), drawn when a union first needs them

    def two_reference_states():
        """The states of the two-reference interval (module docstring), simulated once."""
        if not two_reference:
            around = simulated_states(estimate, data.shots, estimator, n_resamples, estimate_rng, readout)
            denoised = denoised_reference(estimate, around)
            two_reference.extend([around, denoised, simulated_states(denoised, data.shots, estimator, n_resamples,
                                                                     reference_rng, readout)])
        return two_reference

    simulate_unprojected = common_draws(UNPROJECTED, int(spectrum_rng.integers(2**63)))
    matched = []  # the matched spectrum (intervals.matched_spectrum), found when a family first needs it

    def matched_state():
        if not matched:
            matched.append(matched_spectrum(unprojected, simulate_unprojected))
        return matched[0]

    def fidelity_direction(reference, cut):
        """The fidelity family's direction: the deviation cut at ``cut`` (:func:`debiased_deviation`),
        the matched spectrum where no entry passes the cut."""
        deviation = debiased_deviation(estimate, reference, simulate(estimate), cut)
        return deviation if np.max(np.abs(deviation - reference)) > 1e-12 else matched_state()
    for name, (f, bounds) in nonlinear.items():
        reference, sign = references[name]
        toward = None
        if name in ENTRYWISE:  # the family through the debiased coherences (debiased_coherences)
            debiased = debiased_coherences(estimate, simulate(estimate), coherence_basis)
            toward = debiased if np.max(np.abs(debiased - reference)) > 1e-12 else None
        family = functools.partial(inversion_summary, f, reference, estimate, simulate, bounds, sign)
        if name == "fidelity":  # the studentized test on the Bures angle through the debiased deviation
            # (intervals module docstring, "Studentized fidelity")
            toward = fidelity_direction(reference, SIGNIFICANT)
            assignment = None if readout is None else readout.assignment()
            scale = functools.partial(bures_angle_stderr, sigma=reference, shots=data.shots, assignment=assignment)
            family = functools.partial(inversion_summary, _composed(bures_angle, f), reference, estimate, simulate,
                                       (0.0, np.pi / 2), 1, scale=scale, reported=fidelity_of_angle)
        if name in MATCHED and toward is None:  # the family through the matched spectrum (intervals.matched_spectrum)
            toward = matched_state()

        def widen(other_toward=None, end=None):
            """The interval united with the family through ``other_toward`` (another value of the
            nuisance: a hull), whose median-unbiased value is not needed; with ``end`` (the
            figure at ``other_toward``, where it decreases along the family: the fidelity) only the
            segment up to ``other_toward``: the part of that interval below ``end`` is not taken."""
            lo, hi = family(toward=other_toward, median=False)["ci95"]
            if end is not None:
                if hi < end:
                    return
                lo = max(lo, end)
            out[name]["ci95"] = _hull(out[name]["ci95"], [lo, hi])
        out[name] = family(toward=toward)
        saturated = out[name].pop("saturated") and name != "fidelity"  # (SATURATED_NOTE)
        if name == "fidelity":  # united with the family through the strict cut (STRICT_SIGNIFICANT)
            strict = fidelity_direction(reference, STRICT_SIGNIFICANT)
            if np.max(np.abs(strict - toward)) > 1e-12:
                widen(strict)
            around_unprojected = simulate_unprojected(estimate)
            thinned = thinned_reference(reference, unprojected, around_unprojected)
            if thinned is not None:  # and the segment to the thinned exact state (THINNED_WITHIN)
                widen(thinned, end=float(f(thinned[None])[0]))
            thinned = thinned_reference(reference, unprojected, around_unprojected, directions="data")
            if thinned is not None:  # and the whole family to the exact state without the data's null space
                widen(thinned)
        near_zero = near_boundary(out[name]["ci95"][0], bounds[0], out[name]["stderr"])
        if name == "ergotropy":  # the test at W = 0 from the least favourable passive state (nearest_passive_state)
            least = nearest_passive_state(estimate, H, unprojected, simulate_unprojected(estimate), degenerate=True)
            reaches_zero = boundary_accepted(f, least, estimate, simulate)
            near_zero = near_zero or reaches_zero
        joined = (union(name) and not near_zero) or saturated  # the union only away from the boundary (UNION_QUBITS)
        if name in ENTRYWISE:  # and the families through the strict and lenient cuts (STRICT_SIGNIFICANT, LENIENT_SIGNIFICANT)
            cuts = (STRICT_SIGNIFICANT, LENIENT_SIGNIFICANT) if data.num_qubits >= LENIENT_QUBITS else (STRICT_SIGNIFICANT,)
            for cut in cuts:
                other_state = debiased_coherences(estimate, simulate(estimate), coherence_basis, cut)
                if min(np.max(np.abs(other_state - reference)), np.max(np.abs(other_state - debiased))) > 1e-12:  # an entry lies between the cuts
                    widen(other_state)
        if name == "ergotropy" and not near_zero and data.num_qubits >= NUISANCE_HULL_QUBITS:
            widen()  # the family through the projected estimate (NUISANCE_HULL_QUBITS)
        if name == "ergotropy" and near_zero:  # the family from the despread passive state
            despread = nearest_passive_state(estimate, H, unprojected, simulate_unprojected(estimate))
            out[name] = inversion_summary(f, despread, estimate, simulate, bounds, sign,  # far side: intervals
                                          far_side=inversion_family(despread, H, estimate, simulate(estimate)))
            out[name].pop("saturated")  # (the main family's saturation decided the union above)
            if reaches_zero:
                out[name]["ci95"][0] = bounds[0]
            elif out[name]["ci95"][0] <= bounds[0]:  # 0 only where the test at W = 0 accepts: the near
                # end from the family through the least favourable passive state (intervals module
                # docstring, "Near end")
                out[name]["ci95"][0] = min(boundary_near_end(f, least, estimate, simulate, bounds),
                                           out[name]["value"])
        if joined:
            around_estimate, denoised, around_denoised = two_reference_states()
            plug_in = f(estimate[None])[0]
            other = calibrated_summary(plug_in, f(around_estimate) - plug_in,
                                       f(around_denoised) - f(denoised[None])[0], bounds,
                                       entrywise=name in ENTRYWISE)
            out[name]["ci95"] = _hull(out[name]["ci95"], other["ci95"])
            out[name]["note"] = SATURATED_NOTE if saturated else UNION_NOTE
    return {name: out[name] for name in functions}


def _composed(outer, inner):
    """``states -> outer(inner(states))``."""
    return lambda states: outer(inner(states))


def _hull(interval, other) -> list:
    """The smallest interval holding both (the union of two overlapping intervals)."""
    return [min(interval[0], other[0]), max(interval[1], other[1])]


def _energy_from_counts(histogram: Mapping, energies: np.ndarray, what: str, assignment=None) -> tuple:
    """Mean energy, its multinomial standard error and the frequencies of one eigenbasis histogram.

    With ``assignment`` (``(N, 2, 2)``, :mod:`qbexp.analysis.readout`) the mean is that of the
    mitigated distribution, ``eps . (⊗ A)^-1 f = f . ((⊗ A)^-T eps)``: the mean of the effective
    energies ``(⊗ A)^-T eps`` under the observed frequencies ``f``, whose multinomial variance
    gives the standard error.
    """
    counts = histogram_counts(histogram, energies.size.bit_length() - 1, what)
    shots = int(counts.sum())
    if shots == 0:
        raise QbexpError(f"{what} has no shots")
    p = counts / shots
    if assignment is not None:
        energies = apply_assignment(energies, np.linalg.inv(assignment).swapaxes(-1, -2))
    mean = float(p @ energies)
    variance = float(p @ (energies - mean) ** 2) / shots
    return mean, float(np.sqrt(variance)), p


def work_extracted(counts_before: Mapping, counts_after: Mapping, energies, readout=None) -> dict:
    """Work ``W = E_before - E_after`` from energy-eigenbasis counts before and after the discharge.

    Outcome ``k`` (bitstring ``format(k, f"0{N}b")``) means eigenstate ``k`` of energy
    ``energies[k]`` (increasing, as the columns of the basis change given to
    :func:`~qbexp.circuits.measure.energy_basis_circuit`).  Each energy's standard error
    is the multinomial one, ``sqrt(Var_p(eps) / shots)``; the two runs are independent,
    so ``stderr(W) = sqrt(se_before^2 + se_after^2)`` and the interval is
    ``W -/+ 1.96 stderr`` (normal approximation).

    ``readout`` (a :class:`~qbexp.analysis.readout.ReadoutModel` with the two measurements,
    before and after, as its rows) mitigates readout errors: each energy is that of the
    corrected distribution ``(⊗ A)^-1 f``.  Both energies use the same calibration, whose
    uncertainty adds ``sum_i (dW/dr_i)^2 r_i (1 - r_i) / n_i`` to the variance (delta method
    over the binomial error rates ``r_i`` of the calibration, ``n_i`` shots each; the
    derivatives by central differences).
    """
    energies = real_array(energies, "energies").astype(float)  # no text, booleans, complex, NaN or inf
    if energies.ndim != 1 or energies.size < 2 or energies.size & (energies.size - 1):
        raise QbexpError(f"energies must be a 1-D array of 2^N levels, got shape {energies.shape}")
    if np.abs(energies).max() > HAMILTONIAN_MAX:  # their variance would overflow to inf
        raise QbexpError(f"energies reach {np.abs(energies).max():.3g}; at most {HAMILTONIAN_MAX:g} in magnitude")
    check_readout(readout, (2, energies.size.bit_length() - 1), "the work measurement's two measurements (before, after)")
    before, after = (None, None) if readout is None else readout.assignment()
    e_before, se_before, p_before = _energy_from_counts(counts_before, energies, "energy counts before the discharge",
                                                        before)
    e_after, se_after, p_after = _energy_from_counts(counts_after, energies, "energy counts after the discharge",
                                                     after)
    value = e_before - e_after
    variance = se_before**2 + se_after**2
    if readout is not None:
        variance += _calibration_variance(readout, energies, p_before, p_after)
    stderr = float(np.sqrt(variance))
    return {
        "value": value,
        "stderr": stderr,
        "ci95": [value - Z95 * stderr, value + Z95 * stderr],
        "energy_before": e_before,
        "energy_after": e_after,
    }


def _calibration_variance(readout, energies: np.ndarray, p_before: np.ndarray, p_after: np.ndarray) -> float:
    """Variance of the mitigated work from the calibration's binomial error rates (delta method)."""
    calibration = readout.calibration
    rows = calibration.index(readout.measured)
    rates = calibration.error_rates

    def work(r):
        inverse = np.linalg.inv(rates_to_matrices(r)[rows]).swapaxes(-1, -2)
        return p_before @ apply_assignment(energies, inverse[0]) - p_after @ apply_assignment(energies, inverse[1])

    step = 1e-6
    variance = 0.0
    for index in np.ndindex(rates.shape):
        up, down = rates.copy(), rates.copy()
        up[index] += step
        down[index] -= step
        slope = (work(up) - work(down)) / (2 * step)
        variance += slope**2 * rates[index] * (1 - rates[index]) / calibration.shots[index]
    return float(variance)
