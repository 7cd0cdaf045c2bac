"""Charging by a collision model: fresh thermal ancillas meet the battery through its own jumps.

Each bath term pair Γ↓ D[J] + Γ↑ D[J†] of the model (J lowers the battery energy; an
unpaired term has Γ↑ = 0) is one *collision channel*: an ancilla qubit, freshly reset and
prepared in the thermal state p₀|0⟩⟨0| + p₁|1⟩⟨1| with p₁ = Γ↑/(Γ↓ + Γ↑), interacts for one
step through

    G(θ) = exp(−iθ (J ⊗ σ⁺ + J† ⊗ σ⁻)),    θ² = (Γ↓ + Γ↑) Δt,

and is then discarded.  Averaged over the ancilla, one collision is 1 + Δt (Γ↓ D[J] + Γ↑ D[J†])
+ O(Δt²), so M steps of Δt = τ/M converge to e^{𝓛τ} with an error O(1/M) (Ciccarello et al.,
Phys. Rep. 954, 1 (2022), Sec. 4).  The thermal mixture is made on hardware by a rotation
RY(2 arcsin √p₁) and a CNOT onto a second, "purifying" ancilla.  The collective battery has one
channel with the collective J = Σ σ⁻ (its dark states stay dark exactly); the engine an
S-channel at T_S and an A-channel at T_A.

:class:`CollisionScheme` builds the M-step circuit and, for error estimates, the channel it
implements.  The Hamiltonian acts between collisions (symmetric splitting: e^{−iHΔt/2} … e^{−iHΔt/2}).
When the free evolution commutes with the dissipator (𝓛_H 𝓛_D = 𝓛_D 𝓛_H, e.g. the collective
battery) it is applied once, e^{−iHτ}, and for τ = ∞ not at all (it acts trivially on the
steady states).  For τ = ∞ (charging to the steady state) the step length Δt is free and is
chosen to make the step map contract fastest (:func:`steady_step_time`); with exact
collisions that respect the model's symmetries the fixed points are those of 𝓛 and M steps
approach P₀ geometrically.

Gates: a jump on one qubit gives a two-qubit G; a jump J = u₀σ⁻ᵢ + u₁σ⁻ⱼ on two qubits makes
J ⊗ σ⁺ + h.c. a free-fermion hopping on the path (i, ancilla, j) (Jordan–Wigner in that
order), so G is three nearest-neighbour Givens rotations (two CNOTs each; Wecker et al.,
PRA 92, 062318 (2015)).  A single ladder jump on three or more qubits in a covariant model (the
collective battery with N = 3) is compiled in its chain frame (:mod:`qbexp.circuits.ladder`).
Other jumps (e.g. N = 4, whose Dicke chain of five does not pack) are handed to the
transpiler as one unitary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
import scipy.optimize as so
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from qiskit import QuantumCircuit
from qiskit.circuit.library import PauliEvolutionGate, PhaseGate, UnitaryGate
from qiskit.quantum_info import Operator, SparsePauliOp, SuperOp

from qbexp.circuits.channel import check_tau
from qbexp.circuits.ladder import chain_frame
from qbexp.dynamics import kernel_dimension, liouvillian
from qbexp.dynamics.liouvillian import check_model
from qbexp.dynamics.schur import schur_basis
from qbexp.errors import QbexpError, shown
from qbexp.models.lindblad import LindbladModel
from qbexp.models.matrices import check_real
from qbexp.progress import progress_bar

#: Largest number of collision steps M per charging stroke: every step is gates in the circuit
#: (building it takes time in proportion to M), and the protocols choose M up to it.
MAX_STEPS = 400

_SIGMA_PLUS = np.array([[0, 0], [1, 0]], dtype=complex)  # |1⟩⟨0|
_SIGMA_MINUS = _SIGMA_PLUS.T.copy()


@dataclass(frozen=True)
class CollisionChannel:
    """One bath pair Γ↓ D[J] + Γ↑ D[J†]: ``jump`` J on the ``support`` qubits (sorted)."""

    bath: str
    jump: np.ndarray  # J restricted to the support qubits
    support: tuple[int, ...]
    rate: float  # Γ↓ + Γ↑
    excited: float  # p₁ = Γ↑ / (Γ↓ + Γ↑)

    def angle(self, dt: float) -> float:
        """First-order collision angle, θ² = (Γ↓ + Γ↑) Δt."""
        return math.sqrt(self.rate * dt)


def collision_channels(model: LindbladModel) -> list[CollisionChannel]:
    """Pair each dissipator with its adjoint in the same bath (model order, lowering jump first)."""
    h = model.battery_matrix()
    terms = [d for d in model.dissipators if d.rate > 0]
    used, out = set(), []
    for k, first in enumerate(terms):
        if k in used:
            continue
        used.add(k)
        partner = None
        a = first.jump.to_matrix()
        if not np.allclose(a, a.conj().T, atol=1e-12):
            for other in range(k + 1, len(terms)):
                candidate = terms[other]
                adjoint = np.allclose(candidate.jump.to_matrix(), a.conj().T, atol=1e-12)
                if other not in used and candidate.bath == first.bath and adjoint:
                    partner = candidate
                    used.add(other)
                    break
        down, up = first, partner
        if partner is not None and np.real(np.trace(a.conj().T @ (h @ a - a @ h))) > 0:
            down, up = partner, first  # J must lower the battery energy
        rate_up = up.rate if up is not None else 0.0
        support = _support(down.jump)
        out.append(CollisionChannel(
            bath=down.bath,
            jump=_restrict(down.jump, support).to_matrix(),
            support=support,
            rate=down.rate + rate_up,
            excited=rate_up / (down.rate + rate_up),
        ))
    return out


def collision_unitary(channel: CollisionChannel, theta: float) -> np.ndarray:
    """G(θ) on (support qubits, ancilla), the ancilla being the most significant qubit."""
    j = channel.jump
    return la.expm(-1j * theta * (np.kron(_SIGMA_PLUS, j) + np.kron(_SIGMA_MINUS, j.conj().T)))


def is_covariant(model: LindbladModel) -> bool:
    """True when the free evolution commutes with the dissipator (𝓛_H 𝓛_D = 𝓛_D 𝓛_H)."""
    full = liouvillian(model)
    dissipative = liouvillian(model, hamiltonian=False)
    coherent = full - dissipative
    comm = coherent @ dissipative - dissipative @ coherent
    scale = max(abs(coherent).max() * abs(dissipative).max(), 1e-300)
    return bool(comm.nnz == 0 or abs(comm).max() <= 1e-12 * scale)


def steady_step_time(model: LindbladModel, channels: list[CollisionChannel] | None = None) -> float:
    """Step length Δt for τ = ∞ that makes the step map contract fastest.

    The step map keeps the model's dim ker 𝓛 stationary states; its next-largest |eigenvalue|
    is minimised over collision angles θ < π/‖J‖ of the fastest channel (grid of 63, then a
    bounded refinement), so the choice is deterministic.
    """
    channels = collision_channels(model) if channels is None else channels
    if not channels:
        raise QbexpError(f"the {model.name} model has no dissipator: it has no steady-state map to charge with")
    covariant = is_covariant(model)
    stationary = kernel_dimension(model)
    dt_max = max((math.pi / np.linalg.norm(c.jump, 2)) ** 2 / c.rate for c in channels)
    blocks = _step_blocks(model, channels)

    def contraction(dt):
        ev = np.sort(_step_moduli(model, channels, dt, covariant, blocks))[::-1]
        return ev[stationary] if ev.size > stationary else 0.0

    grid = dt_max * (np.arange(1, 64) / 64) ** 2
    values = [contraction(dt) for dt in progress_bar(grid, desc="choosing the collision step")]  # N = 6: 7 s
    k = int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best = so.minimize_scalar(contraction, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6 * dt_max})
    return float(best.x if best.fun <= values[k] else grid[k])


class CollisionScheme:
    """The collision model of one (model, τ): its channels, and M-step circuits and channels.

    ``step_time`` is Δt for τ = ∞ (default :func:`steady_step_time`); for finite τ, Δt = τ/M.
    """

    def __init__(self, model: LindbladModel, tau: float, step_time: float | None = None):
        check_tau(tau)
        check_model(model)
        h = model.hamiltonian_matrix()
        if not np.allclose(h, h.conj().T, atol=1e-12 * max(1.0, np.abs(h).max())):
            raise QbexpError(f"the {model.name} model's Hamiltonian is not Hermitian: its evolution is not a channel")
        self.model, self.tau = model, tau
        self.channels = collision_channels(model)
        if not self.channels:
            raise QbexpError(f"the {model.name} model has no dissipator to build collisions from")
        self.covariant = is_covariant(model)
        if not math.isinf(tau):
            if step_time is not None:
                raise QbexpError("step_time applies to tau = inf only; for a finite tau the step is tau / steps")
            self.steady_step = None
        elif step_time is None:
            self.steady_step = steady_step_time(model, self.channels)
        elif check_real(step_time, "collision step time") <= 0:
            raise QbexpError(f"collision step time = {step_time!r}; it must be > 0")
        else:
            self.steady_step = float(step_time)

    def step_time(self, steps: int) -> float:
        check_steps(steps)
        return self.steady_step if self.steady_step is not None else self.tau / steps

    def superop(self, steps: int) -> SuperOp:
        """The channel that :meth:`circuit` implements, computed directly (column stacking)."""
        model, dt = self.model, self.step_time(steps)
        total = np.linalg.matrix_power(_step_superop(model, self.channels, dt, self.covariant), steps)
        if not self.covariant:
            half = _unitary_superop(_evolution(model, dt / 2))
            total = la.inv(half) @ total @ half  # H(Δt/2), [C, H(Δt)] × M, H(−Δt/2)
        elif not math.isinf(self.tau):
            total = _unitary_superop(_evolution(model, self.tau)) @ total
        return SuperOp(total)

    def steady_outputs(self, rho: np.ndarray):
        """ρ after M = 1, 2, … steps for τ = ∞ (what :meth:`superop` (M) gives), each one step on
        from the last: Δt does not depend on M, so no M-step map is formed (at N = 6 that was a
        4096 × 4096 matrix power per M)."""
        model, dt, n = self.model, self.steady_step, self.model.num_qubits
        stages = [[(p, _embed(k, c.support, n)) for p, k in _kraus(c, c.angle(dt))] for c in self.channels]
        if not self.covariant:  # H(Δt/2), [C, H(Δt)] × M, H(−Δt/2), as in superop
            stages.append([(1.0, _evolution(model, dt))])
            half = _evolution(model, dt / 2)
            rho = half @ rho @ half.conj().T
        while True:
            for stage in stages:
                rho = sum(p * k @ rho @ k.conj().T for p, k in stage)
            yield rho if self.covariant else half.conj().T @ rho @ half

    def circuit(self, steps: int) -> QuantumCircuit:
        """M = ``steps`` collision steps approximating e^{𝓛τ} (τ = ∞: P₀).

        Qubits 0..N−1 are the battery, N the collision ancilla and N+1 its purifying partner
        (``circuit.metadata`` lists them).  Every collision starts by resetting its ancillas.
        """
        model, channels, dt = self.model, self.channels, self.step_time(steps)
        n = model.num_qubits
        ancilla, partner = n, n + 1
        qc = QuantumCircuit(n + 2, name="collisions")
        system = list(range(n))
        single = len(channels) == 1 and self.covariant and len(channels[0].support) >= 3
        frame = chain_frame(channels[0].jump) if single else None
        if frame is None:
            collisions = [(_collision_gates(c, c.angle(dt)), c) for c in channels]
        else:  # one ladder jump: work in its chain frame (see qbexp.circuits.ladder)
            support = list(channels[0].support)
            qc.append(UnitaryGate(frame.w.conj().T, label="chain frame"), support)
            ladder = frame.collision(channels[0].angle(dt)).to_instruction()
            collisions = [([(ladder, list(range(len(support))) + [-1])], channels[0])]
        if not self.covariant:
            qc.append(_evolution_gate(model, dt / 2), system)
        for k in range(steps):
            for gates, channel in collisions:
                _prepare_thermal(qc, ancilla, partner, channel.excited)
                for gate, local in gates:
                    qc.append(gate, [ancilla if q == -1 else channel.support[q] for q in local])
            if not self.covariant:
                qc.append(_evolution_gate(model, dt if k < steps - 1 else dt / 2), system)
        if frame is not None:
            qc.append(UnitaryGate(frame.w, label="chain frame"), support)
        if self.covariant and not math.isinf(self.tau):
            qc.append(_evolution_gate(model, self.tau), system)
        qc.metadata = {"system_qubits": system, "ancilla_qubits": [ancilla, partner]}
        return qc


def collision_superop(model: LindbladModel, tau: float, steps: int, step_time: float | None = None) -> SuperOp:
    """The channel of :func:`collision_circuit` (see :class:`CollisionScheme`)."""
    return CollisionScheme(model, tau, step_time).superop(steps)


def collision_circuit(model: LindbladModel, tau: float, steps: int, step_time: float | None = None) -> QuantumCircuit:
    """M = ``steps`` collision steps approximating e^{𝓛τ} (τ = ``math.inf``: P₀); see :class:`CollisionScheme`."""
    return CollisionScheme(model, tau, step_time).circuit(steps)


def check_steps(steps) -> None:
    """M: an integer from 1 to :data:`MAX_STEPS` (the one check of the collision steps)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise QbexpError(f"number of collision steps M = {shown(steps)}; it must be an integer >= 1")
    if steps > MAX_STEPS:
        raise QbexpError(f"number of collision steps M = {shown(steps)}; at most MAX_STEPS = {MAX_STEPS} "
                         "per charging stroke")


