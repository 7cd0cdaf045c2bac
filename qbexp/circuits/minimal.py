"""``minimal`` charging: the exact charging map with the fewest two-qubit gates we found.

Generic circuits (collision model, Stinespring dilation) ignore what the two papers' baths do.
Both charge through a classical jump between the levels of a basis the model fixes, keeping
the coherences that the bath cannot see (:mod:`qbexp.circuits.minimal_forms`, form (†)):

* collective battery (Çakmak, Eqs. 5–7, collective coupling) — Schur basis |j, m, c⟩; the
  steady-state map (τ = ∞) is "measure j, keep the multiplicity coherences, replace the
  multiplet by its steady state τ_j" (:mod:`qbexp.circuits.schur`), exact for every input;
* engine (Tacchino et al., Eqs. 6–9) — energy basis gg, S, A, ee of Eq. (7); for any τ the
  map on energy-diagonal states is the rate equation of Eqs. (12)–(13) integrated for τ.

The circuit (:func:`qbexp.circuits.minimal_jump.jump_circuit`) is basis change → mid-circuit
measurement of the level → classical random jump (single-qubit gates under ``if_test``) →
inverse basis change.  After transpiling for a Heron device (FakeTorino, CZ): 2 CZ for N = 2
and for the engine (one CNOT measures the basis, one prepares it), 12 for N = 3 (a 6-CNOT
nearest-neighbour Schur circuit each way, :mod:`qbexp.circuits.minimal_schur3`) and about 310
for N = 4 (generic 4-qubit Schur unitaries and a Toffoli onto a flag ancilla), against 69–88
(N = 2), 1185 (N = 3) and 383 (engine, τ = 150) for collisions.  It is exact (to rounding) on inputs without coherence between levels — every
input for the collective steady state; for finite τ the inputs the protocols use (ρ₀ with
c, ground and thermal states, the engine's NESS and its passive discharged states).  Given
``rho0``, :func:`minimal_charging_circuit` checks that the input is in that domain.

Public entry points: :class:`MinimalCharging` (circuit and implemented channel),
:func:`minimal_charging_circuit`, :func:`has_minimal`.

The circuits are *dynamic*: they own classical registers (``sector``, ``draw``, …) and
``if_else`` blocks; only single-qubit gates, resets and measurements are classically
controlled, so the compiled two-qubit count is the same on every branch.  Aer's
density-matrix method follows one measurement record per shot: the exact channel output is
:func:`qbexp.circuits.minimal_simulate.exact_output` (sum over records), not a one-shot
``save_density_matrix``.
"""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import SuperOp

from qbexp.circuits.channel import charging_channel, check_tau
from qbexp.circuits.minimal_forms import JumpForm, collective_form, energy_form, form_superop
from qbexp.circuits.minimal_jump import check_layout, jump_circuit
from qbexp.dynamics.liouvillian import unvec, vec
from qbexp.thermo import trace_distance
from qbexp.errors import QbexpError
from qbexp.models.lindblad import LindbladModel

#: Largest trace distance between the minimal circuit's output and the exact one accepted for ``rho0``.
MINIMAL_TOL = 1e-3
#: What has a minimal circuit (for error messages).
SUPPORTED = "the collective battery with collective coupling and N = 2, 3, 4, and the two-bath engine (any tau)"


class MinimalCharging:
    """The minimal charging circuit of one (model, τ) and the channel it implements.

    ``channel`` (the exact map e^{𝓛τ} or P₀ as a ``SuperOp`` or d² × d² matrix) may be passed
    to avoid recomputing it.
    """

    def __init__(self, model: LindbladModel, tau: float, channel=None):
        check_tau(tau)
        self.model, self.tau = model, tau
        exact = charging_channel(model, tau) if channel is None else channel
        self.exact = np.asarray(exact.data if isinstance(exact, SuperOp) else exact, dtype=complex)
        self.form = _form(model, tau, self.exact)

    def superop(self) -> SuperOp:
        """The channel the circuit implements: (†) ∘ Δ (equal to the exact map on its domain)."""
        return SuperOp(form_superop(self.form))

    def output_error(self, rho0) -> float:
        """Trace distance between the circuit's output and the exact charged state for ``rho0``."""
        rho0 = np.asarray(rho0, dtype=complex)
        d = rho0.shape[0]
        return float(trace_distance(unvec(self.superop().data @ vec(rho0), d), unvec(self.exact @ vec(rho0), d)))

    def circuit(self) -> QuantumCircuit:
        """The dynamic circuit on qubits 0..N−1 (no ancillas; classical registers ``sector``,
        ``level`` (N = 3, finite τ), ``draw``); ``metadata`` as for the other charging circuits."""
        return jump_circuit(self.form)


def minimal_charging_circuit(model: LindbladModel, tau: float, rho0=None, channel=None,
                             tol: float = MINIMAL_TOL) -> QuantumCircuit:
    """The minimal charging circuit for ``tau`` (``math.inf``: the steady state).

    With ``rho0``, raise :class:`QbexpError` if the circuit's output on it is farther than
    ``tol`` (trace distance) from the exact charged state (an input with coherence between
    levels at finite τ).
    """
    scheme = MinimalCharging(model, tau, channel)
    if rho0 is not None and not scheme.form.exact_everywhere:
        error = scheme.output_error(rho0)
        if error > tol:
            raise QbexpError(f"the minimal charging circuit is exact only on inputs without coherence between the "
                             f"{model.name} model's levels; this input is off by {error:.1e} > {tol:g}")
    return scheme.circuit()


def has_minimal(model: LindbladModel, tau: float) -> bool:
    """Whether :func:`minimal_charging_circuit` supports (model, τ)."""
    try:
        MinimalCharging(model, tau)
    except QbexpError:
        return False
    return True


def _form(model: LindbladModel, tau: float, exact: np.ndarray) -> JumpForm:
    errors = []
    builders = [collective_form, energy_form] if model.name != "engine" else [energy_form]
    for builder in builders:
        try:
            form = builder(model, exact)
            check_layout(form)
            if math.isinf(tau) and not form.exact_everywhere:
                raise QbexpError("steady-state map keeps coherences between levels")
            return form
        except QbexpError as err:
            errors.append(str(err))
    raise QbexpError(f"no minimal charging circuit for the {model.name} model ({errors[0]}); "
                     f"there is one for {SUPPORTED}")
