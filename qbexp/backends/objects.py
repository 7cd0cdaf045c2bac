"""Backends given as Python objects: any Qiskit ``BackendV2`` or ``BaseSamplerV2``.

``qbexp.run(exp, backend=obj)`` wraps the object in one of these executors, which the rest of
qbexp drives like the executors of profiles (:mod:`qbexp.backends.submit`):

* a ``BackendV2`` (``AerSimulator(noise_model=...)``, a fake device, a provider's device):
  circuits are transpiled for its target (an ``AerSimulator`` keeps Kraus/SuperOp channels)
  and run one at a time with ``backend.run``, each with its own seed derived from the run's
  seed and the circuit's name when the backend takes ``seed_simulator``.  A fake device of
  ``qiskit_ibm_runtime.fake_provider`` (``FakeFez()``) is simulated as the ``aer-noisy``
  profile simulates its device, on the qubits the circuits use (:mod:`qbexp.backends.noisy`):
  its own ``run`` builds Aer's noise model of all its qubits for every job (~20 s for the
  156-qubit FakeFez) and cannot run dynamic circuits at all (Aer does not cut a circuit with
  mid-circuit measurements down to its qubits and asks for the memory of 156: the ``minimal``
  charging failed after submission); the results then carry the device figures too;
* a ``BaseSamplerV2`` (Aer's, IBM Runtime's, qiskit's reference samplers): circuits are
  transpiled for the sampler's backend when it has one (IBM Runtime needs ISA circuits) and run
  as one sampler job; seeds are the sampler's own.

Their jobs live in this process only: a run directory made with an object records what it
was (``describe``) but cannot be resumed or fetched by another process.
"""

from __future__ import annotations

from qbexp.backends.executors import (LOCAL_POOL, LOST, Executor, LocalJob, derived_seed, has_channels,
                                      normalise_counts, on_one_layout)
from qbexp.backends.profiles import Profile
from qbexp.backends.secrets import redact
from qbexp.circuits.measure import RESULT_REGISTER, result_counts
from qbexp.errors import QbexpError

OBJECT_KINDS = ("backend-object", "sampler-object")
_STATUS = {"INITIALIZING": "QUEUED", "QUEUED": "QUEUED", "VALIDATING": "QUEUED", "RUNNING": "RUNNING",
           "DONE": "DONE", "ERROR": "ERROR", "CANCELLED": "CANCELLED"}


def is_backend(obj) -> bool:
    from qiskit.providers import BackendV2

    return isinstance(obj, BackendV2)


def is_sampler(obj) -> bool:
    from qiskit.primitives import BaseSamplerV2

    return isinstance(obj, BaseSamplerV2)


def executor_for_object(obj, seed: int | None = None) -> Executor:
    """The executor of a ``BackendV2`` or ``BaseSamplerV2``; anything else is a one-line error."""
    if is_backend(obj):
        return BackendExecutor(obj, seed)
    if is_sampler(obj):
        return SamplerExecutor(obj, seed)
    raise QbexpError(f"backend {type(obj).__name__} is neither a profile name, a .toml path, a Qiskit "
                     "BackendV2 nor a BaseSamplerV2 (e.g. AerSimulator(), qiskit_aer.primitives.SamplerV2())")


def _status(job) -> str:
    raw = job.status()
    return _STATUS.get(str(getattr(raw, "name", raw)).upper(), "RUNNING")


def _failure(job) -> str | None:
    """Why a job that its backend reports done has no results, or None: Aer reports DONE for a
    simulation that failed (a method that cannot run the circuit), with an unsuccessful result."""
    result = job.result()
    if getattr(result, "success", True) is not False:
        return None
    return " ".join(str(getattr(result, "status", "") or "the backend returned a failed result").split())[:300]


def _service_tokens(obj) -> list[str]:
    """Tokens of the runtime services ``obj`` holds, directly or through its mode or backend (an
    IBM Runtime ``SamplerV2`` or ``IBMBackend``); none for other objects."""
    tokens, seen, todo = [], set(), [obj]
    for _ in range(3):  # the object, its mode or backend, their service
        found = []
        for item in todo:
            if item is None or id(item) in seen:
                continue
            seen.add(id(item))
            account = getattr(item, "active_account", None)
            if callable(account):
                try:
                    token = (account() or {}).get("token")
                except Exception:  # no account details: the other redactions still apply
                    token = None
                if isinstance(token, str):
                    tokens.append(token)
            for name in ("mode", "_mode", "backend", "_backend", "service", "_service"):
                try:
                    value = getattr(item, name, None)
                except Exception:
                    continue
                if value is not None and not callable(value):  # a method (backend()) is no holder
                    found.append(value)
        todo = found
    return tokens


