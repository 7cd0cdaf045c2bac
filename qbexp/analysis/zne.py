"""Zero-noise extrapolation of measured distributions (the ``zne`` gate mitigation).

Every measurement circuit is run at noise scales λ_1 = 1 < λ_2 < ... (two-qubit gates folded,
:mod:`qbexp.circuits.folding`).  For each circuit the outcome frequencies p_λ are extrapolated
to λ = 0 by Richardson extrapolation, p_0 = Σ_i w_i p_{λ_i}, the weights of the polynomial of
degree m − 1 through the m points (w_i = Π_{j≠i} λ_j / (λ_j − λ_i)).  The result is
clipped at 0 and renormalised (a distribution), then handed to the same state fits as raw
counts, with an effective number of shots

    S_eff = S / Σ_i w_i²,

the shots of a multinomial sample whose frequencies have the variance of p_0
(Var p_0 = Σ_i w_i² p_λi (1 − p_λi)/S ≈ p_0 (1 − p_0) Σ_i w_i² / S).  The bootstrap of the fits
then resamples S_eff shots, so the intervals carry the extrapolation's amplification of shot
noise (to first order; the model error of the extrapolation itself is not in them: that is what
``device`` versus ``exact`` shows on a simulator).

We extrapolate distributions ourselves rather than with mitiq's factories because mitiq
extrapolates one expectation value at a time, while the tomographic fit needs whole
distributions per setting (and the work measurement two histograms) to stay physical.
"""

from __future__ import annotations

import numpy as np

from qbexp.errors import QbexpError


def richardson_weights(scales) -> np.ndarray:
    """Weights w_i with Σ w_i f(λ_i) = f(0) for every polynomial f of degree < len(scales)."""
    lam = np.asarray(scales, dtype=float)
    if lam.size < 2 or len(set(lam)) != lam.size or np.any(lam <= 0):
        raise QbexpError(f"noise scales {list(scales)}: need at least two distinct positive scales")
    w = np.ones(lam.size)
    for i in range(lam.size):
        for j in range(lam.size):
            if i != j:
                w[i] *= lam[j] / (lam[j] - lam[i])
    return w


def extrapolate_counts(counts_by_scale: list[dict], scales, shots: int) -> tuple[dict, int]:
    """Extrapolated counts of one circuit: ``counts_by_scale[i]`` measured at ``scales[i]`` with
    ``shots`` each -> (counts over ``S_eff`` shots, ``S_eff``), see the module docstring."""
    w = richardson_weights(scales)
    keys = sorted(set().union(*counts_by_scale))
    freq = np.array([[c.get(k, 0) / shots for k in keys] for c in counts_by_scale])
    p0 = np.clip(w @ freq, 0.0, None)
    if p0.sum() <= 0:
        raise QbexpError("zero-noise extrapolation left no probability: the noise scales are too far apart")
    p0 /= p0.sum()
    effective = max(1, int(round(shots / float(np.sum(w**2)))))
    counts = np.floor(p0 * effective).astype(int)
    rest = effective - counts.sum()  # largest remainders, so that the counts add up to S_eff
    order = np.argsort(-(p0 * effective - counts))
    counts[order[:rest]] += 1
    return {k: int(n) for k, n in zip(keys, counts) if n > 0}, effective
