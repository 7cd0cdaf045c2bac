"""Durable submission: faults injected through a fake backend whose jobs outlive the process.

``FakeCloud`` keeps its jobs in a JSON file, as a remote service keeps them on its servers;
a new ``FakeExecutor`` on the same file is a new process reconnecting.  Every test checks
the two promises: no counts are lost and no circuit runs twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from qiskit import QuantumCircuit

from qbexp.backends.executors import Executor
from qbexp.backends.profiles import Profile
from qbexp.backends.store import RunStore
from qbexp.files import atomic_write_text
from qbexp.backends.submit import fetch_pending, run_durably, run_status
from qbexp.cli.main import main
from qbexp.errors import QbexpError

SHOTS = 100


class Killed(BaseException):
    """The process dies here: nothing after this line runs, no ``except Exception`` sees it."""


class FakeCloud:
    """A remote service's job table in a file; fates: ok, fail, cancel, hang, partial."""

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            self._write({"jobs": {}, "runs": {}, "next": 0})

    def _read(self) -> dict:
        return json.loads(self.path.read_text())

    def _write(self, data: dict) -> None:
        atomic_write_text(self.path, json.dumps(data))  # a killed client never corrupts the service

    def accept(self, names, shots, tag, fate) -> str:
        data = self._read()
        data["next"] += 1
        job_id = f"fake-{data['next']}"
        data["jobs"][job_id] = {"names": list(names), "shots": shots, "tag": tag, "fate": fate, "polls": 0,
                                "fetches": 0}
        for name in names:
            data["runs"][name] = data["runs"].get(name, 0) + 1
        self._write(data)
        return job_id

    def job(self, job_id) -> dict:
        return self._read()["jobs"][job_id]

    def update(self, job_id, **changes) -> None:
        data = self._read()
        data["jobs"][job_id].update(changes)
        self._write(data)

    def release(self) -> None:
        """Hanging jobs finish."""
        for job_id, job in self._read()["jobs"].items():
            if job["fate"] == "hang":
                self.update(job_id, fate="ok")

    @property
    def runs(self) -> dict:
        return self._read()["runs"]

    @property
    def jobs(self) -> dict:
        return self._read()["jobs"]


