"""Test-inversion bootstrap intervals along a segment from a reference state through the estimate.

This docstring says what the construction is and why each piece is there, with the one figure
that decided it.  The coverage it reaches is the README's table; every alternative tried, with
its figures, is in benchmarks/README.md (sections of the issue-12 coverage, and "Design notes
moved from the code" for the measurements these docstrings carried until 2026-12-05).

The problem
-----------
Ergotropy, the coherences and the fidelity are not smooth where they reach their extreme value
(``W = 0`` on the passive states, ``C = 0`` on the incoherent ones, ``F = 1`` at the target), and
near there the sampling distribution of the plug-in ``f(rho_hat)`` changes shape *with the true
value*: at ``W = 0`` noise only adds, a few standard errors above 0 it is nearly normal and
unbiased.  A bootstrap calibrated at one fixed state borrows that state's shape.  The
two-reference calibration (:func:`qbexp.analysis.bootstrap.calibrated_summary`: the estimate and
the denoised estimate) brackets the bias only at ``W = 0`` and far from it (2-qubit battery,
``W = 0.02``, 4000 shots: coverage 0.83-0.90), and a fidelity calibrated at the exact state
``sigma`` is right only for data from ``sigma`` itself (a depolarised state, ``F = 0.959``: 0.49).

Construction (test inversion; Carpenter 1999, J. R. Stat. Soc. B 61, 159; Garthwaite and Buckland 1992)
------------------------------------------------------------------------------------------------------
For every figure ``f`` the reference ``R`` is the state closest to the estimate where ``f`` is
extreme: the nearest passive state for the ergotropy (:func:`nearest_passive_state`), the
dephased estimate for the coherences, ``sigma`` for the fidelity to ``sigma``.  The family

    rho(t) = Proj(R + t (rho_toward - R)),   t >= 0   (Proj: :func:`project_to_states`)

runs from the boundary (``t = 0``) through the estimate.  Ergotropy and the coherences are convex
and the fidelity concave in the state, extreme at ``R``, so ``f`` is monotone along it: the family
orders the values of ``f`` and fixes the rest of the state (the nuisance) at the data's.  For a
candidate ``t``, data are simulated from ``rho(t)`` with the experiment's shots (and readout
model) and refitted with the same estimator; ``t`` is accepted where the observed ``f(rho_hat)``
lies between the ``a(t)`` and ``0.95 + a(t)`` points of the simulated values.  The interval is
``f(rho(t))`` over the accepted ``t``, its ends the roots of those two critical values (regula
falsi, every ``t`` simulated with the same seed); the value reported is the median-unbiased one
(``t`` where the simulated median equals the observation), always inside the interval.  The
critical values are order statistics of an exact Monte Carlo test, each tail's share on the grid
of ``1 / TAIL_GRID`` (:meth:`_Curve.quantile`); interpolated quantiles of a small ``B``
undercover.  Where even ``t = 0`` accepts, the interval reaches the boundary.

Where the segment points (``rho_toward``): the projected estimate for the relative-entropy
coherence; for the other figures not it, as its nuisance is noisier than the truth's in the
directions that bias them, so its states carry a bias unlike the truth's.  The ergotropy's family points to the estimate with its spectrum matched
(:func:`matched_spectrum`), the l1 coherence's to the estimate with its coherences debiased
(:func:`qbexp.analysis.figures.debiased_coherences`), the fidelity's to the debiased deviation
from ``sigma`` (below).  Which entries are zero is itself estimated, so the l1 coherence's and
the fidelity's intervals unite the families through two cuts of significance (the l1's from
N = 3 through three: :data:`qbexp.analysis.figures.STRICT_SIGNIFICANT`,
:data:`~qbexp.analysis.figures.LENIENT_SIGNIFICANT`).

Ordering near the boundary (Feldman and Cousins 1998, Phys. Rev. D 57, 3873)
----------------------------------------------------------------------------
The lower-tail share ``a(t)`` is that of the unified interval of a normal mean bounded below
(:func:`unified_low_tail`) at the distance of ``f(rho(t))`` from the boundary in standard
deviations of the simulated values: 0 at the boundary state (its test is one-sided), 2.5 % from
1.96 standard deviations on.  Equal tails at every ``t`` cannot give 0.95 at the boundary, where
only the lower end can miss (2-qubit Gibbs state: 0.979 equal-tailed, 0.951 unified).  Any
``a(t)`` keeps the size 5 % at every ``t``; this one moves between the tails smoothly, so the
intervals are never empty and never flip between one- and two-sided at a threshold.

Ergotropy near ``W = 0``
------------------------
Near end.  ``W = 0`` is a composite null (every passive state), tested at the least favourable
passive state the data allow: :func:`nearest_passive_state` with ``degenerate=True`` (levels from
the unprojected inversion, each level's spread less the noise's, steps between eigenvalues
within :data:`DEGENERATE_WITHIN` noise standard deviations made equal -- generalized moment
selection, Andrews and Soares 2010, Econometrica 78, 119).  The interval holds 0 exactly where
that test accepts (:func:`boundary_accepted`); where it rejects and the family from the despread
reference (below) would reach 0, the near end is the root of the family from the least
favourable state through the estimate (:func:`boundary_near_end`).  So the test has its
size at the least favourable states (``I/d``, levels touching) and is conservative inside the
null, where the levels' gaps are estimated (the N = 3 Gibbs state covers ~0.97): a test exact
along the whole boundary would have poor power (Andrews 2012, "Similar-on-the-boundary tests for
moment inequalities exist, but have poor power").

Far side: a second family.  The ergotropy near 0 has two mechanisms, a population inversion of
two nearly degenerate eigenvalues on adjacent levels and coherences between levels, and data of
the first kind often look like the second, whose family never inverts the pair (the truth above
the interval in 0.11-0.14 of the data sets at ``W = 0.018``, N = 2, 4000 shots).  Where the
interval's near end lies within :data:`BOUNDARY_REACH` standard deviations of 0, its far end is
united with that of the family that inverts the pair (:func:`inversion_family`), and the main
family runs from the despread reference (:func:`nearest_passive_state` without
``degenerate``).  Far from 0 the two mechanisms differ by a few standard deviations at most and
the union is not taken.

Studentized fidelity, on the Bures angle
----------------------------------------
Near ``F = 1`` the spread of the estimated fidelity at a given ``F`` depends on the direction in
which the state deviates from ``sigma`` (2-qubit battery, ``F = 0.994``, 1000 shots: sd 0.0027
depolarised, 0.0082 turned by a coherent error), a nuisance the family takes from the noisy
estimate.  The test runs on the Bures angle ``A = arccos sqrt(F)`` (:func:`qbexp.analysis.delta.bures_angle`),
which grows like the distance from ``sigma`` where ``1 - F`` grows like its square, and is
studentized (the bootstrap-t): at every ``t`` the simulated values are
``A(rho(t)) + s_obs (A* - A(rho(t))) / s*``, with ``s`` the delta-method standard error of the
angle at the fitted state (:func:`qbexp.analysis.delta.bures_angle_stderr`, finite at ``F = 1``;
``s*`` at each simulated fit, ``s_obs`` at the estimate), so it compares ``(A_obs - A) / s_obs``
with ``(A* - A) / s*``, nearly free of the direction; the unified ordering's distance is in
standard deviations of the plain simulated angles.  The value and the ends are reported as
fidelities, ``F = cos^2 A``.  The test at ``F = 1`` is still exact, and far more powerful than on
the plain ``F_hat`` (depolarised ``F = 0.994``: coverage 0.983 -> 0.953, intervals excluding ``F = 1``
0.12 -> 0.99).  The family runs through ``sigma`` plus the estimate's deviation with its entries
debiased (:func:`qbexp.analysis.figures.debiased_deviation`; the matched spectrum where no entry
is significant), and the interval is the union of the families through the cuts at two and at
three standard errors (:data:`qbexp.analysis.figures.STRICT_SIGNIFICANT`): a zero entry just past
the first cut points the family to a state that owes part of its distance from ``sigma`` to
noise (the device state ``c:0.25 minimal``).  Why the angle: the same test on ``F`` itself, its
tails ordered by ``F``'s spread, made the least favourable direction (states turned by a coherent
error) conservative, N = 2 / 3: 0.984 / 0.990; on the angle 0.961 / 0.984, the depolarised and
device states unchanged within their errors (``c:0.25 minimal``, four seeds: 0.953 -> 0.949
+- 0.003).  What is left conservative near ``F = 1`` (N = 3 turned 0.984, relaxed states
0.976-0.982) is the estimated direction and the union: through the true state the same test
covers them 0.944-0.964, the grid's lost step (:meth:`_Curve.quantile`) included.

The nuisance is estimated
-------------------------
Every family fixes the rest of the state at a value taken from the data, and where the figure's
bias depends on it the interval ignores that value's own variation.  Where this showed, the
interval is a hull over two values of the nuisance that bracket the truth's (Berger and Boos
1994): the ergotropy away from 0 from N = 3, through the matched spectrum and the projected
estimate (:data:`qbexp.analysis.figures.NUISANCE_HULL_QUBITS`), and the cuts of significance
above; the relative-entropy coherence away from 0 from N = 3 is united with the two-reference
interval (:data:`~qbexp.analysis.figures.UNION_QUBITS`).  Hulls are conservative where the
nuisance is well estimated.

Saturation at the state space's boundary (pure and nearly pure states)
---------------------------------------------------------------------
The family leaves the state space where ``R + t (rho_toward - R)`` gets a negative eigenvalue,
and beyond that the projection pins it: near a pure state (``rank rho_toward < d``) ``f(rho(t))``
and its simulated values barely change while ``t`` runs on.  Two things follow.
(1) The roots are bracketed among the ``t`` simulated while the range was searched
(:func:`_bracket`): regula falsi over the whole range (``t`` up to ~65 on such a plateau)
stopped its eight steps far from a root in ``[0, 1]``, and the interval collapsed to a point of
the plateau.  2-qubit battery, 1000 shots, ergotropy / l1 / relative-entropy coherence: the
nearly pure ``c = 0.02`` 0.903 / 0.337 / 0.870 before (300 repetitions), 0.963 / 0.943 / 0.970
now (1000; with (2) where it applies); a Haar-random pure state 0.79 / 0.82 / 0.63 before (200),
0.976 / 0.978 / 0.982 now (1000; conservative on the near side, where the segment's states are
full rank and lack a pure state's negative bias: a price of the nuisance, as the data cannot tell
the estimate's zero eigenvalues from small ones; the family tried instead is in
benchmarks/README.md).  (2) Where no ``t`` of the searched range rejects the observation from
below (``"saturated"``), the data cannot be placed along the family: its one direction ends on the
boundary, and the truth differs from its states in the nuisance the plateau's simulated values
do not see (the pure state's eigenvector, its energy).  At the pure ``|psi-><psi-|``
(``c = 0``) the bracketed family alone covers the ergotropy 0.83 and the l1 coherence 0.16
(200 repetitions; before 0.050 / 0.043), so there :mod:`qbexp.analysis.figures` unites it
with the two-reference interval: 0.964 / 0.949 / 0.988 (1000 repetitions; the two-reference
interval alone 0.92 / 0.98 / 0.88, 100).  The fidelity is not united (its two-reference
interval is calibrated at the exact state).

Why this construction
---------------------
The null distribution is recomputed *at every candidate value*, so the changing shape near the
boundary is what is used (no single calibration point); it needs nothing but simulate-and-refit,
so it works unchanged for linear inversion, maximum likelihood and readout mitigation; it never
uses the exact state except as the definition of the fidelity.  Alternatives considered: an
interval for the spectrum (exact for the spectral part of ``W`` but not for the coherences, and
conservative) and a bootstrap in the full parametrised family (the nuisance is ``4^N - 1``
dimensional).  It costs ~10-15 simulate-and-refit rounds per figure.

Where it cannot hold: at N >= 5 with a few thousand shots per setting most of the ``4^N`` entries
are noise and the estimate's nuisance is far from the truth's (ergotropy and relative-entropy
coherence cover 0.80-0.85 at N = 5); there :func:`decline` returns the value with
``"ci95": None`` and a ``"note"``.
"""

