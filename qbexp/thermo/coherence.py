"""Coherence measures (Cakmak, "Ergotropy from coherences", Sec. II B).

* ``coherence_l1``: the l1 norm of coherence, ``C_l1 = sum_{i != j} |rho_ij|`` (Eq. 4).
* ``coherence_rel_entropy``: the relative entropy of coherence
  ``C_re = S(diag(rho)) - S(rho)`` (Baumgratz et al., ref. [5]), in bits.

Both depend on the reference basis.  By default it is the computational basis,
which is the eigenbasis of ``H0 = omega sum_i sigma_i^+ sigma_i^-`` of the
collective model -- the basis the paper uses.  ``basis=U`` uses the columns of
the unitary ``U`` as the basis (``rho -> U^dagger rho U``); ``hamiltonian=H`` uses
the eigenbasis of ``H``.  A degenerate ``H`` does not fix a unique eigenbasis
(e.g. H0 itself, levels ``0, omega, omega, 2 omega``), so the result would
depend on an arbitrary choice: a degenerate ``H`` is therefore accepted only
when it is diagonal in the computational basis (the computational basis is then
used), and refused otherwise.
"""

from __future__ import annotations

import numpy as np

from qbexp.errors import QbexpError
from qbexp.thermo._validate import (
    as_density_matrix,
    as_hamiltonian,
    as_unitary,
    energy_eigenbasis,
    scalar_or_array,
)
from qbexp.thermo.entropy import entropy_of_spectrum

__all__ = ["coherence_l1", "coherence_rel_entropy"]


def _in_basis(rho, basis, hamiltonian) -> np.ndarray:
    """``rho`` (validated; one state or a stack) written in the requested reference basis."""
    return _rotate(as_density_matrix(rho, stack=True), basis, hamiltonian)


def _rotate(rho: np.ndarray, basis, hamiltonian) -> np.ndarray:
    dim = rho.shape[-1]
    if basis is not None and hamiltonian is not None:
        raise QbexpError("give either basis= or hamiltonian=, not both")
    if basis is not None:
        U = as_unitary(basis, dim)
        return U.conj().T @ rho @ U
    if hamiltonian is not None:
        H = as_hamiltonian(hamiltonian, dim=dim)
        _, vecs, degenerate = energy_eigenbasis(H)
        if degenerate and np.any(H - np.diag(np.diag(H))):
            raise QbexpError(
                "hamiltonian has degenerate levels and is not diagonal, so its eigenbasis "
                "is not unique; pass the basis explicitly with basis="
            )
        return vecs.conj().T @ rho @ vecs
    return rho


def coherence_l1(rho, basis=None, hamiltonian=None):
    """l1 norm of coherence ``C_l1 = sum_{i != j} |rho_ij|`` (Cakmak Eq. 4).

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        basis: a unitary whose columns are the reference basis vectors (default: the
            computational basis).
        hamiltonian: take its eigenbasis instead (see the module docstring for degenerate
            Hamiltonians); not together with ``basis``.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    r = _in_basis(rho, basis, hamiltonian)
    off = np.abs(r)
    diagonal = np.arange(r.shape[-1])
    off[..., diagonal, diagonal] = 0.0  # summed without the diagonal: "all minus diagonal" cancels to 0
    return scalar_or_array(off.sum(axis=(-2, -1)), r)  # a coherence of 1e-17 beside populations of 1


def coherence_rel_entropy(rho, basis=None, hamiltonian=None):
    """Relative entropy of coherence ``C_re = S(diag(rho)) - S(rho)`` in bits (ref. [5] of Cakmak).

    ``diag(rho)`` is the dephased state in the reference basis.  Rounding-level negatives
    (> -1e-12) are returned as 0; larger negatives (possible only for non-positive estimates)
    are returned as they are.

    Args:
        rho: a density matrix ``(d, d)`` or a stack ``(..., d, d)``.
        basis: reference basis as for :func:`coherence_l1`.
        hamiltonian: reference eigenbasis as for :func:`coherence_l1`.

    Returns:
        A float for one state, an array of shape ``(...)`` for a stack.
    """
    rho = as_density_matrix(rho, stack=True)
    r = _rotate(rho, basis, hamiltonian)
    s_diag = entropy_of_spectrum(np.real(np.diagonal(r, axis1=-2, axis2=-1)))
    s_rho = entropy_of_spectrum(np.linalg.eigvalsh(rho))  # the spectrum does not depend on the basis
    value = s_diag - s_rho  # >= 0 for physical states; clip only rounding-level negatives
    return scalar_or_array(np.where((value > -1e-12) & (value < 0.0), 0.0, value), r)
