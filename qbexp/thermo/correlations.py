"""Two-qubit correlations: concurrence, mutual information, quantum discord.

App. B of Cakmak, "Ergotropy from coherences" (Eqs. B1, B2).

Subsystem convention.  The paper writes two-qubit kets as ``|ab>``; we read
that as the Qiskit label ``"ab"``, so **a = qubit 1** (left tensor factor, most
significant bit) and **b = qubit 0** (right factor, least significant bit) in
Qiskit's little-endian order.  The discord ``D^{<-}`` measures **b = qubit 0**.
Entropies are in bits.  Concurrence is symmetric, mutual information too.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize

from qbexp.errors import QbexpError
from qbexp.models.matrices import psd_sqrt
from qbexp.thermo._validate import as_density_matrix
from qbexp.thermo.entropy import entropy_of_spectrum, partial_trace

__all__ = ["concurrence", "mutual_information", "discord", "conditional_entropy_after_measurement"]

_PAULI = np.array(
    [
        [[1, 0], [0, 1]],
        [[0, 1], [1, 0]],
        [[0, -1j], [1j, 0]],
        [[1, 0], [0, -1]],
    ],
    dtype=complex,
)
_YY = np.kron(_PAULI[2], _PAULI[2])


def _two_qubit(rho, what: str) -> np.ndarray:
    rho = as_density_matrix(rho)
    if rho.shape != (4, 4):
        raise QbexpError(
            f"{what} needs a two-qubit (4 x 4) density matrix; got {rho.shape[0]} x {rho.shape[1]}"
        )
    return rho


def concurrence(rho) -> float:
    """Wootters concurrence ``C = max(0, sqrt(l1) - sqrt(l2) - sqrt(l3) - sqrt(l4))`` (Eq. B1).

    ``l_i`` are the eigenvalues, decreasing, of ``rho rho~`` with
    ``rho~ = (sigma_y x sigma_y) rho^* (sigma_y x sigma_y)``.  The ``sqrt(l_i)`` are
    computed as the singular values of ``sqrt(rho) sqrt(rho~)`` (same numbers,
    since ``rho rho~`` is similar to ``(sqrt(rho) sqrt(rho~))(sqrt(rho) sqrt(rho~))^dagger``),
    which are accurate to machine precision even for pure states, where taking
    square roots of the tiny eigenvalues of ``rho rho~`` loses half the digits.
    This agrees with :func:`qiskit.quantum_info.concurrence` (which uses the
    eigenvalue route and refuses non-positive input) up to that rounding.
    Slightly non-positive estimated matrices are evaluated on their positive part.
    """
    rho = _two_qubit(rho, "concurrence")
    s = psd_sqrt(rho)
    s_tilde = _YY @ s.conj() @ _YY  # sqrt(rho~)
    sv = np.linalg.svd(s @ s_tilde, compute_uv=False)  # decreasing
    return float(max(0.0, sv[0] - sv[1] - sv[2] - sv[3]))


def mutual_information(rho) -> float:
    """Quantum mutual information ``I = S(a) + S(b) - S(ab)`` in bits (App. B, below Eq. B2).

    a = qubit 1, b = qubit 0 (module docstring); ``I`` is symmetric in a, b.
    """
    rho = _two_qubit(rho, "mutual_information")
    s_a = entropy_of_spectrum(np.linalg.eigvalsh(partial_trace(rho, [1])))
    s_b = entropy_of_spectrum(np.linalg.eigvalsh(partial_trace(rho, [0])))
    s_ab = entropy_of_spectrum(np.linalg.eigvalsh(rho))
    return float(s_a + s_b - s_ab)


def _correlation_tensor(rho: np.ndarray) -> np.ndarray:
    """``T[j, k] = tr(rho sigma_j^a sigma_k^b)``, j, k in (1, x, y, z); a = qubit 1, b = qubit 0."""
    ops = np.einsum("jab,kcd->jkacbd", _PAULI, _PAULI).reshape(4, 4, 4, 4)  # kron(P_j, P_k)
    return np.real(np.einsum("jkxy,yx->jk", ops, rho))


def _xlogx_sum(x: np.ndarray, axis: int) -> np.ndarray:
    x = np.clip(x, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x > 1e-300, x * np.log2(np.where(x > 1e-300, x, 1.0)), 0.0)
    return np.sum(t, axis=axis)


def _conditional_entropy(T: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``sum_k p_k S(rho_k^a)`` after measuring b along unit vectors ``n`` (shape (..., 3)).

    The unnormalised post-measurement state of a for outcome ``s = +-1`` of
    ``Pi_s = (1 + s n.sigma)/2`` is ``(q_s 1 + u_s.sigma)/2`` with
    ``q_s = (T00 + s b.n)/2`` and ``u_s = (a + s C n)/2``; its eigenvalues are
    ``(q_s +- |u_s|)/2`` and ``p_s S(rho_s) = -sum lambda log lambda + q_s log q_s``.
    """
    t00 = T[0, 0]
    avec, bvec, C = T[1:, 0], T[0, 1:], T[1:, 1:]
    bn = n @ bvec
    Cn = n @ C.T
    total = 0.0
    for s in (1.0, -1.0):
        q = 0.5 * (t00 + s * bn)
        u = 0.5 * np.linalg.norm(avec + s * Cn, axis=-1)
        lam = np.stack([0.5 * (q + u), 0.5 * (q - u)], axis=-1)
        total = total - _xlogx_sum(lam, axis=-1) + _xlogx_sum(q[..., None], axis=-1)
    return total


