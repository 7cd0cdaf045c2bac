"""``qbexp run``: charge a battery in circuits, measure it with shots, estimate its figures of merit.

A run is planned (:func:`plan_collective`, :func:`plan_engine`), executed durably on a backend
profile (:func:`execute`; every job and every count is persisted in the run directory, see
:mod:`qbexp.backends.store`) and analysed from the stored counts alone (:func:`analyze`).

Measurements on the battery qubits of the protocol circuit:

* ``tomo_<SETTING>`` — the 3^N Pauli settings of state tomography;
* ``energy_before`` / ``energy_after`` (with ``discharge``) — the battery measured in the
  eigenbasis of its Hamiltonian before and after the ergotropy-optimal discharge of the
  exact charged state, so that W = E_before − E_after comes from shots alone;
* ``readout_cal_0`` / ``readout_cal_1`` (with ``readout_calibration``, ``qbexp run ...
  --readout-mitigation``) — every qubit of the protocol's width prepared in 0 / 1 and read:
  a tensored readout calibration, run in the same job and on the same layout as the rest.

Readout-error mitigation (:mod:`qbexp.analysis.readout`): :func:`analyze` applies it when
the run holds calibration counts (``qbexp analyze DIR --no-mitigation`` turns it off).  The
physical qubit behind every classical bit is taken from the job records
(``measured_qubits``), so a battery qubit that routing moved is corrected with its own
assignment matrix.  results.json says whether it was applied (``readout_mitigation``) and
holds the calibration (``readout_calibration``: matrices, error rates, fidelities).

The exact values (Lindblad state, qiskit-dynamics) are stored with the run (``exact.npy``,
``battery.npy``) so that ``qbexp analyze`` needs nothing but the directory; the manifest records
their SHA-256, and reading them refuses a file put in place of the run's (``RunStore.load_array``).
"""

from __future__ import annotations

import json
import math
import shlex
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qbexp.analysis import ReadoutCalibration, ReadoutModel, estimate_figures, tomography_data, work_extracted
from qbexp.analysis.bootstrap import DEFAULT_RESAMPLES, Z95, check_resamples
from qbexp.backends.executors import executor_for
from qbexp.backends.profiles import load_profile
from qbexp.backends.records import MAX_SHOTS, check_parameters
from qbexp.backends.store import RunStore, npy_digest, package_versions
from qbexp.backends.submit import measured_qubits, run_durably
from qbexp.circuits.discharge import ergotropy_discharge
from qbexp.circuits.measure import energy_basis_circuit, readout_calibration_circuits, tomography_circuits
from qbexp.circuits.metrics import two_qubit_gates
from qbexp.circuits.protocols import collective_protocol, engine_protocol
from qbexp.dynamics.engines import resolve_engine
from qbexp.errors import QbexpError
from qbexp.thermo import figures_of_merit, fidelity

ESTIMATES = ("ergotropy", "energy", "coherence_l1", "coherence_rel_entropy", "fidelity")
#: Note of a noisy simulator's results analysed without readout mitigation.
UNMITIGATED_DEVICE_NOTE = (
    "no readout mitigation: the intervals are about the prepared state as seen through the readout errors, "
    "not about the device column (aer-noisy, 4000 shots: ergotropy coverage of the device value 0.86-0.985, "
    "fidelity 0.715-0.965), unless the noise model has no readout errors; add readout_mitigation "
    "(--readout-mitigation) for intervals about the prepared state")
#: Names of the readout calibration circuits (all qubits prepared in 0, in 1).
CALIBRATION = ("readout_cal_0", "readout_cal_1")


@dataclass
class RunPlan:
    """Named measurement circuits plus everything the analysis needs."""

    kind: str
    parameters: dict
    circuits: dict  # name -> QuantumCircuit (with measurements)
    num_qubits: int
    exact_state: np.ndarray
    battery: np.ndarray
    energies: list[float] = field(default_factory=list)  # eigenbasis of the work measurement
    #: what identifies the run beside its parameters: ``init_sha256``, the SHA-256 of the initial
    #: state's file (``init = "file:PATH"`` names it only by its path)
    inputs: dict = field(default_factory=dict)


