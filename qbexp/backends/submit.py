"""Submission that loses nothing: job records first, counts as soon as known, never twice.

For each job, in this order:

1. ``jobs/submitting-TAG.json`` is written (names, shots, backend) before the backend hears
   of the job; the executor submits it with the random TAG.
2. As soon as the executor returns the job id, ``jobs/JOBID.json`` replaces it.  A process
   that died in between left the first file: the next run asks the backend for the job
   with that TAG and, if it exists, carries on with it; if not, the circuits are reported
   "unconfirmed" and are resubmitted only on request (they may have reached the backend).
3. Counts are written, atomically and once, as each job's results become available.

A circuit is submitted only if it has no counts and no job record (or, with
``retry_failed``, if its latest job failed, was cancelled or is unconfirmed).  Everything
runs under the run directory's lock, so two processes never submit the same circuit.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from datetime import datetime, timezone

from qbexp.backends.executors import FINAL, LOST, STATUSES
from qbexp.backends.process import has_ended, this_process
from qbexp.backends.records import identity_digest
from qbexp.circuits.folding import fold_two_qubit_gates
from qbexp.circuits.measure import result_clbits
from qbexp.errors import QbexpError
from qbexp.progress import status_stream

#: circuit names become file names
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.,=+-]*")
ACTIVE = ("QUEUED", "RUNNING", "DONE")
UNCONFIRMED = ("SUBMITTING", "ABANDONED")
FAILED = ("ERROR", "CANCELLED", *UNCONFIRMED)


def run_durably(store, named_circuits: dict, executor, shots: int, retry_failed: bool = False,
                wait: bool = True, timeout: float | None = None, progress: bool = True) -> dict:
    """Run the circuits that still need it, wait for results and save them; counts by name.

    Circuits with counts are skipped; circuits with a pending job are not resubmitted, their
    job is polled instead.  ``wait=False`` returns right after submission (for remote
    backends; simulator jobs end with the process).  ``timeout`` bounds the wait in seconds.
    The result holds only the circuits whose counts are saved: compare its length with
    ``named_circuits`` and see :func:`run_status` for the rest.
    """
    check_circuits(named_circuits, shots)
    with store.lock():
        store.check_counts()  # an unreadable or corrupt counts file: said before anything is submitted
        records = _recover(store, executor)
        if retry_failed:  # jobs that ended (or were lost) since count as failed now: resubmitted in this call
            _collect(store, executor, set(named_circuits), False, None, False)
            records = store.job_records()
        latest = _latest(records)
        todo = {}
        for name, circuit in named_circuits.items():
            record = latest.get(name)
            if store.has_counts(name):
                continue
            if record is not None and record["shots"] != shots:
                raise QbexpError(f"circuit {name!r} was submitted with {record['shots']} shots "
                                 f"({_job_label(record)}), not {shots}; use a new run directory")
            if record is None or (retry_failed and record["status"] in FAILED):
                todo[name] = circuit
        _submit_all(store, executor, todo, shots, records, progress)
        if wait:
            _collect(store, executor, set(named_circuits), True, timeout, progress)
    return store.load_counts([name for name in named_circuits if store.has_counts(name)])


def fetch_pending(store, executor, retry_failed: bool = False, wait: bool = False,
                  timeout: float | None = None, progress: bool = True) -> dict:
    """Save whatever results the backend has for the run's jobs; :func:`run_status` after.

    ``retry_failed`` resubmits failed, cancelled and unconfirmed circuits, read back from
    ``circuits.qpy`` in the order of ``manifest["circuit_names"]``.  A simulator's jobs are
    always waited for (``executor.jobs_end_with_process``): they end with this process, and a
    later ``fetch`` could only find them lost.
    """
    wait = wait or executor.jobs_end_with_process
    with store.lock():
        store.check_counts()  # a corrupt counts file would never be fetched again: say so first
        _recover(store, executor)
        if retry_failed:
            _collect(store, executor, None, False, None, False)  # jobs that ended since count as failed now
            latest = _latest(store.job_records())
            failed = [n for n, r in latest.items() if r["status"] in FAILED and not store.has_counts(n)]
            if failed:
                circuits = _stored_circuits(store)
                by_shots: dict[int, dict] = {}
                for name in failed:
                    by_shots.setdefault(latest[name]["shots"], {})[name] = circuits[name]
                for shots, named in by_shots.items():
                    _submit_all(store, executor, named, shots, store.job_records(), progress)
        _collect(store, executor, None, wait, timeout, progress)
    return run_status(store)


def run_status(store) -> dict:
    """Per-job and per-circuit state of a run directory, from its files only (no backend call).

    Circuit states: ``saved``, ``pending`` (job queued, running, or done but results not yet
    saved), ``lost`` (a simulator's job whose process ended before saving its results:
    :mod:`qbexp.backends.process`), ``failed`` (job error or cancelled), ``unconfirmed`` (the
    process died while submitting and the backend knows no such job) and ``not submitted``.
    """
    manifest = store.manifest()
    records = store.job_records()
    came_from = store.check_counts()  # a corrupt counts file is not "saved"; the job of each that is
    latest = _latest(records)
    counted = store.counted()
    lost = [r for r in records if r["status"] in ACTIVE and any(n not in counted for n in r["names"])
            and has_ended(r.get("process"))]  # a finished job's results are all saved: not lost
    names = list(manifest.get("circuit_names", []))
    names += sorted((set(latest) | counted) - set(names))
    circuits = {}
    for name in names:
        record = latest.get(name)
        if name in counted:
            state = "saved"
        elif record is None:
            state = "not submitted"
        elif any(record is r for r in lost):
            state = "lost"
        elif record["status"] in ACTIVE:
            state = "pending"
        elif record["status"] in UNCONFIRMED:
            state = "unconfirmed"
        else:
            state = "failed"
        error = LOST if state == "lost" else record.get("error") if record and state != "saved" else None
        circuits[name] = {"state": state, "job": _job_label(record) if record else None, "error": error}
    jobs = [{
        "job": _job_label(r), "backend": r["backend"], "shots": r["shots"], "circuits": len(r["names"]),
        # a retried circuit's counts are the retry's, not the cancelled job's
        "saved": sum(n in counted and came_from.get(n) in (None, r.get("job_id")) for n in r["names"]),
        "submitted_at": r.get("submitted_at"),
        **({"status": "LOST", "error": LOST} if any(r is k for k in lost)
           else {"status": r["status"], "error": r.get("error")}),
    } for r in records]
    totals = Counter(c["state"] for c in circuits.values())
    return {"dir": str(store.dir), "totals": dict(totals), "jobs": jobs, "circuits": circuits}


def check_circuits(named_circuits: dict, shots: int) -> None:
    """One-line errors for names that cannot be file names, circuits without measurements, bad shots."""
    if not isinstance(shots, int) or isinstance(shots, bool) or shots < 1:
        raise QbexpError(f"shots = {shots!r}; it must be an integer >= 1")
    if not isinstance(named_circuits, dict) or not named_circuits:
        raise QbexpError("no circuits to run: expected a non-empty dict of name -> QuantumCircuit")
    for name, circuit in named_circuits.items():
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise QbexpError(f"circuit name {name!r} is not valid; use letters, digits and _ . , = + - "
                             "(starting with a letter or digit)")
        if getattr(circuit, "num_clbits", 0) < 1:
            raise QbexpError(f"circuit {name!r} measures nothing; add measurements to classical bits")


def measured_qubits(circuit) -> list[int | None]:
    """For each classical bit of the result (:func:`qbexp.circuits.measure.result_clbits`), the
    (physical, once transpiled) qubit last measured into it."""
    out: list[int | None] = [None] * circuit.num_clbits
    for inst in circuit.data:
        if inst.operation.name == "measure":
            out[circuit.find_bit(inst.clbits[0]).index] = circuit.find_bit(inst.qubits[0]).index
    return [out[i] for i in result_clbits(circuit)]


# -- internals ---------------------------------------------------------------------------
def _layout(circuit) -> list[int] | None:
    """The physical qubit of each of the circuit's own qubits (None: not transpiled onto a device)."""
    layout = getattr(circuit, "layout", None)
    if layout is None:
        return None
    return [int(q) for q in layout.initial_index_layout(filter_ancillas=True)]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _job_label(record: dict) -> str:
    return record.get("job_id") or f"submitting-{record['tag']}"