# -- building blocks ---------------------------------------------------------------------


def _prepare_thermal(qc: QuantumCircuit, ancilla: int, partner: int, excited: float) -> None:
    qc.reset(ancilla)
    if excited <= 0:
        return
    qc.reset(partner)
    qc.ry(2 * math.asin(math.sqrt(excited)), ancilla)
    qc.cx(ancilla, partner)


def _collision_gates(channel: CollisionChannel, theta: float):
    """Gates of G(θ) as (gate, local qubits) with local indices into the support, −1 = ancilla."""
    j = channel.jump
    if j.shape == (4, 4):
        coefficients = _two_site_lowering(j)
        if coefficients is not None:
            return _free_fermion_collision(coefficients, theta)
    k = len(channel.support)
    return [(UnitaryGate(collision_unitary(channel, theta), label="collision"), list(range(k)) + [-1])]


def _two_site_lowering(j: np.ndarray):
    """(u₀, u₁) if J = u₀ σ⁻₀ + u₁ σ⁻₁ on two qubits, else None."""
    basis = [np.kron(np.eye(2), _SIGMA_MINUS), np.kron(_SIGMA_MINUS, np.eye(2))]
    u = np.array([np.vdot(b, j) / np.vdot(b, b) for b in basis])
    if np.linalg.norm(j - u[0] * basis[0] - u[1] * basis[1]) > 1e-12 * max(1.0, np.linalg.norm(j)):
        return None
    return u


