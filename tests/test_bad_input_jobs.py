"""Job records, unreadable files and resubmission: bad input ends in one line naming the file.

Rows as in ``test_bad_input.py``: ``(setup, argv, exit status, fragment)``, ``{run}`` / ``{sweep}``
a copy of a finished run / sweep; every row with exit 2 leaves the folder byte for byte as found.
Tests run as root, where ``chmod 000`` stops no read: an unreadable file or folder is made by
making its read raise :class:`PermissionError` (as ``chmod 000`` does for anyone else).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qbexp.cli.main import main
import _bad_input
from _bad_input import copy_made, snapshot, subject_to_permissions, sweep_record

made = _bad_input.made  # the fixture: a finished run and sweep to break


@pytest.fixture
def ctx(made, tmp_path, monkeypatch):
    copy_made(made, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _job(run: Path) -> Path:
    return sorted((run / "jobs").glob("*.json"))[0]


def job_record(**changes):
    def setup(root: Path):
        path = _job(root / "run")
        path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))
    return setup


def copy_job(name: str):
    """The run's job record twice: once more in jobs/NAME."""
    def setup(root: Path):
        shutil.copy(_job(root / "run"), root / "run" / "jobs" / name)
    return setup


def names_plus(extra: str):
    """The job record's names with a circuit the manifest does not list."""
    def setup(root: Path):
        path = _job(root / "run")
        record = json.loads(path.read_text())
        record["names"].append(extra)
        path.write_text(json.dumps(record))
    return setup


def _drop_point(record):
    record["points"].pop()


def _drop_point_and_value(record):
    record["points"].pop()
    record["values"].pop()


def _drop_point_everywhere(record):
    for key in ("points", "values"):
        record[key].pop()
    record["identity"]["values"].pop()


def run_cli(ctx, capsys, argv, code, fragment):
    """Run ``argv`` ({x}: a path in ctx); its exit status, one line naming the problem, the
    folder left as found (exit 2); the message."""
    argv = [str(ctx / a[1:-1]) if a.startswith("{") else a for a in argv]
    before = snapshot(ctx)
    got = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and "it/s]" not in line]
    assert got == code, err
    assert fragment in err, err
    assert len(lines) == 1 and lines[0].startswith("qbexp: error: " if code == 2 else "qbexp: "), err
    if code == 2:
        assert snapshot(ctx) == before, "a refused command changed the files"
    return err


CLI = [
    # 5: a circuit the manifest lacks (was: J rewritten DONE -> ERROR, then a KeyError; status "pending", exit 0)
    (names_plus("tomo_Q"), ["status", "{run}"], 2, "is corrupt: it names circuit 'tomo_Q', which manifest.json"),
    (names_plus("tomo_Q"), ["fetch", "{run}", "--retry-failed"], 2, "is corrupt: it names circuit 'tomo_Q'"),
    (names_plus("tomo_Q"), ["fetch", "{run}"], 2, "is corrupt: it names circuit 'tomo_Q'"),
    # 10: job_id null in JOBID.json (was: its counts file blamed, with advice to remove it)
    (job_record(job_id=None), ["status", "{run}"], 2, "is corrupt: it records job submitting-"),
    (job_record(job_id=None), ["fetch", "{run}", "--retry-failed"], 2, "is corrupt: it records job submitting-"),
    (job_record(job_id=None), ["analyze", "{run}"], 2, "is corrupt: it records job submitting-"),
    # 21: one job recorded twice (was: listed twice); absurd shots, a qubit read twice (were accepted)
    (copy_job("copy.json"), ["status", "{run}"], 2, "record the same job aer-"),
    (copy_job("copy.json"), ["fetch", "{run}"], 2, "copy.json record the same job aer-"),
    (job_record(shots=10**30), ["status", "{run}"], 2, "is corrupt: shots = 1000000000000000000000000000000"),
    (job_record(shots=65), ["fetch", "{run}", "--retry-failed"], 2, "shots = 65; the run asks for 64"),
    (job_record(measured_qubits={"tomo_X": [0, 0], "tomo_Y": [0], "tomo_Z": [0]}), ["status", "{run}"], 2,
     "measured_qubits"),
    (job_record(measured_qubits={"tomo_X": [-1], "tomo_Y": [0], "tomo_Z": [0]}), ["analyze", "{run}"], 2,
     "measured_qubits"),
    (job_record(measured_qubits={"tomo_X": [0], "tomo_Y": [0], "tomo_Z": [0], "tomo_W": [0]}), ["status", "{run}"],
     2, "measured_qubits names circuit 'tomo_W', which the job did not run"),
    # 21: sweep.json missing a point or with values that do not match (was: a shorter sweep.csv written)
    (sweep_record(_drop_point), ["analyze", "{sweep}"], 2, "sweep.json is corrupt: values = [1.0, 2.0]"),
    (sweep_record(_drop_point_and_value), ["analyze", "{sweep}"], 2, "sweep.json is corrupt: identity.values"),
    (sweep_record(_drop_point_everywhere), ["analyze", "{sweep}"], 2, "sweep.json is corrupt: identity.points"),
    (sweep_record(lambda r: r.update(values=[1.0, 3.0])), ["analyze", "{sweep}"], 2, "sweep.json is corrupt: values"),
    (sweep_record(_drop_point), ["status", "{sweep}"], 2, "sweep.json is corrupt"),
    (sweep_record(_drop_point), ["fetch", "{sweep}"], 2, "sweep.json is corrupt"),
]