def plan_collective(model, rho0, charging: str = "collision", discharge: bool = False,
                    steps: int | None = None, parameters: dict | None = None,
                    readout_calibration: bool = False, noise_scales=None) -> RunPlan:
    """The collective battery charged to its steady state (τ = ∞) from ``rho0``.

    ``readout_calibration`` adds the readout calibration circuits (module docstring)."""
    charged = collective_protocol(model, rho0, math.inf, charging=charging, steps=steps)
    return _plan("collective", model, charged, discharge, parameters or {}, readout_calibration, noise_scales)


def plan_engine(model, tau: float, cycles: int, charging: str = "collision", discharge: bool = False,
                engine_discharge: str = "local1", steps: int | None = None,
                parameters: dict | None = None, readout_calibration: bool = False, noise_scales=None) -> RunPlan:
    """The engine's charged state after ``cycles`` charging strokes from the discharged NESS: the
    discharged NESS, ``cycles`` − 1 cycles with ``engine_discharge``, one more charging stroke."""
    charged = engine_protocol(model, tau, cycles, discharge=engine_discharge, charging=charging,
                              steps=steps, final_discharge=False)
    return _plan("engine", model, charged, discharge, parameters or {}, readout_calibration, noise_scales)


def _plan(kind, model, charged, discharge, parameters, readout_calibration=False, noise_scales=None) -> RunPlan:
    system = charged.system_qubits
    circuits = {f"tomo_{label}": qc for label, qc in tomography_circuits(charged.circuit, system)}
    battery = model.battery_matrix()
    energies, basis = np.linalg.eigh(battery)
    if discharge:
        discharged = charged.circuit.compose(ergotropy_discharge(charged.exact_state, battery), qubits=system)
        circuits["energy_before"] = energy_basis_circuit(charged.circuit, system, basis)
        circuits["energy_after"] = energy_basis_circuit(discharged, system, basis)
    parameters = {**parameters, "charging": charged.charging, "collision_steps": charged.steps}
    if noise_scales:  # zero-noise extrapolation: every measurement circuit again at each scale > 1
        parameters["gate_mitigation"] = {"method": "zne", "noise_scales": list(noise_scales)}
        for name, qc in list(circuits.items()):
            for scale in noise_scales[1:]:
                folded = qc.copy()
                folded.metadata = {**(qc.metadata or {}), "fold": int(scale)}
                circuits[f"{name}+x{scale}"] = folded
    if readout_calibration:  # recorded only when on, so that earlier runs keep their identity
        parameters["readout_mitigation"] = True
        for name, (_, qc) in zip(CALIBRATION, readout_calibration_circuits(charged.circuit.num_qubits)):
            circuits[name] = qc
    for name, qc in circuits.items():
        qc.name = name
    return RunPlan(kind, parameters, circuits, model.num_qubits, charged.exact_state, battery,
                   [float(e) for e in energies])


def manifest_for(plan: RunPlan, executor, shots: int, seed: int | None, command: str) -> dict:
    """The manifest of a run of ``plan``: ``identity`` (what makes it the same run when resumed)
    plus what was run, where, with which packages and which exact-evolution engine."""
    check_shots(shots)
    identity = {"kind": plan.kind, "parameters": plan.parameters, "shots": shots, "seed": seed,
                "backend": executor.profile.name, **plan.inputs}
    return {
        "identity": identity,
        "command": command,
        "kind": plan.kind,
        "parameters": plan.parameters,
        "shots": shots,
        "seed": seed,
        "backend": executor.describe(),
        "engine": resolve_engine(),  # what computed the exact values (not part of the identity:
        "num_qubits": plan.num_qubits,  # a run made on one stack resumes on the other)
        "energies": plan.energies,
        "arrays": {"exact": npy_digest(plan.exact_state), "battery": npy_digest(plan.battery)},
        "circuit_names": list(plan.circuits),
        "versions": package_versions(),
    }


def execute_in(store, plan: RunPlan, executor, shots: int, seed: int | None, command: str,
               retry_failed: bool = False, wait: bool = True, progress: bool = True) -> bool:
    """Run ``plan`` durably in ``store`` (a :class:`RunStore` or a :class:`MemoryStore`) with an
    open ``executor``; True when every circuit has its counts."""
    created = store.persistent and not store.manifest_path.exists()
    existed = store.dir.exists()
    store.open_for(manifest_for(plan, executor, shots, seed, command))
    try:
        store.save_array("exact", plan.exact_state)
        store.save_array("battery", plan.battery)
        store.save_circuits(list(plan.circuits.values()))
        counts = run_durably(store, plan.circuits, executor, shots, retry_failed=retry_failed, wait=wait,
                             progress=progress)
    except QbexpError:
        if created and not store.job_records() and not store.counted():  # refused before any submission:
            store.discard(remove_dir=not existed)                          # leave --out as it was found
        raise
    _save_device_state(store, executor, plan.num_qubits)
    return wait and len(counts) == len(plan.circuits)


