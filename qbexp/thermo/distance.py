"""Distances between states: trace distance and (Uhlmann) fidelity.

Both take single density matrices ``(d, d)`` or stacks ``(..., d, d)`` (broadcast against
each other) and return a float for one pair, an array of shape ``(...)`` for stacks.
"""

from __future__ import annotations

import numpy as np

from qbexp.errors import QbexpError
from qbexp.thermo._validate import as_density_matrix, scalar_or_array

__all__ = ["fidelity", "trace_distance"]


def _dagger(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2).conj()


def _pair(rho, sigma) -> tuple[np.ndarray, np.ndarray]:
    rho = as_density_matrix(rho, "first state", stack=True)
    sigma = as_density_matrix(sigma, "second state", stack=True)
    if rho.shape[-1] != sigma.shape[-1]:
        raise QbexpError(f"states of different dimensions: {rho.shape[-1]} and {sigma.shape[-1]}")
    return rho, sigma


def trace_distance(rho, sigma):
    """Trace distance T(ρ, σ) = ½‖ρ − σ‖₁ = ½ Σ_k |λ_k(ρ − σ)| (Nielsen & Chuang, Eq. 9.11).

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        sigma: the same, broadcast against ``rho``.

    Returns:
        A float in [0, 1] for two single states, else an array of the broadcast shape ``(...)``.
    """
    rho, sigma = _pair(rho, sigma)
    diff = rho - sigma
    value = 0.5 * np.abs(np.linalg.eigvalsh(0.5 * (diff + _dagger(diff)))).sum(axis=-1)
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
    vals, vecs = np.linalg.eigh(sigma)
    root = (vecs * np.sqrt(np.clip(vals, 0.0, None))[..., None, :]) @ _dagger(vecs)
    overlap = np.linalg.eigvalsh(root @ rho @ root)
    value = np.clip(np.sum(np.sqrt(np.clip(overlap, 0.0, None)), axis=-1) ** 2, 0.0, 1.0)
    return scalar_or_array(value, rho if rho.ndim >= sigma.ndim else sigma)
