"""The charging map as a ``qiskit.quantum_info`` channel (Tacchino et al., Eq. 2).

For a charging time τ the map is the exact propagator e^{𝓛τ} of the model's Lindblad
equation, computed by qiskit-dynamics (:func:`qbexp.dynamics.propagator`,
which reaches long τ by exact squaring).  Both qbexp and ``SuperOp`` vectorise by column
stacking, so the d² × d² matrix *is* the ``SuperOp`` data.  τ = ∞ means "charged to the
steady state": the limit map P₀ = lim_{t→∞} e^{𝓛t}, the projection onto the stationary
states along the conserved quantities (:mod:`qbexp.dynamics.steady`).  P₀ is a limit of
CPTP maps and hence CPTP itself; it sends every initial state to its own steady state.

A CPTP map has Kraus operators K_k with Σ K_k†K_k = 1; the fewest possible is the rank of
the Choi matrix, and the eigenvectors of the Choi matrix give such a minimal set
(:func:`minimal_kraus`).  Every channel handed to the circuit builders is checked to be CPTP
(:func:`check_cptp`): a model with, e.g., a non-Hermitian Hamiltonian does not generate one.
"""

from __future__ import annotations

import math

import numpy as np
from qiskit.quantum_info import Choi, Kraus, SuperOp

from qbexp.dynamics import propagator, steady_state
from qbexp.dynamics.liouvillian import check_model
from qbexp.errors import QbexpError
from qbexp.models.lindblad import LindbladModel
from qbexp.models.matrices import check_real, cholesky_passes
from qbexp.progress import progress_bar

#: Default tolerance of the CPTP check (largest negative Choi eigenvalue, trace-preservation error).
CPTP_ATOL = 1e-8
#: Choi eigenvalues below this fraction of the largest count as zero in :func:`minimal_kraus`.
KRAUS_RTOL = 1e-12


def charging_channel(model: LindbladModel, tau: float) -> SuperOp:
    """The charging map e^{𝓛τ} (τ > 0) or its limit P₀ (τ = ``math.inf``) as a checked ``SuperOp``."""
    check_tau(tau)
    if math.isinf(tau):
        return steady_state_channel(model)
    return check_cptp(SuperOp(propagator(model, float(tau))), f"e^(L tau) of the {model.name} model")


