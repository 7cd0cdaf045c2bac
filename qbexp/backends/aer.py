"""The ideal simulator (profile kind ``aer``): Qiskit Aer, in this process or on a Dask cluster.

Circuits with quantum channels (Kraus / SuperOp instructions) run with the density-matrix
method; everything else with Aer's automatic choice (or the profile's ``method``).  Each
circuit gets its own seed, derived from the run seed and the circuit's name, so counts do
not depend on how circuits are grouped into jobs: a resumed run, a run split into chunks and
a run on a Dask cluster (profile field ``scheduler``) give the same counts.

Aer 0.18 ignores its own ``executor`` option, so chunks of circuits are sent to the cluster
through Dask's ``concurrent.futures`` interface; each worker runs Aer on its chunk.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import threading
import uuid
from contextlib import contextmanager
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from qbexp.backends.executors import LOCAL_POOL, LOST, Executor, derived_seed, has_channels
from qbexp.circuits.measure import result_counts
from qbexp.errors import QbexpError

@dataclass
class _Job:
    tag: str
    futures: list[Future]


#: jobs of this process (simulator jobs end with it)
_JOBS: dict[str, _Job] = {}


def simulate(items, shots: int, method: str | None = None) -> dict[str, dict[str, int]]:
    """Run ``(name, circuit, seed)`` items on Aer, one circuit per run; counts by name.

    A module-level function so that Dask workers can run it.
    """
    from qiskit_aer import AerSimulator

    simulators: dict[str, AerSimulator] = {}
    superops: dict = {}
    out = {}
    for name, circuit, seed in items:
        # channels (superop) only run on the density matrix: a profile's statevector or MPS
        # method for them failed every circuit after submission, and fetch --retry-failed again
        chosen = "density_matrix" if has_channels(circuit) else (method or "automatic")
        circuit = _kraus_as_superop(circuit, superops)
        sim = simulators.setdefault(chosen, AerSimulator(method=chosen))
        result = sim.run(circuit, shots=shots, seed_simulator=seed).result()
        if not result.success:
            raise RuntimeError(f"Aer failed on circuit {name!r}: {result.status}")
        out[name] = result_counts(result.get_counts(0), circuit)
    return out


def _kraus_as_superop(circuit, cache: dict):
    """``circuit`` with each Kraus instruction replaced by its superoperator, computed once per
    distinct channel in ``cache``: Aer would rebuild it from the Kraus set on every circuit
    (0.5 s per tomography circuit at N = 5, 25 s at N = 6)."""
    if not any(inst.operation.name == "kraus" for inst in circuit.data):
        return circuit
    from qiskit.circuit import Instruction

    out = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name == "kraus":
            ops = np.asarray(inst.operation.params, dtype=complex)
            key = (ops.shape, hashlib.sha256(ops.tobytes()).hexdigest())
            if key not in cache:  # sum_k conj(K_k) (x) K_k, column stacking as qiskit's SuperOp
                d = ops.shape[1]
                superop = np.tensordot(ops.conj(), ops, axes=(0, 0)).transpose(0, 2, 1, 3).reshape(d * d, d * d)
                cache[key] = Instruction("superop", inst.operation.num_qubits, 0, [superop])
            inst = inst.replace(operation=cache[key])
        out.append(inst)
    return out


def transpile_for_aer(circuits, seed: int | None = None) -> list:
    """Rewrite into Aer's instruction set without optimising (channels are kept)."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    return transpile(list(circuits), AerSimulator(), optimization_level=0, seed_transpiler=seed)


def run_counts(circuits, shots: int, seed: int | None = None) -> list[dict[str, int]]:
    """Execute ``circuits`` on Aer in this process; counts per circuit, in order (no run directory)."""
    if not isinstance(shots, int) or isinstance(shots, bool) or shots < 1:
        raise QbexpError(f"shots = {shots}; it must be an integer >= 1")
    compiled = transpile_for_aer(circuits, seed)
    names = [str(i) for i in range(len(compiled))]
    counts = simulate([(n, qc, derived_seed(seed, n)) for n, qc in zip(names, compiled)], shots)
    return [counts[n] for n in names]


#: Seconds to connect to a Dask scheduler (and 5 more for its answer).
CONNECT_TIMEOUT = 30
#: Set by the command line (:func:`quiet_dask`): Dask's own log lines are dropped there, where
#: each failure they tell of is one line of qbexp's (Ctrl-C or a scheduler lost mid-run printed
#: 40-90 lines of tracebacks first); the library leaves logging as it finds it.  The value: what
#: to restore when the block ends (None: not quiet).
QUIET_DASK: contextvars.ContextVar[dict | None] = contextvars.ContextVar("qbexp_quiet_dask", default=None)
#: Dask's loggers (distributed.config's defaults) and asyncio's, which a torn-down client's
#: loop writes to.
DASK_LOGGERS = ("distributed", "distributed.client", "distributed.gc", "bokeh", "tornado", "tornado.application",
                "asyncio")