def _save_device_state(store, executor, num_qubits: int) -> None:
    """``device.npy``: the battery state the noisy simulator prepares (its noise without readout
    errors), from the transpiled Z-basis tomography circuit (no basis rotation before its
    measurements): what the estimates are about on a noisy device, next to the exact state."""
    if store.has_array("device"):
        return
    circuit = store.load_transpiled().get("tomo_" + "Z" * num_qubits)
    if circuit is None:
        return
    try:
        state = executor.device_state(circuit, measured_qubits(circuit))
    except QbexpError:  # a noise model the exact sum over records cannot follow (a quantum error on
        return          # mid-circuit measurements): no device column; the counts (saved) were failing it
    if state is not None:
        store.save_array("device", state)


def execute(plan: RunPlan, out: Path, backend: str = "aer", shots: int = 4000, seed: int | None = None,
            retry_failed: bool = False, wait: bool = True, argv: list[str] | None = None,
            executor=None, progress: bool = True) -> dict | None:
    """Run ``plan`` durably in the directory ``out``; analyse when all counts are in (else None).

    ``wait=False`` only submits what still needs it and returns None (no waiting, no analysis).

    ``executor``: an open executor of the profile ``backend``, seeded with ``seed``, to use
    instead of a new one; it is left open (the points of a sweep share one connection, see
    :mod:`qbexp.experiments.sweep`).  ``progress=False`` silences submission and progress output.
    """
    check_shots(shots)
    shared = executor is not None
    if not shared:
        executor = executor_for(load_profile(backend), seed=seed)
    command = "qbexp " + shlex.join(argv if argv is not None else sys.argv[1:])
    with nullcontext(executor) if shared else executor:
        complete = execute_in(RunStore(out), plan, executor, shots, seed, command, retry_failed, wait, progress)
    return analyze(out) if complete else None


def check_shots(shots, name: str = "shots") -> None:
    """Shots per circuit: an integer from 1 to :data:`MAX_SHOTS` (``name``: as the caller calls it)."""
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or not 1 <= shots <= MAX_SHOTS:
        raise QbexpError(f"{name} = {shots!r}; it must be an integer from 1 to {MAX_SHOTS:,}")


def experiment_from_manifest(manifest: dict):
    """The experiment whose run a manifest records (its ``kind``, ``parameters`` and
    ``circuit_names``), built again; a :class:`QbexpError` says why it cannot be (an initial
    state given as a matrix is kept in the manifest only as its hash)."""
    from qbexp.experiments.experiment import EXPERIMENTS

    kind, params = manifest.get("kind"), manifest.get("parameters")
    if kind not in EXPERIMENTS or not isinstance(params, dict):
        raise QbexpError(f"kind {kind!r} with parameters {params!r} is no experiment qbexp knows")
    params = dict(params)
    init = params.get("init")
    if isinstance(init, str) and init.startswith("state:"):
        raise QbexpError(f"the initial state was given as a matrix, and the manifest keeps only its hash ({init})")
    zne = params.pop("gate_mitigation", None)
    if zne is not None and not (isinstance(zne, dict) and zne.get("method") == "zne"):
        raise QbexpError(f"gate_mitigation = {zne!r} is no gate mitigation qbexp knows")
    names = manifest.get("circuit_names") or []
    options = {"charging": params.pop("charging", "collision"), "steps": params.pop("collision_steps", None),
               "measure_work": "energy_before" in names,
               "readout_mitigation": params.pop("readout_mitigation", False),
               "gate_mitigation": None if zne is None else "zne"}
    if kind == "engine" and "engine_discharge" in params:
        params["discharge"] = params.pop("engine_discharge")
    try:
        return EXPERIMENTS[kind](**params, **options)
    except TypeError as err:
        raise QbexpError(f"parameters {params!r} do not make a {kind} experiment ({err})") from None