def _free_fermion_collision(u, theta):
    """G(θ) for J = u₀σ⁻₀ + u₁σ⁻₁ as Givens rotations on the path (qubit 0, ancilla, qubit 1).

    With Jordan–Wigner order (0, a, 1), σ⁻₀σ⁺ₐ = c†ₐc₀ and σ⁺ₐσ⁻₁ = c†ₐc₁, so the generator is
    c†h c with the 3 × 3 single-particle h below; e^{−iθh} is factored into rotations of
    neighbouring modes (QR by Givens eliminations), each a two-qubit matchgate.
    """
    h = np.zeros((3, 3), dtype=complex)
    h[1, 0], h[1, 2] = u[0], u[1]
    h = h + h.conj().T
    m = la.expm(-1j * theta * h)
    rotations = []
    for pair, (row, col) in (((1, 2), (2, 0)), ((0, 1), (1, 0)), ((1, 2), (2, 1))):
        g = _givens(m[pair[0], col], m[row, col])
        block = np.eye(3, dtype=complex)
        block[np.ix_(pair, pair)] = g
        m = block @ m
        rotations.append((pair, g))
    modes = [0, -1, 1]  # mode index → local qubit (−1 = ancilla)
    gates = [(PhaseGate(float(np.angle(m[p, p]))), [modes[p]]) for p in range(3)]
    for pair, g in reversed(rotations):
        gates.append((UnitaryGate(_matchgate(g.conj().T), label="givens"), [modes[pair[0]], modes[pair[1]]]))
    return gates


