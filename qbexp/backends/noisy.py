"""Aer with a real device's noise, on the qubits a circuit uses only (profile kind ``aer-noisy``,
and a fake device given to ``qbexp.run`` as an object: :mod:`qbexp.backends.objects`).

``NoiseModel.from_backend`` builds errors for every gate of every qubit of the device: for the
156-qubit Heron FakeFez that is ~20 s on one core before the first shot, and qiskit-ibm-runtime's
local testing mode builds it again for every job (measured: 65 s for one 9-circuit job, against
<1 s for a 7-qubit Falcon).  A protocol uses a handful of qubits, so this module cuts the
device's target down to the physical qubits the transpiled circuits act on (gate, readout and
relaxation data of those qubits and the couplers between them, unchanged), builds the noise
model of that small target (Aer's own ``NoiseModel.from_backend``, the same error model) and
runs the circuits restricted to those qubits.  Counts are those of the full-device simulation:
the same noise channels act on the same qubits; idle qubits carry no noise in either.

:func:`device_state` is the state the noisy device prepares before its measurements, without
readout errors: the ``device`` column of results (README, "estimate, device, exact").
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from qbexp.circuits.measure import is_dynamic, result_counts
from qbexp.circuits.metrics import restrict
from qbexp.errors import QbexpError


def used_qubits(circuit) -> list[int]:
    """The qubits (indices in ``circuit``) that some instruction acts on, ascending."""
    used = set()
    for inst in circuit.data:
        used.update(circuit.find_bit(q).index for q in inst.qubits)
    return sorted(used)


def subtarget(target, qubits):
    """The device target on ``qubits`` only, renumbered 0..k-1 in the given order."""
    from qiskit.transpiler import Target

    index = {q: i for i, q in enumerate(qubits)}
    properties = getattr(target, "qubit_properties", None)
    sub = Target(num_qubits=len(qubits), dt=target.dt,
                 qubit_properties=[properties[q] for q in qubits] if properties else None)
    for name in target.operation_names:
        op = target.operation_from_name(name)
        if isinstance(op, type):  # control flow (if_else, for_loop, ...): any qubits
            sub.add_instruction(op, name=name)
            continue
        table = {}
        for qargs, props in (target[name] or {}).items():
            if qargs is None:
                table[None] = props
            elif all(q in index for q in qargs):
                table[tuple(index[q] for q in qargs)] = props
        if table:
            sub.add_instruction(op, table, name=name)
    return sub


def sub_device(device, qubits):
    """The fake device (its name in ``qiskit_ibm_runtime.fake_provider``, or the device object)
    cut down to the physical ``qubits`` (renumbered 0..k-1): a BackendV2 whose target is
    :func:`subtarget`; its ``run`` simulates on Aer with that target's noise."""
    from qiskit.providers import BackendV2, Options

    device = fake_device(device) if isinstance(device, str) else device
    qubits = [int(q) for q in qubits]

    class SubBackend(BackendV2):
        def __init__(self):
            super().__init__(name=f"{device.name}[{','.join(map(str, qubits))}]")
            self._sub = subtarget(device.target, qubits)

        @property
        def target(self):
            return self._sub

        @property
        def max_circuits(self):
            return None

        @classmethod
        def _default_options(cls):
            return Options()

        def run(self, run_input, **options):
            """Simulate on Aer with this sub-device's noise."""
            from qiskit_aer import AerSimulator

            return AerSimulator.from_backend(self).run(run_input, **options)

    return SubBackend()


@lru_cache(maxsize=32)
def _noise_model(device, qubits: tuple[int, ...], readout: bool):
    import warnings

    from qiskit_aer.noise import NoiseModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NoiseModel.from_backend(sub_device(device, qubits), readout_error=readout)


@lru_cache(maxsize=8)
def fake_device(name: str):
    """An instance of ``qiskit_ibm_runtime.fake_provider.<name>`` (loaded once per process)."""
    from qiskit_ibm_runtime import fake_provider

    cls = getattr(fake_provider, name, None)
    if cls is None:
        raise QbexpError(f"no fake device {name!r} in qiskit_ibm_runtime.fake_provider")
    return cls()


def noise_model(device, qubits, readout: bool = True):
    """Aer's noise model of the device (a name or a fake device object, as in :func:`sub_device`),
    on the physical ``qubits`` (renumbered 0..k-1)."""
    return _noise_model(device, tuple(int(q) for q in qubits), bool(readout))


