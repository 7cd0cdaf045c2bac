"""Run directories move between the two stacks (README, "Two installs").

The [dynamics] stack runs Qiskit 1.3, the plain install Qiskit 2; a run made in one must be
fetched, resumed and analysed in the other.  ``circuits.qpy`` is therefore written at QPY
version :data:`PORTABLE_QPY_VERSION`, the newest Qiskit 1.3 reads.  The cross-stack test
drives the other stack's ``qbexp`` command; ``.ci/run`` points ``QBEXP_OTHER_STACK`` at it in
its second leg.  Without it (the first leg, a developer's run) the other side is a separate
process of this stack: the hand-over through the directory alone is still tested.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from qbexp.backends.store import PORTABLE_QPY_VERSION
from qbexp.cli.main import main

from _runfiles import fail_circuit, other_stack

ARGS = ["run", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--shots", "400", "--seed", "3"]


def qpy_version(path: Path) -> int:
    """The format version in a QPY file's header (magic ``QISKIT``, then one version byte)."""
    header = path.read_bytes()[:7]
    assert header[:6] == b"QISKIT"
    return header[6]


def test_circuits_file_is_written_at_the_portable_qpy_version(tmp_path):
    out = tmp_path / "run"
    assert main([*ARGS, "--out", str(out)]) == 0
    assert qpy_version(out / "circuits.qpy") == PORTABLE_QPY_VERSION
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] in ("qiskit-dynamics", "scipy")


#: kraus: circuits.qpy holds a placeholder per Kraus instruction, circuits.channels.npz the sets
CHARGINGS = ["collision", "kraus"]


@pytest.mark.parametrize("charging", CHARGINGS)
def test_run_made_on_the_other_stack_resumes_fetches_and_analyses_here(tmp_path, charging):
    other = other_stack()
    run = tmp_path / "there"
    args = [*ARGS, "--charging", charging]
    subprocess.run([*other, *args, "--out", str(run), "--json"], check=True, capture_output=True)
    assert (run / "circuits.channels.npz").exists() == (charging == "kraus")
    there = json.loads((run / "results.json").read_text())
    fail_circuit(run, "tomo_XY")
    # re-reads circuits.qpy written there; --wait: without it the resubmitted Aer job may still be
    # running when fetch returns (it did on a loaded machine: "tomo_XY pending")
    assert main(["fetch", str(run), "--retry-failed", "--wait", "--timeout", "300"]) == 0
    assert (run / "counts" / "tomo_XY.json").exists()
    assert main([*args, "--out", str(run)]) == 0  # the same command resumes: same run
    assert main(["analyze", str(run), "--json"]) == 0
    here = json.loads((run / "results.json").read_text())
    for name, value in there["exact"].items():  # exact values agree between engines
        assert here["exact"][name] == pytest.approx(value, abs=1e-8), name
    assert abs(here["estimates"]["ergotropy"]["value"] - here["exact"]["ergotropy"]) < \
        4 * here["estimates"]["ergotropy"]["stderr"]


@pytest.mark.parametrize("charging", CHARGINGS)
def test_run_made_here_analyses_on_the_other_stack(tmp_path, charging):
    other = other_stack()
    run = tmp_path / "here"
    assert main([*ARGS, "--charging", charging, "--out", str(run)]) == 0
    here = json.loads((run / "results.json").read_text())
    fail_circuit(run, "tomo_ZZ")
    subprocess.run([*other, "fetch", str(run), "--retry-failed", "--wait", "--timeout", "300"], check=True,
                   capture_output=True)
    done = subprocess.run([*other, "analyze", str(run), "--json"], check=True, capture_output=True, text=True)
    there = json.loads(done.stdout)
    assert there["exact"] == pytest.approx(here["exact"], abs=1e-8)
    assert np.isfinite(there["estimates"]["ergotropy"]["value"])