def _givens(a: complex, b: complex) -> np.ndarray:
    """Unitary 2 × 2 g with g @ [a, b] = [r, 0]."""
    r = math.hypot(abs(a), abs(b))
    if r == 0:
        return np.eye(2, dtype=complex)
    return np.array([[np.conj(a), np.conj(b)], [-b, a]], dtype=complex) / r


def _matchgate(g: np.ndarray) -> np.ndarray:
    """Qubit form of the two-mode Gaussian unitary with single-particle matrix g (first mode = qubit 0)."""
    out = np.zeros((4, 4), dtype=complex)
    out[0, 0] = 1.0
    out[np.ix_([1, 2], [1, 2])] = g
    out[3, 3] = np.linalg.det(g)
    return out


def _support(op: SparsePauliOp) -> tuple[int, ...]:
    active = set()
    for label, indices, _ in op.to_sparse_list():
        active.update(i for p, i in zip(label, indices) if p != "I")
    return tuple(sorted(active))


def _restrict(op: SparsePauliOp, support: tuple[int, ...]) -> SparsePauliOp:
    position = {q: k for k, q in enumerate(support)}
    terms = []
    for label, indices, coeff in op.to_sparse_list():
        kept = [(p, position[i]) for p, i in zip(label, indices) if p != "I"]
        terms.append(("".join(p for p, _ in kept), [k for _, k in kept], coeff))
    return SparsePauliOp.from_sparse_list(terms, num_qubits=len(support)).simplify()