from __future__ import annotations

import numpy as np

from qbexp.analysis.bootstrap import Z95
from qbexp.analysis.estimators import projection
from qbexp.errors import QbexpError

#: Largest number of qubits for which the nonlinear figures get an interval (module docstring).
MAX_INTERVAL_QUBITS = 4


#: Near the boundary: the interval's near end closer to it than this many standard deviations of
#: the estimate (the ergotropy's second family and despread reference apply; module docstring).
BOUNDARY_REACH = 2.0

#: Consecutive eigenvalues of the despread passive reference closer than this many noise standard
#: deviations are made equal (generalized moment selection's threshold, :func:`nearest_passive_state`;
#: 1.645 left the maximally mixed states below 0.95, 2.5 made the N = 3 touching state conservative).
DEGENERATE_WITHIN = 2.0

#: Fixed-point iterations of :func:`matched_spectrum`.
SPECTRUM_STEPS = 8

#: Size of the test at every ``t`` (95 % intervals).
_SIZE = 0.05

#: The tails of every test are multiples of ``1 / TAIL_GRID`` (the ranks of ``B = 79`` draws, at
#: which the intervals were calibrated), whatever the number of draws ``B``: near the boundary a
#: tail rounds down by up to one step, a margin that makes up for the family's estimated nuisance
#: (:meth:`_Curve.quantile`), so the coverage tables measured at ``B = 79`` hold at the default
#: ``B = 319`` (rounded on the ranks of ``B = 300`` draws, the fidelity of the turned state covered
#: 0.936 / 0.946 on two seeds; on this grid 0.947 / 0.952).  With ``B + 1`` a multiple of
#: ``TAIL_GRID`` the size is exactly the grid's, otherwise at most that, within ``1 / (B + 1)``.
TAIL_GRID = 80

