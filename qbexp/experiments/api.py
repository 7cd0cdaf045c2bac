"""The verbs of the Python API: :func:`run`, :func:`analyze`, :func:`sweep`.

``qbexp.run(exp)`` executes an experiment's circuits on any backend and returns a
:class:`~qbexp.experiments.results.RunResult`; with ``out=None`` (the default) everything stays
in memory and nothing is written; with ``out="runs/x"`` the run is durable, in exactly the
directory layout of ``qbexp run`` (resumable, fetchable, ``qbexp analyze``-able).
"""

from __future__ import annotations

import functools
import inspect
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from qbexp.analysis.bootstrap import DEFAULT_RESAMPLES, check_resamples
from qbexp.backends.objects import OBJECT_KINDS
from qbexp.backends.resolve import resolve_executor
from qbexp.backends.store import MemoryStore, RunStore, check_outside_runs
from qbexp.errors import IncompleteRun, QbexpError, shown
from qbexp.experiments.experiment import Experiment
from qbexp.experiments.results import RunResult, SweepResult
from qbexp.experiments.run import analyze_store, check_shots, execute_in
from qbexp.files import check_path
from qbexp.progress import showing_progress


def _check_experiment(experiment) -> None:
    if not isinstance(experiment, Experiment):
        raise QbexpError(f"expected an experiment (qbexp.CollectiveCharging, qbexp.EngineCycles), "
                         f"got {type(experiment).__name__}")


def _command(experiment, *args, verb: str = "run", **options) -> str:
    shown = ", ".join([*map(repr, args), *(f"{k}={v!r}" for k, v in options.items()
                                           if not hasattr(v, "run") or isinstance(v, str))])
    return f"python: qbexp.{verb}({experiment!r}{', ' if shown else ''}{shown})"


def _checked(shots, seed, resamples, estimator, command, **flags):
    """The options every verb shares, checked as the command line checks them (before anything
    is read, written or submitted) and made plain: NumPy integers become ints (the executors and
    the run files take Python ints)."""
    from qbexp.analysis import ESTIMATORS

    if shots is not None:
        check_shots(shots)
        shots = int(shots)
    check_resamples(resamples, "resamples")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise QbexpError(f"seed = {seed!r}; it must be an integer >= 0 or None")
        seed = int(seed)
    if not isinstance(estimator, str) or estimator not in ESTIMATORS:
        raise QbexpError(f"estimator = {estimator!r}; choose one of {', '.join(ESTIMATORS)}")
    if command is not None and (not isinstance(command, str) or not command.strip() or "\n" in command
                                or "\r" in command):
        raise QbexpError(f"command = {command!r}; it must be one line of text (what the manifest records), "
                         "or None for this call")
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise QbexpError(f"{name} = {value!r}; it must be True or False")
    return shots, seed, int(resamples)


@contextmanager
def _writing(path, name: str = "out"):
    """An OSError on the files of the run directory ``path`` (a file system that refuses them,
    such as /proc, a disk that fills, a file without read permission) is a one-line error naming
    the file, as on the command line."""
    try:
        yield
    except OSError as err:
        if path is None or not isinstance(err.filename, (str, bytes, os.PathLike)):
            raise
        raise QbexpError(f"{name} = {path}: {os.fsdecode(err.filename)}: {err.strerror or err}") from None


def _verb(function):
    """``function`` called with arguments it does not take raises a one-line :class:`QbexpError`
    naming them (as the experiments do), not Python's TypeError."""
    signature = inspect.signature(function)
    where = f"qbexp.{function.__name__}"

    @functools.wraps(function)
    def call(*args, **kwargs):
        unknown = sorted(set(kwargs) - set(signature.parameters))
        if unknown:
            raise QbexpError(f"{where} has no parameter {unknown[0]!r}; parameters: {', '.join(signature.parameters)}")
        try:
            signature.bind(*args, **kwargs)
        except TypeError as err:
            raise QbexpError(f"{where}: {err}") from None
        return function(*args, **kwargs)

    return call


