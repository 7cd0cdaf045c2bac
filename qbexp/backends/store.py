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
                        SHA-256: the QPY file holds a placeholder instead (:mod:`~qbexp.backends.qpy_arrays`);
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
import os
import re
import warnings
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from qbexp.backends.qpy_arrays import channels_path, restore_arrays, stash_arrays
from qbexp.backends.records import (
    JOB_FIELDS,
    JOB_ID,
    MANIFEST_FIELDS,
    Unreadable,
    check_agreement,
    check_counts_record,
    check_fields,
    check_gate_mitigation,
    check_job_records,
    check_work_circuits,
    first_line,
    identity_digest,
    json_files,
    read_json,
    unreadable,
)
from qbexp.errors import QbexpError, shown
from qbexp.files import atomic_write_text, check_output_file

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


def npy_digest(array) -> str:
    """SHA-256 of ``NAME.npy`` as :meth:`RunStore.save_array` writes ``array``: the manifest
    records it (``arrays``) and reading the file checks it (a hash of the bytes, so the run
    directory stays portable between machines and stacks)."""
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array)
    return hashlib.sha256(buffer.getvalue()).hexdigest()



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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _identity_difference(held, wanted) -> str:
    """``": its backend = 'dask', this command's 'aer'"``: the first field (or parameter) in which two
    run identities differ, for the message refusing to resume (a Dask run resumed on ``aer``
    only said "holds another run"); empty where they are not both objects."""
    if not isinstance(held, dict) or not isinstance(wanted, dict):
        return ""
    def value(record, key):
        return shown(record[key]) if key in record else "absent"

    for key in [*held, *(k for k in wanted if k not in held)]:
        a, b = held.get(key, _MISSING), wanted.get(key, _MISSING)
        if key == "parameters" and isinstance(a, dict) and isinstance(b, dict) and a != b:
            name = next(k for k in [*a, *b] if a.get(k, _MISSING) != b.get(k, _MISSING))
            return f": its {name} = {value(a, name)}, this command's {value(b, name)}"
        if a != b:
            return f": its {key} = {value(held, key)}, this command's {value(wanted, key)}"
    return ""