def _latest(records: list[dict]) -> dict[str, dict]:
    """The newest job record of each circuit (records are sorted by submission)."""
    latest = {}
    for record in records:
        for name in record["names"]:
            latest[name] = record
    return latest


def _recover(store, executor) -> list[dict]:
    """Job records, after asking the backend for the jobs of interrupted submissions."""
    records = store.job_records()
    known_tags = {r["tag"] for r in records if r.get("job_id")}
    out = []
    for record in records:
        if record.get("job_id") is None and record["tag"] in known_tags:
            store.remove_job_record(record)  # superseded: died after writing JOBID.json
            continue
        if record["status"] == "SUBMITTING":
            job_id = executor.find_job(record["tag"])
            if job_id is not None:
                record = _promote(store, record, job_id)
            elif not record.get("error"):
                record["error"] = ("submission interrupted and the backend knows no job tagged "
                                   f"{record['tag']}; resubmit with --retry-failed")
                record["updated_at"] = _now()
                store.save_job_record(record)
        out.append(record)
    return out


def _promote(store, intent: dict, job_id: str) -> dict:
    record = {**intent, "job_id": job_id, "status": "QUEUED", "error": None,
              "submitted_at": intent.get("submitted_at") or _now(), "updated_at": _now()}
    store.save_job_record(record)
    store.remove_job_record(intent)
    return record


