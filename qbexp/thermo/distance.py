"""Distances between states: trace distance and (Uhlmann) fidelity.

Both take single density matrices ``(d, d)`` or stacks ``(..., d, d)`` (broadcast against
each other) and return a float for one pair, an array of shape ``(...)`` for stacks.
"""

from __future__ import annotations

import numpy as np

from qbexp.errors import QbexpError
from qbexp.models.matrices import dagger
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

    √σ and √ρ are taken from their eigen-decompositions with negative eigenvalues clipped to 0
    (slightly unphysical estimates give a finite value), F from the singular values of √ρ √σ
    (accurate for rank-deficient states too: :func:`_fidelities`); the result is clipped to
    [0, 1].

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)`` (e.g. bootstrap replicates).
        sigma: the reference state(s), broadcast against ``rho``.

    Returns:
        A float for two single states, else an array of the broadcast shape ``(...)``.
    """
    rho, sigma = _pair(rho, sigma)
    value = _fidelities(rho, _root(sigma))
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
    root = _root(sigma)

    def values(rho):
        rho = as_density_matrix(rho, "first state", stack=True)
        if rho.shape[-1] != sigma.shape[-1]:
            raise QbexpError(f"states of different dimensions: {rho.shape[-1]} and {sigma.shape[-1]}")
        return scalar_or_array(_fidelities(rho, root), rho)
    return values


def _fidelities(rho: np.ndarray, root: np.ndarray) -> np.ndarray:
    """(Σ_k s_k)², s_k the singular values of √ρ √σ (= √ of the eigenvalues of √σ ρ √σ, the
    same numbers, as :func:`qbexp.thermo.concurrence` takes them).  Taking square roots of
    those eigenvalues counted each rounding eigenvalue (~1e-17 where ρ or σ is rank-deficient:
    pure states, a ground state's steady states) as √1e-17 ≈ 3e-9: F was ~1e-8 off for pure and
    rank-2 pairs; the singular values have their rounding in the first power, 1e-16, and keep
    a true small population p (a Gibbs state's, down to 1e-28) at its own size p."""
    s = np.linalg.svd(_root(rho) @ root, compute_uv=False)
    return np.clip(np.sum(s, axis=-1) ** 2, 0.0, 1.0)


#: Eigenvalues of a state below this many units of rounding of its largest are taken as 0 in
#: its square root (:func:`_root`).
ROUNDING_UNITS = 4


def _root(rho: np.ndarray) -> np.ndarray:
    """√ρ of states ``(..., d, d)`` with their eigenvalues at rounding (≲ 4 d ε of the largest)
    taken as 0, not as their square roots (√1e-17 ≈ 3e-9 each, which, met by a full-rank σ,
    made F 3e-9 off for a pure ρ); negative ones (estimates) too.  A true eigenvalue that small
    is dropped with them: F moves by at most √(its size), as the rounding of ρ itself does."""
    vals, vecs = np.linalg.eigh(rho)
    floor = ROUNDING_UNITS * rho.shape[-1] * np.finfo(float).eps * np.abs(vals).max(axis=-1, keepdims=True)
    return (vecs * np.sqrt(np.where(vals > floor, vals, 0.0))[..., None, :]) @ dagger(vecs)