_MISSING = object()  # a key one identity lacks (None is a value: a missing key and None differ)


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
            differs = _identity_difference(held, wanted)
            raise QbexpError(f"{self.dir} holds another run{differs} ({old.get('command', '?')}); "
                             "choose a new --out directory")
        # the circuits too: what is measured (--measure-work's energy circuits) is not in the identity, and
        # a run resumed with other circuits would mix job records of both (a run no command could read back)
        ran, asked = old.get("circuit_names"), new.get("circuit_names")
        if ran is not None and asked is not None and ran != asked:
            extra = [c for c in asked if c not in ran] or [c for c in ran if c not in asked]
            which = ("measures " + ", ".join(extra[:4]) + (" …" if len(extra) > 4 else "")
                     if extra else "orders its circuits differently")
            side = "this command" if any(c not in ran for c in asked) else "the run"
            raise QbexpError(f"{self.dir} holds another run: {side} {which} ({old.get('command', '?')}); "
                             "repeat the run's own command, or choose a new --out directory")
        before, now = result_settings(old.get("backend")), result_settings(new.get("backend"))
        if before is not None and now is not None and str(now.get("kind")).endswith("-object"):
            # a Python object: what a run made before qbexp recorded it (its noise model) is not compared
            changed = [k for k in now if k in before and before[k] != now[k]]
            if changed:
                key = changed[0]
                raise QbexpError(f"{self.dir} holds a run made with a backend object whose {key} = "
                                 f"{shown(before[key])}; this one has {key} = {shown(now[key])}: one run uses one "
                                 "backend; pass the same one, or choose a new out directory")
        elif before is not None and now is not None and before != now:
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
        optional = (("energies", "seed", "backend", "arrays", "engine", "files") if for_analysis
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
        circuits, sets = stash_arrays(circuits)
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
            restore_arrays(back, sets_tmp, path.name, replace=False)  # ... and every array it refers to
        except QbexpError:
            clean()
            raise
        except OSError as err:  # a full disk, an I/O error: the circuits are fine, the file system is not
            clean()
            raise QbexpError(f"cannot write {path}: {err.strerror or err}") from None
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
        # the SHA-256 of each QPY file (and its Kraus sets) as written, so that one copied from
        # another run, which loads just as well, is told apart
        self._record_digests("files", {p.name: p for p in (path, sets_path)})

    def _record_digests(self, field: str, files: dict, overwrite: bool = True) -> None:
        """The manifest's ``field`` (``arrays``, ``files``): key -> SHA-256 of each file written
        after the manifest; a key whose file is gone is dropped; ``overwrite=False`` keeps a
        digest already recorded."""
        if not self.manifest_path.is_file():
            return
        manifest = read_json(self.manifest_path, "manifest")
        recorded = manifest.get(field) if isinstance(manifest.get(field), dict) else {}
        before = dict(recorded)
        for key, path in files.items():
            if not path.is_file():
                recorded.pop(key, None)
            elif overwrite or key not in recorded:
                recorded[key] = _sha256(path)
        if recorded != before or field not in manifest:
            manifest[field] = recorded
            atomic_write_text(self.manifest_path, json.dumps(manifest, indent=2, sort_keys=True))

    def _check_digests(self, *paths: Path) -> None:
        """Each file the manifest's ``files`` records has that SHA-256 (runs made before qbexp
        recorded them have none)."""
        if not self.manifest_path.is_file():
            return
        try:
            files = json.loads(self.manifest_path.read_text()).get("files")
        except (OSError, ValueError, AttributeError, RecursionError):
            return  # the manifest's own checks say what is wrong with it
        for path in paths:
            digest = files.get(path.name) if isinstance(files, dict) else None
            if digest is not None and path.is_file() and _sha256(path) != digest:
                raise QbexpError(f"{path} is not the run's (copied from another run, or edited?): its SHA-256 "
                                 f"is not the one {self.manifest_path.name} records")

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
            raise QbexpError(f"{path} is corrupt ({type(err).__name__}: {first_line(err)})") from None
        circuits = restore_arrays(circuits, channels_path(path), path.name)  # a corrupt file says so first
        self._check_digests(path, channels_path(path))
        return circuits

    # -- arrays (exact state, battery Hamiltonian) -------------------------------
    def save_array(self, name: str, array) -> None:
        """``NAME.npy``, written once, atomically (a resumed run keeps the first); the manifest
        records its SHA-256 (an array written after the manifest is added to it)."""
        import numpy as np

        path = self.dir / f"{name}.npy"
        if path.exists():
            return
        tmp = path.with_suffix(".tmp.npy")
        try:
            np.save(tmp, array)
        except OSError as err:  # a full disk: the partial file goes, the message names the file
            tmp.unlink(missing_ok=True)
            raise QbexpError(f"cannot write {path}: {err.strerror or err}") from None
        tmp.replace(path)
        self._record_digests("arrays", {name: path}, overwrite=False)  # written after it (device.npy)

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
            from qbexp.models.matrices import STATE_ATOL, validate_density_matrix

            try:
                validate_density_matrix(array, atol=STATE_ATOL, name=f"the {name} state")
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
        if digest is not None and _sha256(path) != digest:
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
        return self._read_counts_record(name, run)[0]

    def _read_counts_record(self, name: str, run: dict | None) -> tuple[dict[str, int], dict]:
        """``(checked counts, the file's record)`` of one circuit (:meth:`read_counts`)."""
        path = self.counts_path(name)
        run = self.counts_context() if run is None else run  # a bad job record is not the counts file's fault
        try:
            record = read_json(path, f"counts of {name!r}")
            return check_counts_record(record, path, name, **run), record
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

    def check_counts(self) -> dict[str, str | None]:
        """Read every counts file: a corrupt one is a one-line error naming it.  Returns the job
        whose results each holds (its ``job_id``; None where it names none)."""
        run = self.counts_context()
        return {name: self._read_counts_record(name, run)[1].get("job_id") for name in sorted(self.counted())}

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

    def check_counts(self) -> dict[str, str | None]:
        # counts in memory were checked when saved
        return {name: record.get("job_id") for name, record in self._counts.items()}

    def check_outputs(self) -> None:
        pass  # nothing is written

    @contextmanager
    def lock(self):
        yield self

    def save_results(self, results: dict) -> None:
        self.results = results