def _submit_all(store, executor, named: dict, shots: int, records: list[dict], progress: bool) -> None:
    if not named:
        return
    for record in records:  # resubmitting: interrupted submissions of these circuits are given up
        if record["status"] == "SUBMITTING" and set(record["names"]) & set(named):
            record.update(status="ABANDONED", updated_at=_now())
            store.save_job_record(record)
    names = list(named)
    earlier = _submitted_before(store, names)
    fresh = [n for n in names if n not in earlier]
    prepared = dict(zip(fresh, executor.prepare([named[n] for n in fresh]))) if fresh else {}
    for name, qc in prepared.items():  # zero-noise extrapolation: fold after transpiling (qbexp.circuits.folding)
        if (qc.metadata or {}).get("fold", 1) != 1:
            prepared[name] = fold_two_qubit_gates(qc, int(qc.metadata["fold"]))
    prepared = {n: earlier[n] if n in earlier else prepared[n] for n in names}
    seq = max((r.get("seq", 0) for r in store.job_records()), default=0)
    store.save_transpiled(prepared, seq + 1)
    size = executor.max_circuits_per_job or len(names)
    for start in range(0, len(names), size):
        seq += 1
        _submit_one(store, executor, {n: prepared[n] for n in names[start:start + size]}, shots, seq, progress)


def _submitted_before(store, names: list) -> dict:
    """The circuits among ``names`` as the run submitted them before (``transpiled*.qpy``),
    resubmitted as they are: transpiled again, by another Qiskit (the run moved between the
    two stacks: FakeFez's qubits [102, 96, 103] on Qiskit 2.6, [106, 97, 107] on 1.3) or as a
    subset of the run (the layout is chosen for the widest circuit), they landed on other qubits
    than the counts already saved, so the readout calibration no longer covered every qubit read
    (the analysis refused the run for good) and zero-noise extrapolation mixed qubits silently.
    None where those files do not load (they are then transpiled again, as before)."""
    try:
        saved = store.load_transpiled()
    except QbexpError:
        return {}
    return {n: saved[n] for n in names if n in saved}