def restore_circuits(store) -> bool:
    """Rewrite ``circuits.qpy`` of the run in ``store`` from the plan its manifest records, when the
    file (or its Kraus sets, ``circuits.channels.npz``) is missing or does not load and some circuit
    still lacks counts (it is read to resubmit them); True when rewritten.

    The rebuilt plan must be the run's: the same parameters, circuit names, qubits and exact state
    (``exact.npy``, to 1e-6: both exact-evolution engines agree to 1e-8; that the file itself is
    the run's, reading it checks, as for the analysis); otherwise, or when the
    experiment cannot be rebuilt, a one-line :class:`QbexpError` names the command that rewrites
    the file (the run's own, which resumes it).  Counts, job records and arrays are never touched.
    """
    path = store.dir / "circuits.qpy"
    with store.lock():  # no other process writes the run meanwhile
        manifest = store.manifest(for_analysis=True)
        store.job_records()
        store.check_counts()
        names = manifest["circuit_names"]
        if all(store.has_counts(n) for n in names):
            return False  # nothing left to resubmit: the file is not needed
        damage = f"{path} is corrupt"  # it holds other circuits
        try:
            if len(store.load_circuits()) == len(names):
                return False
        except QbexpError as err:
            damage = str(err)  # names the file: circuits.qpy or its Kraus sets, circuits.channels.npz
        if (path.exists() or path.is_symlink()) and not path.is_file():
            raise QbexpError(f"{path} is not a regular file; move it aside and run this again to rebuild it")
        command = manifest.get("command") or "the command that made the run"
        try:
            experiment = experiment_from_manifest(manifest)
            plan = experiment.plan()
            recorded = json.loads(json.dumps(plan.parameters))
            if recorded != manifest["parameters"]:
                raise QbexpError(f"the rebuilt parameters {recorded} differ from the recorded ones")
            digest = manifest["identity"].get("init_sha256") if isinstance(manifest["identity"], dict) else None
            if digest is not None and plan.inputs.get("init_sha256") != digest:
                raise QbexpError(f"the initial state file {recorded['init'].removeprefix('file:')} changed since "
                                 "the run began (its SHA-256 is not the one recorded)")
            if list(plan.circuits) != names or plan.num_qubits != manifest["num_qubits"]:
                raise QbexpError("the rebuilt plan has other circuits than circuit_names")
            exact = store.load_array("exact")
            if exact.shape != plan.exact_state.shape or not np.allclose(exact, plan.exact_state, atol=1e-6):
                raise QbexpError(f"the rebuilt exact state differs from {store.dir / 'exact.npy'}")
        except QbexpError as err:
            raise QbexpError(f"{damage} and cannot be rebuilt from {store.manifest_path}: {err}; "
                             f"the command that made the run rewrites it: {command}") from None
        store.save_circuits(list(plan.circuits.values()))
    return True


def analyze(out: Path, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES, mitigation: bool = True) -> dict:
    """results.json (and results.png) of the run in ``out``, from its stored counts alone.

    ``mitigation``: correct readout errors when the run holds readout calibration counts
    (module docstring); False analyses the raw counts.
    """
    return analyze_store(RunStore(out), estimator, resamples, mitigation).data


