"""Run identity and manifest integrity: a resume that would mix two runs, counts copied in from
another run, a hand-edited manifest.  Each case ends in one line ``qbexp: error: ...`` naming
the problem (exit 2) and leaves the run folder byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from qbexp.backends.records import identity_digest
from qbexp.cli.main import main

from _runfiles import fail_circuit
import _bad_input
from _bad_input import copy_made, snapshot

made = _bad_input.made  # the fixture: a finished run and sweep to break

RUN = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "64", "--seed", "1"]


# -- fixtures and helpers (as in test_bad_input) ------------------------------------------------
@pytest.fixture
def ctx(made, tmp_path, monkeypatch):
    copy_made(made, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(argv, fragment: str, folder: Path, capsys) -> str:
    """``qbexp ARGV`` ends in one line ``qbexp: error: ...`` holding ``fragment`` (exit 2) and
    leaves ``folder`` as it was; the message."""
    capsys.readouterr()
    before = snapshot(folder)
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and "it/s]" not in line]
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("qbexp: error: "), err
    assert fragment in err, err
    assert snapshot(folder) == before, "a refused command changed the files"
    return err


def edit_manifest(run: Path, edit) -> None:
    path = run / "manifest.json"
    record = json.loads(path.read_text())
    edit(record)
    path.write_text(json.dumps(record))


# -- 1. the initial state's file is part of the run's identity ------------------------------
def test_changed_initial_state_file_is_refused_on_resume(tmp_path, monkeypatch, capsys):
    """--init file:s.npy names the state by its path only: replaced between resumes, the run
    mixed two initial states (exit 0).  Now the file's SHA-256 is in the identity."""
    monkeypatch.chdir(tmp_path)
    np.save("s.npy", np.diag([1.0, 0.0]).astype(complex))
    args = [*RUN, "--init", "file:s.npy", "--out", "run"]
    assert main(args) == 0
    identity = json.loads((tmp_path / "run" / "manifest.json").read_text())["identity"]
    assert identity["init_sha256"] == hashlib.sha256((tmp_path / "s.npy").read_bytes()).hexdigest()
    fail_circuit(tmp_path / "run", "tomo_X")
    good = (tmp_path / "s.npy").read_bytes()
    np.save("s.npy", np.diag([0.0, 1.0]).astype(complex))  # another valid state at the same path
    refused([*args, "--retry-failed"], "the initial state file s.npy changed since the run began", tmp_path / "run",
            capsys)
    (tmp_path / "s.npy").write_bytes(good)  # the run's own file: it resumes
    assert main([*args, "--retry-failed"]) == 0


def test_run_without_the_state_files_digest_still_resumes(tmp_path, monkeypatch, capsys):
    """A run made before the digest was recorded (identity without init_sha256) resumes."""
    monkeypatch.chdir(tmp_path)
    np.save("s.npy", np.diag([1.0, 0.0]).astype(complex))
    args = [*RUN, "--init", "file:s.npy", "--out", "run"]
    assert main(args) == 0
    run = tmp_path / "run"
    edit_manifest(run, lambda record: record["identity"].pop("init_sha256", None))
    identity = json.loads((run / "manifest.json").read_text())["identity"]
    for job in (run / "jobs").glob("*.json"):  # its job records name the run by that identity
        job.write_text(json.dumps({**json.loads(job.read_text()), "run": identity_digest(identity)}))
    fail_circuit(run, "tomo_Y")
    assert main([*args, "--retry-failed"]) == 0
    assert main(["analyze", str(run)]) == 0


def test_changed_initial_state_file_is_refused_by_a_sweep(tmp_path, monkeypatch, capsys):
    """The same for a sweep: every point's identity holds the file's SHA-256."""
    monkeypatch.chdir(tmp_path)
    np.save("s.npy", np.diag([1.0, 0.0]).astype(complex))
    args = [*RUN, "--init", "file:s.npy", "--sweep", "beta=1,2", "--out", "sweep"]
    assert main(args) == 0
    fail_circuit(tmp_path / "sweep" / "beta=2.0", "tomo_X")
    np.save("s.npy", np.diag([0.0, 1.0]).astype(complex))
    refused([*args, "--retry-failed"], "the initial state file s.npy changed", tmp_path / "sweep", capsys)


def test_changed_initial_state_file_is_not_used_to_rebuild_circuits(tmp_path, monkeypatch, capsys):
    """fetch --retry-failed rebuilds a corrupt circuits.qpy from the manifest's plan: not from
    another initial state put in the file's place."""
    monkeypatch.chdir(tmp_path)
    np.save("s.npy", np.diag([1.0, 0.0]).astype(complex))
    assert main([*RUN, "--init", "file:s.npy", "--out", "run"]) == 0
    run = tmp_path / "run"
    fail_circuit(run, "tomo_X")
    (run / "circuits.qpy").write_bytes(b"garbage")
    np.save("s.npy", np.diag([0.0, 1.0]).astype(complex))
    err = refused(["fetch", run, "--retry-failed"], "the initial state file s.npy changed since the run began", run,
                  capsys)
    assert "circuits.qpy is corrupt" in err and "cannot be rebuilt from" in err and "the command that made the run" in err