@contextmanager
def quiet_dask():
    """Within the block, a Dask client made by qbexp leaves Dask's log lines out (module
    QUIET_DASK).  The loggers are restored when the block ends normally; after an exception
    (Ctrl-C, a scheduler lost) they stay quiet: the command line exits then, and the client's
    teardown at exit would print its tracebacks."""
    saved: dict = {}
    token = QUIET_DASK.set(saved)
    try:
        yield
    except BaseException:
        saved.clear()
        raise
    finally:
        QUIET_DASK.reset(token)
        if saved:
            import dask

            dask.config.set({"logging": saved["config"]})
            for name, level in saved["levels"].items():
                logging.getLogger(name).setLevel(level)


def _quiet_dask_logging(saved: dict) -> None:
    """Dask's loggers at CRITICAL: in its configuration before ``distributed`` is imported (which
    sets their levels from it), and on the loggers themselves if it already is; ``saved`` gets
    what they were (once)."""
    import dask

    if not saved:
        saved["config"] = dask.config.get("logging", default={})
        saved["levels"] = {name: logging.getLogger(name).level for name in DASK_LOGGERS}
    dask.config.set({"logging": {name: "critical" for name in DASK_LOGGERS if name != "asyncio"}})
    for name in DASK_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


class AerExecutor(Executor):
    """Jobs are futures of this process's pool or of a Dask cluster."""

    jobs_end_with_process = True  # (a Dask cluster's futures too: released when this client closes)

    def __init__(self, profile, seed=None):
        super().__init__(profile, seed)
        self.method = profile.options.get("method")
        self.max_circuits_per_job = profile.options.get("max_circuits_per_job")
        self.scheduler = profile.options.get("scheduler")
        self.chunk_size = profile.options.get("chunk_size", 8 if self.scheduler else None)
        self._client = None
        self._pool = LOCAL_POOL if self.scheduler is None else self._connect()

    def _connect(self):
        if QUIET_DASK.get() is not None:
            _quiet_dask_logging(QUIET_DASK.get())
        try:
            from distributed import Client
        except ImportError:
            raise QbexpError(f"backend {self.profile.name!r} names a Dask scheduler but dask is not installed; "
                             "pip install 'qbexp[dask]'") from None
        # Client's timeout covers opening the connection, not the handshake: a server that accepts
        # and never answers held `qbexp run` forever; one that answers something else (a proxy's
        # HTTP 400) raised MemoryError ("3.07 EiB"), tls:// without certificates a TypeError
        outcome: dict = {}

        def connect():
            try:
                outcome["client"] = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
            except Exception as err:  # noqa: BLE001 (every failure to connect is one line)
                outcome["error"] = err
        thread = threading.Thread(target=connect, name="qbexp-dask-connect", daemon=True)
        thread.start()
        thread.join(CONNECT_TIMEOUT + 5)
        if "client" in outcome:
            self._client = outcome["client"]
            return self._client.get_executor()
        err = outcome.get("error")
        why = (f"no answer within {CONNECT_TIMEOUT + 5:g} s: is a Dask scheduler listening there?" if err is None
               else "it answered, but not as a Dask scheduler" if isinstance(err, MemoryError)  # a length of 3 EiB
               else " ".join(f"{type(err).__name__}: {err}".split())[:300])
        raise QbexpError(f"cannot reach the Dask scheduler at {self.scheduler} ({why})")

    def prepare(self, circuits) -> list:
        return transpile_for_aer(circuits, self.seed)

    def submit(self, named_circuits, shots, tag):
        items = [(name, qc, derived_seed(self.seed, name)) for name, qc in named_circuits.items()]
        size = self.chunk_size or len(items)
        futures = [self._pool.submit(simulate, items[i:i + size], shots, self.method)
                   for i in range(0, len(items), size)]
        job_id = f"aer-{uuid.uuid4().hex}"
        _JOBS[job_id] = _Job(tag, futures)
        return job_id

    def poll(self, job_id):
        job = _JOBS.get(job_id)
        if job is None:
            return "ERROR"
        if any(f.cancelled() for f in job.futures):
            return "CANCELLED"
        if not all(f.done() for f in job.futures):
            return "RUNNING" if any(f.running() or f.done() for f in job.futures) else "QUEUED"
        return "ERROR" if any(f.exception() for f in job.futures) else "DONE"

    def fetch(self, job_id, names):
        job = _JOBS.get(job_id)
        out = {}
        for future in job.futures if job else ():
            if future.done() and not future.cancelled() and future.exception() is None:
                out.update(future.result())
        return {n: c for n, c in out.items() if n in names}

    def error(self, job_id):
        job = _JOBS.get(job_id)
        if job is None:
            return LOST
        for future in job.futures:
            if future.cancelled():
                return "cancelled"
            if future.done() and future.exception() is not None:
                err = future.exception()
                return f"{type(err).__name__}: {err}"
        return ""

    def find_job(self, tag):
        return next((job_id for job_id, job in _JOBS.items() if job.tag == tag), None)

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None
