"""Step 3 of the pipeline: the charging map, discharges and whole protocols as circuits.

* :mod:`~qbexp.circuits.channel` — e^{𝓛τ} (or the steady-state limit P₀) as a checked CPTP
  ``SuperOp``, its minimal Kraus set, and a Kraus instruction for Aer;
* :mod:`~qbexp.circuits.dilation` — exact Stinespring dilation (gates + resets);
* :mod:`~qbexp.circuits.collision` and :mod:`~qbexp.circuits.ladder` — collision model with fresh
  thermal ancillas (gates + resets);
* :mod:`~qbexp.circuits.discharge` — ergotropy-optimal discharges with few two-qubit gates;
* :mod:`~qbexp.circuits.protocols` — prepare → charge → discharge circuits for both batteries;
* :mod:`~qbexp.circuits.metrics` — distances to the exact map, device compilation and cost;
* :mod:`~qbexp.circuits.catalogue` — the ``circuits/`` OpenQASM 3 catalogue.

Every call that depends on the Qiskit version (synthesis, transpilation, Aer, OpenQASM 3)
lives in this package.
"""

from qbexp.circuits.channel import charging_channel, check_cptp, minimal_kraus, steady_state_channel
from qbexp.circuits.collision import CollisionScheme, collision_circuit, collision_superop
from qbexp.circuits.dilation import dilation_circuit
from qbexp.circuits.discharge import compile_unitary, ergotropy_discharge
from qbexp.circuits.metrics import compile_for_device, process_infidelity, trace_distance
from qbexp.circuits.protocols import (
    CHARGINGS,
    ProtocolCircuit,
    charging_report,
    collective_protocol,
    collision_steps,
    engine_protocol,
)
from qbexp.circuits.simulate import ideal_state

__all__ = [
    "CHARGINGS",
    "CollisionScheme",
    "ProtocolCircuit",
    "charging_channel",
    "charging_report",
    "check_cptp",
    "collective_protocol",
    "collision_circuit",
    "collision_steps",
    "collision_superop",
    "compile_for_device",
    "compile_unitary",
    "dilation_circuit",
    "engine_protocol",
    "ergotropy_discharge",
    "ideal_state",
    "minimal_kraus",
    "process_infidelity",
    "steady_state_channel",
    "trace_distance",
]
