"""The committed circuits/ catalogue is exactly what ``qbexp circuits export`` writes (issue part 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qiskit import qasm3

from qbexp.circuits.catalogue import CASES
from qbexp.cli.main import main

COMMITTED = Path(__file__).resolve().parents[1] / "circuits"
KEYS = {"ergotropy", "energy", "coherence_l1"}


@pytest.fixture(scope="module")
def index():
    return json.loads((COMMITTED / "index.json").read_text())


def test_export_reproduces_the_committed_catalogue(tmp_path, capsys):
    assert main(["circuits", "export", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in COMMITTED.iterdir())
    assert len(capsys.readouterr().out.splitlines()) == len(written)
    for name in written:
        assert (tmp_path / name).read_text() == (COMMITTED / name).read_text(), f"circuits/{name} is out of date"


def test_index_describes_every_file(index):
    assert [e["file"] for e in index] == [f"{c.name}.qasm" for c in CASES]
    for entry in index:
        assert set(entry["circuit_ideal"]) == KEYS and set(entry["exact"]) == KEYS
        assert entry["trace_distance"] <= entry["charging"]["tolerance"]
        assert sorted(entry["system_qubits"] + entry["ancilla_qubits"]) == entry["physical_qubits"]
        assert entry["protocol"] in ("collective", "engine")
    assert {e["parameters"]["initial_state"] for e in index if e["protocol"] == "engine"}  # stated


def test_every_file_loads_back_with_qiskit_qasm3(index):
    for entry in index:
        circuit = qasm3.loads((COMMITTED / entry["file"]).read_text())
        ops = circuit.count_ops()
        assert "measure" not in ops and ops["reset"] > 0
        used = sorted({circuit.find_bit(q).index for inst in circuit.data for q in inst.qubits})
        assert set(used) <= set(entry["physical_qubits"])
        assert sum(1 for inst in circuit.data if inst.operation.num_qubits == 2) == entry["two_qubit_gates"]
