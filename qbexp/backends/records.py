"""The records of a run directory, checked as they are read: its manifest, job records and
counts files (JSON) are refused in one line naming the file and the field where they are
missing, unreadable, corrupt, of the wrong shape, or disagree with the run they belong to.
:mod:`qbexp.backends.store` reads and writes them; ``status``, ``fetch`` and ``analyze`` rely on
these checks to call a file corrupt rather than saved.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path

from qbexp.backends.profiles import profile_record_problem
from qbexp.dynamics.engines import ENGINES
from qbexp.errors import QbexpError, shown

#: job ids become file names
JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def read_json(path: Path, what: str) -> dict:
    """The JSON object in ``path``; a missing, unreadable or corrupt file (or valid JSON that is
    not an object) is a one-line :class:`QbexpError` naming it."""
    try:
        found, regular = path.exists(), path.is_file()
    except OSError as err:  # a folder on the way that cannot be searched (chmod 000)
        raise unreadable(path, err) from None
    if not found:
        raise QbexpError(f"{what} file {path} is missing")
    if not regular:
        raise QbexpError(f"{what} file {path} is not a regular file")
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise unreadable(path, err) from None
    except (ValueError, RecursionError) as err:  # bad JSON or encoding, an integer of > 4300 digits, deep nesting
        raise QbexpError(f"{what} file {path} is corrupt ({first_line(err)[:200]})") from None
    if not isinstance(data, dict):
        raise QbexpError(f"{what} file {path} is corrupt (a JSON {type(data).__name__}, not an object)")
    return data


class Unreadable(QbexpError):
    """A file or folder of a run that cannot be read (permissions, I/O): its content may be
    fine, so it is never called corrupt nor is its removal advised (that loses data)."""


def unreadable(path: Path, err: OSError) -> Unreadable:
    """The one-line error for ``path``, which ``err`` kept from being read."""
    why = "permission denied" if isinstance(err, PermissionError) else (err.strerror or str(err))
    return Unreadable(f"cannot read {path}: {why}")


def json_files(folder: Path) -> list[Path]:
    """The ``*.json`` files of ``folder`` (none where it does not exist), sorted; an unreadable
    folder is an error (``Path.glob`` would find nothing in it, and a run would look unsaved)."""
    try:
        return sorted(folder / name for name in os.listdir(folder) if name.endswith(".json"))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as err:
        raise unreadable(folder, err) from None


def first_line(err: Exception) -> str:
    """An exception's message as one short line (Qiskit 2's QPY reader puts a coloured Rust
    backtrace in it): the first line, with the first ``Error: ...`` line of the rest."""
    text = re.sub(r"(\x1b|\\x1b)\[[0-9;]*m", "", str(err)).replace("\\n", "\n").strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":  # a repr of the message
        text = text[1:-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else type(err).__name__
    cause = next((m.group(1) for line in lines[1:] for m in [re.search(r"Error: (.+)", line)] if m), None)
    out = f"{first} {cause}" if cause and cause not in first else first
    return out if len(out) <= 200 else out[:197] + "..."


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _names(value, empty: bool = True) -> bool:
    """A list of circuit names, each a valid file name (no path: ``../x`` would leave the run)."""
    from qbexp.backends.submit import NAME

    return (isinstance(value, list) and (empty or bool(value))
            and all(isinstance(n, str) and NAME.fullmatch(n) is not None for n in value))


#: Battery qubits a run can have: its arrays are dense 2^N x 2^N matrices.
MAX_RUN_QUBITS = 30
#: Most shots per circuit: Aer allocates per shot, hardware providers cap far lower.
MAX_SHOTS = 10_000_000


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite_number(value) -> bool:
    """A number that is neither NaN nor infinite, nor an integer beyond the floats (JSON's 10**400)."""
    try:
        return _is_number(value) and math.isfinite(value)
    except OverflowError:
        return False


def _non_finite(value, where: str):
    """``(key, number)`` of the first number in ``value`` (nested objects and lists) that is not
    :func:`is_finite_number`, named from ``where`` (``parameters.beta``); None where there is none."""
    if isinstance(value, dict):
        items = [(f"{where}.{k}", v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{where}[{k}]", v) for k, v in enumerate(value)]
    else:
        return (where, value) if _is_number(value) and not is_finite_number(value) else None
    return next(filter(None, (_non_finite(v, key) for key, v in items)), None)


#: What a manifest must hold for status, fetch and analyze: key -> (check, what it should be)
MANIFEST_FIELDS = {
    "identity": (lambda v: v is not None, "what identifies the run"),
    "circuit_names": (_names, "a list of circuit names (letters, digits and _ . , = + -)"),
    "num_qubits": (lambda v: _is_int(v) and 1 <= v <= MAX_RUN_QUBITS, f"an integer from 1 to {MAX_RUN_QUBITS}"),
    "kind": (lambda v: isinstance(v, str), "a string"),
    "shots": (lambda v: _is_int(v) and 1 <= v <= MAX_SHOTS, f"an integer from 1 to {MAX_SHOTS:,}"),
    "parameters": (lambda v: isinstance(v, dict), "an object"),
    "energies": (lambda v: isinstance(v, list) and all(is_finite_number(e) for e in v), "a list of finite numbers"),
    "seed": (lambda v: v is None or (_is_int(v) and v >= 0), "an integer >= 0 or null"),
    "backend": (lambda v: isinstance(v, (dict, str)), "a profile (object) or a profile name"),
    "arrays": (lambda v: isinstance(v, dict) and all(isinstance(h, str) for h in v.values()),
               "an object of array name -> SHA-256"),
    "files": (lambda v: isinstance(v, dict) and all(isinstance(h, str) for h in v.values()),
              "an object of file name -> SHA-256"),
    "engine": (lambda v: v in ENGINES, "one of " + ", ".join(ENGINES) + " (what computed the exact values)"),
}
#: States a job record may be in (``backends.submit``)
JOB_STATUSES = ("SUBMITTING", "ABANDONED", "QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED")
#: ... and a job record
JOB_FIELDS = {
    "names": (lambda v: _names(v, empty=False), "a non-empty list of circuit names (letters, digits and _ . , = + -)"),
    "status": (lambda v: v in JOB_STATUSES, "one of " + ", ".join(JOB_STATUSES)),
    "shots": (lambda v: _is_int(v) and 1 <= v <= MAX_SHOTS, f"an integer from 1 to {MAX_SHOTS:,}"),
    "seq": (lambda v: _is_int(v), "an integer"),
    "tag": (lambda v: isinstance(v, str) and JOB_ID.fullmatch(v) is not None, "letters, digits, '.', '_', '-'"),
    "job_id": (lambda v: v is None or (isinstance(v, str) and JOB_ID.fullmatch(v) is not None), "a job id or null"),
    "backend": (lambda v: isinstance(v, str), "a string"),
    "measured_qubits": (lambda v: isinstance(v, dict) and all(_qubit_list(q) for q in v.values()),
                        "an object of name -> list of distinct qubits (integers >= 0)"),
    "layout": (lambda v: isinstance(v, dict), "an object"),
    "error": (lambda v: v is None or isinstance(v, str), "a message or null"),
    "run": (lambda v: isinstance(v, str), "the SHA-256 of the run's identity"),
}


def _qubit_list(value) -> bool:
    """The qubits read into a result's bits: distinct integers >= 0 (null: a bit nothing measured)."""
    qubits = [q for q in value if q is not None] if isinstance(value, list) else None
    return qubits is not None and all(_is_int(q) and q >= 0 for q in qubits) and len(set(qubits)) == len(qubits)


def check_job_records(paths: list[Path], records: list[dict], manifest: dict, manifest_path: Path) -> None:
    """Job records that agree with their files and their run: each job recorded once, in the
    file named after it (``job_id: null`` in JOBID.json made its counts look foreign), for the
    run's circuits (``manifest``'s ``circuit_names``) and shots."""
    seen = {}
    names, shots = manifest.get("circuit_names"), manifest.get("shots")
    # (none listed: a store opened by hand for run_durably, whose circuits are the caller's)
    names = set(names) if isinstance(names, list) and names and all(isinstance(n, str) for n in names) else None
    for path, record in zip(paths, records):
        label = record.get("job_id") or f"submitting-{record['tag']}"
        if label in seen:
            raise QbexpError(f"job record files {seen[label]} and {path} record the same job {label}; "
                             "move the copy aside")
        seen[label] = path
        corrupt = f"job record file {path} is corrupt:"
        if path.stem != label:
            raise QbexpError(f"{corrupt} it records job {label}, not {path.stem} (job_id = {record.get('job_id')!r})")
        if names is not None:
            extra = next((n for n in record["names"] if n not in names), None)
            if extra is not None:
                raise QbexpError(f"{corrupt} it names circuit {extra!r}, which {manifest_path.name} does not list")
        if _is_int(shots) and record["shots"] != shots:
            raise QbexpError(f"{corrupt} shots = {record['shots']!r}; the run asks for {shots} per circuit")
        other = sorted(set(record.get("measured_qubits", {})) - set(record["names"]))
        if other:
            raise QbexpError(f"{corrupt} measured_qubits names circuit {other[0]!r}, which the job did not run")


def identity_digest(identity) -> str:
    """SHA-256 of a run's identity (its manifest's ``identity``): every job record carries it
    (``run``), so that job records and counts copied in from another run are refused, not
    analysed as this run's (job records written before it have none)."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def check_fields(record: dict, fields: dict, path: Path, what: str, optional=()) -> dict:
    """``record`` if every field of ``fields`` is present (or ``optional``) and well formed."""
    for key, (ok, should) in fields.items():
        if key not in record:
            if key in optional:
                continue
            raise QbexpError(f"{what} file {path} is corrupt: it has no {key!r}")
        if not ok(record[key]):
            raise QbexpError(f"{what} file {path} is corrupt: {key} = {shown(record[key])}; expected {should}")
    return record


def check_counts_record(record: dict, path: Path, name: str | None = None, shots: int | None = None,
                        jobs: dict | None = None) -> dict[str, int]:
    """The counts of a counts file, checked: bit strings of one length -> non-negative integers
    adding up to ``shots``.

    Where the run records them, the file must also agree with it: its ``name`` is the circuit's
    (``name``), the shots are the run's (``shots``: a device may return fewer, with
    ``requested_shots``), its job is one of the run's that ran this circuit (``jobs``: job id ->
    job record) and every outcome has one bit per qubit that job measured.
    """
    counts = record.get("counts")
    if not isinstance(counts, dict) or not counts:
        raise QbexpError(f"{path} is corrupt: no valid counts (expected an object of bit string -> count)")
    if name is not None and record.get("name", name) != name:
        raise QbexpError(f"{path} is corrupt: it holds the counts of {record['name']!r}, not of {name!r}")
    job_id, job = record.get("job_id"), None
    if jobs and job_id is None:  # qbexp saves every count with its job's id: these came from elsewhere
        raise QbexpError(f"{path} is corrupt: it names no job (job_id), yet the run's counts come from its jobs "
                         "in jobs/ (counts of another run?)")
    if jobs is not None and job_id is not None:
        job = jobs.get(job_id) if isinstance(job_id, str) else None
        if job is None or name not in job["names"]:
            why = "has no record in jobs/" if job is None else f"did not run {name!r}"
            raise QbexpError(f"{path} is corrupt: it comes from job {job_id!r}, which {why} (counts of another run?)")
    measured = (job or {}).get("measured_qubits", {}).get(name)
    bits = len(measured) if isinstance(measured, list) else len(next(iter(counts)))
    for key, value in counts.items():
        if not key or set(key) - set("01"):
            raise QbexpError(f"{path} is corrupt: outcome {key!r} is not a bit string")
        if len(key) != bits:
            raise QbexpError(f"{path} is corrupt: outcome {key!r} is not a bit string of length {bits} "
                             f"(one bit per measured qubit)")
        if not _is_int(value) or value < 0:
            raise QbexpError(f"{path} is corrupt: outcome {key!r} has count {value!r}; expected an integer >= 0")
    total = record.get("shots")
    if not _is_int(total) or sum(counts.values()) != total:
        raise QbexpError(f"{path} is corrupt: counts add up to {sum(counts.values())}, not {total!r} shots")
    if total < 1:  # a job's results with no shots are never saved (backends.submit)
        raise QbexpError(f"{path} is corrupt: it holds no shots")
    asked = record.get("requested_shots", total)
    if shots is not None and (asked != shots or total > shots):
        held = f"{total} shots" + (f" of {asked!r} requested" if asked != total else "")
        raise QbexpError(f"{path} is corrupt: it holds {held}; the run asked for {shots} per circuit")
    return counts


def check_gate_mitigation(manifest: dict, path: Path) -> None:
    """A manifest's zero-noise extrapolation (``parameters.gate_mitigation``) is well formed and
    every measurement circuit has its folded copies (``NAME+xSCALE``) in ``circuit_names``."""
    zne = manifest.get("parameters", {}).get("gate_mitigation")
    if zne is None:
        return
    scales = zne.get("noise_scales") if isinstance(zne, dict) else None
    if (not isinstance(zne, dict) or zne.get("method") != "zne" or not isinstance(scales, list) or len(scales) < 2
            or scales[0] != 1 or not all(_is_int(k) and k >= 1 for k in scales) or scales != sorted(set(scales))):
        raise QbexpError(f"manifest file {path} is corrupt: gate_mitigation = {zne!r}; expected "
                         "{'method': 'zne', 'noise_scales': [1, 3, 5, ...]} (increasing odd integers from 1)")
    names = manifest["circuit_names"]
    base = [n for n in names if "+x" not in n and not n.startswith("readout_cal_")]
    missing = [f"{n}+x{k}" for n in base for k in scales[1:] if f"{n}+x{k}" not in names]
    if missing:
        raise QbexpError(f"manifest file {path} is corrupt: gate_mitigation folds to noise scales {scales}, "
                         f"yet circuit_names has no {missing[0]}" + (f" (nor {len(missing) - 1} more)" if missing[1:] else ""))


def check_work_circuits(manifest: dict, path: Path) -> None:
    """The work measurement's circuits come in a pair: the energy before and after the discharge."""
    pair = [n for n in ("energy_before", "energy_after") if n in manifest["circuit_names"]]
    if len(pair) == 1:
        other = ({"energy_before", "energy_after"} - set(pair)).pop()
        raise QbexpError(f"manifest file {path} is corrupt: circuit_names has {pair[0]} but no {other} "
                         "(the work measurement needs both)")


def check_agreement(manifest: dict, path: Path) -> None:
    """The manifest agrees with the run it records: every circuit listed once, the kind, shots
    and seed its identity records, finite parameters, N (``parameters.n``, the tomography
    settings) = ``num_qubits``, the qubits of the arrays and circuits, and one energy per
    eigenvalue of the battery (``energies``, 2^N)."""
    names = manifest["circuit_names"]
    twice = next((name for k, name in enumerate(names) if name in names[:k]), None)
    if twice is not None:
        raise QbexpError(f"manifest file {path} is corrupt: circuit_names lists {twice} twice")
    identity = manifest["identity"]
    for key in ("kind", "shots", "seed"):  # hand-edited: the analysis would read a number the run never had
        if isinstance(identity, dict) and key in manifest and key in identity and manifest[key] != identity[key]:
            raise QbexpError(f"manifest file {path} is corrupt: {key} = {shown(manifest[key])}, yet the run's "
                             f"identity records {key} {shown(identity[key])}")
    backend = manifest.get("backend")
    problem = profile_record_problem(backend) if isinstance(backend, dict) else None
    if problem:  # fetch would reconnect to it, and record its name in every new job record
        raise QbexpError(f"manifest file {path} is corrupt: backend.{problem}")
    bad = _non_finite(manifest.get("parameters"), "parameters")
    if bad is not None:  # NaN would go into results.json, which is then no valid JSON
        raise QbexpError(f"manifest file {path} is corrupt: {bad[0]} = {shown(bad[1])}; expected a finite number")
    n = manifest.get("num_qubits")
    if n is None:
        return
    given = manifest.get("parameters", {}).get("n", n)
    if given != n or isinstance(given, bool):  # (true == 1)
        raise QbexpError(f"manifest file {path} is corrupt: parameters.n = {given!r}, yet num_qubits = {n} "
                         "(the qubits of the run's arrays and circuits)")
    for name in names:
        setting = name.removeprefix("tomo_").split("+x")[0]
        if name.startswith("tomo_") and len(setting) != n:
            raise QbexpError(f"manifest file {path} is corrupt: num_qubits = {n}, yet circuit {name} measures "
                             f"{len(setting)} qubit(s)")
    energies = manifest.get("energies")
    if isinstance(energies, list) and len(energies) != 2**n:
        raise QbexpError(f"manifest file {path} is corrupt: energies lists {len(energies)} value(s), yet the "
                         f"battery of num_qubits = {n} has {2**n} (its eigenvalues)")


def check_parameters(manifest: dict, path: Path) -> None:
    """The ``parameters`` that the analysis reports (results.json) are the ones the run's identity
    records (a hand-edited value was reported as the run's).  Not part of every read: ``fetch
    --retry-failed`` rebuilds circuits.qpy from them and checks the rebuilt plan against the run."""
    identity, params = manifest["identity"], manifest.get("parameters", {})
    recorded = identity.get("parameters") if isinstance(identity, dict) else None
    if isinstance(recorded, dict) and params != recorded:
        key = next(k for k in [*params, *recorded]
                   if k not in params or k not in recorded or params[k] != recorded[k])
        held = shown(params[key]) if key in params else "absent"
        raise QbexpError(f"manifest file {path} is corrupt: parameters.{key} = {held}, yet the run's identity "
                         f"records {shown(recorded[key]) if key in recorded else 'none'}")
