"""A run directory: everything an experiment needs to be re-analysed without re-execution.

Layout of DIR::

    manifest.json       command, parameters, package versions, seeds, the SHA-256 of
                        exact.npy and battery.npy (written first) and of device.npy
                        (added when that is written)
    exact.npy           the exact charged state; battery.npy: the battery Hamiltonian
    device.npy          the state a noisy simulator prepares (aer-noisy runs)
    circuits.qpy        the executed circuits, in the order of manifest["circuit_names"],
                        in QPY version PORTABLE_QPY_VERSION (both stacks read it)
    transpiled.qpy      the circuits exactly as submitted (transpiled-SEQ.qpy: resubmissions)
    NAME.channels.npz   the Kraus sets and dense unitaries of NAME.qpy, each once, under its
                        SHA-256: the QPY file holds a placeholder instead (see _stash_arrays);
                        only where it has one
    counts/NAME.json    raw counts of one circuit, written atomically as soon as known
    jobs/JOBID.json     one submitted job: circuit names, shots, backend, status, error
    jobs/submitting-TAG.json   a submission whose job id is not known yet (see backends.submit)
    results.json        estimates with intervals next to the exact values
    results.png         estimates vs exact values

Nothing in a directory that holds another run is ever overwritten: opening it for a different
command or different parameters (an initial state file with other contents, a backend profile
edited to compute differently) is an error, and counts files are never replaced.

:class:`MemoryStore` is the same interface held in memory: ``qbexp.run(..., out=None)`` drives
the same submission and analysis code through it and writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import warnings
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from qbexp.errors import QbexpError, shown
from qbexp.files import atomic_write_text, check_output_file  # noqa: F401  (re-exported: store.atomic_write_text)

#: job ids become file names
JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
#: QPY format version of every circuits file: the newest that Qiskit 1.3 (the [dynamics] stack)
#: reads and the oldest Qiskit 2 still writes, so run directories move between the two stacks.
PORTABLE_QPY_VERSION = 13
PACKAGES = ("qbexp", "qiskit", "qiskit-aer", "qiskit-dynamics", "qiskit-ibm-runtime", "numpy", "scipy")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run's numbers depend on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


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
        raise QbexpError(f"{what} file {path} is corrupt ({_first_line(err)[:200]})") from None
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


def _first_line(err: Exception) -> str:
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


#: A Kraus instruction is stored in NAME.qpy as this placeholder, its one parameter the SHA-256
#: of its Kraus set, which NAME.channels.npz holds once: QPY would write the whole set into every
#: circuit, and the 3^N tomography circuits all carry the same charging channel (225 MB per
#: file at N = 5).  Files written before (Kraus sets inside the QPY file) load as they are.
KRAUS_PLACEHOLDER = "qbexp_kraus"
#: The same for a dense unitary (``UnitaryGate``): collision charging from N = 4 holds one
#: (N + 1)-qubit unitary per collision step, the same matrix in every step of all 3^N circuits
#: (N = 5: 76 matrices of 64 x 64 in each of 243 circuits, 1.2 GB per QPY file and 2.4 GB per
#: run, 9.0 GB peak memory; now one matrix, ~65 kB, beside each file, and 5.1 GB peak).
UNITARY_PLACEHOLDER = "qbexp_unitary"
#: ... for unitaries on at least this many qubits (4 kB and more); smaller ones, such as the
#: 2-qubit rotations of collision charging at N = 2 and 3, stay inside the QPY file.
STASHED_UNITARY_QUBITS = 4
#: placeholder -> (name of the instruction it stands for, what the archive holds for it)
_PLACEHOLDERS = {KRAUS_PLACEHOLDER: ("kraus", "Kraus set"), UNITARY_PLACEHOLDER: ("unitary", "unitary")}


def channels_path(qpy_path: Path) -> Path:
    """``NAME.channels.npz``, the Kraus sets and dense unitaries of ``NAME.qpy``."""
    return qpy_path.with_suffix(".channels.npz")


def _array_digest(ops) -> str:
    """SHA-256 of a Kraus set (complex r x d x d) or a unitary (d x d): of its shape and bytes,
    not of an .npy file, whose header numpy versions may write differently."""
    return hashlib.sha256(repr(ops.shape).encode() + ops.tobytes()).hexdigest()


def _stash_arrays(circuits) -> tuple[list, dict]:
    """``circuits`` with each Kraus instruction and each dense unitary replaced by its
    placeholder (new circuits; the originals are untouched), and the distinct arrays: SHA-256 ->
    r x d x d Kraus set or d x d unitary."""
    out, sets, seen = [], {}, {}
    for qc in circuits:
        sites = {k for k, inst in enumerate(qc.data) if inst.operation.name == "kraus"
                 or inst.operation.name == "unitary" and inst.operation.num_qubits >= STASHED_UNITARY_QUBITS}
        if not sites:
            out.append(qc)
            continue
        # built anew, not qc.copy(): a copy would hold every dense matrix once more (1.2 GB at N = 5)
        stashed = qc.copy_empty_like()
        for k, inst in enumerate(qc.data):
            stashed._append(inst.replace(operation=_placeholder(inst.operation, sets, seen)) if k in sites else inst)
        out.append(stashed)
    return out, sets


def _placeholder(op, sets: dict, seen: dict):
    """The placeholder of the Kraus instruction or dense unitary ``op``, its array put in ``sets``
    under its SHA-256; ``op`` itself where it is not one as Qiskit makes them (kept inside)."""
    import numpy as np
    from qiskit.circuit import Instruction

    d = 2**op.num_qubits
    if op.name == "unitary":  # (its matrix is a new array at every access on Qiskit 2: hashed each time)
        matrix = np.asarray(op.params[0], dtype=complex) if len(op.params) == 1 else None
        if op.num_clbits or matrix is None or matrix.shape != (d, d):
            return op
        digest = _array_digest(matrix)
        sets[digest] = matrix
        key = (UNITARY_PLACEHOLDER, op.num_qubits, digest, op.label)
        if key not in seen:
            seen[key] = (None, Instruction(UNITARY_PLACEHOLDER, op.num_qubits, 0, [digest], label=op.label))
        return seen[key][1]
    key = (op.label, *map(id, op.params))  # a plan shares one set among its circuits: hash it once
    if key not in seen:
        ops = np.asarray(op.params, dtype=complex)
        if op.num_clbits or ops.ndim != 3 or ops.shape[1:] != (d, d):
            seen[key] = (op.params, op)  # not a Kraus set as Kraus.to_instruction makes it: kept inside
        else:
            digest = _array_digest(ops)
            sets[digest] = ops
            # op.params kept referenced: the ids in key then name these arrays for good
            seen[key] = (op.params, Instruction(KRAUS_PLACEHOLDER, op.num_qubits, 0, [digest], label=op.label))
    return seen[key][1]


def _restore_arrays(circuits, path: Path, qpy_name: str, replace: bool = True) -> list:
    """``circuits`` (as loaded from ``qpy_name``) with each placeholder replaced, in place, by the
    Kraus instruction or unitary gate of its array in ``path`` (one instruction per array,
    shared): a missing or corrupt file or array is a one-line error naming the file.  With
    ``replace`` False every array is checked and none put in (the read-back of a file just
    written: at N = 5 the circuits with their unitaries in take 1.2 GB)."""
    import numpy as np
    from qiskit.circuit import Instruction
    from qiskit.circuit.library import UnitaryGate

    sites = [(qc, k) for qc in circuits for k, inst in enumerate(qc.data) if inst.operation.name in _PLACEHOLDERS]
    if not sites:
        return circuits  # no Kraus instruction or dense unitary, or a file written with them inside
    if not path.is_file():
        what = "missing" if not path.exists() else "not a regular file"
        held = sorted({_PLACEHOLDERS[qc.data[k].operation.name][1] for qc, k in sites})
        held = " and ".join("Kraus operators" if h == "Kraus set" else "dense unitaries" for h in held)
        raise QbexpError(f"{path} is {what}; it holds the {held} of {qpy_name}")
    try:
        archive = np.load(path, allow_pickle=False)
    except Exception as err:  # a damaged zip raises many types
        raise QbexpError(f"{path} is corrupt ({type(err).__name__}: {_first_line(err)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise QbexpError(f"{path} is corrupt: not an .npz archive")
    made = {}
    with archive:
        for qc, k in sites:
            inst = qc.data[k]
            op = inst.operation
            _, what = _PLACEHOLDERS[op.name]
            digest = op.params[0] if len(op.params) == 1 else None
            key = (op.name, op.num_qubits, digest, op.label)
            if key not in made:
                if not isinstance(digest, str) or digest not in archive.files:
                    raise QbexpError(f"{path} is corrupt: it lacks the {what} {str(digest)[:12]}... "
                                     f"that {qpy_name} refers to")
                try:
                    ops = archive[digest]
                except Exception as err:
                    raise QbexpError(f"{path} is corrupt ({type(err).__name__}: {_first_line(err)})") from None
                d = 2**op.num_qubits
                if what == "unitary":
                    if ops.dtype != complex or ops.shape != (d, d):
                        raise QbexpError(f"{path} is corrupt: unitary {digest[:12]}... is {ops.dtype} of shape "
                                         f"{ops.shape}; expected complex, {d} x {d} for {op.num_qubits} qubit(s)")
                elif ops.dtype != complex or ops.ndim != 3 or ops.shape[1:] != (d, d) or len(ops) == 0:
                    raise QbexpError(f"{path} is corrupt: Kraus set {digest[:12]}... is {ops.dtype} of shape "
                                     f"{ops.shape}; expected complex, r x {d} x {d} for {op.num_qubits} qubit(s)")
                if _array_digest(ops) != digest:
                    raise QbexpError(f"{path} is corrupt: {what} {digest[:12]}... does not match its SHA-256 "
                                     "(edited?)")
                if not replace:
                    made[key] = None
                elif what == "unitary":  # checked: the SHA-256 is that of the matrix written, a UnitaryGate's
                    made[key] = UnitaryGate(ops, label=op.label, check_input=False)
                else:  # the instruction Kraus.to_instruction makes, as QPY used to load it
                    made[key] = Instruction("kraus", op.num_qubits, 0, list(ops), label=op.label)
            if replace:
                qc.data[k] = inst.replace(operation=made[key])
    return circuits


#: Battery qubits a run can have: its arrays are dense 2^N x 2^N matrices.
MAX_RUN_QUBITS = 30
#: Most shots per circuit: Aer allocates per shot, hardware providers cap far lower.
MAX_SHOTS = 10_000_000


def npy_digest(array) -> str:
    """SHA-256 of ``NAME.npy`` as :meth:`RunStore.save_array` writes ``array``: the manifest
    records it (``arrays``) and reading the file checks it (a hash of the bytes, so the run
    directory stays portable between machines and stacks)."""
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


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
    bad = _non_finite(manifest.get("parameters"), "parameters")
    if bad is not None:  # NaN would go into results.json, which is then no valid JSON
        raise QbexpError(f"manifest file {path} is corrupt: {bad[0]} = {shown(bad[1])}; expected a finite number")
    n = manifest.get("num_qubits")
    if n is None:
        return
    given = manifest.get("parameters", {}).get("n", n)
    if given != n:
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


#: what a run directory holds beside its manifest, once anything of it was written
RUN_PARTS = ("jobs", "counts", "circuits.qpy")


def enclosing_run(path, records=("manifest.json",)) -> Path | None:
    """The qbexp run directory that ``path`` lies inside (strictly, through links and ``..``),
    or None; ``records``: the files that mark one (a sweep's sweep.json too).  A run's folders
    hold only what qbexp writes there (a stray file or folder in jobs/ or counts/ breaks
    ``status`` and ``analyze``).  Another tool's manifest.json is no run: the file must record
    a run's identity, or be unreadable beside parts of a run (a corrupt manifest)."""
    for folder in Path(os.path.realpath(path)).parents:
        for name in records:
            record = folder / name
            try:
                if not record.is_file():  # never a read of a pipe
                    continue
                data = json.loads(record.read_text())
            except (OSError, ValueError, RecursionError):  # unreadable or corrupt: a run if it has parts
                data = None
            if (isinstance(data, dict) and "identity" in data) or (
                    data is None and any((folder / part).exists() for part in RUN_PARTS)):
                return folder
    return None


def check_outside_runs(path, name: str, records=("manifest.json",)) -> None:
    """``path``, an output folder the option ``name`` gives, is not inside a run (see :func:`enclosing_run`)."""
    holder = enclosing_run(path, records)
    if holder is not None:
        what = "run" if (holder / "manifest.json").is_file() else "sweep"
        raise QbexpError(f"{name} {path} lies inside the qbexp {what} directory {holder}, whose folders hold only "
                         "what qbexp writes there; choose a folder outside it")


class RunStore:
    """Read and write one run directory."""

    #: whether this store lives on disk (results.png and resuming need that)
    persistent = True

    def __init__(self, directory: Path):
        self.dir = Path(directory)

    # -- manifest -------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.dir / "manifest.json"

    def open_for(self, manifest: dict) -> "RunStore":
        """Create the run, or re-open it if it is the same run; refuse a different one."""
        if self.dir.exists() and not self.dir.is_dir():
            raise QbexpError(f"{self.dir} exists and is not a directory")
        if self.manifest_path.exists() or self.manifest_path.is_symlink():
            self._check_same_run(self.manifest(), manifest)
            return self
        parts = [p for p in RUN_PARTS if (self.dir / p).exists()]
        if parts:
            raise QbexpError(f"{self.manifest_path} is missing, yet {self.dir} holds parts of a qbexp run "
                             f"({', '.join(parts)}); restore the manifest or choose a new --out directory")
        if self.dir.exists() and any(self.dir.iterdir()):
            raise QbexpError(f"{self.dir} is not empty and holds no qbexp run; choose a new --out directory")
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True))
        return self

    def _check_same_run(self, old: dict, new: dict) -> None:
        """Resuming is for the run that ``old`` (the manifest) records: the same identity (a run
        made before qbexp recorded the SHA-256 of an initial state file is compared without it) on
        a backend profile that computes the same (a profile edited since would mix two backends)."""
        from qbexp.backends.profiles import result_settings

        held, wanted = old.get("identity"), new.get("identity")
        if isinstance(held, dict) and isinstance(wanted, dict):
            if "init_sha256" not in held:
                wanted = {k: v for k, v in wanted.items() if k != "init_sha256"}
            elif held != wanted and {**held, "init_sha256": None} == {**wanted, "init_sha256": None}:
                init = str(wanted.get("parameters", {}).get("init")).removeprefix("file:")  # the same in both
                raise QbexpError(f"{self.dir} holds another run: the initial state file {init} changed since the "
                                 f"run began (its SHA-256 is not the one {self.manifest_path.name} records); "
                                 "restore the file or choose a new --out directory")
        if held != wanted:
            raise QbexpError(f"{self.dir} holds another run ({old.get('command', '?')}); choose a new --out directory")
        before, now = result_settings(old.get("backend")), result_settings(new.get("backend"))
        if before is not None and now is not None and before != now:
            key = next(k for k in [*now, *before] if k not in now or k not in before or now[k] != before[k])
            profile = new["backend"].get("source") or new["backend"].get("name")
            raise QbexpError(f"{self.dir} holds a run made with {key} = {shown(before.get(key))}; backend profile "
                             f"{profile} now sets {key} = {shown(now.get(key))} (edited since?): one run uses one "
                             "backend; restore the profile or choose a new --out directory")

    def manifest(self, for_analysis: bool = False) -> dict:
        """The run's manifest, checked: a missing, corrupt or ill-formed one is a one-line error
        (``for_analysis``: it must also hold what the analysis reads)."""
        if not self.manifest_path.exists() and self.dir.exists() and not self.dir.is_dir():
            raise QbexpError(f"{self.dir} is a file, not a run directory")
        record = read_json(self.manifest_path, "manifest")
        always = ("identity", "circuit_names")
        optional = (("energies", "seed", "backend", "arrays") if for_analysis
                    else tuple(set(MANIFEST_FIELDS) - set(always)))
        record = check_fields(record, MANIFEST_FIELDS, self.manifest_path, "manifest", optional=optional)
        check_agreement(record, self.manifest_path)
        if for_analysis:
            check_gate_mitigation(record, self.manifest_path)
            check_work_circuits(record, self.manifest_path)
        return record

    def discard(self, remove_dir: bool = False) -> None:
        """Remove what opening a new run wrote (manifest, arrays, circuits, lock): for a run
        refused before anything was submitted.  Never touches jobs/ or counts/."""
        for name in ("manifest.json", "exact.npy", "battery.npy", "circuits.qpy", "circuits.channels.npz", ".lock"):
            (self.dir / name).unlink(missing_ok=True)
        for folder in (self.dir / "jobs", self.dir / "counts"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if remove_dir and self.dir.is_dir() and not any(self.dir.iterdir()):
            self.dir.rmdir()

    # -- circuits ---------------------------------------------------------------
    def save_circuits(self, circuits) -> None:
        """``circuits.qpy``: the logical circuits, written once and read back before anything is
        submitted (a file that does not load is rewritten; circuits QPY cannot carry are an error)."""
        path = self.dir / "circuits.qpy"
        circuits = list(circuits)
        if path.exists():
            try:
                if len(self._load_qpy(path)) == len(circuits):
                    return
            except QbexpError:
                pass  # corrupt: rewritten from the plan below
        self._dump_qpy(path, circuits)

    def load_circuits(self):
        return self._load_qpy(self.dir / "circuits.qpy")

    def save_transpiled(self, prepared: dict, seq: int) -> None:
        """The circuits exactly as submitted (transpiled for the backend, with their layouts):
        ``transpiled.qpy`` for the first submission, ``transpiled-SEQ.qpy`` for resubmissions."""
        path = self.dir / ("transpiled.qpy" if not (self.dir / "transpiled.qpy").exists() else f"transpiled-{seq}.qpy")
        circuits = []
        for name, qc in prepared.items():
            qc = qc.copy()
            qc.name = name
            circuits.append(qc)
        self._dump_qpy(path, circuits)

    def load_transpiled(self) -> dict:
        """Name -> the circuit as it last ran (transpiled); empty for runs without the file."""
        paths = sorted((p for p in self.dir.glob("transpiled-*.qpy") if re.fullmatch(r"transpiled-[0-9]+", p.stem)),
                       key=lambda p: int(p.stem.split("-")[1]))  # transpiled-SEQ.qpy only: not a file of the user's
        out = {}
        for path in [self.dir / "transpiled.qpy", *paths]:
            if path.exists():
                try:
                    out.update({qc.name: qc for qc in self._load_qpy(path)})
                except QbexpError as err:
                    raise QbexpError(f"{err}; {path.name} records the circuits as submitted, for their gate counts "
                                     "in results.json only (job records keep the layouts): move it aside to go on "
                                     "without them") from None
        return out

    def _dump_qpy(self, path: Path, circuits) -> None:
        """``path`` (NAME.qpy) and, where the circuits hold Kraus sets, NAME.channels.npz."""
        import numpy as np
        from qiskit import qpy

        self.dir.mkdir(parents=True, exist_ok=True)
        circuits, sets = _stash_arrays(circuits)
        sets_path = channels_path(path)
        tmp, sets_tmp = path.with_suffix(".qpy.tmp"), sets_path.with_suffix(".npz.tmp")

        def clean():
            tmp.unlink(missing_ok=True)
            sets_tmp.unlink(missing_ok=True)

        try:
            if sets:
                with open(sets_tmp, "wb") as handle:
                    np.savez(handle, **sets)
            with open(tmp, "wb") as handle:
                qpy.dump(circuits, handle, version=min(PORTABLE_QPY_VERSION, qpy.QPY_VERSION))
            with open(tmp, "rb") as handle:  # read back now: a file that cannot load is useless later
                back = qpy.load(handle)
            _restore_arrays(back, sets_tmp, path.name, replace=False)  # ... and every array it refers to
        except QbexpError:
            clean()
            raise
        except Exception as err:
            clean()
            raise QbexpError(f"{path.name}: the circuits do not survive QPY ({type(err).__name__}: {err})") from None
        if len(back) != len(circuits):
            clean()
            raise QbexpError(f"{path.name}: {len(back)} circuits read back of {len(circuits)} written")
        try:  # the sets first: after a crash in between, the old NAME.qpy finds its sets or reads as corrupt
            if sets:
                os.replace(sets_tmp, sets_path)
            os.replace(tmp, path)
            if not sets:
                sets_path.unlink(missing_ok=True)  # the sets of a file this one replaces
        except OSError as err:
            clean()
            raise QbexpError(f"{path} cannot be written ({err.strerror or err})") from None

    def _load_qpy(self, path: Path):
        from qiskit import qpy

        if not path.exists():
            raise QbexpError(f"{path} is missing")
        if not path.is_file():
            raise QbexpError(f"{path} is not a regular file")
        try:
            with open(path, "rb") as handle, warnings.catch_warnings():
                # written at PORTABLE_QPY_VERSION on purpose: Qiskit 1.3 reading Qiskit 2's file is fine
                warnings.filterwarnings("ignore", message="The qiskit version used to generate", category=UserWarning)
                circuits = qpy.load(handle)
        except PermissionError as err:
            raise unreadable(path, err) from None
        except Exception as err:  # qpy raises many types on corrupt input
            raise QbexpError(f"{path} is corrupt ({type(err).__name__}: {_first_line(err)})") from None
        return _restore_arrays(circuits, channels_path(path), path.name)

    # -- arrays (exact state, battery Hamiltonian) -------------------------------
    def save_array(self, name: str, array) -> None:
        """``NAME.npy``, written once, atomically (a resumed run keeps the first); the manifest
        records its SHA-256 (an array written after the manifest is added to it)."""
        import numpy as np

        path = self.dir / f"{name}.npy"
        if path.exists():
            return
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, array)
        tmp.replace(path)
        manifest = read_json(self.manifest_path, "manifest")  # written after it (device.npy): add its SHA-256
        arrays = manifest.setdefault("arrays", {})
        if isinstance(arrays, dict) and name not in arrays:
            arrays[name] = hashlib.sha256(path.read_bytes()).hexdigest()
            atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True))

    def has_array(self, name: str) -> bool:
        return (self.dir / f"{name}.npy").exists()

    def load_array(self, name: str):
        import numpy as np

        path = self.dir / f"{name}.npy"
        if path.exists() and not path.is_file():  # a folder, or a pipe that would block the read
            raise QbexpError(f"{path} is not a regular file")
        try:
            array = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise QbexpError(f"{path} is missing") from None
        except PermissionError as err:
            raise unreadable(path, err) from None
        except (ValueError, OSError, EOFError) as err:
            raise QbexpError(f"{path} is corrupt ({err})") from None
        # every array of a run is a 2^N x 2^N matrix (state or Hamiltonian) of its N qubits
        manifest = self.manifest() if self.manifest_path.exists() else {}
        n = manifest.get("num_qubits")
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biufc":
            raise QbexpError(f"{path} is corrupt: not a numeric array")
        if array.ndim != 2 or array.shape[0] != array.shape[1] or (n is not None and array.shape[0] != 2**n):
            expected = "a square matrix" if n is None else f"{2**n} x {2**n} for {n} qubits"
            raise QbexpError(f"{path} is corrupt: shape {array.shape}, expected {expected}")
        if not np.all(np.isfinite(array)):
            raise QbexpError(f"{path} is corrupt: it holds NaN or infinite entries")
        if name in ("exact", "device"):  # states, not any matrix: a hand-edited one gave nonsense figures
            from qbexp.models.matrices import validate_density_matrix

            try:
                validate_density_matrix(array, atol=1e-6, name=f"the {name} state")
            except QbexpError as err:
                raise QbexpError(f"{path} is corrupt: {err}") from None
        self._check_against_manifest(name, path, array, manifest)
        return array

    def _check_against_manifest(self, name: str, path: Path, array, manifest: dict) -> None:
        """A valid array that is not the run's (another state or Hamiltonian put in its place)
        gave wrong figures: it must have the SHA-256 the manifest records (runs made before
        qbexp recorded it have none), and the battery the manifest's work-measurement energies."""
        import numpy as np

        digest = manifest.get("arrays", {}).get(name)
        if digest is not None and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise QbexpError(f"{path} does not match the run (edited?): its SHA-256 is not the one "
                             f"{self.manifest_path.name} records")
        energies = manifest.get("energies")
        if name == "battery" and energies:
            spectrum = np.linalg.eigvalsh(array)
            scale = max(1.0, float(np.max(np.abs(spectrum))))
            if len(energies) != len(spectrum) or not np.allclose(energies, spectrum, rtol=0, atol=1e-8 * scale):
                raise QbexpError(f"{self.manifest_path} does not match the run (edited?): its energies are not "
                                 f"the eigenvalues of {path.name} in increasing order")

    # -- counts -----------------------------------------------------------------
    def _folder(self, name: str) -> Path:
        """``jobs/`` or ``counts/``: absent (nothing saved yet) or a folder, never a file."""
        folder = self.dir / name
        if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
            raise QbexpError(f"{folder} is not a folder; the run keeps its {name} in it (move the file aside)")
        return folder

    def counted(self) -> set[str]:
        """Names of the circuits whose counts are saved."""
        return {p.stem for p in json_files(self._folder("counts"))}

    def counts_path(self, name: str) -> Path:
        from qbexp.backends.submit import NAME

        if not isinstance(name, str) or not NAME.fullmatch(name):  # never a path out of counts/
            raise QbexpError(f"circuit name {name!r} cannot name a counts file in {self.dir / 'counts'}")
        return self.dir / "counts" / f"{name}.json"

    def has_counts(self, name: str) -> bool:
        return self.counts_path(name).exists()

    def save_counts(self, name: str, counts: dict, shots: int, **meta) -> None:
        path = self.counts_path(name)
        if path.exists():
            raise QbexpError(f"counts for circuit {name!r} are already saved in {path}; refusing to overwrite")
        record = {"name": name, "shots": int(shots), "counts": {k: int(v) for k, v in counts.items()}, **meta}
        atomic_write_text(path, json.dumps(record, sort_keys=True))

    def load_counts(self, names) -> dict[str, dict[str, int]]:
        """Counts of every named circuit; a missing or corrupt file is a one-line error naming it."""
        self.counted()  # an unreadable counts/ is said as such, not as missing counts
        missing = [n for n in names if not self.has_counts(n)]
        if missing:
            shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
            raise QbexpError(f"{self.dir}: counts missing for {len(missing)} circuit(s): {shown}")
        run = self.counts_context()
        return {name: self.read_counts(name, run) for name in names}

    def read_counts(self, name: str, run: dict | None = None) -> dict[str, int]:
        """The checked counts of one circuit (a corrupt file is a one-line error naming it);
        ``run``: :meth:`counts_context`, when reading many."""
        path = self.counts_path(name)
        run = self.counts_context() if run is None else run  # a bad job record is not the counts file's fault
        try:
            return check_counts_record(read_json(path, f"counts of {name!r}"), path, name, **run)
        except Unreadable:
            raise  # not corrupt: removing it would lose the counts
        except QbexpError as err:
            raise QbexpError(f"{err}; remove it and run `qbexp fetch {self.dir}` to save it again") from None

    def counts_context(self) -> dict:
        """What every counts file must agree with (:func:`check_counts_record`): the manifest's
        shots, where it records them, and the job records."""
        manifest = self.manifest() if self.manifest_path.exists() else {}
        jobs = {r["job_id"]: r for r in self.job_records() if r.get("job_id")}
        return {"shots": manifest.get("shots"), "jobs": jobs}

    def check_counts(self) -> None:
        """Read every counts file: a corrupt one is a one-line error naming it."""
        run = self.counts_context()
        for name in sorted(self.counted()):
            self.read_counts(name, run)

    def measured_qubits(self, names) -> dict[str, list]:
        """For each named circuit with counts, the (physical) qubit read into each classical bit,
        from the record of the job that produced its counts (see ``backends.submit``)."""
        records = {r["job_id"]: r for r in self.job_records() if r.get("job_id")}
        out = {}
        for name in names:
            job_id = read_json(self.counts_path(name), f"counts of {name!r}").get("job_id")
            qubits = records.get(job_id, {}).get("measured_qubits", {}).get(name)
            if not isinstance(qubits, list):
                raise QbexpError(f"{self.dir}: no job record says which qubits circuit {name!r} was read on "
                                 f"(job {job_id})")
            out[name] = qubits
        return out

    # -- jobs -------------------------------------------------------------------
    def job_record_path(self, record: dict) -> Path:
        job_id = record.get("job_id")
        if job_id is None:
            return self.dir / "jobs" / f"submitting-{record['tag']}.json"
        if not JOB_ID.fullmatch(job_id) or job_id.startswith("submitting-"):
            raise QbexpError(f"job id {job_id!r} cannot name a file; expected letters, digits, '.', '_' and '-'")
        return self.dir / "jobs" / f"{job_id}.json"

    def save_job_record(self, record: dict) -> None:
        """Write (or update) one job record atomically."""
        atomic_write_text(self.job_record_path(record), json.dumps(record, indent=1, sort_keys=True))

    def remove_job_record(self, record: dict) -> None:
        self.job_record_path(record).unlink(missing_ok=True)

    def job_records(self) -> list[dict]:
        """Every job record, oldest submission first."""
        paths = json_files(self._folder("jobs"))
        optional = ("seq", "job_id", "measured_qubits", "layout", "error", "run")
        records = [check_fields(read_json(p, "job record"), JOB_FIELDS, p, "job record", optional=optional)
                   for p in paths]
        if records and self.manifest_path.is_file():
            manifest = read_json(self.manifest_path, "manifest")
            own = identity_digest(manifest.get("identity"))
            for path, record in zip(paths, records):
                if record.get("run", own) != own:
                    raise QbexpError(f"job record file {path} is corrupt: it records a job of another run (its run "
                                     f"digest is not the one of {self.manifest_path.name}'s identity); move it and "
                                     "the counts of its job aside")
            check_job_records(paths, records, manifest, self.manifest_path)
        return sorted(records, key=lambda r: r.get("seq", 0))

    def remove_stray_files(self) -> None:
        """Temporary files of job records and counts that a killed process left behind (see
        ``qbexp.files``); only called under :meth:`lock`, which every writer of jobs/ and counts/
        holds, so none is being written.  (Other files are written without the lock.)"""
        for folder in (self.dir / "jobs", self.dir / "counts"):
            if folder.is_dir():
                for path in folder.glob("*.tmp"):
                    if path.is_file():
                        path.unlink(missing_ok=True)

    @contextmanager
    def lock(self):
        """Hold the run directory for one process: two processes never submit or save at once."""
        try:
            import fcntl
        except ImportError:  # Windows has no flock: one process per run directory is up to the user
            yield self
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / ".lock"
        if path.exists() and not path.is_file():  # a pipe would block the open
            raise QbexpError(f"{path} is not a regular file; it is the run's lock: remove it")
        with open(path, "a") as handle:  # "a": a link to someone's file is not emptied
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise QbexpError(f"{self.dir} is in use by another qbexp process; wait for it to finish") from None
            try:
                self.remove_stray_files()
                yield self
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- results ----------------------------------------------------------------
    def check_outputs(self) -> None:
        """results.json and results.png can be written (checked before the analysis writes either)."""
        for name in ("results.json", "results.png"):
            check_output_file(self.dir / name)

    def save_results(self, results: dict) -> None:
        atomic_write_text(self.dir / "results.json", json.dumps(results, indent=2, sort_keys=True))



