"""The verbs of the Python API: :func:`run`, :func:`analyze`, :func:`sweep`.

``qbexp.run(exp)`` executes an experiment's circuits on any backend and returns a
:class:`~qbexp.experiments.results.RunResult`; with ``out=None`` (the default) everything stays
in memory and nothing is written; with ``out="runs/x"`` the run is durable, in exactly the
directory layout of ``qbexp run`` (resumable, fetchable, ``qbexp analyze``-able).
"""

from __future__ import annotations

from pathlib import Path

from qbexp.backends.resolve import resolve_executor
from qbexp.backends.store import MemoryStore, RunStore
from qbexp.errors import IncompleteRun, QbexpError
from qbexp.experiments.experiment import Experiment
from qbexp.experiments.results import RunResult, SweepResult
from qbexp.experiments.run import analyze_store, check_resamples, check_shots, execute_in


def _check_experiment(experiment) -> None:
    if not isinstance(experiment, Experiment):
        raise QbexpError(f"expected an experiment (qbexp.CollectiveCharging, qbexp.EngineCycles), "
                         f"got {type(experiment).__name__}")


def _command(experiment, **options) -> str:
    shown = ", ".join(f"{k}={v!r}" for k, v in options.items() if not hasattr(v, "run") or isinstance(v, str))
    return f"python: qbexp.run({experiment!r}{', ' if shown else ''}{shown})"


def run(experiment, backend="aer", shots: int = 4000, seed: int | None = None, out=None, *,
        progress: bool = True, estimator: str = "linear", resamples: int = 300,
        retry_failed: bool = False, command: str | None = None) -> RunResult:
    """Run ``experiment`` with ``shots`` per circuit and estimate its figures of merit.

    Args:
        experiment: a :class:`~qbexp.experiments.experiment.CollectiveCharging` or
            :class:`~qbexp.experiments.experiment.EngineCycles`.
        backend: a profile name (``"aer"``, ``"aer-noisy"``, ``"ibm"``, or your own) or a
            ``.toml`` path; a Qiskit ``BackendV2`` (circuits transpiled for its target); or a
            ``BaseSamplerV2`` (Aer's, IBM Runtime's).
        shots: shots per circuit.
        seed: seeds the simulator (per circuit) and the bootstrap; None: fresh randomness.
        out: a run directory to keep everything in (durable, resumable); None: in memory.
        progress: show progress bars (tqdm, on stderr).
        estimator: ``"linear"`` (linear inversion + projection) or ``"mle"``.
        resamples: bootstrap replicates for the intervals.
        retry_failed: with ``out``, resubmit circuits whose job failed.
        command: what the manifest records as the command (default: this call).

    Returns:
        A :class:`~qbexp.experiments.results.RunResult`.
    """
    _check_experiment(experiment)
    check_shots(shots)
    check_resamples(resamples)
    from qbexp.dynamics.engines import using_engine

    executor = resolve_executor(backend, seed=seed)
    plan = experiment.plan()  # every check before anything is written or submitted
    store = MemoryStore() if out is None else _directory(out)
    command = command or _command(experiment, backend=backend, shots=shots, seed=seed)
    with executor, using_engine(experiment.engine):
        complete = execute_in(store, plan, executor, shots, seed, command, retry_failed=retry_failed,
                              progress=progress)
    if not complete:
        failed = [r for r in store.job_records() if r.get("status") in ("ERROR", "CANCELLED")]
        if failed:
            raise IncompleteRun(f"{len(failed)} job(s) failed on {executor.profile.name}: "
                                f"{failed[0].get('error') or '?'}; see `qbexp status {store.dir}`, then "
                                f"`qbexp fetch {store.dir} --retry-failed`")
        raise IncompleteRun(f"not all counts are in yet; see `qbexp status {store.dir}` and `qbexp fetch {store.dir}`")
    return analyze_store(store, estimator, resamples)


