"""The interface every backend adapter implements, and the factory that picks one for a profile.

An executor runs named circuits and returns counts; it knows nothing about run directories.
Durability (job records, resuming, never submitting twice) lives in
:mod:`qbexp.backends.submit`, which drives an executor through these calls::

    prepared = executor.prepare(circuits)               # transpile for the device
    job_id = executor.submit(dict(zip(names, prepared)), shots, tag)
    executor.poll(job_id)                               # QUEUED RUNNING DONE ERROR CANCELLED
    executor.fetch(job_id, names)                       # {name: counts}, maybe partial
    executor.error(job_id)                              # why it failed, free of secrets
    executor.find_job(tag)                              # the job a crashed submit created

Counts keys are bit strings over all classical bits, clbit 0 rightmost, with no spaces.
"""

from __future__ import annotations

import hashlib
import importlib
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor

from qbexp.backends.profiles import Profile, load_profile
from qbexp.backends.secrets import redact
from qbexp.errors import QbexpError

STATUSES = ("QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED")
FINAL = ("DONE", "ERROR", "CANCELLED")
#: shown for a job that ran inside a process that has ended (simulators keep no jobs)
LOST = "the simulator job ended with the process that ran it; resubmit with --retry-failed"
#: The executor class of each profile kind, as "module:Class" (imported when first used, so
#: that this module imports none of its adapters: adding a provider = one line here).
KINDS = {
    "aer": "qbexp.backends.aer:AerExecutor",
    "aer-noisy": "qbexp.backends.ibm:RuntimeExecutor",
    "ibm": "qbexp.backends.ibm:RuntimeExecutor",
}
#: Instructions only a simulator runs (quantum channels).
CHANNEL_INSTRUCTIONS = {"kraus", "superop"}
#: Simulators parallelise inside one simulation, so local jobs run one at a time.
LOCAL_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qbexp-sim")


class LocalJob:
    """A job simulated in this process: a future of :data:`LOCAL_POOL` whose result is a list of
    counts (``aer-noisy``, and fake devices given as objects: :mod:`qbexp.backends.noisy`)."""

    def __init__(self, future):
        self.future = future

    def status(self) -> str:
        if self.future.cancelled():
            return "CANCELLED"
        if not self.future.done():
            return "RUNNING" if self.future.running() else "QUEUED"
        return "ERROR" if self.future.exception() is not None else "DONE"

    def error_message(self) -> str:
        if self.future.done() and not self.future.cancelled() and self.future.exception() is not None:
            err = self.future.exception()
            return f"{type(err).__name__}: {err}"
        return ""

    def counts(self) -> list[dict]:
        return self.future.result()

    result = counts  # how the object executors read a failed job's reason (it raises)


def has_channels(circuit) -> bool:
    """Whether ``circuit`` holds a Kraus/SuperOp instruction (simulators only)."""
    return any(inst.operation.name in CHANNEL_INSTRUCTIONS for inst in circuit.data)