def _evolution(model: LindbladModel, t: float) -> np.ndarray:
    return la.expm(-1j * t * model.hamiltonian_matrix())


def _evolution_gate(model: LindbladModel, t: float):
    """e^{−iHt}: a Pauli evolution when all terms commute (exact), else one unitary."""
    h = model.hamiltonian.simplify()
    paulis = h.paulis
    commuting = all(paulis[a].commutes(paulis[b]) for a in range(len(paulis)) for b in range(a + 1, len(paulis)))
    if commuting:
        return PauliEvolutionGate(SparsePauliOp(h.paulis, np.real(h.coeffs)), time=t)
    return UnitaryGate(_evolution(model, t), label="free evolution")


def _unitary_superop(u: np.ndarray) -> np.ndarray:
    return np.kron(u.conj(), u)


def _kraus(channel: CollisionChannel, theta: float):
    """(p_x, K_xy = ⟨y|G(θ)|x⟩) on the jump's qubits: the collision averaged over the thermal ancilla."""
    g = collision_unitary(channel, theta)
    dk = channel.jump.shape[0]
    for x, px in ((0, 1.0 - channel.excited), (1, channel.excited)):
        if px > 0:
            for y in (0, 1):
                yield px, g[y * dk : (y + 1) * dk, x * dk : (x + 1) * dk]