#: Regula-falsi steps per root.
_MAX_STEPS = 8

#: Note attached to declined intervals.
DECLINE_NOTE = ("no 95 % interval: at N >= 5 with these shots the bootstrap intervals of nonlinear "
                "figures are known to undercover (see qbexp.analysis.intervals)")


def _pool_adjacent_violators(values: np.ndarray) -> np.ndarray:
    """Least-squares non-increasing fit of a sequence (pool adjacent violators)."""
    blocks = []  # [mean, size]
    for v in values:
        blocks.append([float(v), 1])
        while len(blocks) > 1 and blocks[-2][0] < blocks[-1][0]:
            m2, n2 = blocks.pop()
            m1, n1 = blocks.pop()
            blocks.append([(m1 * n1 + m2 * n2) / (n1 + n2), n1 + n2])
    return np.concatenate([np.full(n, m) for m, n in blocks])


def _energy_levels(hamiltonian) -> tuple:
    """Eigenvalues and eigenvectors of ``H`` (ascending) and each eigenvalue's level index (equal
    energies, to 1e-9 of the largest, share a level)."""
    energies, vecs = np.linalg.eigh(np.asarray(hamiltonian, dtype=complex))
    scale = max(1.0, float(np.max(np.abs(energies))))
    return energies, vecs, np.concatenate([[0], np.cumsum(np.diff(energies) > 1e-9 * scale)])