@pytest.mark.parametrize("setup, argv, code, fragment", CLI, ids=[
    f"{k}:{' '.join(row[1][:2])}:{row[3][:30]}" for k, row in enumerate(CLI)])
def test_cli(setup, argv, code, fragment, ctx, capsys):
    setup(ctx)
    err = run_cli(ctx, capsys, argv, code, fragment)
    assert "remove it" not in err  # a bad job record is not the counts files' fault


# -- unreadable files and folders (10) ---------------------------------------------------------------
def deny(monkeypatch, target: Path) -> None:
    """Reading ``target`` (a file or a folder's listing) raises PermissionError, as after chmod 000."""
    def guard(real):
        def read(path, *args, **kwargs):
            if isinstance(path, (str, os.PathLike)) and Path(path) == target:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)
        return read

    for owner, name in ((os, "listdir"), (os, "scandir"), (Path, "read_text"), (Path, "read_bytes"), (np, "load")):
        monkeypatch.setattr(owner, name, guard(getattr(owner, name)))


def _counts_file(root: Path) -> Path:
    return root / "run" / "counts" / "tomo_X.json"


UNREADABLE = [  # (what is unreadable, argv, where the message says it is)
    (lambda r: r / "run" / "counts", ["status", "{run}"], "counts"),
    (lambda r: r / "run" / "counts", ["fetch", "{run}"], "counts"),
    (lambda r: r / "run" / "counts", ["analyze", "{run}"], "counts"),
    (lambda r: r / "run" / "jobs", ["status", "{run}"], "jobs"),
    (lambda r: r / "run" / "jobs", ["fetch", "{run}", "--retry-failed"], "jobs"),
    (_counts_file, ["status", "{run}"], "counts/tomo_X.json"),
    (_counts_file, ["fetch", "{run}"], "counts/tomo_X.json"),
    (_counts_file, ["analyze", "{run}"], "counts/tomo_X.json"),
    (lambda r: r / "run" / "exact.npy", ["analyze", "{run}"], "exact.npy"),
    (lambda r: r / "sweep" / "beta=2.0" / "counts", ["status", "{sweep}"], "beta=2.0/counts"),
]


@pytest.mark.parametrize("target, argv, where", UNREADABLE, ids=[
    f"{k}:{' '.join(row[1][:1])}:{row[2]}" for k, row in enumerate(UNREADABLE)])
def test_unreadable(target, argv, where, ctx, capsys, monkeypatch):
    """'cannot read PATH: permission denied': not "corrupt" with advice to remove it (on Aer that
    loses the counts for good), and an unreadable counts/ is not "9 pending", exit 0."""
    path = target(ctx)
    before = snapshot(ctx)
    deny(monkeypatch, path)
    got = main([str(ctx / a[1:-1]) if a.startswith("{") else a for a in argv])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert got == 2, err
    assert err.strip() == f"qbexp: error: cannot read {path}: permission denied", err
    assert snapshot(ctx) == before


@pytest.mark.skipif(subject_to_permissions() is None, reason="no way to run subject to file permissions")
@pytest.mark.parametrize("rel, command", [("counts", "status"), ("jobs", "status"), ("counts/tomo_X.json", "status"),
                                          ("counts/tomo_X.json", "analyze"), ("exact.npy", "analyze")])
def test_chmod_000(rel, command, ctx):
    """The same, for real: chmod 000, in a process that file permissions apply to."""
    run = ctx / "run"
    before = snapshot(ctx)
    mode = (run / rel).stat().st_mode
    (run / rel).chmod(0)
    try:
        done = subprocess.run([*subject_to_permissions(), sys.executable, "-m", "qbexp.cli.main", command, str(run)],
                              capture_output=True, text=True, timeout=120)
    finally:
        (run / rel).chmod(mode)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"qbexp: error: cannot read {run / rel}: permission denied\n"
    assert snapshot(ctx) == before


# -- resubmission in one call (11) --------------------------------------------------------------------
RUN = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "64", "--seed", "1",
       "--json"]


def lose_jobs(monkeypatch) -> None:
    """The Aer jobs of this process (the fixture's) are gone, as in a new process."""
    from qbexp.backends import aer

    monkeypatch.setattr(aer, "_JOBS", {})


def test_run_retry_failed_resubmits_a_lost_job_in_one_call(ctx, capsys, monkeypatch):
    """The job of a circuit whose counts were lost ended with the process that ran it (Aer): one
    ``qbexp run ... --retry-failed`` finds it lost and resubmits it, as ``qbexp fetch --retry-failed``
    does; the counts saved before stay as they were."""
    lose_jobs(monkeypatch)
    run = ctx / "run"
    (run / "counts" / "tomo_Y.json").unlink()
    kept = {p.name: p.read_bytes() for p in (run / "counts").glob("*.json")}
    assert main([*RUN, "--out", str(run), "--retry-failed"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert (run / "counts" / "tomo_Y.json").exists()
    assert all((run / "counts" / name).read_bytes() == data for name, data in kept.items())
    assert main(["status", str(run)]) == 0
    assert "3 circuits: 3 saved" in capsys.readouterr().out


def test_run_without_retry_failed_leaves_a_lost_job_failed(ctx, capsys, monkeypatch):
    lose_jobs(monkeypatch)
    run = ctx / "run"
    (run / "counts" / "tomo_Y.json").unlink()
    assert main([*RUN, "--out", str(run)]) == 1
    assert "--retry-failed" in capsys.readouterr().err
    assert not (run / "counts" / "tomo_Y.json").exists()