class FakeExecutor(Executor):
    """The executor interface over a FakeCloud, with faults at chosen points."""

    poll_interval = 0.001

    def __init__(self, cloud: FakeCloud, fate="ok", crash=None, max_circuits_per_job=None):
        super().__init__(Profile("fake", "aer", {}), seed=1)
        self.cloud, self.fate, self.crash = cloud, fate, crash
        self.max_circuits_per_job = max_circuits_per_job

    def prepare(self, circuits):
        return list(circuits)

    def submit(self, named_circuits, shots, tag):
        if self.crash == "submit-before-accept":
            raise Killed
        job_id = self.cloud.accept(named_circuits, shots, tag, self.fate)
        if self.crash == "submit-after-accept":
            raise Killed
        return job_id

    def poll(self, job_id):
        if self.crash == "after-submit":
            raise Killed
        job = self.cloud.job(job_id)
        self.cloud.update(job_id, polls=job["polls"] + 1)
        if job["fate"] == "hang":
            return "RUNNING"
        if job["polls"] == 0:
            return "QUEUED"
        return {"fail": "ERROR", "cancel": "CANCELLED"}.get(job["fate"], "DONE")

    def fetch(self, job_id, names):
        job = self.cloud.job(job_id)
        self.cloud.update(job_id, fetches=job["fetches"] + 1)
        if job["fate"] in ("fail", "cancel", "hang"):
            return {}
        ready = names[: len(names) // 2] if job["fate"] == "partial" and job["fetches"] == 0 else names
        return {name: fake_counts(name, job["shots"]) for name in ready}

    def error(self, job_id):
        return {"fail": "device calibration failed", "cancel": "cancelled by user"}.get(self.cloud.job(job_id)["fate"], "")

    def find_job(self, tag):
        return next((jid for jid, job in self.cloud.jobs.items() if job["tag"] == tag), None)


def fake_counts(name: str, shots: int) -> dict:
    ones = sum(map(ord, name)) % shots
    return {"0": shots - ones, "1": ones}


def circuits(n: int) -> dict:
    out = {}
    for i in range(n):
        qc = QuantumCircuit(1, 1)
        qc.measure(0, 0)
        out[f"c{i}"] = qc
    return out


def new_store(directory: Path, names=None) -> RunStore:
    names = list(circuits(4)) if names is None else names
    return RunStore(directory).open_for({"identity": "test", "command": "test", "circuit_names": names})


def counts_files(store: RunStore) -> dict:
    return {p.name: p.read_bytes() for p in sorted((store.dir / "counts").glob("*.json"))}


def assert_ran_once(cloud: FakeCloud, names) -> None:
    assert {n: cloud.runs.get(n) for n in names} == {n: 1 for n in names}


@pytest.fixture
def setup(tmp_path):
    cloud = FakeCloud(tmp_path / "cloud.json")
    store = new_store(tmp_path / "run")
    return cloud, store


def test_run_saves_all_and_rerun_submits_nothing(setup, capsys):
    cloud, store = setup
    named = circuits(4)
    out = run_durably(store, named, FakeExecutor(cloud, max_circuits_per_job=3), SHOTS)
    assert out == {n: fake_counts(n, SHOTS) for n in named}
    assert len(cloud.jobs) == 2 and "submitted job fake-1 (3 circuits" in capsys.readouterr().err
    record = json.loads((store.dir / "jobs" / "fake-1.json").read_text())
    assert (record["status"], record["names"], record["shots"], record["backend"]) == ("DONE", ["c0", "c1", "c2"], SHOTS, "fake")
    assert record["submitted_at"] and record["error"] is None and record["measured_qubits"]["c0"] == [0]
    before = counts_files(store)
    assert run_durably(store, named, FakeExecutor(cloud), SHOTS, progress=False) == out
    assert_ran_once(cloud, named)
    assert counts_files(store) == before
    assert run_status(store)["totals"] == {"saved": 4}


def test_failed_job_is_recorded_and_resubmitted_only_on_request(setup):
    cloud, store = setup
    named = circuits(4)
    run_durably(store, dict(list(named.items())[:2]), FakeExecutor(cloud), SHOTS, progress=False)
    out = run_durably(store, named, FakeExecutor(cloud, fate="fail"), SHOTS, progress=False)
    assert set(out) == {"c0", "c1"}
    failed = cloud.jobs["fake-2"]
    assert failed["names"] == ["c2", "c3"]
    record = json.loads((store.dir / "jobs" / "fake-2.json").read_text())
    assert (record["status"], record["error"]) == ("ERROR", "device calibration failed")
    status = run_status(store)
    assert status["totals"] == {"saved": 2, "failed": 2}
    assert status["circuits"]["c2"] == {"state": "failed", "job": "fake-2", "error": "device calibration failed"}

    assert set(run_durably(store, named, FakeExecutor(cloud), SHOTS, progress=False)) == {"c0", "c1"}
    assert_ran_once(cloud, named)  # the same command again resubmits nothing

    out = run_durably(store, named, FakeExecutor(cloud), SHOTS, retry_failed=True, progress=False)
    assert out == {n: fake_counts(n, SHOTS) for n in named}
    assert cloud.runs == {"c0": 1, "c1": 1, "c2": 2, "c3": 2}
    assert json.loads((store.dir / "counts" / "c2.json").read_text())["job_id"] == "fake-3"


def test_resubmission_sends_the_circuits_as_first_transpiled(setup):
    """--retry-failed resubmits the circuits as the run first transpiled them (transpiled.qpy),
    not transpiled again: another Qiskit (a run moved between the stacks) or the layout chosen
    for a subset put them on other qubits than the counts already saved (readout mitigation
    then refused the run for good; ZNE mixed qubits)."""
    cloud, store = setup

    class Marking(FakeExecutor):
        def __init__(self, cloud, mark, **kwargs):
            super().__init__(cloud, **kwargs)
            self.mark, self.prepared, self.sent = mark, [], {}

        def prepare(self, circuits):
            out = []
            for qc in circuits:
                self.prepared.append(qc.name)
                qc = qc.copy()
                qc.metadata = {**(qc.metadata or {}), "transpiled_by": self.mark}
                out.append(qc)
            return out

        def submit(self, named_circuits, shots, tag):
            self.sent.update({n: qc.metadata.get("transpiled_by") for n, qc in named_circuits.items()})
            return super().submit(named_circuits, shots, tag)

    named = circuits(4)
    for name, qc in named.items():
        qc.name = name
    first = Marking(cloud, "first", fate="fail")
    assert run_durably(store, named, first, SHOTS, progress=False) == {}
    assert first.sent == {n: "first" for n in named}
    again = Marking(cloud, "again")
    out = run_durably(store, named, again, SHOTS, retry_failed=True, progress=False)
    assert set(out) == set(named)
    assert again.prepared == [] and again.sent == {n: "first" for n in named}


def test_a_job_error_of_several_lines_is_recorded_as_one(setup):
    """A Dask worker's deserialisation error spans two lines: the status table broke in two, and a
    submission error may too; both are recorded as one line."""
    cloud, store = setup

    class Wordy(FakeExecutor):
        def error(self, job_id):
            return "RuntimeError: Error during deserialization of the task graph. This frequently\n" \
                   "occurs if the Scheduler and Client have different environments."

    run_durably(store, circuits(2), Wordy(cloud, fate="fail"), SHOTS, progress=False)
    assert run_status(store)["jobs"][0]["error"] == ("RuntimeError: Error during deserialization of the task graph. "
                                                     "This frequently occurs if the Scheduler and Client have "
                                                     "different environments.")

    class Refusing(FakeExecutor):
        def submit(self, named_circuits, shots, tag):
            raise RuntimeError("quota\n\texceeded")

    other = new_store(store.dir.parent / "other")
    with pytest.raises(RuntimeError, match="quota"):
        run_durably(other, circuits(2), Refusing(cloud), SHOTS, progress=False)
    assert run_status(other)["circuits"]["c0"]["error"] == "submission failed: quota exceeded"


def test_cancelled_job_retried_by_fetch_from_stored_circuits(setup):
    cloud, store = setup
    named = circuits(4)
    store.save_circuits(list(named.values()))
    run_durably(store, named, FakeExecutor(cloud, fate="cancel"), SHOTS, progress=False)
    assert run_status(store)["jobs"][0]["error"] == "cancelled by user"
    summary = fetch_pending(store, FakeExecutor(cloud), retry_failed=True, wait=True, progress=False)
    assert summary["totals"] == {"saved": 4}
    assert cloud.runs == {n: 2 for n in named}
    # each job's "saved" counts its own results (the cancelled job showed 4/4, the retry's counts)
    assert [(j["status"], j["saved"], j["circuits"]) for j in summary["jobs"]] == [("CANCELLED", 0, 4), ("DONE", 4, 4)]


def test_job_that_never_finishes_times_out_then_fetch_completes_it(setup):
    cloud, store = setup
    named = circuits(4)
    start = time.monotonic()
    out = run_durably(store, named, FakeExecutor(cloud, fate="hang"), SHOTS, timeout=0.2, progress=False)
    assert out == {} and time.monotonic() - start < 5
    status = run_status(store)
    assert status["totals"] == {"pending": 4} and status["jobs"][0]["status"] == "RUNNING"
    assert fetch_pending(store, FakeExecutor(cloud), progress=False)["totals"] == {"pending": 4}
    cloud.release()
    assert fetch_pending(store, FakeExecutor(cloud), progress=False)["totals"] == {"saved": 4}
    assert_ran_once(cloud, named)


def test_partial_results_are_saved_and_the_rest_fetched_later(setup):
    cloud, store = setup
    named = circuits(4)
    out = run_durably(store, named, FakeExecutor(cloud, fate="partial"), SHOTS, progress=False)
    assert set(out) == {"c0", "c1"}
    status = run_status(store)
    assert status["totals"] == {"saved": 2, "pending": 2}
    assert "qbexp fetch asks again" in status["jobs"][0]["error"]
    before = counts_files(store)
    assert fetch_pending(store, FakeExecutor(cloud), progress=False)["totals"] == {"saved": 4}
    assert all(counts_files(store)[k] == v for k, v in before.items())
    assert_ran_once(cloud, named)


def test_killed_between_submit_and_save(setup):
    cloud, store = setup
    named = circuits(4)
    with pytest.raises(Killed):
        run_durably(store, named, FakeExecutor(cloud, crash="after-submit"), SHOTS, progress=False)
    assert json.loads((store.dir / "jobs" / "fake-1.json").read_text())["status"] == "QUEUED"
    assert not (store.dir / "counts").exists()
    out = run_durably(store, named, FakeExecutor(cloud), SHOTS, progress=False)
    assert out == {n: fake_counts(n, SHOTS) for n in named}
    assert_ran_once(cloud, named)


def test_killed_inside_submit_after_the_service_accepted(setup):
    cloud, store = setup
    named = circuits(4)
    with pytest.raises(Killed):
        run_durably(store, named, FakeExecutor(cloud, crash="submit-after-accept"), SHOTS, progress=False)
    intents = list((store.dir / "jobs").glob("submitting-*.json"))
    assert len(intents) == 1 and json.loads(intents[0].read_text())["names"] == list(named)
    assert run_status(store)["totals"] == {"unconfirmed": 4}
    out = run_durably(store, named, FakeExecutor(cloud), SHOTS, progress=False)  # found again by its tag
    assert set(out) == set(named)
    assert not list((store.dir / "jobs").glob("submitting-*.json"))
    assert_ran_once(cloud, named)


def test_killed_inside_submit_before_the_service_accepted(setup):
    cloud, store = setup
    named = circuits(4)
    with pytest.raises(Killed):
        run_durably(store, named, FakeExecutor(cloud, crash="submit-before-accept"), SHOTS, progress=False)
    assert run_durably(store, named, FakeExecutor(cloud), SHOTS, progress=False) == {}
    status = run_status(store)
    assert status["totals"] == {"unconfirmed": 4} and "--retry-failed" in status["circuits"]["c0"]["error"]
    assert cloud.runs == {}
    out = run_durably(store, named, FakeExecutor(cloud), SHOTS, retry_failed=True, progress=False)
    assert set(out) == set(named)
    assert_ran_once(cloud, named)
    assert run_status(store)["totals"] == {"saved": 4}


def test_submission_error_is_recorded_and_raised(setup):
    cloud, store = setup

    class Refusing(FakeExecutor):
        def submit(self, named_circuits, shots, tag):
            raise RuntimeError("quota exceeded")

    with pytest.raises(RuntimeError, match="quota"):
        run_durably(store, circuits(2), Refusing(cloud), SHOTS, progress=False)
    assert run_status(store)["circuits"]["c0"]["error"] == "submission failed: quota exceeded"


def test_process_killed_with_sigkill_while_waiting(tmp_path):
    cloud = FakeCloud(tmp_path / "cloud.json")
    store = new_store(tmp_path / "run")
    script = tmp_path / "run.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_backends_submit import FakeCloud, FakeExecutor, circuits, SHOTS\n"
        "from qbexp.backends.store import RunStore\n"
        "from qbexp.backends.submit import run_durably\n"
        f"run_durably(RunStore({str(store.dir)!r}), circuits(4),\n"
        f"            FakeExecutor(FakeCloud({str(cloud.path)!r}), fate='hang'), SHOTS, progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, str(script)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (store.dir / "jobs" / "fake-1.json").exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the job record never appeared"
            time.sleep(0.05)
        time.sleep(0.1)  # it is polling now
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert run_status(store)["totals"] == {"pending": 4}
    cloud.release()
    assert fetch_pending(store, FakeExecutor(cloud), progress=False)["totals"] == {"saved": 4}
    assert_ran_once(cloud, circuits(4))


def test_counts_are_never_overwritten(setup):
    cloud, store = setup
    run_durably(store, circuits(1), FakeExecutor(cloud), SHOTS, progress=False)
    with pytest.raises(QbexpError, match="refusing to overwrite"):
        store.save_counts("c0", {"0": SHOTS}, SHOTS)
    assert json.loads((store.dir / "counts" / "c0.json").read_text())["counts"] == fake_counts("c0", SHOTS)


def test_bad_input_and_a_busy_directory_are_one_line_errors(setup):
    cloud, store = setup
    executor = FakeExecutor(cloud)
    with pytest.raises(QbexpError, match="shots = 0"):
        run_durably(store, circuits(1), executor, 0)
    with pytest.raises(QbexpError, match="circuit name '../x' is not valid"):
        run_durably(store, {"../x": circuits(1)["c0"]}, executor, SHOTS)
    with pytest.raises(QbexpError, match="measures nothing"):
        run_durably(store, {"c0": QuantumCircuit(1)}, executor, SHOTS)
    run_durably(store, circuits(2), FakeExecutor(cloud, fate="hang"), SHOTS, wait=False)
    with pytest.raises(QbexpError, match="submitted with 100 shots .*fake-1.*not 200"):
        run_durably(store, circuits(2), executor, 200)
    with store.lock(), pytest.raises(QbexpError, match="in use by another qbexp process"):
        fetch_pending(store, executor)
    assert cloud.runs == {"c0": 1, "c1": 1}


def test_status_and_fetch_commands(setup, capsys, monkeypatch):
    cloud, store = setup
    run_durably(store, circuits(2), FakeExecutor(cloud, fate="partial"), SHOTS, progress=False)
    run_durably(store, {"c2": circuits(3)["c2"]}, FakeExecutor(cloud, fate="fail"), SHOTS, progress=False)
    capsys.readouterr()
    assert main(["status", str(store.dir)]) == 0
    out = capsys.readouterr().out
    assert "4 circuits: 1 saved, 1 pending, 1 failed, 1 not submitted" in out
    assert "fake-2  ERROR       0/1" in out and "error: device calibration failed" in out
    assert f"qbexp fetch {store.dir} --retry-failed" in out
    monkeypatch.setattr("qbexp.cli.fetch.executor_from_manifest", lambda manifest: FakeExecutor(cloud))
    assert main(["fetch", str(store.dir), "--quiet"]) == 1  # incomplete, as the run itself
    captured = capsys.readouterr()
    assert "2 saved, 1 failed, 1 not submitted" in captured.out
    assert captured.err.strip() == f"qbexp: {store.dir} is incomplete: 1 circuit(s) failed, 1 circuit(s) not submitted"
    assert main(["status", str(store.dir / "nowhere")]) == 2
    assert "manifest file" in capsys.readouterr().err