def analyze_store(store, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES, mitigation: bool = True,
                  save: bool = True):
    """The :class:`~qbexp.experiments.results.RunResult` of the run in ``store`` from its counts;
    a run directory also gets results.json and results.png (``save=False``: not yet, see
    :func:`save_result`; a sweep writes its points' only once every point is analysed)."""
    from qbexp.experiments.results import RunResult, state_to_json

    from qbexp.experiments.experiment import EXPERIMENTS

    check_resamples(resamples, "resamples")
    manifest = store.manifest(for_analysis=True)
    check_parameters(manifest, store.manifest_path)  # what results.json reports as the run's
    if manifest["kind"] not in EXPERIMENTS:  # the label of every result
        raise QbexpError(f"manifest file {store.manifest_path} is corrupt: kind = {manifest['kind']!r}; "
                         f"expected one of {', '.join(EXPERIMENTS)}")
    store.check_outputs()
    names = manifest.get("circuit_names")
    if not isinstance(names, list) or not names:
        raise QbexpError(f"{store.manifest_path} lists no circuits")
    counts = store.load_counts(names)
    exact = store.load_array("exact")
    battery = store.load_array("battery")
    base = {n: c for n, c in counts.items() if "+x" not in n}  # noise scale 1 (no folding)
    data = tomography_data({n.removeprefix("tomo_"): c for n, c in base.items() if n.startswith("tomo_")},
                           manifest["num_qubits"])
    try:
        calibration, qubits = _readout_calibration(store, counts)
        mitigate = mitigation and calibration is not None
        settings = [f"tomo_{label}" for label in data.labels]
        tomo_readout = ReadoutModel(calibration, [qubits[n] for n in settings]) if mitigate else None
        work_readout = (ReadoutModel(calibration, [qubits["energy_before"], qubits["energy_after"]])
                        if mitigate and "energy_before" in counts else None)
    except QbexpError as err:
        if mitigation:
            raise QbexpError(f"readout mitigation: {err}; to analyse the raw counts: "
                             f"qbexp analyze {store.dir} --no-mitigation") from None
        calibration = qubits = tomo_readout = work_readout = None  # unusable, and not asked for
        mitigate = False
    def estimate(measured, tomo, work):
        return _estimates(measured, manifest, battery, exact, tomo, work, estimator, resamples)

    estimates, fitted = estimate(base, tomo_readout, work_readout)
    by_mitigation = {}
    zne = manifest["parameters"].get("gate_mitigation")
    if zne:  # raw, readout-mitigated and gate-mitigated side by side
        by_mitigation["readout" if mitigate else "raw"] = estimates
        if mitigate:
            by_mitigation["raw"] = estimate(base, None, None)[0]
        extrapolated, effective = _extrapolated(counts, base, zne["noise_scales"], manifest["shots"])
        estimates, fitted = estimate(extrapolated, tomo_readout, work_readout)
        models = _zne_models(counts, base, zne["noise_scales"], manifest, battery, exact, tomo_readout, work_readout,
                             estimator, resamples)
        estimates = _span_models(estimates, models)
        by_mitigation["readout+zne" if mitigate else "zne"] = estimates
    exact_figures = {k: v for k, v in figures_of_merit(exact, battery).items() if k in ESTIMATES}
    exact_figures["fidelity"] = 1.0
    device = None
    if store.has_array("device"):
        prepared = store.load_array("device")
        device = {k: v for k, v in figures_of_merit(prepared, battery).items() if k in ESTIMATES}
        device["fidelity"] = float(fidelity(prepared, exact))
    if "energy_before" in counts:
        exact_figures["work_extracted"] = exact_figures["ergotropy"]
    results = {
        "kind": manifest["kind"],
        "parameters": manifest["parameters"],
        "shots": manifest["shots"],
        "engine": manifest.get("engine", "qiskit-dynamics"),  # runs before the engine choice used it
        "estimator": estimator,
        "bootstrap_resamples": resamples,
        "readout_mitigation": mitigate,
        "estimates": estimates,
        "exact": exact_figures,
        "within_ci95": {n: None if e["ci95"] is None else bool(e["ci95"][0] <= exact_figures[n] <= e["ci95"][1])
                        for n, e in estimates.items()},
        "state": state_to_json(fitted),
    }
    if by_mitigation:
        results["estimates_by_mitigation"] = by_mitigation
        results["zne"] = {**zne, "effective_shots": effective, "value": "richardson",
                          "interval_spans": list(models["models"]), **models}
    if device:
        results["device"] = device
        if not mitigate:
            results["notes"] = [UNMITIGATED_DEVICE_NOTE]
        # about the prepared state: the estimates before zero-noise extrapolation, whose intervals
        # are about the noise-free state (the device value fell in them 3 times in 40: a fifth pass)
        prepared = by_mitigation.get("readout" if mitigate else "raw", estimates)
        results["within_ci95_device"] = {
            n: None if e["ci95"] is None else bool(e["ci95"][0] <= device[n] <= e["ci95"][1])
            for n, e in prepared.items() if n in device}
    transpiled = store.load_transpiled()
    if transpiled:
        results["circuits"] = {name: {"two_qubit_gates": two_qubit_gates(qc), "depth": qc.depth()}
                               for name, qc in transpiled.items()}
    if calibration is not None:
        results["readout_calibration"] = {**calibration.to_dict(), "measured_qubits": qubits}
    result = RunResult.from_dict(results, counts=counts, path=store.dir if store.persistent else None)
    if save:
        save_result(store, result)
    return result


def save_result(store, result) -> None:
    """results.json and, for a run directory, results.png of the analysed run in ``store``."""
    store.save_results(result.data)
    if store.persistent:
        from qbexp.experiments.report import save_figure

        save_figure(result.plot(), store.dir / "results.png")