def nearest_passive_state(rho: np.ndarray, hamiltonian: np.ndarray, unprojected=None, around=None,
                          degenerate: bool = False) -> np.ndarray:
    """The passive state (ergotropy 0) closest to ``rho``: ``rho`` dephased into the eigenspaces
    of ``H`` (keeping the coherences *within* degenerate levels), each block diagonalised, and
    its eigenvalues made non-increasing in energy by isotonic regression (sorted within each
    level, pooled across levels where they violate the order).

    This is the least-favourable ``W = 0`` state for the test inversion: eigenvalues that
    noise has split across levels are pooled, so nearly degenerate pairs (the source of the
    non-smoothness of ``W``) stay nearly degenerate, unlike in the passive state of ``rho``
    (its own spectrum rearranged), whose pairs are as far apart as noise made them (coverage
    0.68 at ``W = 0.001`` through that one).

    Despread (the reference near ``W = 0``): with ``unprojected`` (the linear-inversion estimate
    before projection, of which ``rho`` is the fit) and ``around`` (*unprojected* refits of data
    simulated from ``rho``, ``(B, d, d)``), the levels' blocks are those of ``unprojected``, and
    the eigenvalues of each degenerate level are shrunk towards their mean by the share of their
    spread that is noise.  The unprojected inversion is unbiased entry by entry and the spread
    (the sum of squared deviations from the level mean, a quadratic form in the block's entries)
    adds up with the noise's in expectation, ``s_obs^2 = s^2 + s_noise^2``, with ``s_noise^2`` the
    refits' mean spread less that of ``rho``; so the deviations are scaled by
    ``sqrt(max(0, 1 - s_noise^2 / s_obs^2))``.  Without it the reference's levels overlapped more
    than the truth's and the test at ``t = 0`` rejected the N = 3 Gibbs state in 2.0 % of the data
    sets instead of 5 %.  The unprojected blocks, not the projected ``rho``'s: the projection
    clips the smallest eigenvalues at 0 and biases the level means (at N = 4 the test rejected
    the Gibbs state in 0.005 of the data sets, now ~0.03).

    Steps within noise made degenerate (``degenerate``, for the test at ``W = 0`` alone): ``W = 0``
    is a composite null whose least favourable states have eigenvalues on different levels that
    coincide -- ``I/d`` above all, whose data show the levels apart by noise.  The despread
    reference keeps those noise gaps, so its data show less ergotropy than the truth's (the test
    rejected ``I/d`` in 0.15 / 0.23 / 0.34 of the data sets at N = 2 / 3 / 4).  Every step of the
    passive spectrum (in the order of the levels) smaller than :data:`DEGENERATE_WITHIN` of its
    noise standard deviations (over the ``around`` refits' level-sorted spectra) is removed: runs
    of such steps within a level are pooled to their mean (the level's population kept), such
    steps across levels set to 0 (:func:`_degenerate_within_noise`).  This is generalized moment
    selection for the inequalities that make a state passive (Andrews and Soares 2010,
    Econometrica 78, 119): slack within the threshold is treated as binding, so the test has its
    size where the inequalities bind (``I/d``: rejects 0.055 / 0.051 at N = 2 / 3, the truth's
    own test 0.049 / 0.044) and is conservative where their slack is estimated (the N = 3 Gibbs
    state: 0.037, the truth's own 0.043; its interval covers ~0.97).  A fixed threshold is not
    uniformly valid (the theory's grows like ``sqrt(ln n)``); the one kept is the smallest of
    those measured at which no least favourable cell undercovers (benchmarks/README.md, sixth
    session of 2026-12-03).
    """
    if (unprojected is None) != (around is None):
        raise QbexpError("nearest_passive_state: give both unprojected and around, or neither")
    rho = np.asarray(rho, dtype=complex)
    energies, vecs, level = _energy_levels(hamiltonian)
    in_basis = vecs.conj().T @ rho @ vecs
    if unprojected is not None:
        fitted = in_basis
        in_basis = vecs.conj().T @ np.asarray(unprojected, dtype=complex) @ vecs
        around_basis = vecs.conj().T @ np.asarray(around, dtype=complex) @ vecs
    values, vectors, slices, refits = [], [], [], []
    for k in range(level[-1] + 1):
        idx = np.flatnonzero(level == k)
        lam, u = np.linalg.eigh(in_basis[np.ix_(idx, idx)])
        if unprojected is not None:
            refit = np.linalg.eigvalsh(around_basis[:, idx][:, :, idx])
            refits.append(refit[:, ::-1])
            observed = _spread(lam)
            noise = np.mean(_spread(refit)) - _spread(np.linalg.eigvalsh(fitted[np.ix_(idx, idx)]))
            if observed > 0:  # (a level of one state has no spread)
                lam = lam.mean() + (lam - lam.mean()) * np.sqrt(max(0.0, 1.0 - noise / observed))
        values.append(lam[::-1])
        vectors.append(u[:, ::-1])
        slices.append(idx)
    pooled = _pool_adjacent_violators(np.concatenate(values))
    if degenerate and unprojected is not None:  # steps within noise made degenerate (least favourable)
        steps_noise = np.std(-np.diff(np.concatenate(refits, axis=1), axis=1), axis=0, ddof=1)
        pooled = _degenerate_within_noise(pooled, steps_noise, level)  # level: ascending, as the slices
    out = np.zeros_like(in_basis)
    start = 0
    for idx, u in zip(slices, vectors):
        lam = pooled[start:start + idx.size]
        start += idx.size
        out[np.ix_(idx, idx)] = (u * lam) @ u.conj().T
    return projection(vecs @ out @ vecs.conj().T)


