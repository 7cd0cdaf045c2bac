"""Bad arguments to the public functions of ``qbexp.models`` and ``qbexp.thermo`` found by an
adversarial pass on 2026-12-06: each refused in one :class:`qbexp.QbexpError` line naming the
argument (they were numpy/scipy exceptions, a negative or infinite occupation, a string read as
digits, or an unphysical value returned).  Rows: ``(call, fragment)``; valid neighbours of the
same calls are checked to give the values of an independent formula."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix, SparsePauliOp

from qbexp import circuits
from qbexp import models as M
from qbexp import thermo as th
from _bad_input import one_line_error

HUGE = 10**400
MIXED = np.eye(2) / 2
STATE2 = np.diag([0.5, 0.25, 0.25, 0.0])

ROWS = [
    # thermo: stacks that do not broadcast against each other (numpy's ValueError)
    (lambda: th.trace_distance(np.stack([MIXED] * 3), np.stack([MIXED] * 4)), "stacks of states of shapes (3,) and (4,)"),
    (lambda: th.fidelity(np.stack([MIXED] * 3), np.stack([MIXED] * 4)), "do not broadcast against each other"),
    (lambda: circuits.trace_distance(np.stack([MIXED] * 2), np.stack([MIXED] * 5)), "do not broadcast"),
    # thermo: the entropy's base (an OverflowError; the string "2" was read as 2)
    (lambda: th.von_neumann_entropy(MIXED, base=HUGE), "entropy base is out of range"),
    (lambda: th.von_neumann_entropy(MIXED, base="2"), "entropy base must be a real number, got '2'"),
    (lambda: th.von_neumann_entropy(MIXED, base=True), "entropy base must be a real number, got True"),
    (lambda: th.von_neumann_entropy(MIXED, base=float("nan")), "entropy base must be finite"),
    (lambda: th.von_neumann_entropy(MIXED, base=1), "entropy base must be positive and not 1"),
    # thermo: int(inf) in partial_trace's qubit list (an OverflowError)
    (lambda: th.partial_trace(np.eye(4) / 4, [float("inf")]), "keep must be a list of qubit indices"),
    # strings inside object arrays were read as numbers (complex("1"))
    (lambda: th.ergotropy(np.array([["1", "0"], ["0", "0"]], dtype=object), np.diag([0.0, 1.0])),
     "is not a numeric array (an entry is str '1')"),
    (lambda: M.validate_density_matrix(np.array(["1", "0"], dtype=object)), "state is not a numeric array"),
    # models: validate_density_matrix's trace tolerance (a UFuncTypeError; -1 failed every state)
    (lambda: M.validate_density_matrix(MIXED, trace_atol="x"), "trace_atol must be a real number, got 'x'"),
    (lambda: M.validate_density_matrix(MIXED, trace_atol=-1), "trace_atol must be non-negative"),
    (lambda: M.validate_density_matrix(MIXED, trace_atol=float("nan")), "trace_atol must be finite"),
    # models: the Kossakowski and dipole matrices (ValueError, OverflowError, NaN called "not Hermitian",
    # 1e300 accepted while gamma = 1e300 is refused)
    (lambda: M.collective_battery(2, 1.0, gamma_matrix=[["a", "b"], ["c", "d"]]), "gamma_matrix is not a numeric array"),
    (lambda: M.collective_battery(2, 1.0, gamma_matrix=[[1, 0], [0]]), "gamma_matrix is not a numeric array"),
    (lambda: M.collective_battery(2, 1.0, gamma_matrix=[[HUGE, 0], [0, 1]]), "gamma_matrix has an entry beyond the floating-point range"),
    (lambda: M.collective_battery(2, 1.0, gamma_matrix=[[np.nan, 0], [0, 1]]), "gamma_matrix has NaN or infinite entries"),
    (lambda: M.collective_battery(2, 1.0, gamma_matrix=[[1e300, 0], [0, 1]]), "gamma_matrix has an entry of magnitude 1e+300"),
    (lambda: M.collective_battery(2, 1.0, f_matrix=[[0, 1e300], [1e300, 0]]), "f_matrix has an entry of magnitude 1e+300"),
    # models: the thermal occupation (-1.58 for beta < 0, inf with a warning at 0, NaN, a TypeError)
    (lambda: M.bose_occupation(-1, 1), "bose_occupation needs beta > 0 and omega > 0, got beta = -1"),
    (lambda: M.bose_occupation(0, 1), "bose_occupation needs beta > 0 and omega > 0, got beta = 0"),
    (lambda: M.bose_occupation(1, -2), "omega = -2"),
    (lambda: M.bose_occupation(float("nan"), 1), "beta must be finite"),
    (lambda: M.bose_occupation("a", 1), "beta must be a real number, got 'a'"),
    # models: explicit engine rates ("1111" became four ones, booleans and a dict's keys were taken)
    (lambda: M.two_bath_engine(rates="1111"), "rates must be 4 numbers (GAp, GAm, GSp, GSm), got '1111'"),
    (lambda: M.two_bath_engine(rates=[True] * 4), "rates: GAp must be a real number, got True"),
    (lambda: M.two_bath_engine(rates={1: 1, 2: 2, 3: 3, 4: 4}), "rates must be 4 numbers"),
    (lambda: M.two_bath_engine(rates=[1, 1, 1, -1]), "rates: GSm = -1.0; it must be a finite number >= 0"),
    (lambda: M.two_bath_engine(implementation=["1", 0.5, 1]), "implementation: gamma must be a real number"),
    # models: a dissipator's rate (TypeError from np.isfinite)
    (lambda: M.Dissipator("x", SparsePauliOp("X"), "b"), "dissipation rate for bath 'b' must be a real number, got 'x'"),
    (lambda: M.Dissipator(None, SparsePauliOp("X"), "b"), "got None"),
    (lambda: M.Dissipator(1j, SparsePauliOp("X"), "b"), "got 1j"),
    (lambda: M.Dissipator(-0.5, SparsePauliOp("X"), "b"), "rates must be >= 0"),
    # models: a matrix given as a spec (its whole repr, over many lines, in the message)
    (lambda: M.initial_state(DensityMatrix(np.eye(8) / 8), 2), "initial state spec must be a string, got DensityMatrix"),
]


@pytest.mark.parametrize("call, fragment", ROWS, ids=[f"{k}:{row[1][:40]}" for k, row in enumerate(ROWS)])
def test_refused_in_one_line(call, fragment):
    one_line_error(call, fragment)


def test_valid_neighbours_still_compute_their_values():
    """The same calls with good arguments: values from closed forms written out here."""
    b = 1.3
    assert M.bose_occupation(b, 0.7) == pytest.approx(1 / (np.exp(b * 0.7) - 1), rel=1e-14)
    assert M.bose_occupation(np.float32(2.0), np.int64(1)) == pytest.approx(1 / (np.e**2 - 1), rel=1e-6)
    p = np.array([0.5, 0.25, 0.25])
    s = -np.sum(p * np.log(p))
    assert th.von_neumann_entropy(STATE2, base=np.e) == pytest.approx(s, abs=1e-12)
    assert th.von_neumann_entropy(STATE2, base=np.float64(10)) == pytest.approx(s / np.log(10), abs=1e-12)
    assert th.von_neumann_entropy(STATE2) == pytest.approx(1.5, abs=1e-12)
    pure = np.diag([1.0, 0.0])
    stack = np.stack([MIXED, pure, MIXED])
    assert np.allclose(th.trace_distance(stack, pure), [0.5, 0.0, 0.5])  # (3,) against one state
    assert np.allclose(th.fidelity(stack[None], np.stack([pure, MIXED])[:, None]),
                       [[0.5, 1.0, 0.5], [1.0, 0.5, 1.0]])  # (1, 3) against (2, 1)
    assert th.ergotropy(np.array([[0, 0], [0, 1]], dtype=object), np.diag([0.0, 1.0])) == pytest.approx(1.0)
    engine = M.two_bath_engine(rates=np.array([0.1, 0.2, 0.3, 0.4]))
    assert engine.parameters["rates"] == {"GAp": 0.1, "GAm": 0.2, "GSp": 0.3, "GSm": 0.4}
    gamma = np.array([[1.0, 0.5], [0.5, 1.0]])
    a = M.collective_battery(2, 1.0, gamma_matrix=gamma.tolist())
    b2 = M.collective_battery(2, 1.0, gamma_matrix=gamma)
    assert a.hamiltonian == b2.hamiltonian and len(a.dissipators) == len(b2.dissipators) == 4
    assert M.Dissipator(np.float64(0.5), SparsePauliOp("X"), "b").rate == 0.5