def _estimates(counts, manifest, battery, exact, tomo_readout, work_readout, estimator, resamples):
    """Estimates with intervals of every figure (and the fitted state) from one set of counts."""
    from qbexp.analysis import fit_states

    data = tomography_data({n.removeprefix("tomo_"): c for n, c in counts.items() if n.startswith("tomo_")},
                           manifest["num_qubits"])
    estimates = estimate_figures(data, battery, exact_state=exact, estimator=estimator,
                                 n_resamples=resamples, seed=manifest.get("seed"), readout=tomo_readout)
    estimates = {name: {k: _float(v) for k, v in est.items()} for name, est in estimates.items()}
    if "energy_before" in counts:
        estimates["work_extracted"] = {k: _float(v) for k, v in work_extracted(
            counts["energy_before"], counts["energy_after"], manifest["energies"], readout=work_readout).items()}
    fitted = fit_states(data.counts, estimator, None if tomo_readout is None else tomo_readout.assignment())
    return estimates, fitted


def _extrapolated(counts, base, scales, shots):
    """Counts extrapolated to zero noise for every measurement circuit (calibration circuits are
    not folded: readout errors do not scale with the gates), and the effective shots."""
    from qbexp.analysis.zne import extrapolate_counts

    out, effective = {}, shots
    for name, measured in base.items():
        if name in CALIBRATION:
            out[name] = measured
            continue
        series = [measured if s == 1 else counts[f"{name}+x{s}"] for s in scales]
        out[name], effective = extrapolate_counts(series, scales, shots)
    return out, effective


def _zne_models(counts, base, scales, manifest, battery, exact, tomo_readout, work_readout, estimator, resamples):
    """Every figure under each extrapolation model, with bootstrap intervals that redo the
    extrapolation from the raw counts at every scale (:func:`qbexp.analysis.zne.zne_intervals`)."""
    from qbexp.analysis import fit_states
    from qbexp.analysis.figures import figure_functions
    from qbexp.analysis.zne import zne_intervals

    functions = figure_functions(battery, exact)
    assignment = None if tomo_readout is None else tomo_readout.assignment()

    def figures_of(measured):
        data = tomography_data({n.removeprefix("tomo_"): c for n, c in measured.items() if n.startswith("tomo_")},
                               manifest["num_qubits"])
        state = fit_states(data.counts, estimator, assignment)[None]
        values = {name: float(np.clip(f(state)[0], *bounds)) for name, (f, bounds) in functions.items()}
        if "energy_before" in measured:
            values["work_extracted"] = work_extracted(measured["energy_before"], measured["energy_after"],
                                                      manifest["energies"], readout=work_readout)["value"]
        return values

    series = {name: [measured if s == 1 else counts[f"{name}+x{s}"] for s in scales]
              for name, measured in base.items() if name not in CALIBRATION}
    return zne_intervals(series, scales, manifest["shots"], figures_of, resamples, seed=manifest.get("seed"))


def _span_models(estimates: dict, models: dict) -> dict:
    """Gate-mitigated estimates: the Richardson value, and an interval that spans the 95 %
    intervals of every extrapolation model (and the effective-shots interval of the fit), so that
    the extrapolation's model error is in it; ``stderr`` is at least a quarter of that width."""
    out = {}
    for name, est in estimates.items():
        spans = [models["models"][m][name]["ci95"] for m in models["models"] if name in models["models"][m]]
        if est.get("ci95") is None or not spans:
            out[name] = est
            continue
        lo = min([est["ci95"][0]] + [s[0] for s in spans])
        hi = max([est["ci95"][1]] + [s[1] for s in spans])
        out[name] = {**est, "ci95": [lo, hi], "stderr": max(est["stderr"], (hi - lo) / (2 * Z95)),
                     "note": "zero-noise extrapolation: the interval spans the Richardson and exponential models"}
    return out


def _readout_calibration(store, counts: dict):
    """The run's readout calibration and the physical qubits read by every circuit, or (None, None)."""
    if not all(name in counts for name in CALIBRATION):
        return None, None
    qubits = store.measured_qubits(list(counts))
    calibration = ReadoutCalibration.from_counts(*(counts[n] for n in CALIBRATION), *(qubits[n] for n in CALIBRATION))
    return calibration, qubits


def _float(value):
    if isinstance(value, (list, tuple, np.ndarray)):
        return [float(v) for v in value]
    return float(value) if isinstance(value, (int, float, np.floating, np.integer)) else value