def _xlog2x(x: float) -> float:
    return x * math.log2(x) if x > 1e-300 else 0.0


def _conditional_entropy_one(T: list, n) -> float:
    """Scalar fast path of :func:`_conditional_entropy`; ``T`` as nested lists, ``n`` a unit vector."""
    nx, ny, nz = (float(v) for v in n)
    t0, t1, t2, t3 = T
    bn = t0[1] * nx + t0[2] * ny + t0[3] * nz
    total = 0.0
    for s in (1.0, -1.0):
        q = 0.5 * (t0[0] + s * bn)
        u = 0.5 * math.sqrt(
            sum((t[0] + s * (t[1] * nx + t[2] * ny + t[3] * nz)) ** 2 for t in (t1, t2, t3))
        )
        total += _xlog2x(q) - _xlog2x(max(0.5 * (q + u), 0.0)) - _xlog2x(max(0.5 * (q - u), 0.0))
    return total


def _unit(theta, phi) -> np.ndarray:
    return np.stack(
        [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1
    )


def _refine(T: np.ndarray, n0: np.ndarray, step: float) -> tuple[float, np.ndarray]:
    """Nelder-Mead in a local chart around ``n0`` (no coordinate singularity at the poles)."""
    n0 = n0 / np.linalg.norm(n0)
    Tl = T.tolist()  # nested lists of python floats: fast scalar arithmetic
    for _ in range(2):
        helper = np.eye(3)[int(np.argmin(np.abs(n0)))]
        e1 = np.cross(n0, helper)
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(n0, e1)

        def chart(x, n0=n0, e1=e1, e2=e2):
            v = n0 + x[0] * e1 + x[1] * e2
            return v / np.linalg.norm(v)

        res = minimize(
            lambda x: _conditional_entropy_one(Tl, chart(x)),
            np.zeros(2),
            method="Nelder-Mead",
            options={
                "initial_simplex": np.array([[0.0, 0.0], [step, 0.0], [0.0, step]]),
                "xatol": 1e-11,
                "fatol": 1e-15,
                "maxiter": 600,  # physical states converge in < 100
            },
        )
        n0 = chart(res.x)
        step = 1e-3
    return float(_conditional_entropy(T, n0)), n0


def conditional_entropy_after_measurement(rho, theta: float, phi: float) -> float:
    """``sum_k p_k S(rho_k^a)`` in bits for the projective measurement on b = qubit 0
    along the Bloch direction ``(theta, phi)`` (the quantity minimised in Eq. B2)."""
    rho = _two_qubit(rho, "conditional_entropy_after_measurement")
    return float(_conditional_entropy(_correlation_tensor(rho), _unit(float(theta), float(phi))))


def discord(rho, return_direction: bool = False):
    """Quantum discord ``D^{<-}(rho^{ab}) = I(rho^{ab}) - J^{<-}(rho^{ab})`` in bits (Eq. B2).

    ``J^{<-} = S(a) - min_{Pi^b} sum_k p_k S(rho_k^a)``, so
    ``D^{<-} = S(b) - S(ab) + min_n sum_k p_k S(rho_k^a)``, minimised over
    projective measurements ``{|n><n|, |n_perp><n_perp|}`` on **b = qubit 0**
    (a = qubit 1; module docstring), ``n`` a Bloch direction.

    Minimisation: a grid over the Bloch hemisphere (``n`` and ``-n`` give the
    same measurement) plus the coordinate axes and the principal axes of the
    correlation matrix, then Nelder-Mead refinement in a local chart from the
    best few candidates.  No X-state shortcut (theta = 0 or pi/2) is assumed.
    Agrees with a fine grid-and-zoom search to ~1e-15 on tested states.  For
    non-positive (estimated) matrices eigenvalues <= 1e-15 are dropped from the
    entropies and the result may be slightly negative; it is not clipped.
    With ``return_direction=True`` the optimal Bloch vector ``n`` is returned
    too: ``(D, n)``.
    """
    rho = _two_qubit(rho, "discord")
    T = _correlation_tensor(rho)
    s_b = entropy_of_spectrum(np.linalg.eigvalsh(partial_trace(rho, [0])))
    s_ab = entropy_of_spectrum(np.linalg.eigvalsh(rho))

    th, ph = np.meshgrid(np.linspace(0.0, np.pi / 2, 13), np.linspace(0.0, 2 * np.pi, 24, endpoint=False))
    cands = [_unit(th, ph).reshape(-1, 3), np.eye(3)]
    bvec, C = T[0, 1:], T[1:, 1:]
    cands.append(np.linalg.eigh(C.T @ C)[1].T)
    if np.linalg.norm(bvec) > 1e-12:
        cands.append(bvec[None, :] / np.linalg.norm(bvec))
    cands = np.concatenate(cands, axis=0)
    vals = _conditional_entropy(T, cands)

    starts: list[np.ndarray] = []
    for i in np.argsort(vals, kind="stable"):
        if all(abs(cands[i] @ s) < 0.995 for s in starts):
            starts.append(cands[i])
        if len(starts) == 4:
            break
    best_val, best_n = float(vals.min()), cands[int(np.argmin(vals))]
    for n0 in starts:
        v, n = _refine(T, n0, step=0.1)
        if v < best_val:
            best_val, best_n = v, n

    d = s_b - s_ab + best_val
    if -1e-12 < d < 0.0:
        d = 0.0
    return (float(d), best_n) if return_direction else float(d)
