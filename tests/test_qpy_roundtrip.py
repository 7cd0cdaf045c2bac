"""Every charging implementation's circuits survive ``qiskit.qpy.dump/load`` and still simulate to the same state.

A run stores its circuits as ``circuits.qpy`` (at the portable QPY version of
``qbexp.backends.store``); ``qbexp fetch``/``status`` load them back.  Qiskit's ``Isometry``
could not be loaded ("Isometry.__init__() missing 2 required positional arguments"), so the
dilation is now built from standard gates.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, qpy

from qbexp.circuits.metrics import trace_distance
from qbexp.circuits.minimal import minimal_charging_circuit
from qbexp.circuits.minimal_simulate import exact_output
from qbexp.circuits.protocols import collective_protocol
from qbexp.circuits.simulate import ideal_state
from qbexp.dynamics import steady_state
from qbexp.models.collective import collective_battery

try:
    from qbexp.backends.store import PORTABLE_QPY_VERSION
except ImportError:  # pragma: no cover
    PORTABLE_QPY_VERSION = qpy.QPY_VERSION


def c_state(c: float) -> np.ndarray:
    psi = np.array([0, 1, -1, 0]) / math.sqrt(2)
    rho = (1 - c) * np.outer(psi, psi).astype(complex)
    rho[0, 0] += c
    return rho


def roundtrip(circuit: QuantumCircuit) -> QuantumCircuit:
    buffer = io.BytesIO()
    qpy.dump(circuit, buffer, version=min(PORTABLE_QPY_VERSION, qpy.QPY_VERSION))
    buffer.seek(0)
    (loaded,) = qpy.load(buffer)
    return loaded


@pytest.fixture(scope="module")
def battery():
    model = collective_battery(2, beta=1.0)
    rho0 = c_state(0.25)
    return model, rho0, steady_state(model, rho0)


@pytest.mark.parametrize("charging", ["collision", "dilation", "kraus"])
def test_protocol_circuits_roundtrip(charging, battery):
    """collision (gates + resets), dilation (gates + resets) and kraus (the ``channel`` instruction)."""
    model, rho0, exact = battery
    protocol = collective_protocol(model, rho0, math.inf, charging=charging)
    loaded = roundtrip(protocol.circuit)
    assert "isometry" not in {inst.operation.name for inst in loaded.data}
    before = ideal_state(protocol.circuit, protocol.system_qubits)
    after = ideal_state(loaded, protocol.system_qubits)
    assert trace_distance(before, after) < 1e-10
    assert trace_distance(after, exact) < 1e-3


def test_dilation_has_no_isometry_instruction(battery):
    from qbexp.circuits.channel import charging_channel
    from qbexp.circuits.dilation import dilation_circuit

    model, _, _ = battery
    circuit = dilation_circuit(charging_channel(model, math.inf))
    assert {inst.operation.name for inst in circuit.data} <= {"reset", "u", "cx"}


@pytest.mark.parametrize("n", [2, 3])
def test_minimal_circuit_roundtrips(n):
    """The dynamic circuit (mid-circuit measurements, if_else on registers) keeps its channel."""
    model = collective_battery(n, beta=1.0)
    circuit = minimal_charging_circuit(model, math.inf)
    loaded = roundtrip(circuit)
    rng = np.random.default_rng(n)
    g = rng.normal(size=(2**n, 2**n)) + 1j * rng.normal(size=(2**n, 2**n))
    rho = g @ g.conj().T / np.trace(g @ g.conj().T)
    before, after = exact_output(circuit, rho), exact_output(loaded, rho)
    assert trace_distance(before, after) < 1e-12
    assert trace_distance(after, steady_state(model, rho)) < 1e-9