# -- 2. the backend profile's contents, not its name ----------------------------------------
def test_edited_backend_profile_is_refused_on_resume(tmp_path, monkeypatch, capsys):
    """A profile file edited between resumes (aer -> aer-noisy) mixed two backends in one run."""
    monkeypatch.chdir(tmp_path)
    profile = tmp_path / "d.toml"
    profile.write_text('kind = "aer"\n')
    args = [*RUN[:7], "collision", *RUN[8:], "--backend", "d.toml", "--out", "run"]
    assert main(args) == 0
    fail_circuit(tmp_path / "run", "tomo_X")
    profile.write_text('kind = "aer-noisy"\ndevice = "FakePerth"\n')
    refused([*args, "--retry-failed"], "holds a run made with kind = 'aer'; backend profile", tmp_path / "run",
            capsys)
    profile.write_text('kind = "aer"\ndescription = "the ideal simulator"\n')  # how jobs are sent, not what they compute
    assert main([*args, "--retry-failed"]) == 0


def test_profile_override_is_refused_on_resume(tmp_path, monkeypatch, capsys):
    """--backend aer, then ./backends/aer.toml of another kind: the same name, another backend."""
    monkeypatch.chdir(tmp_path)
    args = [*RUN[:7], "collision", *RUN[8:], "--out", "run"]
    assert main(args) == 0
    fail_circuit(tmp_path / "run", "tomo_Z")
    (tmp_path / "backends").mkdir()
    (tmp_path / "backends" / "aer.toml").write_text('kind = "aer-noisy"\ndevice = "FakePerth"\n')
    err = refused([*args, "--retry-failed"], "now sets kind = 'aer-noisy'", tmp_path / "run", capsys)
    assert "backends/aer.toml" in err


# -- 3. counts copied in from another run ---------------------------------------------------
def test_counts_without_job_id_are_refused(ctx, capsys):
    """A sweep point's counts copied into the run with their job_id deleted were analysed."""
    record = json.loads((ctx / "sweep" / "beta=2.0" / "counts" / "tomo_Z.json").read_text())
    del record["job_id"]
    (ctx / "run" / "counts" / "tomo_Z.json").write_text(json.dumps(record))
    refused(["analyze", ctx / "run"], "tomo_Z.json is corrupt: it names no job (job_id)", ctx, capsys)
    refused(["status", ctx / "run"], "tomo_Z.json is corrupt: it names no job", ctx, capsys)


def test_resuming_a_run_whose_identity_has_a_parameter_more(ctx, monkeypatch, capsys):
    """The refusal names the parameter the run's identity has and the command's lacks (a null
    one made the message itself fail: StopIteration; review of 2026-12-07)."""
    import qbexp

    edit_manifest(ctx / "run", lambda m: (m["identity"]["parameters"].update(extra=None),
                                          m["parameters"].update(extra=None)))
    monkeypatch.chdir(ctx)
    with pytest.raises(qbexp.QbexpError) as info:
        qbexp.run(qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus"), shots=64, seed=1, out=ctx / "run",
                  progress=False, resamples=39)
    assert "holds another run: its extra = None, this command's absent (" in str(info.value)


# -- 6, 12, 20. a hand-edited manifest ------------------------------------------------------
@pytest.mark.parametrize("edit, fragment", [
    # 6: was an OverflowError traceback
    (lambda m: m.update(energies=[10**400, 1]), "manifest.json is corrupt: energies = [1000"),
    (lambda m: m.update(energies=[float("inf"), 1.0]), "expected a list of finite numbers"),
    # 12: was blamed on a counts file
    (lambda m: m.update(shots=10**30), "manifest.json is corrupt: shots = 1000000000000000000000000000000; expected an "
                                       "integer from 1 to 10,000,000"),
    (lambda m: (m.update(shots=10**30), m["identity"].update(shots=10**30)), "manifest.json is corrupt: shots ="),
    (lambda m: m.update(shots=32), "manifest.json is corrupt: shots = 32, yet the run's identity records shots 64"),
    (lambda m: m.update(seed=7), "manifest.json is corrupt: seed = 7, yet the run's identity records seed 1"),
    # 20: NaN went into results.json, [] was accepted, edited parameters reported as the run's
    (lambda m: m["parameters"].update(beta=float("nan")), "manifest.json is corrupt: parameters.beta = nan; expected "
                                                          "a finite number"),
    (lambda m: (m["parameters"].update(beta=float("nan")), m["identity"]["parameters"].update(beta=float("nan"))),
     "parameters.beta = nan"),
    (lambda m: m.update(energies=[]), "manifest.json is corrupt: energies lists 0 value(s), yet the battery of "
                                      "num_qubits = 1 has 2"),
    (lambda m: m["parameters"].update(beta=2.0), "manifest.json is corrupt: parameters.beta = 2.0, yet the run's "
                                                 "identity records 1.0"),
    (lambda m: m["parameters"].pop("omega"), "parameters.omega = absent, yet the run's identity records 1.0"),
])
def test_hand_edited_manifest(edit, fragment, ctx, capsys):
    edit_manifest(ctx / "run", edit)
    refused(["analyze", ctx / "run"], fragment, ctx, capsys)


@pytest.mark.parametrize("edit", [
    lambda m: m.update(energies=[10**400, 1]),
    lambda m: m.update(shots=10**30),
    lambda m: m["parameters"].update(beta=float("nan")),
    lambda m: m.update(energies=[]),
])
def test_hand_edited_manifest_on_status_and_fetch(edit, ctx, capsys):
    edit_manifest(ctx / "run", edit)
    refused(["status", ctx / "run"], "manifest.json is corrupt", ctx, capsys)
    refused(["fetch", ctx / "run"], "manifest.json is corrupt", ctx, capsys)
