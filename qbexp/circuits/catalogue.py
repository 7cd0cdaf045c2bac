"""The ``circuits/`` catalogue: hardware-executable protocol circuits of the canonical cases.

:func:`export_catalogue` writes, for every case in :data:`CASES`,

* ``NAME.qasm`` — OpenQASM 3 of the protocol circuit (no final measurements) compiled for the
  default fake IBM device (:func:`qbexp.circuits.metrics.default_backend`), on the device's own
  qubits ($n); the index names the battery and ancilla qubits among them;
* ``index.json`` — per file: protocol and parameters, the charging implementation, qubit roles,
  two-qubit gate count and depth, the figures of merit (ergotropy, energy, l1 coherence) that an
  ideal run of the file gives on the battery qubits (Aer density matrix) next to the exact
  Lindblad values, their trace distance, and the process infidelity of one charging stroke;
* ``README.md`` — the same as a table.

Everything is deterministic: fixed transpiler seed, gate angles rounded to 12 significant
digits before export, numbers in the index rounded to 10 significant digits.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qiskit import QuantumCircuit, qasm3

from qbexp.files import atomic_write_text
from qbexp.circuits.metrics import (
    OPTIMIZATION_LEVEL,
    TRANSPILER_SEED,
    compile_for_device,
    default_backend,
    restrict,
    trace_distance,
)
from qbexp.circuits.protocols import (
    COLLISION_TOL,
    ProtocolCircuit,
    collective_protocol,
    engine_protocol,
)
from qbexp.circuits.simulate import ideal_state
from qbexp.errors import QbexpError
from qbexp.models.collective import collective_battery
from qbexp.models.engine import FIG4_PARAMETERS, two_bath_engine
from qbexp.models.lindblad import LindbladModel
from qbexp.models.states import c_family_state, ground_state
from qbexp.thermo import coherence_l1, energy, ergotropy

#: Significant digits of gate angles in the QASM files and of numbers in index.json.
ANGLE_DIGITS = 12
INDEX_DIGITS = 10
ENGINE_TAU = 150.0
#: The cheapest exact charging circuit of every catalogue protocol (qbexp.circuits.minimal:
#: 2 CZ per stroke for N = 2 and the engine, 12 for N = 3, against 77–88, 1185 and 383 for the
#: collision model it replaced).
CATALOGUE_CHARGING = "minimal"


@dataclass(frozen=True)
class Case:
    """One catalogue entry: a file name, its parameters for the index and how to build it."""

    name: str
    model: Callable[[], LindbladModel]
    build: Callable[[LindbladModel], ProtocolCircuit]
    parameters: dict


def _collective_case(name, n, init, rho0):
    params = {"n": n, "beta": 1.0, "omega": 1.0, "gamma": 1.0, "f": 0.0, "coupling": "collective",
              "initial_state": init, "tau": "inf", "charged_to": "steady state (P0 = lim e^{Lt})",
              "discharge": None}

    def build(model):
        return collective_protocol(model, rho0(), math.inf, charging=CATALOGUE_CHARGING)

    return Case(name, lambda: collective_battery(n, 1.0), build, params)


_C_FAMILY = tuple(lambda c=c: c_family_state(c) for c in (0.0, 0.25, 1.0))


def _engine_case(name, cycles):
    params = {**FIG4_PARAMETERS, "tau": ENGINE_TAU,
              "cycles": cycles, "discharge": "local1",
              "initial_state": "NESS after one local1 discharge (t = 0+ of Tacchino et al., Fig. 3)"}
    return Case(name, two_bath_engine,
                lambda m: engine_protocol(m, ENGINE_TAU, cycles, discharge="local1", charging=CATALOGUE_CHARGING), params)


CASES = (
    _collective_case("collective_n2_c0", 2, "c:0", _C_FAMILY[0]),
    _collective_case("collective_n2_c0.25", 2, "c:0.25", _C_FAMILY[1]),
    _collective_case("collective_n2_c1", 2, "c:1", _C_FAMILY[2]),
    _collective_case("collective_n3_ground", 3, "ground", lambda: ground_state(3)),
    _engine_case("engine_tau150_k1", 1),
    _engine_case("engine_tau150_k10", 10),
)


def catalogue_files(backend=None) -> dict[str, str]:
    """File name → text for every file of the catalogue (QASM files, index.json, README.md)."""
    backend = default_backend() if backend is None else backend
    files, entries = {}, []
    for case in CASES:
        qasm, entry = _export_case(case, backend)
        files[entry["file"]] = qasm
        entries.append(entry)
    files["index.json"] = json.dumps(_rounded(entries), indent=2, sort_keys=True) + "\n"
    files["README.md"] = _readme(entries, backend)
    return files


def export_catalogue(out_dir, backend=None) -> list[Path]:
    """Write the catalogue into ``out_dir`` (created if needed); returns the written paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise QbexpError(f"{out} exists and is not a directory")
    written = []
    for name, text in catalogue_files(backend).items():
        atomic_write_text(out / name, text)
        written.append(out / name)
    return written