def simulate_counts(device, circuits, shots: int, seeds) -> list[dict]:
    """Counts of transpiled (device-qubit) ``circuits`` under the device's noise, each run
    on the qubits it uses (module docstring)."""
    from qiskit_aer import AerSimulator

    out = []
    for circuit, seed in zip(circuits, seeds):
        qubits = used_qubits(circuit)
        sim = AerSimulator(noise_model=noise_model(device, qubits))
        result = sim.run(restrict(circuit, qubits), shots=shots, seed_simulator=seed).result()
        if not result.success:
            raise RuntimeError(f"Aer failed on circuit {circuit.name!r}: {result.status}")
        out.append(result_counts(result.get_counts(0), circuit))
    return out


def device_state(device, circuit, qubits) -> np.ndarray:
    """The state of the physical ``qubits`` (qubit 0 of the result first, little-endian) that
    the transpiled ``circuit`` prepares under the device's noise just before its final
    measurements, exactly.  With the final measurements removed their readout errors play no
    part; those of mid-circuit measurements do, as on the device.

    A static circuit: Aer's density-matrix simulation.  A dynamic one (mid-circuit measurements
    and ``if_else``): Aer's density-matrix method follows one measurement record per shot, so
    its saved state would be a Monte Carlo average; instead the branches of every record are
    summed exactly (:func:`qbexp.circuits.minimal_simulate.exact_output`) with the same noise
    model's channels after every instruction and its readout errors on the recorded bits
    (:class:`DeviceNoise`; checked against Aer in the tests)."""
    from qiskit_aer import AerSimulator

    qc = circuit.remove_final_measurements(inplace=False)
    used = sorted(set(used_qubits(qc)) | set(qubits))
    model = noise_model(device, used)
    if is_dynamic(qc):
        return record_sum_state(qc, qubits, model, renumbered=True)
    small = restrict(qc, used)
    small.save_density_matrix(qubits=[used.index(q) for q in qubits])
    sim = AerSimulator(method="density_matrix", noise_model=model)
    return np.asarray(sim.run(small, shots=1, seed_simulator=1).result().data()["density_matrix"])


def record_sum_state(circuit, qubits, model, renumbered: bool) -> np.ndarray:
    """The exact state of ``qubits`` after ``circuit`` (final measurements removed), summed over
    its measurement records under the Aer noise ``model``, simulated on the qubits it uses.
    ``renumbered``: the model is keyed by those qubits renumbered 0..k-1 (:func:`noise_model`),
    else by the circuit's own qubit indices (a user's noise model)."""
    from qbexp.circuits.minimal_simulate import exact_output

    used = sorted(set(used_qubits(circuit)) | set(qubits))
    return exact_output(restrict(circuit, used), np.array([[1.0]]), [used.index(q) for q in qubits],
                        noise=DeviceNoise(model, physical=None if renumbered else used))


class DeviceNoise:
    """The errors of an Aer ``NoiseModel`` as channels, for the exact branch sum of
    :func:`device_state`: ``gate_error(name, qubits)`` the channel Aer applies after that
    instruction on those qubits (None if none), ``readout(qubit)`` the readout error's
    ``P[true][recorded]`` (None if none).  Reads the model's per-qubit tables (Aer keeps them in
    ``_local_quantum_errors`` / ``_local_readout_errors``; it has no public lookup), falling
    back to its all-qubit errors."""

    def __init__(self, model, physical=None):
        self.model = model
        self.physical = physical  # circuit qubit i is the model's qubit physical[i] (None: the same)
        self._channels = {}

    def _model_qubits(self, qubits) -> tuple:
        return tuple(int(q) if self.physical is None else int(self.physical[q]) for q in qubits)

    def gate_error(self, name: str, qubits: tuple):
        key = (name, self._model_qubits(qubits))
        if key not in self._channels:
            error = self.model._local_quantum_errors.get(name, {}).get(key[1])
            if error is None:
                error = self.model._default_quantum_errors.get(name)
            self._channels[key] = None if error is None else error.to_quantumchannel()
        return self._channels[key]

    def readout(self, qubit: int):
        error = self.model._local_readout_errors.get(self._model_qubits([qubit]), self.model._default_readout_error)
        return None if error is None else np.asarray(error.probabilities)
