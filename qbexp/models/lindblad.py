"""The model abstraction shared by every battery: a Hamiltonian and rated jump operators.

A :class:`LindbladModel` describes the Gorini–Kossakowski–Sudarshan–Lindblad equation

    dρ/dt = -i[H, ρ] + Σ_k Γ_k (J_k ρ J_k† - ½{J_k† J_k, ρ})

with every operator a Qiskit ``SparsePauliOp`` on ``num_qubits`` qubits (little-endian).
Each dissipative term carries the label of the bath it belongs to, so that heat currents
can be computed bath by bath (Tacchino et al., Eq. 5).  ``battery_hamiltonian`` is the
energy reference for ergotropy; it may differ from ``hamiltonian`` (e.g. when H contains
couplings that are switched off for the work extraction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from qiskit.quantum_info import SparsePauliOp

from qbexp.errors import QbexpError
from qbexp.models.matrices import check_real

#: Largest register the exact (vectorised, 4^N-dimensional) solver accepts before the
#: memory check below has its say.
MAX_EXACT_QUBITS = 12


@dataclass(frozen=True)
class Dissipator:
    """One Lindblad term Γ (J ρ J† - ½{J†J, ρ}) coupling the system to ``bath``."""

    rate: float
    jump: SparsePauliOp
    bath: str

    def __post_init__(self):
        rate = check_real(self.rate, f"dissipation rate for bath {self.bath!r}")  # text, None, complex: one line
        if rate < 0:
            raise QbexpError(f"dissipation rate for bath {self.bath!r} is {self.rate}; rates must be >= 0")
        if not isinstance(self.bath, str) or not self.bath:
            raise QbexpError(f"dissipator bath = {self.bath!r}; it must be a non-empty name (a str)")
        _check_operator(self.jump, f"jump operator of bath {self.bath!r}")


@dataclass(frozen=True)
class LindbladModel:
    """Hamiltonian, battery Hamiltonian and dissipators of an open multi-qubit system."""

    num_qubits: int
    hamiltonian: SparsePauliOp
    battery_hamiltonian: SparsePauliOp
    dissipators: tuple[Dissipator, ...]
    name: str = "lindblad"
    parameters: dict = field(default_factory=dict)

    def __post_init__(self):
        # One check at construction, so that every solver and circuit builder gets a consistent,
        # physical model (a non-Hermitian H or an operator of another size would give wrong numbers).
        n = self.num_qubits
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise QbexpError(f"LindbladModel: num_qubits = {n!r}; it must be an integer >= 1")
        for what in ("hamiltonian", "battery_hamiltonian"):
            op = _check_operator(getattr(self, what), f"LindbladModel: {what}", n)
            if not _is_hermitian(op):
                raise QbexpError(f"LindbladModel: {what} is not Hermitian (a Pauli coefficient has an imaginary part)")
        if not isinstance(self.dissipators, (tuple, list)) or not all(isinstance(d, Dissipator)
                                                                      for d in self.dissipators):
            raise QbexpError("LindbladModel: dissipators must be a tuple of Dissipator")
        for d in self.dissipators:
            _check_operator(d.jump, f"LindbladModel: jump operator of bath {d.bath!r}", n)
        object.__setattr__(self, "dissipators", tuple(self.dissipators))

    @property
    def dim(self) -> int:
        return 2**self.num_qubits

    def baths(self) -> list[str]:
        """Bath labels in order of first appearance."""
        return list(dict.fromkeys(d.bath for d in self.dissipators))

    def hamiltonian_matrix(self, sparse: bool = False):
        return self.hamiltonian.to_matrix(sparse=sparse)

    def battery_matrix(self) -> np.ndarray:
        return self.battery_hamiltonian.to_matrix()

    def collapse_operators(self, sparse: bool = False, bath: str | None = None) -> list:
        """√Γ J for every dissipator (of one bath if given): qiskit-dynamics' convention."""
        return [
            np.sqrt(d.rate) * d.jump.to_matrix(sparse=sparse)
            for d in self.dissipators
            if d.rate > 0 and (bath is None or d.bath == bath)
        ]


def _check_operator(op, what: str, num_qubits: int | None = None) -> SparsePauliOp:
    """``op`` as a SparsePauliOp with finite coefficients (on ``num_qubits`` qubits if given)."""
    if not isinstance(op, SparsePauliOp):
        raise QbexpError(f"{what} is a {type(op).__name__}; it must be a qiskit SparsePauliOp "
                         "(SparsePauliOp.from_operator(matrix) converts a matrix)")
    if num_qubits is not None and op.num_qubits != num_qubits:
        raise QbexpError(f"{what} acts on {op.num_qubits} qubits; the model has {num_qubits}")
    if not np.all(np.isfinite(op.coeffs)):
        raise QbexpError(f"{what} has NaN or infinite coefficients")
    return op


def _is_hermitian(op: SparsePauliOp) -> bool:
    """Pauli strings are Hermitian, so a simplified sum of them is Hermitian iff its coefficients are real."""
    coeffs = op.simplify(atol=0.0).coeffs
    scale = max(1.0, float(np.abs(coeffs).max(initial=0.0)))
    return bool(np.all(np.abs(coeffs.imag) <= 1e-12 * scale))


def sigma_minus(qubit: int, num_qubits: int) -> SparsePauliOp:
    """σ⁻ = |0⟩⟨1| = (X + iY)/2 on ``qubit`` (|1⟩ is the excited state)."""
    return _on_qubit({"X": 0.5, "Y": 0.5j}, qubit, num_qubits)


def sigma_plus(qubit: int, num_qubits: int) -> SparsePauliOp:
    """σ⁺ = |1⟩⟨0| = (X - iY)/2 on ``qubit``."""
    return _on_qubit({"X": 0.5, "Y": -0.5j}, qubit, num_qubits)


def number_op(qubit: int, num_qubits: int) -> SparsePauliOp:
    """σ⁺σ⁻ = |1⟩⟨1| = (I - Z)/2 on ``qubit``."""
    return _on_qubit({"I": 0.5, "Z": -0.5}, qubit, num_qubits)


def _on_qubit(paulis: dict, qubit: int, num_qubits: int) -> SparsePauliOp:
    labels = []
    for p, coeff in paulis.items():
        label = ["I"] * num_qubits
        label[num_qubits - 1 - qubit] = p
        labels.append(("".join(label), coeff))
    return SparsePauliOp.from_list(labels)


def check_register_size(num_qubits: int) -> None:
    """Refuse registers whose vectorised Liouvillian would not fit in memory, saying how much it needs."""
    if num_qubits < 1:
        raise QbexpError(f"number of qubits is {num_qubits}; it must be at least 1")
    m = min(num_qubits, MAX_EXACT_QUBITS + 1)  # beyond, the need is larger still (and 4**(10**100) is never done)
    d2 = 4**m
    # state + generator (≈ (N+1)^2 non-zeros per row for collective jumps, 16 B value + 4 B index)
    need = d2 * 16 * 8 + d2 * (m + 1) ** 2 * 20
    available = _physical_memory()
    if num_qubits > MAX_EXACT_QUBITS or (available and need > 0.8 * available):
        raise QbexpError(
            f"N = {num_qubits} qubits needs {'about' if m == num_qubits else 'more than'} {need / 2**30:.1f} GiB"
            " for the exact Lindblad solver"
            f" (this machine has {available / 2**30:.1f} GiB); use fewer qubits"
        )


def _physical_memory() -> int:
    try:
        import os

        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0