def _is_aer(backend) -> bool:
    return type(backend).__module__.startswith("qiskit_aer")


def _is_fake_device(backend) -> bool:
    """A fake device of ``qiskit_ibm_runtime.fake_provider`` (module docstring)."""
    try:
        from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2
    except ImportError:
        return False
    return isinstance(backend, FakeBackendV2)


def _check_channels(circuits, name: str, on_aer: bool, one_state: bool = False) -> None:
    """Before anything is submitted: Kraus/SuperOp instructions run on Aer only (a density-matrix
    simulator); any other backend or sampler (qiskit's StatevectorSampler, a device) fails on
    them only after submission, leaving a failed run.  ``one_state``: qiskit's StatevectorSampler,
    which runs none of the hardware chargings either (:func:`_check_one_state_sampler`), so the
    message offers Aer only."""
    if on_aer:
        return
    aer = "an Aer backend (backend='aer', AerSimulator(), qiskit_aer.primitives.SamplerV2())"
    for circuit in circuits:
        if has_channels(circuit):
            instead = (f"use {aer}: the hardware-executable chargings reset or measure qubits mid-circuit, which "
                       "the StatevectorSampler does once for all shots" if one_state else
                       f"use a hardware-executable charging (charging='collision', 'dilation' or 'minimal') or {aer}")
            raise QbexpError(f"circuit {circuit.name!r} holds a Kraus/SuperOp channel, which {name} cannot run "
                             f"(only Aer simulates channels): {instead}")


def _check_one_state_sampler(circuits, sampler) -> None:
    """qiskit's reference ``StatevectorSampler`` evolves one statevector and samples all shots from
    it: a reset or a mid-circuit measurement collapses once for every shot (the collision charging
    gave an ergotropy of 0.98 +- 0.01 for an exact 0.58), and control flow it does not run."""
    from qiskit.primitives import StatevectorSampler

    if not isinstance(sampler, StatevectorSampler):
        return
    from qbexp.circuits.measure import is_dynamic

    for circuit in circuits:
        body = circuit.remove_final_measurements(inplace=False)
        if is_dynamic(body) or any(inst.operation.name == "reset" for inst in body.data):
            raise QbexpError(f"circuit {circuit.name!r} resets or measures qubits mid-circuit, which qiskit's "
                             "StatevectorSampler does once for all shots (one collapsed state: wrong counts); "
                             "use qiskit_aer.primitives.SamplerV2() or AerSimulator()")


def _transpile(circuits, backend, seed):
    """Circuits for ``backend``'s target; on Aer without optimisation, so that channels stay (and
    every circuit on the first qubits); elsewhere every circuit on one layout (:func:`on_one_layout`)."""
    from qiskit import transpile

    circuits = list(circuits)
    if backend is None or not circuits:
        return circuits
    if _is_aer(backend):
        return transpile(circuits, backend=backend, optimization_level=0, seed_transpiler=seed)
    return on_one_layout(circuits, lambda batch, initial: transpile(
        batch, backend=backend, optimization_level=1, seed_transpiler=seed, initial_layout=initial))


def _sampler_backend(sampler):
    """The backend a sampler runs on, or None (qiskit's reference samplers)."""
    backend = getattr(sampler, "backend", None)
    backend = backend() if callable(backend) else backend
    if backend is None:  # Aer's SamplerV2 keeps its AerSimulator here, and runs no transpiler
        backend = getattr(sampler, "_backend", None)
    return backend