def _submit_one(store, executor, prepared: dict, shots: int, seq: int, progress: bool) -> None:
    record = {
        "tag": uuid.uuid4().hex, "seq": seq, "job_id": None, "status": "SUBMITTING",
        "names": list(prepared), "shots": shots, "backend": executor.profile.name,
        "created_at": _now(), "submitted_at": None, "updated_at": _now(), "error": None,
        "measured_qubits": {name: measured_qubits(qc) for name, qc in prepared.items()},
        "layout": {name: _layout(qc) for name, qc in prepared.items()},
        "run": identity_digest(store.manifest()["identity"]),  # whose job it is (store.identity_digest)
    }
    if executor.jobs_end_with_process:  # qbexp status can then tell the job lost with it
        record["process"] = this_process()
    store.save_job_record(record)
    try:
        job_id = executor.submit(prepared, shots, record["tag"])
    except Exception as err:
        text = executor.redact(str(err))  # a backend object's error may quote a token
        record.update(error=f"submission failed: {_one_line(text)}", updated_at=_now())
        store.save_job_record(record)
        if text != str(err):  # raised again without the credential it quoted
            raise QbexpError(f"submitting to {executor.profile.name} failed: {type(err).__name__}: {text}") from None
        raise
    _promote(store, record, job_id)
    if progress:
        print(f"qbexp: submitted job {job_id} ({len(prepared)} circuits, {shots} shots) to "
              f"{executor.profile.name}", file=status_stream())


def _collect(store, executor, wanted: set | None, wait: bool, timeout: float | None, progress: bool) -> None:
    """Poll the unfinished jobs (of ``wanted`` circuits, or all) and save counts as they come."""
    from tqdm import tqdm

    def open_names(record):
        return [n for n in record["names"] if not store.has_counts(n) and (wanted is None or n in wanted)]

    pending = {r["job_id"]: r for r in store.job_records()
               if r.get("job_id") and r["status"] in ACTIVE and open_names(r)}
    if not pending:
        return
    todo = sum(len(open_names(r)) for r in pending.values())
    deadline = None if timeout is None else time.monotonic() + timeout
    with tqdm(total=todo, desc="counts saved", unit="circuit", disable=not progress, file=status_stream()) as bar:
        while True:
            for job_id, record in list(pending.items()):
                status = executor.poll(job_id)
                if status not in STATUSES:
                    raise QbexpError(f"backend {executor.profile.name} reported status {status!r} for job {job_id}; "
                                     f"expected one of {', '.join(STATUSES)}")
                if status in FINAL:
                    saved = _settle(store, executor, record, status)
                    bar.update(sum(wanted is None or n in wanted for n in saved))
                    del pending[job_id]
                elif status != record["status"]:
                    _update(store, record, status=status)
            expired = deadline is not None and time.monotonic() >= deadline
            if not pending or not wait or expired:
                return
            time.sleep(executor.poll_interval)


def _settle(store, executor, record: dict, status: str) -> list[str]:
    """Save the counts of a finished job and record how it ended; the names saved."""
    job_id = record["job_id"]
    results = executor.fetch(job_id, record["names"])
    saved = []
    for name in record["names"]:
        counts = results.get(name)
        if store.has_counts(name) or not counts or sum(counts.values()) < 1:
            continue
        meta = {"job_id": job_id, "backend": record["backend"]}
        if sum(counts.values()) != record["shots"]:
            meta["requested_shots"] = record["shots"]
        store.save_counts(name, counts, sum(counts.values()), **meta)
        saved.append(name)
    missing = [n for n in record["names"] if not store.has_counts(n)]
    if status != "DONE":
        error = _one_line(executor.redact(executor.error(job_id) or ""))  # recorded and printed: no credentials
    elif missing:
        error = f"results hold no counts for {len(missing)} circuit(s); qbexp fetch asks again"
    else:
        error = None
    _update(store, record, status=status, error=error)
    return saved


def _one_line(text: str) -> str:
    """A job's error as one line of the status table and of messages (Dask's deserialisation
    error spans two)."""
    return " ".join(text.split())


def _update(store, record: dict, **changes) -> None:
    record.update(changes, updated_at=_now())
    store.save_job_record(record)


def _stored_circuits(store) -> dict:
    names = store.manifest().get("circuit_names")
    circuits = store.load_circuits()
    if not isinstance(names, list) or len(names) != len(circuits):
        raise QbexpError(f"{store.dir}: manifest circuit_names does not match circuits.qpy; cannot resubmit")
    return dict(zip(names, circuits))