def _export_case(case: Case, backend) -> tuple[str, dict]:
    model = case.model()
    protocol = case.build(model)
    device = compile_for_device(protocol.circuit, protocol.system_qubits, backend)
    circuit = _round_angles(device.compiled)
    qasm = qasm3.dumps(circuit)
    active = restrict(circuit, device.physical_qubits)
    ideal = ideal_state(active, [device.physical_qubits.index(q) for q in device.system_qubits])
    h = model.battery_matrix()
    entry = {
        "file": f"{case.name}.qasm",
        "protocol": protocol.parameters["protocol"],
        "parameters": case.parameters,
        "charging": {
            "implementation": protocol.charging,
            "steps": protocol.steps,
            "step_time": protocol.step_time,
            "tolerance": COLLISION_TOL,
            "process_infidelity": protocol.charging_infidelity,
        },
        "backend": device.backend,
        "transpiler": {"seed": TRANSPILER_SEED, "optimization_level": OPTIMIZATION_LEVEL},
        "physical_qubits": device.physical_qubits,
        "system_qubits": device.system_qubits,
        "ancilla_qubits": device.ancilla_qubits,
        "two_qubit_gates": device.two_qubit_gates,
        "depth": device.depth,
        "circuit_ideal": _figures(ideal, h),
        "exact": _figures(protocol.exact_state, h),
        "trace_distance": trace_distance(ideal, protocol.exact_state),
    }
    return qasm, entry


def _figures(rho, h) -> dict:
    return {"ergotropy": ergotropy(rho, h), "energy": energy(rho, h), "coherence_l1": coherence_l1(rho)}


def _round_angles(circuit: QuantumCircuit) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if getattr(op, "blocks", None):  # control flow: round the gates of its bodies
            op = op.replace_blocks([_round_angles(block) for block in op.blocks])
        elif op.params:
            op = op.copy()
            op.params = [float(f"{float(p):.{ANGLE_DIGITS}g}") for p in op.params]
        out.append(op, inst.qubits, inst.clbits)
    return out


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.{INDEX_DIGITS}g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _readme(entries, backend) -> str:
    name = getattr(backend, "name", str(backend))
    lines = [
        "# Protocol circuit catalogue",
        "",
        "Generated by `qbexp circuits export --out circuits/` (do not edit; a test regenerates it).",
        "",
        f"Each `.qasm` file is an OpenQASM 3 protocol circuit compiled for `{name}` (transpiler seed",
        f"{TRANSPILER_SEED}, optimisation level {OPTIMIZATION_LEVEL}): native gates and mid-circuit resets on the device's",
        "own qubits (`$n`), no final measurements.  `index.json` lists for each file the device qubits that hold",
        "the battery at the end (`system_qubits`, battery qubit 0 first; append measurements there) and",
        "the ancillas (`ancilla_qubits`); `physical_qubits` is all qubits the file uses.",
        "",
        "Charging: the `minimal` circuit (the cheapest exact construction: change to the basis the bath",
        "acts in, measure the level mid-circuit, jump to a new level with classically controlled one-qubit",
        "gates, change back; `qbexp.circuits.minimal`), exact to rounding; these are dynamic circuits (mid-circuit",
        "measurements into their own registers, `if` blocks).  \"Charged to its steady state\" uses the exact",
        "limit map P0 = lim e^{Lt}.  The engine starts from its NESS right after one `local1` discharge",
        "(t = 0+ of Tacchino et al., Fig. 3) and runs K cycles of charge (tau = 150) then `local1` discharge",
        "(RZ(pi) on battery qubit 0); parameters of their Fig. 4.",
        "",
        "Figures of merit are w.r.t. the battery Hamiltonian (H0 for the collective battery, H for the",
        "engine); `ideal` is an ideal (noise-free) run of the file on Aer, `exact` the Lindblad value.",
        "",
        "| file | protocol | parameters | charging | 2q gates | depth | qubits (system) | ergotropy ideal / exact "
        "| energy ideal / exact | l1 coherence ideal / exact | trace distance |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in _rounded(entries):
        p = e["parameters"]
        if e["protocol"] == "collective":
            what = f"N = {p['n']}, beta = {p['beta']:g}, init {p['initial_state']}, steady state"
        else:
            what = f"tau = {p['tau']:g}, K = {p['cycles']}, discharge {p['discharge']}"
        ideal, exact = e["circuit_ideal"], e["exact"]
        lines.append(
            f"| `{e['file']}` | {e['protocol']} | {what} | {e['charging']['implementation']} | {e['two_qubit_gates']} "
            f"| {e['depth']} | {len(e['physical_qubits'])} ({', '.join(map(str, e['system_qubits']))}) "
            f"| {ideal['ergotropy']:.6g} / {exact['ergotropy']:.6g} | {ideal['energy']:.6g} / {exact['energy']:.6g} "
            f"| {ideal['coherence_l1']:.6g} / {exact['coherence_l1']:.6g} | {e['trace_distance']:.3g} |"
        )
    return "\n".join(lines) + "\n"
