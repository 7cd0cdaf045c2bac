"""Discharge unitaries compiled to gates, checked on Aer (issue part 3)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator, random_density_matrix, random_unitary

from qbexp.circuits.discharge import compile_unitary, ergotropy_discharge
from qbexp.circuits.simulate import ideal_state
from qbexp.dynamics import steady_state
from qbexp.errors import QbexpError
from qbexp.dynamics.cycle import discharge_unitary, engine_cycle, ness
from qbexp.models import collective_battery
from qbexp.models.engine import two_bath_engine
from qbexp.models.states import c_family_state, ground_state
from qbexp.thermo import energy, ergotropy

ENGINE = two_bath_engine()


def two_qubit_gates(qc):
    return sum(1 for inst in qc.data if inst.operation.num_qubits >= 2)


def discharged_on_aer(rho, qc):
    n = qc.num_qubits
    full = QuantumCircuit(n)
    full.set_density_matrix(rho)
    full.compose(qc, inplace=True)
    return ideal_state(full, range(n))


def test_paper_closed_forms_are_emitted_as_rz():
    local1 = compile_unitary(discharge_unitary("local1", None, ENGINE))
    assert [(i.operation.name, float(i.operation.params[0]), local1.find_bit(i.qubits[0]).index) for i in local1.data] == [
        ("rz", math.pi, 0)
    ]
    local2 = compile_unitary(discharge_unitary("local2", None, ENGINE))
    assert [(i.operation.name, local2.find_bit(i.qubits[0]).index) for i in local2.data] == [("rz", 1)]
    glob = compile_unitary(discharge_unitary("global", None, ENGINE))
    assert sorted((i.operation.name, round(float(i.operation.params[0]), 12)) for i in glob.data) == [
        ("rz", round(-math.pi / 2, 12)),
        ("rz", round(math.pi / 2, 12)),
    ]
    for name in ("local1", "local2", "global"):
        u = discharge_unitary(name, None, ENGINE)
        assert np.allclose(Operator(compile_unitary(u)).data, u, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_generic_unitaries_compile_exactly(seed):
    for dim in (4, 8):
        u = random_unitary(dim, seed=seed).data
        assert np.allclose(Operator(compile_unitary(u)).data, u, atol=1e-9)


def cases():
    charged = engine_cycle(ENGINE, 150.0).charge(ness(ENGINE))
    m2, m3 = collective_battery(2, 1.0), collective_battery(3, 1.0)
    yield "engine charged", charged, ENGINE.battery_matrix(), 0
    yield "collective c=0", steady_state(m2, c_family_state(0.0)), m2.battery_matrix(), 1
    yield "random two-qubit", random_density_matrix(4, seed=3).data, m2.battery_matrix(), 2
    yield "collective N=3", steady_state(m3, ground_state(3)), m3.battery_matrix(), None


@pytest.mark.parametrize(("label", "rho", "h", "max_two_qubit"), list(cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_ergotropy_discharge_on_aer(label, rho, h, max_two_qubit):
    qc = ergotropy_discharge(rho, h)
    out = discharged_on_aer(rho, qc)
    assert abs(energy(rho, h) - energy(out, h) - ergotropy(rho, h)) <= 1e-8
    assert ergotropy(out, h) <= 1e-8  # passive
    if max_two_qubit is not None:
        assert two_qubit_gates(qc) <= max_two_qubit


def test_non_unitary_is_refused():
    with pytest.raises(QbexpError, match="not an N-qubit unitary"):
        compile_unitary(np.diag([1.0, 0.5, 1.0, 1.0]))
