"""Delta-method standard errors of a figure at a state: the studentizing scale of the fidelity's
test inversion, which runs on the Bures angle ``arccos sqrt(F)`` (:mod:`qbexp.analysis.intervals`,
"Studentized fidelity").

The linear-inversion estimate is linear in the counts at fixed shots per setting,
``rho_hat = sum_sb n_sb Omega_sb`` (:func:`qbexp.analysis.estimators.linear_inversion_weights`),
so a figure ``f`` with operator gradient ``G`` (``df = tr(G drho)``) has, to first order, the
variance of the linear statistic ``sum_sb w_sb n_sb``, ``w_sb = tr(G Omega_sb)``, over
multinomial counts:

    Var f_hat ~ sum_s S_s (sum_b w_sb^2 p_sb - (sum_b w_sb p_sb)^2)        (S_s shots of setting s)

with ``p`` the Born probabilities of the state (seen through the readout assignment, and ``w``
through its inverse, when the fit mitigates readout errors; the calibration's own noise is not
in it).  Exact for figures linear in the
state (the energy: ``G = H``); for the fidelity and its angle it is the first-order term, which is all a
studentizing scale needs: the test's critical values are simulated, so any function of the
fitted state gives a valid test, and this one makes the statistic nearly free of the direction
in which the state deviates from the exact one.
"""

from __future__ import annotations

import numpy as np

from qbexp.analysis.estimators import linear_inversion_weights, outcome_probabilities
from qbexp.analysis.readout import apply_assignment
from qbexp.models.matrices import dagger, psd_sqrt
from qbexp.thermo import fidelity

#: Eigenvalues of ``sqrt(sigma) rho sqrt(sigma)`` below this are raised to it in the fidelity's
#: gradient (:func:`fidelity_gradient`): the gradient of ``tr sqrt(.)`` diverges where a projected
#: estimate has a zero eigenvalue; the scale then stays finite (a few times the noise there).
GRADIENT_FLOOR = 1e-4


def _weights(gradients: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """``w_sb = tr(G Omega_sb)``, ``(..., 3^N, 2^N)``, for gradients ``(..., d, d)`` and the
    linear-inversion weights ``Omega`` ``(3^N, 2^N, d, d)``.  ``np.tensordot`` is one BLAS product;
    ``np.einsum("...ij,sbji->...sb")``, the same sum to 1e-18, runs without BLAS: 1.8 / 50 ms per
    call for 79 states at N = 3 / 4 against 0.18 / 3.9 ms (benchmarks/bench_delta.py)."""
    return np.tensordot(gradients, omega, axes=([-2, -1], [-1, -2])).real


def linear_stderr(states, gradients, shots, assignment=None) -> np.ndarray:
    """First-order standard error of a figure with operator gradients ``gradients`` (``(..., d, d)``)
    at ``states`` (``(..., d, d)``), estimated by linear inversion from counts with ``shots``
    (``(3^N,)``) per setting; ``assignment`` (``(3^N, N, 2, 2)``): readout assignment matrices
    that the fit inverts (module docstring)."""
    states = np.asarray(states)
    n = states.shape[-1].bit_length() - 1
    w = _weights(np.asarray(gradients), linear_inversion_weights(n, shots))
    p = outcome_probabilities(states)
    if assignment is not None:
        matrices = np.asarray(assignment, dtype=float)
        p = apply_assignment(p, matrices)
        w = apply_assignment(w, np.swapaxes(np.linalg.inv(matrices), -1, -2))
    variance = np.sum(np.asarray(shots, dtype=float) * (np.sum(w * w * p, axis=-1) - np.sum(w * p, axis=-1) ** 2),
                      axis=-1)
    return np.sqrt(np.clip(variance, 0.0, None))


def fidelity_gradient(states, sigma, floor=None) -> np.ndarray:
    """Operator gradient of ``F(rho) = (tr sqrt(A))^2``, ``A = sqrt(sigma) rho sqrt(sigma)``:
    ``dF = 2 sqrt(F) d tr sqrt(A) = sqrt(F) tr(A^{-1/2} sqrt(sigma) drho sqrt(sigma))``, so
    ``G = sqrt(F) sqrt(sigma) A^{-1/2} sqrt(sigma)`` (eigenvalues of ``A`` raised to ``floor``,
    default :data:`GRADIENT_FLOOR`)."""
    floor = GRADIENT_FLOOR if floor is None else floor
    root = psd_sqrt(np.asarray(sigma))
    a, v = np.linalg.eigh(root @ np.asarray(states) @ root)
    a = np.clip(a, 0.0, None)
    f_root = np.sum(np.sqrt(a), axis=-1)
    inverse_root = (v * (1.0 / np.sqrt(np.maximum(a, floor)))[..., None, :]) @ dagger(v)
    return f_root[..., None, None] * (root @ inverse_root @ root)


def fidelity_stderr(states, sigma, shots, assignment=None) -> np.ndarray:
    """Delta-method standard error of the fidelity to ``sigma`` at ``states`` (module docstring)."""
    return linear_stderr(states, fidelity_gradient(states, sigma), shots, assignment)


def bures_angle(fidelities) -> np.ndarray:
    """The Bures angle ``A = arccos sqrt(F)`` of fidelities ``F`` (0 at ``F = 1``): the statistic of
    the fidelity's test (:mod:`qbexp.analysis.intervals`, "Studentized fidelity")."""
    return np.arccos(np.sqrt(np.clip(fidelities, 0.0, 1.0)))


def fidelity_of_angle(angles) -> np.ndarray:
    """``F = cos^2 A``, the inverse of :func:`bures_angle`."""
    return np.cos(angles) ** 2


def bures_angle_stderr(states, sigma, shots, assignment=None) -> np.ndarray:
    """Delta-method standard error of the Bures angle to ``sigma`` at ``states``:
    ``|dA/dF| s_F = s_F / (2 sqrt(F (1 - F)))`` (:func:`fidelity_stderr`).  Finite as ``F -> 1``,
    where ``s_F`` and ``sqrt(1 - F)`` both vanish like the distance from ``sigma``; the floors only
    keep a state exactly at ``sigma`` (or orthogonal to it) from dividing by zero."""
    f = np.clip(fidelity(states, sigma), 1e-300, 1.0)
    slope = 2.0 * np.sqrt(f * np.clip(1.0 - f, 1e-300, None))  # > 0 with both factors floored
    return fidelity_stderr(states, sigma, shots, assignment) / slope
