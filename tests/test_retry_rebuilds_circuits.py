"""``qbexp fetch DIR --retry-failed`` rebuilds a corrupt ``circuits.qpy`` across the two stacks.

A run made on one stack (Qiskit 1.3 with qiskit-dynamics, or Qiskit 2) loses a circuit's counts,
its job fails and its ``circuits.qpy`` is corrupted; ``fetch --retry-failed`` on the other stack
rebuilds the file from the plan the manifest records (exact state from its own engine), at QPY
version :data:`~qbexp.backends.store.PORTABLE_QPY_VERSION`, resubmits the circuit and keeps
every saved count; the first stack then reads the rebuilt file to retry another circuit.  As in
``tests/test_portability.py``, ``QBEXP_OTHER_STACK`` names the other stack's ``qbexp``;
without it the other side is a separate process of this stack.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from qbexp.backends.store import PORTABLE_QPY_VERSION, RunStore
from qbexp.cli.main import main

from _runfiles import fail_circuit, other_stack

ARGS = ["run", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--measure-work", "--shots", "200",
        "--seed", "4"]


def _saved(run: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (run / "counts").glob("*.json")}


@pytest.mark.parametrize("made_there", [True, False], ids=["made-there", "made-here"])
def test_corrupt_circuits_qpy_rebuilt_on_either_stack(tmp_path, made_there, capsys):
    other = other_stack()
    run = tmp_path / "run"
    if made_there:
        subprocess.run([*other, *ARGS, "--out", str(run), "--json"], check=True, capture_output=True)
    else:
        assert main([*ARGS, "--out", str(run), "--json"]) == 0
    names = json.loads((run / "manifest.json").read_text())["circuit_names"]
    exact = json.loads((run / "results.json").read_text())["exact"]

    fail_circuit(run, "energy_after")
    kept = _saved(run)
    (run / "circuits.qpy").write_bytes(b"QISKIT\x0d" + b"\xff" * 64)
    rebuild = ["fetch", str(run), "--retry-failed", "--wait"]
    if made_there:  # rebuilt here
        assert main(rebuild) == 0
    else:
        subprocess.run([*other, *rebuild], check=True, capture_output=True)
    assert (run / "circuits.qpy").read_bytes()[6] == PORTABLE_QPY_VERSION
    assert [qc.name for qc in RunStore(run).load_circuits()] == names
    assert all(_saved(run)[name] == data for name, data in kept.items())
    assert (run / "counts" / "energy_after.json").exists()

    fail_circuit(run, "tomo_XY")  # the stack that made the run reads the rebuilt file to retry again
    kept = _saved(run)
    retry = ["fetch", str(run), "--retry-failed", "--wait"]
    if made_there:
        subprocess.run([*other, *retry], check=True, capture_output=True)
    else:
        assert main(retry) == 0
    assert all(_saved(run)[name] == data for name, data in kept.items())
    assert set(_saved(run)) == {f"{n}.json" for n in names}
    capsys.readouterr()
    assert main(["analyze", str(run), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["exact"] == pytest.approx(exact, abs=1e-8)
    work = results["estimates"]["work_extracted"]
    assert abs(work["value"] - exact["work_extracted"]) < 5 * work["stderr"] + 0.05