def _degenerate_within_noise(passive: np.ndarray, noise: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The non-increasing sequence ``passive`` (a passive spectrum, each level's eigenvalues in a
    row, ``level`` their levels) with the steps the data cannot tell from 0 removed: a step
    ``passive[i] - passive[i + 1]`` below ``DEGENERATE_WITHIN`` times its noise standard
    deviation ``noise[i]``.  Within a level such runs are replaced by their mean (the level's
    population kept); steps across levels are then set to 0 and the sequence rebuilt from the
    others, with the same mean (:func:`nearest_passive_state`)."""
    within = level[1:] == level[:-1]
    small = -np.diff(passive) <= DEGENERATE_WITHIN * noise
    run = np.concatenate([[0], np.cumsum(~(small & within))])
    out = (np.bincount(run, weights=passive) / np.bincount(run))[run]
    steps = -np.diff(out)
    steps = np.where(small & ~within, 0.0, steps)
    out = out[0] - np.concatenate([[0.0], np.cumsum(steps)])
    return out + (passive.mean() - out.mean())


def _spread(eigenvalues: np.ndarray) -> np.ndarray:
    """Sum of squared deviations of (stacks of) a level's eigenvalues from their mean."""
    return np.sum((eigenvalues - eigenvalues.mean(axis=-1, keepdims=True)) ** 2, axis=-1)


def _crossing_gaps(states: np.ndarray, vecs: np.ndarray, level: np.ndarray) -> np.ndarray:
    """``(..., K)``: for each of the ``K`` pairs of adjacent levels (``vecs``, ``level`` from
    :func:`_energy_levels`), the smallest eigenvalue of the lower level's block minus the
    largest of the upper one's (negative: populations inverted across those levels)."""
    in_basis = vecs.conj().T @ np.asarray(states, dtype=complex) @ vecs
    blocks = [np.linalg.eigvalsh(in_basis[..., idx[:, None], idx[None, :]])
              for idx in (np.flatnonzero(level == k) for k in range(level[-1] + 1))]
    return np.stack([blocks[k][..., 0] - blocks[k + 1][..., -1] for k in range(level[-1])], axis=-1)


def inversion_family(passive: np.ndarray, hamiltonian, estimate: np.ndarray, around: np.ndarray):
    """The ergotropy's second family, for the far side of its interval near ``W = 0`` (module
    docstring): a pair of eigenvalues of the passive state ``passive`` (block-diagonal in the levels
    of ``H``, as :func:`nearest_passive_state` returns it) across adjacent levels -- the smallest of
    a level and the largest of the next one up -- pooled at its mean ``m`` (``start``, still
    passive, ``W = 0``), and the same state with that pair fully inverted (``toward``: ``0`` on
    the lower level, ``2 m`` on the upper).  Along ``start + t (toward - start)`` the ergotropy
    is ``2 t m dE`` (``dE`` the levels' gap, while no other pair crosses): a population
    inversion of the pair, the mechanism the main family misses when the data show the pair in
    passive order.

    The pair is at the adjacent levels whose gap (the smallest eigenvalue of the lower level's
    block minus the largest of the upper one's) in the ``estimate`` lies the fewest standard
    deviations of the gaps of ``around`` (fits of data simulated from the estimate) from a
    crossing, or beyond it: the levels where the data are most consistent with an inversion.
    (The pooled ``passive`` state cannot choose: every pair that noise inverted
    has gap 0 there.)

    Returns ``(start, toward)``, or ``None`` if ``H`` has a single level.
    """
    _, vecs, level = _energy_levels(hamiltonian)
    if level[-1] == 0:
        return None
    spread = np.std(_crossing_gaps(around, vecs, level), axis=0, ddof=1)
    k = int(np.argmin(_crossing_gaps(estimate, vecs, level) / np.maximum(spread, 1e-300)))
    passive = np.asarray(passive, dtype=complex)
    in_basis = vecs.conj().T @ passive @ vecs
    pair = []
    for j, pick in ((k, 0), (k + 1, -1)):  # the smallest eigenvalue of level k, the largest of k + 1
        idx = np.flatnonzero(level == j)
        lam, u = np.linalg.eigh(in_basis[np.ix_(idx, idx)])
        vector = vecs[:, idx] @ u[:, pick]
        pair.append((lam[pick], np.outer(vector, vector.conj())))
    (lam_low, low), (lam_high, high) = pair
    mean = (lam_low + lam_high) / 2
    start = passive + (mean - lam_low) * low + (mean - lam_high) * high
    return start, start + mean * (high - low)


def matched_spectrum(unprojected: np.ndarray, simulate_unprojected, steps: int = SPECTRUM_STEPS) -> np.ndarray:
    """The state with the eigenvectors of the unprojected linear inversion ``unprojected`` and the
    spectrum whose simulated data, inverted the same way, have on average the observed sorted
    spectrum (indirect inference: ``lam <- lam + (lam_obs - mean lam_refit(lam))``, clipped at 0
    and renormalised, ``steps`` times, with common random numbers).

    Why: the sorted spectrum of an estimate is more spread than the truth's (noise repels the
    eigenvalues, and the projection clips the smallest at 0), and the bias of the ergotropy
    comes from nearly degenerate eigenvalues on different energy levels, which noise mixes.  A
    family through the projected estimate therefore carries less bias than the truth: the
    strongly active N = 3 state (haar:2 steady state, W = 0.74, smallest eigenvalues 0.004 and
    0.012 in pairs; 1000 shots, readout-mitigated) has plug-in bias +0.022, its projected
    estimates (two or three eigenvalues at 0) +0.009 on average (30 data sets), the matched
    states +0.016 (12 data sets); the median-unbiased value's bias fell from +0.011 to +0.003
    (300 data sets) and the coverage rose from 0.926 to 0.940 (1000 repetitions; misses below
    0.064 -> 0.044); at N = 4 (W = 0.84, without the union with the two-reference interval) from
    0.82 to 0.930 +- 0.015 (300 repetitions).  The matched spectrum is itself an estimate: from
    N = 3 the interval away from ``W = 0`` is the hull with the family through the projected
    estimate (:data:`qbexp.analysis.figures.NUISANCE_HULL_QUBITS`).
    The unprojected inversion is unbiased entry by entry, so its sorted spectrum is a statistic
    whose mean is a smooth function of the true spectrum; the projected one has a point mass at
    0.  The matched state is the same whatever estimator fits the data (the MLE's family runs
    through it too).  The match is partial: over 20 data sets the five smallest eigenvalues'
    bias falls from 0.015 to 0.009, and their summed squared deviations stay ~5x the truth's.

    Args:
        unprojected: the linear-inversion estimate before projection (Hermitian, unit trace).
        simulate_unprojected: ``state -> (B, d, d)`` unprojected refits of data simulated from
            ``state`` (the same random numbers at every call).
        steps: fixed-point iterations.
    """
    unprojected = (unprojected + unprojected.conj().T) / 2
    observed, vecs = np.linalg.eigh(unprojected)
    lam = np.clip(observed, 0.0, None)
    lam /= lam.sum()
    for _ in range(steps):
        refit = np.mean(np.linalg.eigvalsh(simulate_unprojected((vecs * lam) @ vecs.conj().T)), axis=0)
        lam = np.sort(np.clip(lam + (observed - refit), 0.0, None))
        lam /= lam.sum()
    return (vecs * lam) @ vecs.conj().T


def near_boundary(near_end: float, boundary: float, stderr: float) -> bool:
    """Whether an interval's near end lies within ``BOUNDARY_REACH`` standard errors of the boundary
    (where the ergotropy's interval unites the second family's far end, :func:`inversion_family`,
    and starts from the despread reference, without the hull of
    :data:`qbexp.analysis.figures.NUISANCE_HULL_QUBITS` or the relative entropy's union of
    :data:`qbexp.analysis.figures.UNION_QUBITS`)."""
    return abs(near_end - boundary) < BOUNDARY_REACH * stderr


def boundary_accepted(f, reference, estimate, simulate, sign: int = 1) -> bool:
    """Whether the test at the boundary state ``reference`` (``t = 0``, one-sided: its lower tail is
    empty) accepts the observed ``f(estimate)``: then the interval reaches the boundary, wherever
    a family through another reference put its near end (:func:`inversion_summary`'s arguments)."""
    curve = _Curve(f, np.asarray(reference), np.asarray(estimate), simulate, sign, 0.0)
    return sign * float(f(estimate[None])[0]) <= curve.upper_critical(0.0)


def boundary_near_end(f, reference, estimate, simulate, bounds, sign: int = 1) -> float:
    """The near end of the test inversion along the family from the least favourable boundary
    state ``reference`` through ``estimate`` (:func:`inversion_summary`'s arguments): the boundary
    value where the test at ``t = 0`` (:func:`boundary_accepted`) accepts, else the figure at the
    root of ``upper_critical(t) = f_obs``.  Near ``W = 0`` it is the ergotropy's lower end, so
    that a ``W = 0`` truth is missed exactly when the test at ``W = 0`` rejects (module
    docstring, "Near end")."""
    observed = sign * float(f(estimate[None])[0])
    boundary = sign * (bounds[0] if sign > 0 else bounds[1])
    curve = _Curve(f, np.asarray(reference), np.asarray(estimate), simulate, sign, boundary)
    spread = float(np.std(curve.at(1.0), ddof=1))
    if np.max(np.abs(curve.direction)) < 1e-12 or spread == 0.0:
        return float(sign * boundary)
    (t_near,) = _accepted(curve, observed, spread, which="near")  # 0 where the test at t = 0 accepts
    return float(np.clip(sign * curve.value(t_near), *bounds)) if t_near > 0 else float(sign * boundary)


def decline(value: float, stderr: float, note: str = DECLINE_NOTE) -> dict:
    """A result that declines to give an interval: ``ci95`` is ``None`` and ``note`` says why."""
    return {"value": float(value), "stderr": float(stderr), "ci95": None, "note": note}


def unified_low_tail(distance: float) -> float:
    """Lower-tail probability of the Feldman--Cousins acceptance region of a unit normal whose
    mean ``mu = distance >= 0`` is bounded below by 0 (Feldman and Cousins 1998, Phys. Rev. D 57,
    3873, Sec. IV B): the region ``[x1, x2]`` of probability 0.95 ordered by the likelihood
    ratio ``L(x | mu) / L(x | max(0, x))``; ``0`` at ``mu = 0`` (the one-sided region
    ``x <= 1.645``), ``0.025`` from ``mu = 1.96`` on (the central region).  For ``x1 < 0 <= mu``
    equal ratios give ``x2 = mu + sqrt(mu^2 - 2 x1 mu)``; ``x1`` is the root of
    ``Phi(x2 - mu) - Phi(x1 - mu) = 0.95``."""
    mu = float(distance)
    if not mu > 1e-6:  # the share is below 1e-40 from mu = 0.1 down (0 in double precision by 0.01)
        return 0.0
    if mu >= Z95:
        return _SIZE / 2
    from scipy.optimize import brentq
    from scipy.special import ndtr

    def excess(x1):
        x2 = mu + np.sqrt(mu * mu - 2.0 * x1 * mu)
        return ndtr(x2 - mu) - ndtr(x1 - mu) - (1.0 - _SIZE)

    x1 = brentq(excess, -(1.0 + 50.0 / mu), 0.0, xtol=1e-10)  # at the left end x2 - mu > 10
    return float(ndtr(x1 - mu))


class _Curve:
    """Sorted simulated values of ``sign * f`` at each evaluated ``t`` (common random numbers)."""

    def __init__(self, f, reference, estimate, simulate, sign, floor, scale=None, reported=None):
        self.f, self.reference, self.direction = f, reference, estimate - reference
        self.simulate, self.sign, self.floor = simulate, sign, floor
        self.scale = scale  # (states -> standard errors, the observed data's): studentized test
        self.reported = reported  # values of f -> the figure reported (the fidelity of a Bures angle)
        self.samples, self.spreads, self.reported_spreads = {}, {}, {}
        self.saturated = False  # set by _accepted: no t of its range rejects the observation from below

    def state(self, t: float) -> np.ndarray:
        return projection(self.reference + t * self.direction)

    def at(self, t: float) -> np.ndarray:
        """Sorted simulated values at ``t``; with a ``scale``, studentized and put back on the
        observed data's scale, ``f(rho(t)) + s_obs (f* - f(rho(t))) / s*`` (module docstring,
        "Studentized fidelity")."""
        t = float(t)
        if t not in self.samples:
            states = self.simulate(self.state(t))
            raw = self.f(states)
            values = self.sign * raw
            self.spreads[t] = float(np.std(values, ddof=1))
            if self.reported is not None:
                self.reported_spreads[t] = float(np.std(self.reported(raw), ddof=1))
            if self.scale is not None:
                stderr, observed = self.scale
                centre = self.value(t)
                values = centre + observed * (values - centre) / np.maximum(stderr(states), 1e-300)
            self.samples[t] = np.sort(values)
        return self.samples[t]

    def spread(self, t: float) -> float:
        """Standard deviation of the simulated values of ``f`` at ``t`` (not studentized)."""
        self.at(t)
        return self.spreads[float(t)]

    def quantile(self, t: float, level: float) -> float:
        """The Monte Carlo test's critical order statistic: the ``ceil(level (B + 1))``-th value
        for upper levels, the ``floor(level (B + 1))``-th for lower ones (exact size with B draws;
        the 0-th is the boundary value, below every draw: a lower tail of size 0), each tail's
        share first rounded (down) to a multiple of ``1 / TAIL_GRID``.

        Each tail is rounded on its own, so where ``0 < low_tail < 0.025`` (within 1.96 standard
        deviations of the boundary) one step of the grid is lost: size 3/80 = 0.0375, not 0.05.
        The lost step makes up for what the family's estimated nuisance lacks near the boundary,
        so it is kept: splitting the ranks between the tails (exact size at every ``t``) took the
        ergotropy at ``W = 0.018 / 0.034`` (N = 2) to 0.944 / 0.940 and the fidelity of the device
        state ``c:0.25 minimal`` to 0.928 / 0.939 (1000 repetitions, ``B = 79``; with the true
        state's direction exact size covered 0.944-0.961, so what the step makes up for is the
        estimated direction, :func:`qbexp.analysis.figures.debiased_deviation`).  Measured again with
        the strict cut's union and the Bures angle, for the fidelity alone: still kept
        (benchmarks/README.md, "The fidelity's test of exact size near F = 1")."""
        sample = self.at(t)
        size = sample.size
        if level > 0.5:  # the upper tail's share rounded down to the grid: ceil(level * TAIL_GRID) steps kept
            steps = int(np.ceil(level * TAIL_GRID - 1e-9))
            k = min(int(np.ceil(steps * (size + 1) / TAIL_GRID)), size)  # (small integers: exact)
        elif level < 0.5:
            k = int(np.floor(level * TAIL_GRID + 1e-9)) * (size + 1) // TAIL_GRID
            if k == 0:
                return self.floor
        else:
            return float(np.median(sample))
        return float(sample[k - 1])

    def low_tail(self, t: float) -> float:
        """The acceptance region's lower-tail probability at ``t``: :func:`unified_low_tail` of the
        distance of ``f(rho(t))`` from the boundary in standard deviations of the simulated values
        of ``f`` (not studentized: the ordering is the state's, whatever the observed data's scale)."""
        if t <= 0.0:
            return 0.0
        spread = self.spread(t)  # the state's own spread, whatever the observed data's scale
        distance = self.value(t) - self.floor
        return unified_low_tail(distance / spread if spread > 0 else np.inf)

    def upper_critical(self, t: float) -> float:
        """Largest accepted observation at ``t`` (the ``1 - (0.05 - low_tail)`` order statistic)."""
        return self.quantile(t, 1.0 - (_SIZE - self.low_tail(t)))

    def lower_critical(self, t: float) -> float:
        """Smallest accepted observation at ``t`` (the ``low_tail`` order statistic)."""
        return self.quantile(t, self.low_tail(t))

    def median(self, t: float) -> float:
        return self.quantile(t, 0.5)

    def value(self, t: float) -> float:
        return float(self.sign * self.f(self.state(t)[None])[0])


def _root(curve: _Curve, critical, target: float, lo: float, hi: float, tol: float) -> float:
    """``t`` in ``[lo, hi]`` with ``critical(t) = target`` (increasing in ``t``), by Illinois
    regula falsi; stops when the bracket's values of the figure differ by less than ``tol``."""
    f_lo, f_hi = critical(lo) - target, critical(hi) - target
    side = 0
    for _ in range(_MAX_STEPS):
        if abs(curve.value(hi) - curve.value(lo)) < tol or f_hi == f_lo:
            break
        t = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        t = min(max(t, lo + 0.02 * (hi - lo)), hi - 0.02 * (hi - lo))
        f_t = critical(t) - target
        if f_t > 0:
            hi, f_hi = t, f_t
            if side == 1:
                f_lo /= 2
            side = 1
        else:
            lo, f_lo = t, f_t
            if side == -1:
                f_hi /= 2
            side = -1
    return lo + (hi - lo) * (0.0 if f_hi == f_lo else float(np.clip(-f_lo / (f_hi - f_lo), 0.0, 1.0)))


def _accepted(curve: _Curve, observed: float, spread: float, which: str = "all") -> list:
    """Accepted ``t`` of the test inversion along ``curve``: ``[t_lo, t_median, t_hi]``, the roots
    of ``upper_critical(t) = f_obs``, ``median(t) = f_obs`` and ``lower_critical(t) = f_obs`` (``0``
    where the boundary state already accepts, the end of the searched range where no root lies
    in it); with ``which="far"`` just ``[t_hi]``, with ``which="near"`` just ``[t_lo]``, with
    ``which="ends"`` ``[t_lo, t_hi]``.  Sets ``curve.saturated`` (module docstring, "Saturation")."""
    tol = 0.02 * spread
    # Upper end of the t range: step beyond t = 1 until the lower critical value exceeds f_obs.
    t_high, slope = 1.0, max(curve.value(1.0) - curve.value(0.0), 1e-12)
    step = max(3.0 * spread / slope, 0.25)
    for _ in range(8):
        if curve.lower_critical(t_high) > observed:
            break
        t_high += step
        step *= 2
    ends = []
    criticals = {"all": (curve.upper_critical, curve.median, curve.lower_critical),
                 "ends": (curve.upper_critical, curve.lower_critical),
                 "far": (curve.lower_critical,), "near": (curve.upper_critical,)}[which]
    curve.saturated = curve.lower_critical(t_high) <= observed  # no t far enough to reject (module docstring)
    grid = sorted(t for t in set(curve.samples) | {0.0} if t <= t_high)  # the roots' brackets, the
    # same whichever roots are sought
    for critical in criticals:
        if critical(0.0) >= observed:
            ends.append(0.0)
        elif critical(t_high) <= observed:
            ends.append(t_high)
        else:
            lo, hi = _bracket(grid, critical, observed, far=critical == curve.lower_critical)
            ends.append(_root(curve, critical, observed, lo, hi, tol))
    return ends


def _bracket(grid: list, critical, observed: float, far: bool) -> tuple:
    """The narrowest bracket ``[lo, hi]`` of a root of ``critical(t) = observed`` on ``grid`` (the
    ``t`` simulated while :func:`_accepted` searched its range, ``0`` to ``t_high``, where
    ``critical(0) < observed <= critical(t_high)``): the first crossing from ``t = 0`` for the
    near end and the median, the last one for the far end (``far``), so that an accepted ``t``
    is never cut off.  Regula falsi over the whole range ``[0, t_high]`` stalls where the family
    saturates (a nearly pure state: ``f`` and its simulated values stop changing beyond where
    the segment leaves the state space, so ``t_high`` runs to ~65) and stopped its eight steps
    far from a root lying in ``[0, 1]`` (module docstring, "Saturation")."""
    above = [critical(t) >= observed for t in grid]
    if far:
        j = max(i for i, a in enumerate(above) if not a)
        return grid[j], grid[j + 1]
    j = min(i for i, a in enumerate(above) if a)
    return grid[j - 1], grid[j]


def inversion_summary(f, reference, estimate, simulate, bounds, sign: int = 1, toward=None,
                      far_side=None, scale=None, median: bool = True, reported=None) -> dict:
    """Test-inversion 95 % interval and median-unbiased value of ``f`` (module docstring).

    Args:
        f: the figure, ``f(states (B, d, d)) -> (B,)``.
        reference: the state where ``f`` is extreme (``t = 0``).
        estimate: the fitted state (``t = 1``).
        simulate: ``simulate(state) -> (B, d, d)`` fitted states of data simulated from
            ``state``, with the same random numbers at every call.
        bounds: the physical range of ``f``.
        sign: ``+1`` if ``f`` increases from the reference (ergotropy, coherences),
            ``-1`` if it decreases (fidelity).
        toward: the state the segment points to, if not ``estimate`` (for linear inversion the
            unprojected estimate, whose projection is ``estimate``: module docstring).
        far_side: ``(start, toward)``, the segment of a second family (the ergotropy's
            :func:`inversion_family`): where the interval comes within ``BOUNDARY_REACH`` standard
            deviations of the boundary, its far end is at least that family's (the union of
            the two test inversions; module docstring).
        scale: ``states -> (B,)`` standard errors of ``f`` (the Bures angle's delta-method ones,
            :func:`qbexp.analysis.delta.bures_angle_stderr`): the test is studentized, every
            simulated value compared on the scale of the observed data (module docstring,
            "Studentized fidelity"); the reported ``stderr`` stays the spread of ``f``.
        median: whether to find the median-unbiased value (the root of ``median(t) = f_obs``).
            Without it ``value`` is the plug-in and ``ci95`` the test inversion alone: for the
            families whose interval only widens another's (``figures``' hulls), it saves that
            root's simulations (N = 4 l1 coherence: about a fifth of the time) and changes no
            end, every state being simulated with its own random numbers.
        reported: a monotone map of ``f``'s values to the figure reported (the fidelity's test
            runs on its Bures angle, :func:`qbexp.analysis.delta.fidelity_of_angle`): the value,
            the interval, the plug-in and the ``stderr`` (the spread of the mapped simulated
            values) are the figure's.

    Returns:
        ``{"value", "stderr", "ci95": [lo, hi], "plug_in", "bias", "saturated"}``; ``saturated``:
        the far end is the end of the searched range, as no ``t`` rejects the observation from
        below (module docstring, "Saturation").
    """
    observed = sign * float(f(estimate[None])[0])
    boundary = sign * (bounds[0] if sign > 0 else bounds[1])  # the extreme value, exactly, at t = 0
    reference = np.asarray(reference)
    toward = np.asarray(estimate if toward is None else toward)
    studentized = None if scale is None else (scale, float(scale(estimate[None])[0]))
    curve = _Curve(f, reference, toward, simulate, sign, boundary, studentized, reported)
    spread = curve.spread(1.0)
    report = (lambda x: x) if reported is None else (lambda x: float(reported(x)))
    stderr = spread if reported is None else curve.reported_spreads[1.0]
    if np.max(np.abs(curve.direction)) < 1e-12 or spread == 0.0:
        value = report(sign * observed)
        return {"value": value, "stderr": stderr, "ci95": [value, value], "plug_in": value, "bias": 0.0,
                "saturated": False}
    ends = _accepted(curve, observed, spread, which="all" if median else "ends")
    values = [curve.value(t) if t > 0 else boundary for t in ends]
    if not median:
        values.insert(1, observed)  # the plug-in in the median's place
    # Far side (module docstring): the union with the second family's test inversion, where the
    # interval comes within BOUNDARY_REACH sd of the boundary.
    if far_side is not None and near_boundary(values[0], boundary, spread):
        other = _Curve(f, np.asarray(far_side[0]), np.asarray(far_side[1]), simulate, sign, boundary)
        (t_far,) = _accepted(other, observed, spread, which="far")
        values[2] = max(values[2], other.value(t_far) if t_far > 0 else boundary)
    lo, value, hi = (sign * v for v in values)
    if sign < 0:
        lo, hi = hi, lo
    lo, value, hi = (report(float(np.clip(x, *bounds))) for x in (lo, value, hi))
    lo, hi = min(lo, hi), max(lo, hi)
    plug_in = report(sign * observed)
    ci95 = [min(lo, value), max(hi, value)] if median else [lo, hi]
    return {"value": value, "stderr": stderr, "ci95": ci95, "plug_in": plug_in, "bias": plug_in - value,
            "saturated": bool(curve.saturated)}
