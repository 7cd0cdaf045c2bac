"""Distances between states: trace distance and (Uhlmann) fidelity.

Both take single density matrices ``(d, d)`` or stacks ``(..., d, d)`` (broadcast against
each other) and return a float for one pair, an array of shape ``(...)`` for stacks.
"""

from __future__ import annotations

import numpy as np

from qbexp.errors import QbexpError
from qbexp.models.matrices import dagger, psd_sqrt
from qbexp.thermo._validate import as_density_matrix, scalar_or_array

__all__ = ["fidelity", "fidelity_function", "trace_distance"]


def _pair(rho, sigma) -> tuple[np.ndarray, np.ndarray]:
    rho = as_density_matrix(rho, "first state", stack=True)
    sigma = as_density_matrix(sigma, "second state", stack=True)
    if rho.shape[-1] != sigma.shape[-1]:
        raise QbexpError(f"states of different dimensions: {rho.shape[-1]} and {sigma.shape[-1]}")
    try:
        np.broadcast_shapes(rho.shape[:-2], sigma.shape[:-2])
    except ValueError:
        raise QbexpError(f"stacks of states of shapes {rho.shape[:-2]} and {sigma.shape[:-2]} do not broadcast "
                         "against each other") from None
    return rho, sigma


def trace_distance(rho, sigma):
    """Trace distance T(ρ, σ) = ½‖ρ − σ‖₁ = ½ Σ_k |λ_k(ρ − σ)| (Nielsen & Chuang, Eq. 9.11).

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        sigma: the same, broadcast against ``rho``.

    Returns:
        A float for two single states, else an array of the broadcast shape ``(...)``; in [0, 1]
        for states (positivity is not checked: the slightly negative eigenvalues of an estimate
        can take it slightly beyond).
    """
    rho, sigma = _pair(rho, sigma)
    diff = rho - sigma
    value = 0.5 * np.abs(np.linalg.eigvalsh(0.5 * (diff + dagger(diff)))).sum(axis=-1)
    return scalar_or_array(value, diff)


def fidelity(rho, sigma):
    """Uhlmann fidelity F(ρ, σ) = (tr √(√σ ρ √σ))² (Nielsen & Chuang, Eq. 9.53, squared convention,
    as ``qiskit.quantum_info.state_fidelity``).

    √σ is taken from the eigen-decomposition of σ with negative eigenvalues clipped to 0, and
    so are those of √σ ρ √σ, so that slightly unphysical estimates give a finite value; the
    result is clipped to [0, 1].

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)`` (e.g. bootstrap replicates).
        sigma: the reference state(s), broadcast against ``rho``.

    Returns:
        A float for two single states, else an array of the broadcast shape ``(...)``.
    """
    rho, sigma = _pair(rho, sigma)
    value = _fidelities(rho, psd_sqrt(sigma))
    return scalar_or_array(value, rho if rho.ndim >= sigma.ndim else sigma)


def fidelity_function(sigma):
    """``rho -> fidelity(rho, sigma)`` for one reference state and many states.

    ``sigma`` is checked and its square root taken once, not at every call (the interval
    construction of :mod:`qbexp.analysis` evaluates ~100 stacks of replicates against the one
    exact state).  Every state (stack) is still checked.

    Args:
        sigma: the reference density matrix ``(d, d)``.

    Returns:
        A function of a density matrix ``(d, d)`` or a stack ``(..., d, d)`` with the values of
        :func:`fidelity`.
    """
    sigma = as_density_matrix(sigma, "second state")
    root = psd_sqrt(sigma)

    def values(rho):
        rho = as_density_matrix(rho, "first state", stack=True)
        if rho.shape[-1] != sigma.shape[-1]:
            raise QbexpError(f"states of different dimensions: {rho.shape[-1]} and {sigma.shape[-1]}")
        return scalar_or_array(_fidelities(rho, root), rho)
    return values


#: Eigenvalues of √σ ρ √σ below this many units of rounding of its largest are taken as 0
#: (:func:`_fidelities`).
ROUNDING_UNITS = 4


def _fidelities(rho: np.ndarray, root: np.ndarray) -> np.ndarray:
    """Σ_k √λ_k of √σ ρ √σ, squared.  Its eigenvalues that are rounding (~1e-17 where ρ or σ is
    rank-deficient: pure states, the ground state's steady states) are taken as 0, not as
    √1e-17 ≈ 3e-9 each: F was ~1e-8 off for pure and rank-2 pairs, 1e-16 now.  A true
    eigenvalue that small is lost with them, which moves F by at most its square root, as
    much as the rounding of ρ itself moves F there (√ is not smooth at 0)."""
    overlap = np.linalg.eigvalsh(root @ rho @ root)
    d = overlap.shape[-1]
    floor = ROUNDING_UNITS * d * np.finfo(float).eps * np.abs(overlap).max(axis=-1, keepdims=True)
    return np.clip(np.sum(np.sqrt(np.where(overlap > floor, overlap, 0.0)), axis=-1) ** 2, 0.0, 1.0)