class Executor(ABC):
    """Runs named circuits on one backend; one instance per profile and seed."""

    #: seconds between two polls of an unfinished job
    poll_interval: float = 0.05
    #: at most this many circuits in one job (None: no limit)
    max_circuits_per_job: int | None = None
    #: whether its jobs run inside this process (simulators): they end with it, so nothing can
    #: fetch them later and :func:`qbexp.backends.submit.fetch_pending` waits for them
    jobs_end_with_process: bool = False

    def __init__(self, profile: Profile, seed: int | None = None):
        self.profile = profile
        self.seed = seed

    def redact(self, text: str) -> str:
        """``text`` free of credentials (:func:`qbexp.backends.secrets.redact`); an executor that
        holds a connected service also removes its token."""
        return redact(text)

    @abstractmethod
    def prepare(self, circuits) -> list:
        """The circuits as they will run: transpiled for the backend, in the same order."""

    @abstractmethod
    def submit(self, named_circuits: dict, shots: int, tag: str) -> str:
        """Start one job for prepared circuits; ``tag`` lets :meth:`find_job` recover it."""

    @abstractmethod
    def poll(self, job_id: str) -> str:
        """The job's status, one of :data:`STATUSES`."""

    @abstractmethod
    def fetch(self, job_id: str, names: list[str]) -> dict[str, dict[str, int]]:
        """Counts of the circuits of a job whose results are available.

        ``names`` are all the job's circuit names in submission order.  Returns only the
        circuits whose counts exist (possibly none); never raises for a failed job.
        """

    @abstractmethod
    def error(self, job_id: str) -> str:
        """Why a job ended in ERROR or CANCELLED (no credentials in the text)."""

    @abstractmethod
    def find_job(self, tag: str) -> str | None:
        """The id of the job submitted with ``tag``, if the backend knows one."""

    def device_state(self, circuit, qubits):
        """The state of ``qubits`` that the transpiled ``circuit`` prepares before its final
        measurements on this backend's noise, without readout errors (a density matrix), or
        None where the backend is ideal or not a simulator (README: estimate, device, exact)."""
        return None

    def describe(self) -> dict:
        """What a manifest records to reconnect later: the profile and the seed, no secrets."""
        return {**self.profile.to_dict(), "seed": self.seed}

    def close(self) -> None:
        """Release connections; jobs already submitted keep running on remote backends."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def executor_for(profile: Profile, seed: int | None = None, service=None) -> Executor:
    """The executor of ``profile``; ``service`` replaces the IBM Quantum connection (tests)."""
    if seed is not None and not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
        raise QbexpError(f"seed = {seed!r}; it must be an integer >= 0 or None")
    if profile.kind not in KINDS:
        raise QbexpError(f"no executor for backend kind {profile.kind!r}; kinds: {', '.join(KINDS)}")
    module, _, name = KINDS[profile.kind].partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls(profile, seed, service=service) if service is not None else cls(profile, seed)


def executor_from_manifest(manifest: dict, service=None) -> Executor:
    """Reconnect to the backend a run directory was started on (``manifest["backend"]``).

    ``manifest["backend"]`` is :meth:`Executor.describe` (profile recorded in full, so the
    run resumes from any directory even if the profile file changed since), or a profile
    name or path with the seed in ``manifest["seed"]``.
    """
    recorded = manifest.get("backend")
    what = object_backend(manifest)
    if what is not None:
        raise QbexpError(f"this run was made with a Python {what} object ({recorded.get('name')}) whose jobs lived "
                         "in that process only: it can be analysed (qbexp analyze), not resumed or fetched")
    if isinstance(recorded, dict):
        return executor_for(Profile.from_dict(recorded), recorded.get("seed"), service=service)
    if isinstance(recorded, str):
        return executor_for(load_profile(recorded), manifest.get("seed"), service=service)
    raise QbexpError("the manifest records no backend (key 'backend'); this run directory was not run by qbexp run")


def object_backend(manifest: dict) -> str | None:
    """``"backend"`` or ``"sampler"`` for a run made with a Python object (``kind`` backend-object,
    sampler-object), whose jobs lived in that process only: no other process reconnects to them."""
    recorded = manifest.get("backend")
    if isinstance(recorded, dict) and str(recorded.get("kind", "")).endswith("-object"):
        return str(recorded["kind"]).removesuffix("-object")
    return None


def on_one_layout(circuits: list, transpile_with, layout: list | None = None) -> list:
    """``circuits`` transpiled on one layout: ``transpile_with(circuits, initial_layout)`` transpiles
    a list; ``layout`` (physical qubits), or else the one the transpiler chooses for the widest
    circuit with the most two-qubit gates.  The narrower circuits start on its first qubits, so that
    the readout calibration circuits read the qubits of the protocol (each transpiled on its own,
    they landed on other qubits, and the readout mitigation refused the run after it had run)."""
    from qbexp.circuits.metrics import two_qubit_gates

    if layout is None:
        widest = max(circuits, key=lambda c: (c.num_qubits, two_qubit_gates(c)))
        layout = transpile_with([widest], None)[0].layout.initial_index_layout(filter_ancillas=True)
    by_width: dict[int, list[int]] = {}
    for i, circuit in enumerate(circuits):
        by_width.setdefault(min(circuit.num_qubits, len(layout)), []).append(i)
    out = [None] * len(circuits)
    for width, indices in by_width.items():
        for i, circuit in zip(indices, transpile_with([circuits[i] for i in indices], list(layout[:width]))):
            out[i] = circuit
    return _calibrate_what_is_read(circuits, out, transpile_with)


def _calibrate_what_is_read(circuits: list, transpiled: list, transpile_with) -> list:
    """The readout calibration circuits (``readout_cal_0`` / ``_1``, if any) of ``transpiled`` made
    to read every physical qubit that the other circuits read.  Routing can end a battery qubit on
    a physical qubit outside the layout (an ``initial_layout`` of qubits that are not neighbours:
    FakeSherbrooke's [0, 2, 4] read qubit 1), which the calibration on the layout left
    uncalibrated: the analysis refused the run after all its jobs had run.  The calibration then
    reads the union of the qubits read, placed there directly (X gates and measurements need no
    routing); the analysis matches each bit to its physical qubit
    (:func:`qbexp.backends.submit.measured_qubits`)."""
    from qbexp.backends.submit import measured_qubits
    from qbexp.circuits.measure import readout_calibration_circuits

    calibration = {i: c.name for i, c in enumerate(circuits) if str(c.name).startswith("readout_cal_")}
    if not calibration:
        return transpiled
    read = sorted({q for i, c in enumerate(transpiled) if i not in calibration
                   for q in measured_qubits(c) if q is not None})
    calibrated = {q for i in calibration for q in measured_qubits(transpiled[i])}
    if set(read) <= calibrated:
        return transpiled
    wider = {f"readout_cal_{label}": qc for label, qc in readout_calibration_circuits(len(read))}
    out = list(transpiled)
    for i, name in calibration.items():
        qc = wider[name]
        qc.metadata = circuits[i].metadata
        out[i] = transpile_with([qc], read)[0]
    return out


def derived_seed(seed: int | None, *parts: str) -> int | None:
    """A seed for one circuit or job, fixed by ``seed`` and its names (None stays None)."""
    if seed is None:
        return None
    digest = hashlib.sha256("/".join((str(seed), *parts)).encode()).digest()
    return 1 + int.from_bytes(digest[:4], "big") % (2**31 - 2)


def normalise_counts(counts) -> dict[str, int]:
    """Counts with register separators removed and plain int values."""
    return {str(k).replace(" ", ""): int(v) for k, v in dict(counts).items()}