@_verb
def run(experiment, backend="aer", shots: int = 4000, seed: int | None = None, out=None, *,
        progress: bool = True, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES,
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
    shots, seed, resamples = _checked(shots, seed, resamples, estimator, command, progress=progress,
                                      retry_failed=retry_failed)
    store = MemoryStore() if out is None else _directory(out)
    from qbexp.dynamics.engines import using_engine

    executor = resolve_executor(backend, seed=seed)
    with showing_progress(progress):
        plan = experiment.plan()  # every check before anything is written or submitted
    command = command or _command(experiment, backend=backend, shots=shots, seed=seed)
    with _writing(out), executor, using_engine(experiment.engine):
        complete = execute_in(store, plan, executor, shots, seed, command, retry_failed=retry_failed,
                              progress=progress)
    if not complete:
        failed = [r for r in store.job_records() if r.get("status") in ("ERROR", "CANCELLED")]
        what = (f"{len(failed)} job(s) failed on {executor.profile.name}: {failed[0].get('error') or '?'}" if failed
                else "not all counts are in yet")
        raise IncompleteRun(f"{what}; {_carry_on(store, executor, bool(failed))}")
    with _writing(out):
        return analyze_store(store, estimator, resamples)


def _carry_on(store, executor, failed: bool) -> str:
    """How to finish an incomplete run.  ``qbexp fetch`` reconnects to a profile's backend only:
    the jobs of a Python backend or sampler object lived in this process, and an in-memory run
    left nothing behind, so those are finished by calling :func:`run` again."""
    if not store.persistent:
        return "the run was kept in memory: call qbexp.run again (with out=DIR for a run that can be resumed)"
    if executor.profile.kind in OBJECT_KINDS:  # its unfinished jobs are lost with the executor: resubmit them
        what = executor.profile.kind.removesuffix("-object")
        return (f"see `qbexp status {store.dir}`; its jobs lived in this process (a Python {what} object): call "
                f"qbexp.run again with the same backend, out={str(store.dir)!r}, retry_failed=True")
    if failed:
        return f"see `qbexp status {store.dir}`, then `qbexp fetch {store.dir} --retry-failed`"
    return f"see `qbexp status {store.dir}` and `qbexp fetch {store.dir}`"


@_verb
def analyze(path, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES, mitigation: bool = True):
    """The :class:`RunResult` of a run directory from its stored counts (or a :class:`SweepResult`
    for a sweep directory); rewrites results.json and results.png."""
    from qbexp.experiments.sweep import SWEEP_FILE, analyze_sweep

    path = check_path(path, "path", "run or sweep directory")
    _, _, resamples = _checked(None, None, resamples, estimator, None, mitigation=mitigation)
    mitigation = bool(mitigation)  # numpy.bool_ too: results.json records it
    with _writing(path, "path"):
        if (path / SWEEP_FILE).exists() and not (path / "manifest.json").exists():
            summary = analyze_sweep(path, estimator=estimator, resamples=resamples, mitigation=mitigation,
                                    progress=False)
            return SweepResult(summary["parameter"], summary["values"],
                               [RunResult.from_dict(r, path=path / d)
                                for r, d in zip(summary["results"], summary["dirs"])],
                               path=path, files={"csv": summary["csv"], "png": summary["png"]})
        return analyze_store(RunStore(path), estimator, resamples, mitigation)


@_verb
def sweep(experiment, parameter: str, values, backend="aer", shots: int = 4000, seed: int | None = None,
          out=None, *, progress: bool = True, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES,
          retry_failed: bool = False, command: str | None = None) -> SweepResult:
    """Run ``experiment`` at every value of ``parameter`` as one batch (every point submitted
    before any is waited for); each point gets its own seed derived from ``seed``.

    ``parameter`` is one of ``type(experiment).sweepable()`` (``c`` sets ``init`` to ``c:VALUE``).
    With ``out`` the sweep is the directory of ``qbexp run ... --sweep`` (sweep.csv, sweep.png).
    """
    from qbexp.experiments.sweep import MAX_POINTS, grid_values, run_sweep

    _check_experiment(experiment)
    shots, seed, resamples = _checked(shots, seed, resamples, estimator, command, progress=progress,
                                      retry_failed=retry_failed)
    kinds = type(experiment).sweepable()
    if not isinstance(parameter, str) or parameter not in kinds:
        raise QbexpError(f"cannot sweep {parameter!r} in {type(experiment).__name__}; sweepable: {', '.join(kinds)}")
    from itertools import islice

    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__") or getattr(values, "ndim", 1) != 1:
        raise QbexpError(f"values = {shown(values)}; expected a list of {parameter} values")
    values = list(islice(values, MAX_POINTS + 1))  # a huge range is refused without being listed
    if len(values) > MAX_POINTS:
        raise QbexpError(f"the sweep has more than {MAX_POINTS:,} points; at most {MAX_POINTS:,}")
    if not values:
        raise QbexpError("the sweep has no values")
    where = f"sweep of {parameter}"
    values = grid_values(",".join(_grid_value(v, where, kinds[parameter]) for v in values), kinds[parameter], where)
    if out is not None:
        _directory(out)
    points = [experiment.with_value(parameter, v) for v in values]  # every point checked now
    with showing_progress(progress):
        plans = dict(zip(values, (p.plan() for p in points)))
    with _writing(out):
        summary = run_sweep(parameter, values, plans.__getitem__, None if out is None else Path(out), backend=backend,
                            shots=shots, seed=seed, retry_failed=retry_failed, progress=progress,
                            estimator=estimator, resamples=resamples,
                            command=command or _command(experiment, parameter, values, verb="sweep",
                                                        backend=backend, shots=shots, seed=seed))
    results = summary["run_results"]
    return SweepResult(parameter, values, results, path=None if out is None else Path(out),
                       files={k: summary[k] for k in ("csv", "png") if summary.get(k)})


def _grid_value(value, where: str, kind=float) -> str:
    """One sweep value as grid text: a real number (Python's or NumPy's; not a bool, nor a string
    of digits, which the parameter itself would refuse), an integer where ``kind`` is int."""
    from qbexp.experiments.sweep import value_label

    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise QbexpError(f"{where}: {shown(value)} is not a number")
    if isinstance(value, (int, np.integer)):
        try:
            float(value)
        except OverflowError:
            raise QbexpError(f"{where}: {shown(value)} is not a finite number") from None
        return str(int(value))
    if kind is int:  # n = 2.0 is refused by the experiment too
        raise QbexpError(f"{where}: {shown(value)} is not an integer; this parameter takes integers")
    return value_label(float(value))


def _directory(out) -> RunStore:
    """The run (or sweep) directory ``out``, checked before anything is written: a usable path
    (:func:`qbexp.files.check_path`, as on the command line), not a file, inside a writable folder
    and not inside another run (:func:`qbexp.backends.store.enclosing_run`)."""
    path = check_path(out, "out", "directory", hint=" (or None to keep the run in memory)")
    try:
        if path.is_symlink() and not path.exists():
            raise QbexpError(f"out = {path}: a symbolic link to nothing (dangling or a loop)")
        if path.exists() and not path.is_dir():
            raise QbexpError(f"out = {path}: exists and is not a directory")
        for parent in (path, *path.parents):
            if parent.is_symlink() and not parent.exists():
                raise QbexpError(f"out = {path}: {parent} is a symbolic link to nothing (dangling or a loop)")
            if parent.exists():
                if not parent.is_dir():
                    raise QbexpError(f"out = {path}: {parent} is a file")
                if not os.access(parent, os.W_OK | os.X_OK):
                    raise QbexpError(f"out = {path}: {parent} is not writable")
                break
        check_outside_runs(path, "out =")  # run/jobs/x: a stray folder breaks that run's status and analysis
    except OSError as err:  # a folder on the way that cannot be searched
        raise QbexpError(f"out = {path}: cannot be inspected ({err.strerror or err})") from None
    return RunStore(path)


__all__ = ["analyze", "run", "sweep"]

