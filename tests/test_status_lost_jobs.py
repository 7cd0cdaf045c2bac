"""A simulator's jobs end with the process that ran them: ``qbexp status`` says so once that
process is gone (it showed a killed run's Aer jobs as pending, with "qbexp fetch DIR", which
could only mark them failed), and keeps "pending" where it cannot tell."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

import qbexp
from qbexp.backends.process import has_ended, this_process
from qbexp.backends.store import RunStore
from qbexp.backends.submit import run_status
from qbexp.cli.main import main

EXP = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")  # 3 tomography circuits, one job


def _killed_while_simulating(out) -> None:
    """``qbexp.run`` in another process whose Aer job never ends, killed once the job is recorded."""
    script = (
        "import time\n"
        "import qbexp\n"
        "from qbexp.backends import aer\n"
        "aer.simulate = lambda *args, **kwargs: time.sleep(600)\n"
        f"qbexp.run(qbexp.CollectiveCharging(n=1, beta=1.0, charging='kraus'), shots=64, seed=1, out={str(out)!r},"
        " progress=False, resamples=39)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not any(json.loads(p.read_text()).get("job_id") for p in (out / "jobs").glob("aer-*.json")
                      if (out / "jobs").is_dir()):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the job record never appeared"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_killed_runs_jobs_are_lost_and_fetched_again(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    _killed_while_simulating(out)
    summary = run_status(RunStore(out))
    assert summary["totals"] == {"lost": 3}
    (job,) = summary["jobs"]
    assert job["status"] == "LOST" and "ended with the process that ran it" in job["error"]
    assert main(["status", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "3 circuit(s) lost" in shown and f"qbexp fetch {out} --retry-failed" in shown and "pending" not in shown
    (record,) = RunStore(out).job_records()
    assert record["status"] in ("QUEUED", "RUNNING")  # the file says what the process last knew: unchanged
    monkeypatch.chdir(tmp_path)
    assert main(["fetch", str(out), "--retry-failed", "--quiet"]) == 0
    assert run_status(RunStore(out))["totals"] == {"saved": 3}
    assert qbexp.analyze(out).estimates


def test_a_live_or_unknown_process_keeps_its_jobs_pending(tmp_path):
    """This process's own jobs, another host's, a run recorded before processes were (no field) and a
    garbled field are pending; a pid now held by a later process (start time differs) is lost."""
    out = tmp_path / "run"
    _killed_while_simulating(out)
    store = RunStore(out)
    (record,) = store.job_records()
    me = this_process()
    cases = {
        "this process": me,
        "another host": {**record["process"], "host": socket.gethostname() + "-elsewhere"},
        "garbled": "pid 12",
        "no field": None,
    }
    for case, process in cases.items():
        changed = {k: v for k, v in record.items() if k != "process"}
        if process is not None:
            changed["process"] = process
        store.save_job_record(changed)
        assert run_status(RunStore(out))["totals"] == {"pending": 3}, case
    if me["started"] is not None:  # Linux: a reused pid is told apart by its start time
        assert has_ended({**me, "started": me["started"] - 1}) and not has_ended(me)
    assert has_ended(record["process"])


def test_a_finished_run_of_an_ended_process_is_not_lost(tmp_path, capsys):
    """Every circuit saved: the job is DONE, whatever became of its process (every finished
    simulator run showed LOST once its process had exited; review of 2026-12-07)."""
    out = tmp_path / "run"
    qbexp.run(EXP, shots=64, seed=1, out=out, progress=False, resamples=39)
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    store = RunStore(out)
    (record,) = store.job_records()
    assert record["process"]["pid"] == os.getpid()
    store.save_job_record({**record, "process": {**record["process"], "pid": int(ended.stdout)}})
    assert has_ended(RunStore(out).job_records()[0]["process"])
    summary = run_status(RunStore(out))
    assert summary["totals"] == {"saved": 3}
    assert [(j["status"], j["error"]) for j in summary["jobs"]] == [("DONE", None)]


def test_a_pid_held_by_another_users_process_is_told_by_its_start_time(monkeypatch):
    """os.kill(pid, 0) is refused (PermissionError) for another user's process: its start time
    decides (it was taken as the job's own, still running)."""
    from qbexp.backends import process

    def refused(pid, signal):
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(os, "kill", refused)
    monkeypatch.setattr(process, "_start_time", lambda pid: 1000)  # /proc's answer (here or not)
    me = this_process()
    assert has_ended({**me, "started": 999}) and not has_ended(me)


@pytest.mark.parametrize("process", [None, {}, {"host": socket.gethostname(), "pid": True},
                                     {"host": socket.gethostname(), "pid": -1}, {"host": 3, "pid": 1}])
def test_a_malformed_process_record_is_not_taken_as_ended(process):
    assert not has_ended(process)