def _collision_superop(model: LindbladModel, channel: CollisionChannel, theta: float) -> np.ndarray:
    """Σ_x p_x Σ_y K_xy ⊗ K_xy embedded on the model's qubits."""
    out = 0
    for px, k in _kraus(channel, theta):
        kraus = _embed(k, channel.support, model.num_qubits)
        out = out + px * np.kron(kraus.conj(), kraus)
    return out


def _embed(local: np.ndarray, support: tuple[int, ...], n: int) -> np.ndarray:
    """Matrix on n qubits acting as ``local`` on ``support`` and as 1 elsewhere."""
    if support == tuple(range(n)):
        return local
    return Operator(np.eye(2**n)).compose(Operator(local), qargs=list(support)).data


def _step_blocks(model, channels) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Invariant blocks of the step map, so that its spectrum is found block by block.

    Collective jumps and Hamiltonians keep every multiplet |j, ·, α⟩ of the Schur basis, and
    excitation-conserving collisions keep the coherence order q = n(ket) − n(bra) of ρ's
    elements; at N = 6 the 4096 × 4096 eigenvalue problem becomes ones of at most 7 × 7.
    Operator blocks are the connected components of the jumps' and H's pattern in the Schur
    basis (one block for a model without that symmetry).  Returns (kets, bras, copies): the
    Schur indices (a_i, b_i) of ρ's elements in one block, and 2 where the adjoint block
    (b_i, a_i), whose eigenvalues are the conjugates, is left out.
    """
    schur = schur_basis(model.num_qubits)
    ops = [_embed(c.jump, c.support, model.num_qubits) for c in channels] + [model.hamiltonian_matrix()]
    ops = [schur.matrix().T @ op @ schur.matrix() for op in ops]
    nonzero = [abs(op) > 1e-12 * abs(op).max() for op in ops]  # not the rounding of the basis
    _, component = connected_components(sp.csr_matrix(sum(nonzero) + sum(nonzero).T), directed=False)
    excitations = schur.sector_of  # every Schur vector has a definite excitation number
    changes = [set(np.subtract.outer(excitations, excitations)[mask]) for mask in nonzero]
    if any(len(c) > 1 for c in changes) or changes[-1] - {0}:  # a jump of mixed change, or H (last) not
        # conserving the excitations: no q sectors
        excitations = np.zeros_like(excitations)
    kets, bras = (x.ravel() for x in np.indices((model.dim, model.dim)))
    keep = component[kets] <= component[bras]
    kets, bras = kets[keep], bras[keep]
    labels = np.stack([component[kets], component[bras], excitations[kets] - excitations[bras]])
    group = np.unique(labels, axis=1, return_inverse=True)[1].ravel()
    out = []
    for g in range(group.max() + 1):
        a, b = kets[group == g], bras[group == g]
        out.append((a, b, 1 if component[a[0]] == component[b[0]] else 2))
    return out


def _step_moduli(model, channels, dt, covariant, blocks) -> np.ndarray:
    """|eigenvalues| of :func:`_step_superop` (with multiplicity), block by block (:func:`_step_blocks`)."""
    basis, n = schur_basis(model.num_qubits).matrix(), model.num_qubits
    stages = [[(p, basis.T @ _embed(k, c.support, n) @ basis) for p, k in _kraus(c, c.angle(dt))] for c in channels]
    if not covariant:
        stages.append([(1.0, basis.T @ _evolution(model, dt) @ basis)])
    out = []
    for kets, bras, copies in blocks:
        step = np.eye(kets.size)
        for stage in stages:  # (K ρ K†)_ab = Σ K_aa' ρ_a'b' conj(K_bb')
            step = sum(p * k[np.ix_(kets, kets)] * k[np.ix_(bras, bras)].conj() for p, k in stage) @ step
        out += [np.abs(np.linalg.eigvals(step))] * copies
    return np.concatenate(out)


def _step_superop(model, channels, dt, covariant) -> np.ndarray:
    step = np.eye(model.dim**2, dtype=complex)
    for channel in channels:
        step = _collision_superop(model, channel, channel.angle(dt)) @ step
    if not covariant:
        step = _unitary_superop(_evolution(model, dt)) @ step
    return step