def steady_state_channel(model: LindbladModel) -> SuperOp:
    """P₀ = lim_{t→∞} e^{𝓛t}, assembled column by column from :func:`qbexp.dynamics.steady_state`.

    ``steady_state`` takes Hermitian inputs, so P₀ is applied to the Hermitian operators
    E_ij + E_ji and i(E_ij − E_ji) and P₀(E_ij) recovered by linearity.
    """
    from qbexp.dynamics.symmetric import uniform_collective

    check_model(model)
    d = model.dim
    data = np.zeros((d * d, d * d), dtype=complex)
    solver = uniform_collective(model) or model  # recognised once, not in each of the d² solves (N = 5: 10 s)
    with progress_bar(total=d * (d + 1) // 2, desc=f"steady-state map of the {model.name} model") as bar:
        for i in range(d):
            for j in range(i, d):
                bar.update()
                e = np.zeros((d, d), dtype=complex)
                e[i, j] = 1.0
                sym = steady_state(solver, e + e.T, check=False)
                if i == j:
                    data[:, i + d * i] = 0.5 * sym.reshape(-1, order="F")
                    continue
                antisym = steady_state(solver, 1j * (e - e.T), check=False)
                data[:, i + d * j] = 0.5 * (sym - 1j * antisym).reshape(-1, order="F")
                data[:, j + d * i] = 0.5 * (sym + 1j * antisym).reshape(-1, order="F")
    return check_cptp(SuperOp(data), f"the steady-state map of the {model.name} model")


def check_tau(tau) -> None:
    """τ must be a number > 0 (``math.inf`` allowed: the steady-state map)."""
    if isinstance(tau, bool) or not isinstance(tau, (int, float, np.integer, np.floating)) or math.isnan(tau) or tau <= 0:
        raise QbexpError(f"charging time tau = {tau!r}; it must be > 0 (math.inf for the steady state)")


def check_cptp(channel, what: str = "channel", atol: float = CPTP_ATOL) -> SuperOp:
    """Return ``channel`` as a ``SuperOp`` if it is an N-qubit CPTP map to ``atol``, else raise.

    Accepts any ``qiskit.quantum_info`` channel or a d² × d² column-stacking matrix; ``atol``
    must be finite and >= 0 (a NaN tolerance would pass every map).
    """
    atol = check_real(atol, "CPTP tolerance atol")
    if atol < 0:
        raise QbexpError(f"CPTP tolerance atol = {atol:g}; it must be >= 0")
    return _checked_choi(channel, what, atol)[0]


def _checked_choi(channel, what: str = "channel", atol: float = CPTP_ATOL, vectors: bool = False):
    """:func:`check_cptp` that also returns the Choi matrix's eigenvalues and eigenvectors (``vectors``), or
    None for both where a Cholesky factor showed it positive (no eigendecomposition)."""
    try:
        superop = channel if isinstance(channel, SuperOp) else SuperOp(channel)
    except Exception as err:  # qiskit raises QiskitError/ValueError/TypeError for non-channels
        raise QbexpError(f"{what} is not a quantum channel ({err})") from None
    d = superop.dim[0]
    if superop.dim[0] != superop.dim[1] or d < 2 or d & (d - 1):
        raise QbexpError(f"{what} maps dimension {superop.dim[0]} to {superop.dim[1]}; expected an N-qubit map")
    choi = Choi(superop).data
    herm = np.max(np.abs(choi - choi.conj().T))
    hermitian = 0.5 * (choi + choi.conj().T)
    with progress_bar(total=1, desc=f"Kraus operators of {what}" if vectors else f"checking {what}", now=d >= 32) as bar:
        if vectors:  # the Kraus operators need the eigenvectors (minutes at N = 6)
            values, vecs = np.linalg.eigh(hermitian)
        elif cholesky_passes(hermitian, atol):  # positivity alone: a Cholesky factor, 5x faster than the
            values, vecs = None, None          # eigenvalues at N = 6 (4.6 s against 24 s, 4096 x 4096)
        else:  # not positive: the eigenvalues say by how much
            values, vecs = np.linalg.eigvalsh(hermitian), None
        bar.update()
    tp_error = np.max(np.abs(np.trace(choi.reshape(d, d, d, d), axis1=1, axis2=3) - np.eye(d)))
    if herm > atol or (values is not None and values.min() < -atol):
        lowest = (values if values is not None else np.linalg.eigvalsh(hermitian)).min()
        raise QbexpError(f"{what} is not completely positive (Choi eigenvalue {lowest:.2e}, non-Hermiticity {herm:.2e})")
    if tp_error > atol:
        raise QbexpError(f"{what} is not trace preserving (error {tp_error:.2e})")
    return superop, values, vecs


def minimal_kraus(channel, rtol: float = KRAUS_RTOL) -> Kraus:
    """Kraus operators of minimal number (the Choi rank), largest weight first.

    The set is made exactly trace preserving (Σ K†K = 1 to rounding) by a polar correction,
    so that its Stinespring isometry is an isometry to machine precision.  Choi eigenvalues
    below ``rtol`` × the largest count as zero: 0 < ``rtol`` < 1.
    """
    rtol = check_real(rtol, "minimal_kraus: rtol")
    if not 0 < rtol < 1:
        raise QbexpError(f"minimal_kraus: rtol = {rtol:g}; it must lie strictly between 0 and 1 (Choi eigenvalues "
                         "below rtol x the largest count as zero)")
    superop, values, vectors = _checked_choi(channel, "the channel", vectors=True)  # one decomposition: check, Kraus
    d = superop.dim[0]
    keep = values > rtol * values.max()
    order = np.argsort(-values[keep], kind="stable")
    ops = [np.sqrt(v) * vec.reshape(d, d, order="F") for v, vec in zip(values[keep][order], vectors[:, keep][:, order].T)]
    stacked = np.vstack(ops)
    w, s, vh = np.linalg.svd(stacked, full_matrices=False)
    stacked = w @ vh  # nearest isometry
    return Kraus([stacked[k * d : (k + 1) * d] for k in range(len(ops))])


def channel_instruction(channel):
    """The channel as a circuit instruction (a ``kraus`` instruction, run by Aer's density-matrix method)."""
    return minimal_kraus(channel).to_instruction()