def analyze(path, estimator: str = "linear", resamples: int = 300, mitigation: bool = True):
    """The :class:`RunResult` of a run directory from its stored counts (or a :class:`SweepResult`
    for a sweep directory); rewrites results.json and results.png."""
    from qbexp.experiments.sweep import SWEEP_FILE, analyze_sweep

    path = Path(path)
    if (path / SWEEP_FILE).exists() and not (path / "manifest.json").exists():
        summary = analyze_sweep(path, estimator=estimator, resamples=resamples, mitigation=mitigation, progress=False)
        return SweepResult(summary["parameter"], summary["values"],
                           [RunResult.from_dict(r, path=path / d) for r, d in zip(summary["results"], summary["dirs"])],
                           path=path, files={"csv": summary["csv"], "png": summary["png"]})
    return analyze_store(RunStore(path), estimator, resamples, mitigation)


def sweep(experiment, parameter: str, values, backend="aer", shots: int = 4000, seed: int | None = None,
          out=None, *, progress: bool = True, estimator: str = "linear", resamples: int = 300,
          retry_failed: bool = False, command: str | None = None) -> SweepResult:
    """Run ``experiment`` at every value of ``parameter`` as one batch (every point submitted
    before any is waited for); each point gets its own seed derived from ``seed``.

    ``parameter`` is one of ``type(experiment).sweepable()`` (``c`` sets ``init`` to ``c:VALUE``).
    With ``out`` the sweep is the directory of ``qbexp run ... --sweep`` (sweep.csv, sweep.png).
    """
    from qbexp.experiments.sweep import grid_values, run_sweep, value_label

    _check_experiment(experiment)
    check_shots(shots)
    check_resamples(resamples)
    kinds = type(experiment).sweepable()
    if parameter not in kinds:
        raise QbexpError(f"cannot sweep {parameter!r} in {type(experiment).__name__}; sweepable: {', '.join(kinds)}")
    from itertools import islice

    from qbexp.experiments.sweep import MAX_POINTS

    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise QbexpError(f"values = {values!r}; expected a list of {parameter} values")
    values = list(islice(values, MAX_POINTS + 1))  # a huge range is refused without being listed
    if len(values) > MAX_POINTS:
        raise QbexpError(f"the sweep has more than {MAX_POINTS:,} points; at most {MAX_POINTS:,}")
    if not values:
        raise QbexpError("the sweep has no values")
    values = grid_values(",".join(value_label(v) if isinstance(v, (int, float)) else str(v) for v in values),
                         kinds[parameter], f"sweep of {parameter}")
    if out is not None:
        _directory(out)
    points = [experiment.with_value(parameter, v) for v in values]  # every point checked now
    plans = dict(zip(values, (p.plan() for p in points)))
    summary = run_sweep(parameter, values, plans.__getitem__, None if out is None else Path(out), backend=backend,
                        shots=shots, seed=seed, retry_failed=retry_failed, progress=progress, estimator=estimator,
                        resamples=resamples,
                        command=command or _command(experiment, parameter=parameter, shots=shots, seed=seed))
    results = summary["run_results"]
    return SweepResult(parameter, values, results, path=None if out is None else Path(out),
                       files={k: summary[k] for k in ("csv", "png") if summary.get(k)})


def _directory(out) -> RunStore:
    path = Path(out)
    if str(out) == "":
        raise QbexpError("out = ''; give a directory name (or None to keep the run in memory)")
    if path.is_symlink() and not path.exists():
        raise QbexpError(f"out = {path}: a symbolic link to nothing (dangling or a loop)")
    if path.exists() and not path.is_dir():
        raise QbexpError(f"out = {path}: exists and is not a directory")
    for parent in (path, *path.parents):
        if parent.exists():
            if not parent.is_dir():
                raise QbexpError(f"out = {path}: {parent} is a file")
            import os

            if not os.access(parent, os.W_OK | os.X_OK):
                raise QbexpError(f"out = {path}: {parent} is not writable")
            break
    return RunStore(path)


__all__ = ["analyze", "run", "sweep"]

