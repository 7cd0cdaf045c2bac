"""IBM Quantum through qiskit-ibm-runtime: profile kinds ``ibm`` and ``aer-noisy``.

``ibm`` sends sampler jobs (:func:`runtime_sampler`), in batch mode, to a device of the account;
``aer-noisy`` takes the same path up to the submission: the device is one of qiskit-ibm-runtime's
fake backends (real calibration data), circuits are transpiled to its target exactly as for
``ibm`` (``optimization_level``, ``initial_layout``), and then simulated on Aer with the device's noise
model restricted to the qubits they use (:mod:`qbexp.backends.noisy`: the runtime's local
testing mode rebuilds the whole 156-qubit noise model for every job, ~1 min each).

Credentials come from the environment (``QISKIT_IBM_TOKEN``, ``QISKIT_IBM_CHANNEL``,
``QISKIT_IBM_INSTANCE``) or from an account saved with ``QiskitRuntimeService.save_account``.
qbexp never stores them (nor lets the client create its empty account file when there is
none), and every message that leaves this module passes :meth:`redact`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import uuid

from qbexp.backends.executors import (LOCAL_POOL, LOST, Executor, LocalJob, derived_seed, has_channels,
                                      normalise_counts, on_one_layout)
from qbexp.backends.profiles import check_crn
from qbexp.backends.secrets import redact
from qbexp.circuits.measure import RESULT_REGISTER
from qbexp.errors import QbexpError, shown

NO_CREDENTIALS = ("no IBM Quantum credentials: set QISKIT_IBM_TOKEN or save an account with "
                  "QiskitRuntimeService.save_account(...)")
_STATUS = {"INITIALIZING": "QUEUED", "VALIDATING": "QUEUED", "QUEUED": "QUEUED", "RUNNING": "RUNNING",
           "DONE": "DONE", "ERROR": "ERROR", "CANCELLED": "CANCELLED"}

#: ``aer-noisy`` jobs of this process: job id -> (tag, job)
_LOCAL_JOBS: dict[str, tuple[str, "LocalJob"]] = {}


def runtime_sampler() -> tuple[type, type]:
    """The sampler class of the installed IBM client and the class of its options: the
    client-side ``executor_sampler.Sampler`` (qiskit-ibm-runtime >= 0.50, where ``SamplerV2`` is
    deprecated and to be removed), else ``SamplerV2`` (older clients: the Qiskit 1.3 stack's)."""
    try:
        from qiskit_ibm_runtime.executor_sampler import Sampler
        from qiskit_ibm_runtime.options_models import SamplerOptions
    except ImportError:
        from qiskit_ibm_runtime import SamplerV2 as Sampler
        from qiskit_ibm_runtime.options import SamplerOptions
    return Sampler, SamplerOptions


def client_side_sampler() -> bool:
    """Whether :func:`runtime_sampler` is the client-side sampler, which twirls only circuits
    without control flow (it raises "'if_else' is not supported" for the others)."""
    return runtime_sampler()[0].__name__ != "SamplerV2"


def check_dynamic_options(circuits, sampler_options: dict, where: str) -> None:
    """Dynamic circuits (classically controlled gates: the ``minimal`` charging) with sampler
    options that IBM's samplers refuse for them: dynamical decoupling (both samplers), gate or
    measurement twirling (the client-side one). One line, before anything is transpiled or
    submitted, instead of the service's refusal at submission. "Dynamic" is the client's own test."""
    from qiskit_ibm_runtime.utils import are_circuits_dynamic

    dynamic = next((c for c in circuits if are_circuits_dynamic([c])), None)
    if dynamic is None:
        return
    refused = []
    if (sampler_options.get("dynamical_decoupling") or {}).get("enable"):
        refused.append("dynamical_decoupling.enable")
    if client_side_sampler():
        twirling = sampler_options.get("twirling") or {}
        refused += [f"twirling.{key}" for key in ("enable_gates", "enable_measure") if twirling.get(key)]
    if refused:
        raise QbexpError(
            f"{where}: circuit {dynamic.name!r} is dynamic (mid-circuit measurement and classically "
            f"controlled gates: the minimal charging), which IBM's sampler cannot run with "
            f"{' and '.join(refused)} = true; set {'them' if len(refused) > 1 else 'it'} to false in the "
            "profile's [sampler] table, or choose another charging")


def _pub_counts(pub) -> dict[str, int]:
    """Counts of a sampler's result: the result register (``meas``) of dynamic circuits, else all
    registers joined."""
    data = pub.data
    source = getattr(data, RESULT_REGISTER, None) if len(list(data.keys())) > 1 else None
    return normalise_counts((source if source is not None else pub.join_data()).get_counts())


class IBMServiceError(QbexpError):
    """A call to IBM Quantum (or to local testing mode) failed; the message holds no secret."""


def client_channels() -> tuple[str, ...]:
    """The channels the installed qiskit-ibm-runtime accepts (its ``ChannelType``)."""
    import typing

    from qiskit_ibm_runtime.accounts.account import ChannelType

    args = typing.get_args(ChannelType)
    if len(args) == 2 and type(None) in args:  # Optional[Literal[...]]
        args = typing.get_args(next(a for a in args if a is not type(None)))
    flat = []
    for a in args:
        flat.extend(typing.get_args(a) or [a])
    return tuple(c for c in flat if isinstance(c, str) and c != "local")


#: The channel of the current IBM Quantum Platform, which older clients (the [dynamics] stack's) lack.
PLATFORM_CHANNEL = "ibm_quantum_platform"


def check_channel(channel: str | None, source: str = "the profile's channel") -> None:
    """Refuse, in one line, a channel that the installed client cannot talk to (``source``: where
    the channel was set, named in the message); None or empty: the client's default."""
    if not channel:
        return
    supported = client_channels()
    if channel in supported:
        return
    from qiskit_ibm_runtime import __version__

    if channel == PLATFORM_CHANNEL:
        raise QbexpError(
            f"channel {channel!r} needs a newer IBM client: the installed qiskit-ibm-runtime {__version__} "
            f"knows only {', '.join(supported)}; the IBM Quantum Platform needs qiskit-ibm-runtime >= 0.45 "
            "on Qiskit 2, i.e. the plain install (pip install qbexp, without the [dynamics] extra)")
    raise QbexpError(f"unknown IBM channel {shown(channel)} ({source}): the installed qiskit-ibm-runtime "
                     f"{__version__} knows {', '.join(supported)}")


def env_token() -> str | None:
    """``QISKIT_IBM_TOKEN`` without surrounding blanks, or None where it is unset or blank."""
    return (os.environ.get("QISKIT_IBM_TOKEN") or "").strip() or None


def connect(profile):
    """A QiskitRuntimeService for the profile's channel and instance, credentials from the environment."""
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    kwargs = {key: profile.options[key] for key in ("channel", "instance") if key in profile.options}
    blank = " (QISKIT_IBM_TOKEN is blank)" if os.environ.get("QISKIT_IBM_TOKEN") and not env_token() else ""
    try:
        accounts = Path.home() / ".qiskit" / "qiskit-ibm.json"  # where save_account keeps them
    except (RuntimeError, KeyError):  # no home folder (HOME unset, a uid without a passwd entry)
        if not env_token():
            raise QbexpError(NO_CREDENTIALS + " (there is no home folder for a saved account: "
                             "HOME is not set)" + blank) from None
        accounts = None
    if not env_token() and not accounts.is_file():
        raise QbexpError(NO_CREDENTIALS + blank)  # the client would create the file, empty, to look in it
    try:
        if accounts is None:
            return QiskitRuntimeService(**kwargs)
        return QiskitRuntimeService(**kwargs, filename=str(accounts))
    except AccountNotFoundError:
        raise QbexpError(NO_CREDENTIALS) from None
    except Exception as err:  # the service raises many types; none may leak a token
        raise IBMServiceError(f"cannot connect to IBM Quantum: {redact(f'{type(err).__name__}: {err}')}") from None


def job_status(job) -> str:
    """A runtime job's status (a string, or a JobStatus in local testing mode) as one of STATUSES."""
    raw = job.status()
    return _STATUS.get(str(getattr(raw, "name", raw)).upper(), "RUNNING")


class RuntimeExecutor(Executor):
    """Sampler jobs in one Batch; jobs of earlier processes are found again by id (``ibm``)."""

    def __init__(self, profile, seed=None, service=None):
        super().__init__(profile, seed)
        self.local = profile.kind == "aer-noisy"
        self.jobs_end_with_process = self.local
        self.poll_interval = profile.options.get("poll_interval", 0.05 if self.local else 30.0)
        self.max_circuits_per_job = profile.options.get("max_circuits_per_job", 100)
        if not self.local and service is None:
            instance = os.environ.get("QISKIT_IBM_INSTANCE")  # the client's, with the token from the environment
            if instance and env_token() and "instance" not in profile.options:
                try:
                    check_crn(instance, "QISKIT_IBM_INSTANCE")
                except QbexpError as err:  # a token pasted into the wrong variable is not printed
                    raise QbexpError(redact(str(err))) from None
            if profile.options.get("channel"):
                check_channel(profile.options["channel"], f"the channel of {profile.name}")
            else:
                check_channel(os.environ.get("QISKIT_IBM_CHANNEL"), "QISKIT_IBM_CHANNEL")
        self._service = service
        self._backend = None
        self._batch = None
        self._jobs: dict[str, object] = {}

    # -- connection ------------------------------------------------------------
    @property
    def service(self):
        if self._service is None:
            self._service = connect(self.profile)
        return self._service

    @property
    def backend(self):
        if self._backend is None:
            device = self.profile.options["device"]
            if self.local:
                from qbexp.backends.noisy import fake_device

                self._backend = fake_device(device)
            else:
                with self._calling(f"looking up device {device!r}"):
                    self._backend = self.service.backend(device)
        return self._backend

    def redact(self, text: str) -> str:
        """:func:`redact` with the connected account's token too."""
        secrets = []
        if self._service is not None and hasattr(self._service, "active_account"):
            try:
                secrets.append((self._service.active_account() or {}).get("token"))
            except Exception:  # no account details: the environment's token is still redacted
                pass
        return redact(text, [s for s in secrets if s])

    @contextmanager
    def _calling(self, what: str):
        try:
            yield
        except QbexpError:
            raise
        except Exception as err:
            raise IBMServiceError(f"{what} failed: {self.redact(f'{type(err).__name__}: {err}')}") from None

    # -- executor interface ----------------------------------------------------
    def prepare(self, circuits) -> list:
        """Transpiled for the device, every circuit on one layout.

        The profile's ``initial_layout``, or else the layout the transpiler chooses for the
        widest circuit with the most two-qubit gates: the others start on the same physical
        qubits (a narrower circuit on the first ones), so that readout calibration circuits
        read the qubits of the protocol (:func:`qbexp.circuits.measure.readout_calibration_circuits`;
        widened to every qubit the run reads where routing leaves the layout: :func:`on_one_layout`).
        """
        circuits = list(circuits)
        for circuit in circuits:
            if has_channels(circuit):
                raise QbexpError(f"circuit {circuit.name!r} holds a Kraus/SuperOp channel, which device "
                                 f"{self.profile.options['device']} cannot run; use its dilation (unitary + reset)")
        if not self.local:
            check_dynamic_options(circuits, self.profile.options.get("sampler", {}), f"backend {self.profile.name!r}")
        if not circuits:
            return []
        layout = self.profile.options.get("initial_layout")
        if layout is not None:
            self._check_layout(layout, max(c.num_qubits for c in circuits))
        with self._calling(f"transpiling for {self.profile.options['device']}"):
            return on_one_layout(circuits, lambda batch, initial: self._pass_manager(initial).run(batch), layout)

    def _check_layout(self, layout: list, width: int) -> None:
        """The profile's ``initial_layout`` places each qubit of the widest circuit on one of the device's."""
        where = f"backend {self.profile.name!r}: initial_layout = {layout}"
        if len(layout) != width:
            raise QbexpError(f"{where} places {len(layout)} qubit(s); the circuits have {width} (ancillas "
                             f"included): list {width} physical qubits")
        size = self.backend.num_qubits
        if max(layout) >= size:
            raise QbexpError(f"{where}: device {self.profile.options['device']} has no qubit {max(layout)} "
                             f"(its qubits are 0..{size - 1})")

    def _pass_manager(self, initial_layout):
        from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

        return generate_preset_pass_manager(
            optimization_level=self.profile.options.get("optimization_level", 1),
            backend=self.backend,
            initial_layout=initial_layout,
            seed_transpiler=self.seed,
        )

    def device_state(self, circuit, qubits):
        if not self.local:
            return None
        from qbexp.backends.noisy import device_state

        return device_state(self.profile.options["device"], circuit, qubits)

    def submit(self, named_circuits, shots, tag):
        if self.local:
            return self._submit_local(named_circuits, shots, tag)
        from qiskit_ibm_runtime import Batch

        options = {**self.profile.options.get("sampler", {}), "environment": {"job_tags": [tag]}}
        with self._calling(f"submitting {len(named_circuits)} circuits to {self.profile.options['device']}"):
            if self._batch is None:
                self._batch = Batch(backend=self.backend)
            sampler = runtime_sampler()[0](mode=self._batch, options=options)
            job = sampler.run([(qc,) for qc in named_circuits.values()], shots=shots)
            job_id = job.job_id()
        self._jobs[job_id] = job
        return job_id

    def _submit_local(self, named_circuits, shots, tag):
        """``aer-noisy``: each circuit gets its own seed, derived from the run seed and its name,
        so counts do not depend on how circuits are grouped into jobs (as on ``aer``)."""
        from qbexp.backends.noisy import simulate_counts

        seeds = [derived_seed(self.seed, name) for name in named_circuits]
        future = LOCAL_POOL.submit(simulate_counts, self.profile.options["device"],
                                   list(named_circuits.values()), shots, seeds)
        job_id = f"aer-noisy-{uuid.uuid4().hex}"
        _LOCAL_JOBS[job_id] = (tag, LocalJob(future))
        return job_id

    def poll(self, job_id):
        job = self._job(job_id)
        if job is None:
            return "ERROR"
        with self._calling(f"status of job {job_id}"):
            return job_status(job)

    def fetch(self, job_id, names):
        if self.poll(job_id) != "DONE":
            return {}
        if self.local:
            counts = self._job(job_id).counts()
            return {name: normalise_counts(c) for name, c in zip(names, counts)}
        with self._calling(f"results of job {job_id}"):
            result = self._job(job_id).result()
            if len(result) != len(names):
                raise QbexpError(f"job {job_id} returned {len(result)} results for {len(names)} circuits")
            return {name: _pub_counts(pub) for name, pub in zip(names, result)}

    def error(self, job_id):
        job = self._job(job_id)
        if job is None:
            return LOST if self.local else f"IBM Quantum has no job {job_id}"
        with self._calling(f"error message of job {job_id}"):
            message = job.error_message() or ""
            if not message and job_status(job) == "ERROR":
                try:
                    job.result()
                except Exception as err:  # local testing mode keeps the reason in the exception
                    message = f"{type(err).__name__}: {err}"
            return self.redact(message or job_status(job).lower())

    def find_job(self, tag):
        if self.local:
            return next((job_id for job_id, (t, _) in _LOCAL_JOBS.items() if t == tag), None)
        with self._calling(f"looking for the job tagged {tag}"):
            jobs = self.service.jobs(job_tags=[tag], limit=1)
        return jobs[0].job_id() if jobs else None

    def close(self):
        if self._batch is not None:
            with self._calling("closing the batch"):
                self._batch.close()
            self._batch = None

    def _job(self, job_id):
        if self.local:
            return _LOCAL_JOBS.get(job_id, (None, None))[1]
        if job_id not in self._jobs:
            from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound

            with self._calling(f"retrieving job {job_id}"):
                try:
                    self._jobs[job_id] = self.service.job(job_id)
                except RuntimeJobNotFound:
                    return None
        return self._jobs[job_id]