def _settings(obj) -> dict:
    """What of a backend object shapes its counts, recorded in the run's manifest: its class, the
    backend a sampler runs on and, for Aer, its method and the SHA-256 of its noise model.  A run
    resumed with an object that differs in them is refused (it mixed or kept the other's counts,
    and took the other's device state): :meth:`qbexp.backends.store.RunStore.open_for`."""
    import hashlib
    import json

    out = {"class": f"{type(obj).__module__}.{type(obj).__name__}"}
    backend = obj if is_backend(obj) else _sampler_backend(obj)
    if backend is None:
        return out
    if backend is not obj:
        out["backend"] = str(getattr(backend, "name", None) or type(backend).__name__)
    if _is_aer(backend):
        options = getattr(backend, "options", None)
        out["method"] = str(getattr(options, "method", None))
        model = getattr(options, "noise_model", None)
        if model is None or model.is_ideal():
            out["noise_model"] = None
        else:  # (1-3 s for a 156-qubit device's model: once per run)
            text = json.dumps(_without_ids(model.to_dict()), sort_keys=True,
                              default=lambda o: o.tolist() if hasattr(o, "tolist") else repr(o))
            out["noise_model"] = hashlib.sha256(text.encode()).hexdigest()
    return out


def _without_ids(data):
    """A noise model's ``to_dict`` without the random ``id`` of each error (the same model, built
    twice, would differ in them)."""
    if isinstance(data, dict):
        return {k: _without_ids(v) for k, v in data.items() if k != "id"}
    if isinstance(data, list):
        return [_without_ids(v) for v in data]
    return data


class _ObjectExecutor(Executor):
    kind = ""
    jobs_end_with_process = True  # (module docstring)

    def __init__(self, obj, seed=None):
        if seed is not None and not (isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0):
            raise QbexpError(f"seed = {seed!r}; it must be an integer >= 0 or None")
        name = getattr(obj, "name", None) or type(obj).__name__
        super().__init__(Profile(str(name), self.kind, _settings(obj)), seed)
        self.obj = obj
        self._jobs: dict[str, object] = {}
        self._circuits: dict[str, list] = {}

    def describe(self) -> dict:
        return {**self.profile.to_dict(), "seed": self.seed}

    def redact(self, text: str) -> str:
        """Without credentials, the token of a service the object holds included (an IBM
        Runtime sampler's or backend's: their errors may quote it)."""
        return redact(text, _service_tokens(self.obj))

    def poll(self, job_id):
        jobs = self._jobs.get(job_id)
        if jobs is None:
            return "ERROR"
        states = [self._state(j) for j in (jobs if isinstance(jobs, list) else [jobs])]
        for state in ("ERROR", "CANCELLED", "QUEUED", "RUNNING"):
            if state in states:
                return state
        return "DONE"

    def error(self, job_id):
        jobs = self._jobs.get(job_id)
        if jobs is None:
            return LOST
        for job in jobs if isinstance(jobs, list) else [jobs]:
            state = self._state(job)
            if state in ("ERROR", "CANCELLED"):
                try:
                    job.result()
                except Exception as err:  # the job keeps its reason in the exception (submit redacts it)
                    return f"{type(err).__name__}: {err}"
                return (_failure(job) if state == "ERROR" else None) or state.lower()
        return ""

    def find_job(self, tag):
        return None

    def _state(self, job) -> str:
        """A job's status (:data:`~qbexp.backends.executors.STATUSES`)."""
        return _status(job)


def aer_device_state(simulator, circuit, qubits):
    """The state an ``AerSimulator`` with a noise model prepares before its final measurements, or
    None for one without noise.  The final measurements are removed, so their readout errors
    play no part; those of mid-circuit measurements (dynamic circuits) do, as on the device."""
    import numpy as np
    from qiskit_aer import AerSimulator

    model = getattr(getattr(simulator, "options", None), "noise_model", None)
    if model is None or model.is_ideal():
        return None
    from qbexp.backends.noisy import record_sum_state
    from qbexp.circuits.measure import is_dynamic

    qc = circuit.remove_final_measurements(inplace=False)
    if is_dynamic(qc):  # the exact sum over measurement records (qbexp.backends.noisy.device_state)
        return record_sum_state(qc, qubits, model, renumbered=False)
    sim = AerSimulator(method="density_matrix", noise_model=model)
    qc.save_density_matrix(qubits=list(qubits))
    return np.asarray(sim.run(qc, shots=1, seed_simulator=1).result().data()["density_matrix"])


