"""Protocol circuits (issue part 4): prepare → charge → discharge, every charging implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbexp.circuits.metrics import trace_distance
from qbexp.circuits.protocols import (
    CHARGINGS,
    COLLISION_TOL,
    charging_report,
    collective_protocol,
    collision_steps,
    engine_protocol,
)
from qbexp.circuits.simulate import ideal_state
from qbexp.dynamics import evolve, steady_state
from qbexp.errors import QbexpError
from qbexp.dynamics.cycle import discharge_unitary, engine_cycle, ness
from qbexp.models import collective_battery
from qbexp.models.engine import two_bath_engine
from qbexp.models.states import c_family_state, ground_state
from qbexp.thermo import energy, ergotropy

M2 = collective_battery(2, 1.0)
ENGINE = two_bath_engine()


def final_state(protocol):
    from qbexp.circuits.measure import RESULT_REGISTER

    # no final measurements (the minimal charging measures mid-circuit, into its own registers)
    assert RESULT_REGISTER not in {c.name for c in protocol.circuit.cregs}
    if protocol.charging != "minimal":
        assert "measure" not in protocol.circuit.count_ops()
    return ideal_state(protocol.circuit, protocol.system_qubits)


@pytest.mark.parametrize("charging", CHARGINGS)
def test_collective_steady_state_protocol(charging):
    rho0 = c_family_state(0.25)  # mixed: prepared through a purifying ancilla
    protocol = collective_protocol(M2, rho0, math.inf, charging=charging)
    assert np.abs(protocol.exact_state - steady_state(M2, rho0)).max() <= 1e-8
    distance = trace_distance(final_state(protocol), protocol.exact_state)
    assert distance <= (1e-8 if charging != "collision" else COLLISION_TOL)
    assert (protocol.steps is None) == (charging != "collision")


def test_collective_finite_time_protocol_with_discharge():
    rho0 = ground_state(2)
    protocol = collective_protocol(M2, rho0, 2.0, charging="dilation", discharge=True)
    charged = evolve(M2, rho0, [0.0, 2.0])[-1]
    out = final_state(protocol)
    h = M2.battery_matrix()
    assert abs(energy(charged, h) - energy(out, h) - ergotropy(charged, h)) <= 1e-8
    assert ergotropy(out, h) <= 1e-8


@pytest.mark.parametrize("discharge", ["local1", "global", "optimal"])
def test_engine_protocol_follows_the_exact_cycles(discharge):
    cycles = 3
    protocol = engine_protocol(ENGINE, 150.0, cycles, discharge=discharge, charging="kraus")
    cycle = engine_cycle(ENGINE, 150.0, discharge)
    steady = ness(ENGINE)
    u = discharge_unitary(discharge, steady, ENGINE)
    rho = u @ steady @ u.conj().T
    for _ in range(cycles):  # states diagonal in the energy basis: every optimal unitary gives one state
        rho = cycle.discharge_state(cycle.charge(rho))[0]
    assert np.abs(protocol.exact_state - rho).max() <= 1e-8
    assert np.abs(final_state(protocol) - rho).max() <= 1e-8


def test_engine_protocol_can_end_on_the_charged_state():
    protocol = engine_protocol(ENGINE, 150.0, 2, charging="kraus", final_discharge=False)
    cycle = engine_cycle(ENGINE, 150.0)
    steady = ness(ENGINE)
    u = discharge_unitary("local1", steady, ENGINE)
    rho = cycle.charge(cycle.discharge_state(cycle.charge(u @ steady @ u.conj().T))[0])
    assert np.abs(final_state(protocol) - rho).max() <= 1e-8
    assert np.abs(protocol.exact_state - rho).max() <= 1e-8


def test_engine_protocol_with_collisions_meets_the_tolerance():
    protocol = engine_protocol(ENGINE, 150.0, 2)
    assert protocol.charging == "collision" and protocol.steps >= 1
    assert trace_distance(final_state(protocol), protocol.exact_state) <= COLLISION_TOL
    assert 0 < protocol.charging_infidelity < 1e-2


def test_one_charging_circuit_for_a_family_of_initial_states():
    family = [c_family_state(c) for c in (0.0, 0.25, 1.0)]
    steps = collision_steps(M2, math.inf, family)
    for rho0 in family:
        protocol = collective_protocol(M2, rho0, math.inf, steps=steps)
        assert protocol.steps == steps
        assert trace_distance(final_state(protocol), protocol.exact_state) <= COLLISION_TOL


def test_charging_report_for_both_hardware_implementations():
    rho0 = c_family_state(1.0)
    dilation = charging_report(M2, 1.0, rho0, "dilation")
    assert dilation["trace_distance"] <= 1e-10 and dilation["process_infidelity"] <= 1e-12  # the circuit's own channel
    coarse, fine = (charging_report(M2, 1.0, rho0, "collision", steps=m) for m in (2, 8))
    assert fine["trace_distance"] < coarse["trace_distance"] and fine["process_infidelity"] < coarse["process_infidelity"]
    assert coarse["two_qubit_gates"] < fine["two_qubit_gates"] < dilation["two_qubit_gates"]
    assert all(r["depth"] > 0 for r in (dilation, coarse, fine))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: collective_protocol(M2, ground_state(2), 1.0, charging="magic"), "charging"),
        (lambda: collective_protocol(M2, ground_state(2), 1.0, charging="dilation", steps=3), "steps"),
        (lambda: collective_protocol(M2, ground_state(2), 1.0, steps=0), "steps"),
        (lambda: collective_protocol(M2, ground_state(3), 1.0), "initial state"),
        (lambda: collective_protocol(M2, ground_state(2), -1.0), "tau"),
        (lambda: engine_protocol(ENGINE, 150.0, 0), "cycles"),
        (lambda: engine_protocol(ENGINE, 150.0, 1, discharge="swap"), "discharge"),
        (lambda: engine_protocol(ENGINE, math.inf, 1), "finite"),
    ],
)
def test_bad_protocol_input(call, message):
    with pytest.raises(QbexpError, match=message):
        call()
