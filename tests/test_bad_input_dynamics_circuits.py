"""Bad arguments to the public functions of ``qbexp.dynamics`` and ``qbexp.circuits``: each refused
in one :class:`qbexp.QbexpError` line naming the argument and the problem (defects 16-18, 29-31 of
the adversarial review), before any solver, transpiler or simulator runs.

Rows: ``(call, fragment)``.  Every row runs under a time limit, and the ODE solver is replaced by
one that fails: a row whose check is removed fails at once instead of hanging (``atol=nan`` never
accepts a step; 10**9 collision steps take forever).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import SuperOp

from qbexp import circuits as C
from qbexp import dynamics as D
from qbexp import models as M
from qbexp.circuits.collision import MAX_STEPS
from qbexp.dynamics import evolution
from _bad_input import one_line_error, time_limit

#: seconds a row may take (every row is a check before any work: well under a second)
ROW_TIMEOUT = 10

ENGINE = M.two_bath_engine()
ONE = M.collective_battery(1, 1.0)
GROUND = np.diag([1.0, 0.0, 0.0, 0.0])
EYE = SuperOp(np.eye(4))
QC = QuantumCircuit(2)
QC.h(0)
METHODS = "choose one of RK45, RK23, DOP853, Radau, BDF, LSODA"
MODEL = "model must be a LindbladModel"


def _evolve(**options):
    return lambda: D.evolve(ENGINE, GROUND, [0.0, 1.0], **options)


ROWS = [
    # 16: the ODE solver's options (evolve; propagator takes rtol and atol too)
    (_evolve(atol=np.nan), "solver tolerance atol must be finite, got nan"),
    (_evolve(rtol="x"), "solver tolerance rtol must be a real number, got 'x'"),
    (_evolve(rtol=-1), "solver tolerance rtol = -1; it must be > 0"),
    (_evolve(atol=0.0), "solver tolerance atol = 0; it must be > 0"),
    (_evolve(atol=np.inf), "solver tolerance atol must be finite, got inf"),
    (_evolve(method="bogus"), f"unknown ODE solver method = 'bogus'; {METHODS}"),
    (_evolve(method=None), f"unknown ODE solver method = None; {METHODS}"),
    # the symmetric solver, which takes no options, refuses them too
    (lambda: D.evolve(M.collective_battery(2, 1.0), GROUND, [0.0, 1.0], method="bogus"), METHODS),
    (lambda: D.propagator(ENGINE, 1.0, atol=np.nan), "solver tolerance atol must be finite, got nan"),
    (lambda: D.propagator(ENGINE, 1.0, rtol=-1e-3), "solver tolerance rtol = -0.001; it must be > 0"),
    # 17: kernel_dimension's model and rho0
    (lambda: D.kernel_dimension(ENGINE, np.full((4, 4), np.nan)), "rho0 contains NaN or infinite entries"),
    (lambda: D.kernel_dimension(ENGINE, np.eye(2) / 2), "rho0 has shape (2, 2); the model needs 4 x 4"),
    (lambda: D.kernel_dimension(ENGINE, "ground"), "rho0 = 'ground' is a string; pass a matrix"),
    (lambda: D.kernel_dimension(None), f"{MODEL}"),
    # 18: models, baths, vec/unvec, a spec string as the state
    (lambda: D.unique_steady_state(None), f"{MODEL} (qbexp.models.collective_battery, two_bath_engine, ...), got None"),
    (lambda: D.liouvillian(None), f"{MODEL}"),
    (lambda: D.liouvillian(ENGINE, bath="nope"), "bath = 'nope' is not a bath of the engine model (its baths: A, S)"),
    (lambda: D.liouvillian(ENGINE, hamiltonian="no"), "hamiltonian = 'no'; it must be True or False"),
    (lambda: D.steady_state(None, GROUND), f"{MODEL}"),
    (lambda: D.unvec(np.arange(5), 2), "unvec: v has 5 entries (shape (5,)); dim = 2 needs dim^2 = 4"),
    (lambda: D.unvec(np.arange(4), 2.0), "unvec: dim must be a positive integer, got 2.0"),
    (lambda: D.unvec(np.arange(4), -2), "unvec: dim must be a positive integer, got -2"),
    (lambda: D.vec("ab"), "vec: rho is not a numeric array"),
    (lambda: D.vec(np.arange(4)), "vec: rho has shape (4,); expected a matrix"),
    (lambda: D.steady_state(ENGINE, "ground", check=False), "initial operator = 'ground' is a string; pass a matrix"),
    (lambda: D.steady_state(ENGINE, "ground"), "initial state = 'ground' is a string; pass a matrix"),
    (lambda: D.steady_state(ENGINE, np.ones((2, 8)) / 4, check=False), "initial operator has shape (2, 8)"),
    (lambda: D.steady_state(ENGINE, np.full((4, 4), np.nan), check=False), "initial operator contains NaN"),
    (lambda: D.steady_state(ENGINE, GROUND, check="no"), "check = 'no'; it must be True or False"),
    # 29: the collision steps' cap, one limit (MAX_STEPS) for circuits, channels and protocols
    (lambda: C.collision_circuit(ONE, 1.0, 10**9), f"M = 1000000000; at most MAX_STEPS = {MAX_STEPS}"),
    (lambda: C.collision_superop(ONE, 1.0, MAX_STEPS + 1), f"at most MAX_STEPS = {MAX_STEPS}"),
    (lambda: C.collective_protocol(ONE, np.diag([1.0, 0.0]), 1.0, steps=MAX_STEPS + 1), "MAX_STEPS"),
    (lambda: C.collision_circuit(None, 1.0, 2), f"{MODEL}"),
    # 30: process infidelity of CPTP maps of one dimension only
    (lambda: C.process_infidelity(SuperOp(3 * np.eye(4)), EYE), "channel is not trace preserving (error 2.00e+00)"),
    (lambda: C.process_infidelity(EYE, SuperOp(3 * np.eye(4))), "exact is not trace preserving"),
    (lambda: C.process_infidelity(EYE, SuperOp(np.eye(16))), "channel acts on dimension 2 and exact on 4"),
    (lambda: C.process_infidelity("x", EYE), "channel is not a quantum channel"),
    (lambda: C.check_cptp(SuperOp(3 * np.eye(4)), atol=np.nan), "CPTP tolerance atol must be finite, got nan"),
    # 31: ideal_state, compile_for_device, minimal_kraus, compile_unitary, steady_state_channel
    (lambda: C.ideal_state(QC, [9]), "system_qubits: qubit 9 is not in the 2-qubit circuit"),
    (lambda: C.ideal_state(QC, [0, 0]), "system_qubits [0, 0] list a qubit twice"),
    (lambda: C.ideal_state(QC, []), "no system_qubits to keep"),
    (lambda: C.ideal_state(QC, 0), "system_qubits must be a list of qubit indices, got 0"),
    (lambda: C.ideal_state("qc", [0]), "circuit must be a qiskit QuantumCircuit, got str"),
    (lambda: C.compile_for_device("qc", [0]), "circuit must be a qiskit QuantumCircuit, got str"),
    (lambda: C.compile_for_device(QC, [5]), "system_qubits: qubit 5 is not in the 2-qubit circuit"),
    (lambda: C.compile_for_device(QC, [0], optimization_level=7), "optimization_level = 7; choose one of 0, 1, 2, 3"),
    (lambda: C.compile_for_device(QC, [0], optimization_level=2.0), "optimization_level = 2.0"),
    (lambda: C.compile_for_device(QC, [0], seed="x"), "seed must be a non-negative integer, got 'x'"),
    (lambda: C.minimal_kraus(EYE, rtol=np.nan), "minimal_kraus: rtol must be finite, got nan"),
    (lambda: C.minimal_kraus(EYE, rtol=-1), "minimal_kraus: rtol = -1; it must lie strictly between 0 and 1"),
    (lambda: C.minimal_kraus(EYE, rtol=1.0), "minimal_kraus: rtol = 1; it must lie strictly between 0 and 1"),
    (lambda: C.compile_unitary("x"), "discharge operator u is not a unitary matrix or operator"),
    (lambda: C.compile_unitary(np.eye(2), atol=np.nan), "compile_unitary: atol must be finite, got nan"),
    (lambda: C.steady_state_channel(None), f"{MODEL}"),
]


@pytest.fixture(autouse=True)
def _no_solver_no_hang(monkeypatch):
    """No row may reach the ODE solver, nor take more than ROW_TIMEOUT seconds."""
    def reached(*args, **kwargs):
        raise AssertionError("the ODE solver was called: the options were not checked first")

    monkeypatch.setattr(evolution, "_solve_block", reached)
    with time_limit(ROW_TIMEOUT):
        yield


@pytest.mark.parametrize("call, fragment", ROWS, ids=[f"row{k}" for k in range(len(ROWS))])
def test_refused_in_one_line(call, fragment):
    one_line_error(call, fragment)


def test_valid_input_still_accepted():
    """The same functions on odd but valid input: unchanged."""
    a = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(D.unvec(D.vec(a), 3), a)  # any dimension, integer entries
    np.testing.assert_array_equal(D.unvec(D.vec(a.tolist()), np.int64(3)), a)
    assert D.liouvillian(ENGINE, bath="S").shape == (16, 16)
    assert D.kernel_dimension(ENGINE, GROUND) == 1
    rho = D.steady_state(ENGINE, GROUND)
    np.testing.assert_allclose(D.steady_state(ENGINE, 2 * GROUND, check=False), 2 * rho, atol=1e-12)
    assert abs(C.process_infidelity(EYE, EYE)) <= 1e-12
    assert len(C.minimal_kraus(EYE).data) == 1
    assert C.compile_unitary(QC).num_qubits == 2  # anything Operator reads, as before
    # Qubit objects as well as indices; the first listed is the least significant
    np.testing.assert_allclose(C.ideal_state(QC, [QC.qubits[1], 0]),
                               np.kron(np.full((2, 2), 0.5), np.diag([1.0, 0.0])), atol=1e-12)