class BackendExecutor(_ObjectExecutor):
    """A ``BackendV2``: transpiled for its target, one ``backend.run`` per circuit."""

    kind = "backend-object"

    def _state(self, job) -> str:
        state = _status(job)
        return "ERROR" if state == "DONE" and _failure(job) is not None else state

    def device_state(self, circuit, qubits):
        if _is_fake_device(self.obj):
            from qbexp.backends.noisy import device_state

            return device_state(self.obj, circuit, qubits)
        return aer_device_state(self.obj, circuit, qubits) if _is_aer(self.obj) else None

    def prepare(self, circuits) -> list:
        circuits = list(circuits)
        _check_channels(circuits, self.profile.name, _is_aer(self.obj))
        try:
            return _transpile(circuits, self.obj, self.seed)
        except Exception as err:
            raise QbexpError(self.redact(f"transpiling for {self.profile.name} failed: {type(err).__name__}: {err}")) from None

    def submit(self, named_circuits, shots, tag):
        import uuid

        jobs = (self._local_jobs if _is_fake_device(self.obj) else self._backend_jobs)(named_circuits, shots)
        job_id = f"backend-{uuid.uuid4().hex}"
        self._jobs[job_id] = jobs
        self._circuits[job_id] = list(named_circuits.values())
        return job_id

    def _backend_jobs(self, named_circuits, shots) -> list:
        """One ``backend.run`` per circuit, seeded where the backend takes ``seed_simulator``."""
        seeded = "seed_simulator" in getattr(self.obj, "options", {})
        jobs = []
        for name, circuit in named_circuits.items():
            options = {"seed_simulator": derived_seed(self.seed, name)} if seeded and self.seed is not None else {}
            if _is_aer(self.obj) and has_channels(circuit):
                options["method"] = "density_matrix"
            jobs.append(self.obj.run(circuit, shots=shots, **options))
        return jobs

    def _local_jobs(self, named_circuits, shots) -> list:
        """A fake device's circuits simulated on the qubits they use (module docstring)."""
        from qbexp.backends.noisy import simulate_counts

        return [LocalJob(LOCAL_POOL.submit(simulate_counts, self.obj, [circuit], shots, [derived_seed(self.seed, name)]))
                for name, circuit in named_circuits.items()]

    def fetch(self, job_id, names):
        if self.poll(job_id) != "DONE":
            return {}
        jobs = self._jobs[job_id]
        if jobs and isinstance(jobs[0], LocalJob):
            return {name: normalise_counts(job.counts()[0]) for name, job in zip(names, jobs)}
        return {name: result_counts(job.result().get_counts(0), circuit)
                for name, (job, circuit) in zip(names, zip(jobs, self._circuits[job_id]))}


class SamplerExecutor(_ObjectExecutor):
    """A ``BaseSamplerV2``: transpiled for its backend if it has one, one sampler job."""

    kind = "sampler-object"

    def device_state(self, circuit, qubits):
        backend = self._backend()
        return aer_device_state(backend, circuit, qubits) if backend is not None and _is_aer(backend) else None

    def _backend(self):
        return _sampler_backend(self.obj)

    def prepare(self, circuits) -> list:
        circuits = list(circuits)
        backend = self._backend()
        from qiskit.primitives import StatevectorSampler

        _check_channels(circuits, self.profile.name, backend is not None and _is_aer(backend),
                        one_state=isinstance(self.obj, StatevectorSampler))
        _check_one_state_sampler(circuits, self.obj)
        try:
            return _transpile(circuits, backend, self.seed)
        except Exception as err:
            raise QbexpError(self.redact(f"transpiling for the sampler's backend failed: {type(err).__name__}: {err}")) from None

    def submit(self, named_circuits, shots, tag):
        try:
            job = self.obj.run([(qc,) for qc in named_circuits.values()], shots=shots)
        except Exception as err:
            raise QbexpError(self.redact(f"the sampler refused the circuits: {type(err).__name__}: {err}")) from None
        job_id = job.job_id() if callable(getattr(job, "job_id", None)) else str(id(job))
        self._jobs[job_id] = job
        return job_id

    def fetch(self, job_id, names):
        if self.poll(job_id) != "DONE":
            return {}
        result = self._jobs[job_id].result()
        if len(result) != len(names):
            raise QbexpError(f"the sampler returned {len(result)} results for {len(names)} circuits")
        out = {}
        for name, pub in zip(names, result):
            try:
                data = pub.data
                source = getattr(data, RESULT_REGISTER, None) if len(list(data.keys())) > 1 else None
                counts = (source if source is not None else pub.join_data()).get_counts()
            except Exception:
                counts = None
            if not counts:
                raise QbexpError(f"the sampler returned no counts for circuit {name!r}")
            out[name] = normalise_counts(counts)
        return out