class MemoryStore(RunStore):
    """A run held in memory: the interface of :class:`RunStore`, nothing written anywhere."""

    persistent = False

    def __init__(self, label: str = "<memory>"):
        super().__init__(Path(label))
        self._manifest: dict | None = None
        self._circuits: list = []
        self._arrays: dict = {}
        self._counts: dict[str, dict] = {}
        self._records: dict[str, dict] = {}
        self.results: dict | None = None

    def open_for(self, manifest: dict) -> "MemoryStore":
        if self._manifest is not None and self._manifest.get("identity") != manifest.get("identity"):
            raise QbexpError("this in-memory run holds another run")
        self._manifest = self._manifest or manifest
        return self

    def manifest(self, for_analysis: bool = False) -> dict:
        if self._manifest is None:
            raise QbexpError("the in-memory run has no manifest yet")
        return self._manifest

    def save_circuits(self, circuits) -> None:
        self._circuits = self._circuits or list(circuits)

    def load_circuits(self):
        return list(self._circuits)

    def save_transpiled(self, prepared: dict, seq: int) -> None:
        self._transpiled = {**getattr(self, "_transpiled", {}), **prepared}

    def load_transpiled(self) -> dict:
        return dict(getattr(self, "_transpiled", {}))

    def save_array(self, name: str, array) -> None:
        self._arrays.setdefault(name, array)

    def has_array(self, name: str) -> bool:
        return name in self._arrays

    def load_array(self, name: str):
        if name not in self._arrays:
            raise QbexpError(f"the in-memory run has no {name!r} array")
        return self._arrays[name]

    def counted(self) -> set[str]:
        return set(self._counts)

    def has_counts(self, name: str) -> bool:
        return name in self._counts

    def save_counts(self, name: str, counts: dict, shots: int, **meta) -> None:
        if name in self._counts:
            raise QbexpError(f"counts for circuit {name!r} are already saved; refusing to overwrite")
        self._counts[name] = {"name": name, "shots": int(shots), "counts": {k: int(v) for k, v in counts.items()},
                              **meta}

    def load_counts(self, names) -> dict[str, dict[str, int]]:
        missing = [n for n in names if n not in self._counts]
        if missing:
            raise QbexpError(f"counts missing for {len(missing)} circuit(s): {', '.join(missing[:6])}")
        return {n: dict(self._counts[n]["counts"]) for n in names}

    def measured_qubits(self, names) -> dict[str, list]:
        records = {r["job_id"]: r for r in self.job_records() if r.get("job_id")}
        out = {}
        for name in names:
            job_id = self._counts.get(name, {}).get("job_id")
            qubits = records.get(job_id, {}).get("measured_qubits", {}).get(name)
            if not isinstance(qubits, list):
                raise QbexpError(f"no job record says which qubits circuit {name!r} was read on")
            out[name] = qubits
        return out

    def _key(self, record: dict) -> str:
        return record.get("job_id") or f"submitting-{record['tag']}"

    def save_job_record(self, record: dict) -> None:
        self._records[self._key(record)] = json.loads(json.dumps(record))

    def remove_job_record(self, record: dict) -> None:
        self._records.pop(self._key(record), None)

    def job_records(self) -> list[dict]:
        return sorted((dict(r) for r in self._records.values()), key=lambda r: r.get("seq", 0))

    def check_counts(self) -> None:
        pass  # counts in memory were checked when saved

    def check_outputs(self) -> None:
        pass  # nothing is written

    @contextmanager
    def lock(self):
        yield self

    def save_results(self, results: dict) -> None:
        self.results = results
