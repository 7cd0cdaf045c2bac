"""Parameter sweeps: ``qbexp run ... --sweep NAME=GRID``, a grid of runs submitted as one batch.

Each grid point is an ordinary run (:func:`qbexp.experiments.run.execute`) in its own
sub-directory ``OUT/NAME=VALUE/``, so ``qbexp analyze``, ``qbexp status`` and ``qbexp fetch``
work on a point and its durability (job records first, never a second submission) is the one
of a run.  The sweep as a whole:

1. plans every point first (a bad value is an error before anything is written);
2. writes ``OUT/sweep.json`` (grid, command, identity; a directory holding another sweep or a
   run is refused);
3. submits the circuits of every point before waiting for any, through one executor, so that
   a Dask cluster (profile field ``scheduler``) or a remote backend gets the whole batch at
   once; each point has its own seed, derived from the sweep's seed and the point's name,
   so the points' shot noise is independent;
4. saves counts as they come, with one progress bar over all circuits;
5. analyses every point and writes ``OUT/sweep.csv`` (one row per point: the parameter value,
   then for each figure its estimate, standard error, 95 % interval and exact value) and
   ``OUT/sweep.png`` (estimates with 95 % intervals against the parameter, exact values as
   a line).

Re-running the same sweep resumes it: points with counts are not resubmitted, and points with
pending jobs are waited for.

Grids: ``NAME=START:STOP:COUNT`` (COUNT values from START to STOP inclusive, as
``numpy.linspace``) or ``NAME=V1,V2,...``.  The experiment classes say which names a sweep may
vary (:meth:`qbexp.experiments.experiment.Experiment.sweepable`).
"""

from __future__ import annotations

import copy
import csv
import json
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from qbexp.analysis.bootstrap import DEFAULT_RESAMPLES
from qbexp.backends.executors import derived_seed
from qbexp.backends.records import is_finite_number, read_json
from qbexp.backends.store import RunStore, package_versions
from qbexp.backends.submit import fetch_pending
from qbexp.errors import IncompleteRun, QbexpError, shown
from qbexp.experiments.run import analyze_store, save_result
from qbexp.files import atomic_write_text, check_output_file
from qbexp.progress import status_stream

SWEEP_FILE = "sweep.json"
#: Most points in one sweep (each is a run with 3^N + ... circuits).
MAX_POINTS = 1000
TABLE_FILE = "sweep.csv"
PLOT_FILE = "sweep.png"


# -- grids ---------------------------------------------------------------------------------
def parse_sweep(spec: str, kind: str) -> tuple[str, list]:
    """``NAME=START:STOP:COUNT`` or ``NAME=V1,V2,...`` -> (NAME, values); one-line errors."""
    from qbexp.experiments.experiment import EXPERIMENTS

    if kind not in EXPERIMENTS:
        raise QbexpError(f"sweeps of {kind!r} runs are not supported; kinds: {', '.join(EXPERIMENTS)}")
    sweepable = EXPERIMENTS[kind].sweepable()
    valid = ", ".join(sweepable)
    name, sep, grid = str(spec).partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name or not grid.strip():
        raise QbexpError(f"--sweep {spec!r}: expected NAME=START:STOP:COUNT or NAME=V1,V2,... "
                         f"with NAME one of {valid}")
    if name not in sweepable:
        raise QbexpError(f"--sweep {spec!r}: cannot sweep {name!r} in a {kind} run; sweepable: {valid}")
    if not 0 < grid.count(",") + 1 <= MAX_POINTS or (":" in grid and _count_too_large(grid)):
        raise QbexpError(f"--sweep {spec!r}: at most {MAX_POINTS:,} points")
    return name, grid_values(grid, sweepable[name], f"--sweep {spec!r}")


def _count_too_large(grid: str) -> bool:
    try:
        return int(grid.split(":")[-1]) > MAX_POINTS
    except ValueError:
        return False


def grid_values(grid: str, kind=float, where: str = "grid") -> list:
    """The values of ``START:STOP:COUNT`` (inclusive linspace) or ``V1,V2,...``, as ``kind``."""
    grid = grid.strip()
    if ":" in grid:
        parts = grid.split(":")
        if len(parts) != 3:
            raise QbexpError(f"{where}: a range is START:STOP:COUNT, got {grid!r}")
        start, stop = (_number(p, where) for p in parts[:2])
        try:
            count = int(parts[2])
        except ValueError:
            raise QbexpError(f"{where}: COUNT {parts[2].strip()!r} is not an integer") from None
        if count < 2:
            raise QbexpError(f"{where}: COUNT = {count}; a range needs at least 2 points (one value: NAME=VALUE)")
        raw = [float(v) for v in np.linspace(start, stop, count)]
    else:
        raw = [_number(p, where) for p in grid.split(",")]
    values = []
    for v in raw:
        if kind is int:
            if not float(v).is_integer():
                raise QbexpError(f"{where}: {v:g} is not an integer; this parameter takes integers")
            values.append(int(v))
        else:
            values.append(float(f"{v:.12g}"))  # 0.30000000000000004 -> 0.3: clean labels
    if len(set(values)) != len(values):
        raise QbexpError(f"{where}: the grid repeats a value ({', '.join(map(value_label, values))})")
    return values


def value_label(value) -> str:
    """How a grid value is written in directory names and in ``--init c:VALUE``."""
    return str(value) if isinstance(value, int) else repr(float(value))


def point_dir(name: str, value) -> str:
    return f"{name}={value_label(value)}"


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise QbexpError(f"{where}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise QbexpError(f"{where}: {text.strip()!r} is not a finite number")
    return value


# -- running -------------------------------------------------------------------------------
def run_sweep(name: str, values, plan_for, out: Path | None, backend="aer", shots: int = 4000,
              seed: int | None = None, retry_failed: bool = False, argv: list[str] | None = None,
              progress: bool = True, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES,
              command: str | None = None) -> dict | None:
    """Run ``plan_for(value)`` for every value as one batch in ``out``; the sweep's summary
    (see :func:`analyze_sweep`); :class:`~qbexp.errors.IncompleteRun` while some point lacks counts.  ``out=None`` keeps
    every point in memory (:class:`~qbexp.backends.store.MemoryStore`) and writes nothing.

    ``argv`` is the command recorded in ``sweep.json`` and in every point's manifest
    (default ``sys.argv[1:]``, written after ``qbexp``); ``command`` replaces it whole.
    ``backend``: anything :func:`qbexp.backends.resolve.resolve_executor` takes.
    """
    from tqdm import tqdm

    from qbexp.backends.resolve import resolve_executor
    from qbexp.backends.store import MemoryStore
    from qbexp.experiments.run import check_shots, execute_in

    check_shots(shots)
    if len(values) > MAX_POINTS:
        raise QbexpError(f"the sweep has {len(values):,} points; at most {MAX_POINTS:,}")
    values = [int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else float(v) for v in values]
    if not values:
        raise QbexpError("the sweep has no values")
    labels = [point_dir(name, v) for v in values]
    if len(set(labels)) != len(labels):
        raise QbexpError(f"the sweep of {name} repeats a value: {', '.join(labels)}")
    if command is None:
        command = "qbexp " + shlex.join(list(argv) if argv is not None else sys.argv[1:])
    base = resolve_executor(backend, seed=seed)
    plans = [plan_for(v) for v in tqdm(values, desc=f"sweep {name}: planning", unit="point",
                                       disable=not progress, file=status_stream(), leave=False, delay=0.5)]
    seeds = [derived_seed(seed, "sweep", label) for label in labels]
    identity = {"kind": plans[0].kind, "parameter": name, "values": values, "shots": shots, "seed": seed,
                "backend": base.profile.name, "points": [p.parameters for p in plans]}
    with base:
        sweep = {
            "identity": identity,
            "command": command,
            "kind": plans[0].kind,
            "parameter": name,
            "values": values,
            "points": [{"value": v, "dir": label, "seed": s} for v, label, s in zip(values, labels, seeds)],
            "shots": shots,
            "seed": seed,
            "backend": base.describe(),
            "versions": package_versions(),
        }
        created = existed = False
        if out is not None:
            out = Path(out)
            existed, created = out.exists(), not (out / SWEEP_FILE).exists()
            _open_sweep(out, sweep)
            stores = [RunStore(out / label) for label in labels]
        else:
            stores = [MemoryStore(f"<sweep point {label}>") for label in labels]
        executors = [_reseeded(base, s) for s in seeds]
        try:
            with tqdm(total=len(plans), desc=f"sweep {name}: submitting", unit="point", disable=not progress,
                      file=status_stream(), leave=False, delay=0.5) as bar:
                for plan, store, s, ex in zip(plans, stores, seeds, executors):
                    execute_in(store, plan, ex, shots, s, command, retry_failed=retry_failed, wait=False,
                               progress=False)
                    bar.update()
        except QbexpError:
            if created:  # refused before any submission (each point undid itself): leave --out as it was found
                _discard_sweep(out, remove_dir=not existed)
            raise
        stuck = _collect(stores, labels, executors, [len(p.circuits) for p in plans], name, progress)
    if stuck and out is None:
        raise QbexpError(f"{len(stuck)} of {len(labels)} sweep points got no counts ({', '.join(stuck[:5])})")
    if stuck:
        raise IncompleteRun(f"{len(stuck)} of {len(labels)} points lack counts ({', '.join(stuck[:5])}"
                            f"{', …' if len(stuck) > 5 else ''}); see `qbexp status {out / stuck[0]}`; re-run the "
                            "command to wait again, with --retry-failed to resubmit failed jobs")
    if out is None:
        results = [analyze_store(store, estimator, resamples) for store in stores]
        return {"parameter": name, "values": values, "dirs": [], "results": [r.data for r in results],
                "run_results": results, "csv": None, "png": None}
    return analyze_sweep(out, estimator=estimator, resamples=resamples, progress=progress)


def _open_sweep(out: Path, sweep: dict) -> None:
    """Create ``out/sweep.json``, or accept the same sweep; refuse anything else."""
    path = out / SWEEP_FILE
    if out.exists() and not out.is_dir():
        raise QbexpError(f"{out} exists and is not a directory")
    if path.exists():
        old = _read_sweep(out)
        if old.get("identity") != sweep["identity"]:
            raise QbexpError(f"{out} holds another sweep ({old.get('command', '?')}); choose a new --out directory")
        return
    if (out / "manifest.json").exists():
        raise QbexpError(f"{out} holds a single run, not a sweep; choose a new --out directory")
    if out.exists() and any(out.iterdir()):
        raise QbexpError(f"{out} is not empty and holds no qbexp sweep; choose a new --out directory")
    atomic_write_text(path, json.dumps(sweep, indent=2, sort_keys=True))


def _discard_sweep(out: Path, remove_dir: bool) -> None:
    """Remove a new sweep's sweep.json where none of its points holds anything (every point
    refused before submission removed what it wrote): the corrected command can then use ``out``."""
    if any(p.is_dir() for p in out.iterdir()):
        return
    (out / SWEEP_FILE).unlink(missing_ok=True)
    if remove_dir and not any(out.iterdir()):
        out.rmdir()


def _read_sweep(out: Path) -> dict:
    """sweep.json, checked: a parameter name and points, each a sub-directory name and a value."""
    path = Path(out) / SWEEP_FILE
    try:
        sweep = read_json(path, "sweep")
    except QbexpError:
        raise
    except ValueError as err:  # json's own limits: an integer of more than 4300 digits
        raise QbexpError(f"sweep file {path} is corrupt ({err})") from None
    points = sweep.get("points")
    if not isinstance(sweep.get("parameter"), str):
        raise QbexpError(f"sweep file {path} is corrupt: it names no parameter")
    if not isinstance(points, list) or not points or not all(
            isinstance(p, dict) and isinstance(p.get("dir"), str) and "value" in p for p in points):
        raise QbexpError(f"sweep file {path} is corrupt: expected points, each with a dir and a value")
    for p in points:
        if p["dir"] in ("", ".", "..") or "/" in p["dir"] or "\\" in p["dir"] or "\0" in p["dir"]:
            raise QbexpError(f"sweep file {path} is corrupt: point directory {p['dir']!r} is not a name inside {out}")
    _check_points(path, sweep)
    return sweep


def _check_points(path: Path, sweep: dict) -> None:
    """A hand-edited sweep.json: the kind and parameter are ones a sweep varies, every point's
    value is a number of the parameter's type, its folder is the one qbexp names after that value
    (``NAME=VALUE``), and no folder is listed twice.  Values are made ints or floats in place."""
    from qbexp.experiments.experiment import EXPERIMENTS

    corrupt = f"sweep file {path} is corrupt:"
    kind, name, points = sweep.get("kind"), sweep["parameter"], sweep["points"]
    if not isinstance(kind, str) or kind not in EXPERIMENTS:
        raise QbexpError(f"{corrupt} kind = {kind!r}; expected one of {', '.join(EXPERIMENTS)}")
    sweepable = EXPERIMENTS[kind].sweepable()
    if name not in sweepable:
        raise QbexpError(f"{corrupt} parameter = {name!r} is not one a {kind} sweep varies "
                         f"({', '.join(sweepable)})")
    if len(points) > MAX_POINTS:
        raise QbexpError(f"{corrupt} {len(points):,} points; a sweep has at most {MAX_POINTS:,}")
    seen = set()
    for p in points:
        value = p["value"]
        if not is_finite_number(value):
            raise QbexpError(f"{corrupt} point {p['dir']!r} has value {shown(value)}; expected a finite number")
        if sweepable[name] is int:
            if isinstance(value, float) and not value.is_integer():
                raise QbexpError(f"{corrupt} point {p['dir']!r} has value {value!r}; {name} takes integers")
            value = int(value)
        else:
            value = float(value)  # finite: not an int beyond the floats
        if p["dir"] in seen:
            raise QbexpError(f"{corrupt} point directory {p['dir']!r} is listed twice")
        seen.add(p["dir"])
        if p["dir"] != point_dir(name, value):
            raise QbexpError(f"{corrupt} point directory {p['dir']!r} does not match its value {p['value']!r} "
                             f"(qbexp names it {point_dir(name, value)!r})")
        p["value"] = value
    # the grid it records (sweep.json of an older qbexp: none): a point removed or edited gave a shorter sweep.csv
    held = [p["value"] for p in points]
    identity = sweep.get("identity") if isinstance(sweep.get("identity"), dict) else {}
    for key, recorded in (("values", sweep.get("values")), ("identity.values", identity.get("values"))):
        if recorded is not None and recorded != held:
            raise QbexpError(f"{corrupt} {key} = {shown(recorded)}, yet its points have the values {shown(held)} "
                             "(a point removed or edited?)")
    if isinstance(identity.get("points"), list) and len(identity["points"]) != len(points):
        raise QbexpError(f"{corrupt} identity.points holds {len(identity['points'])} points, yet it lists "
                         f"{len(points)} (a point removed or added?)")



def _point_dirs(out: Path, sweep: dict, unstarted: list | None = None) -> list[Path]:
    """The points' run directories; a missing one, or one that holds another run than its point's
    (a folder moved, copied or linked into its place: its results would be shown as the point's),
    is an error before any is read.  ``unstarted``: a list that takes, instead of an error, the
    points a killed sweep never reached (``status``, ``fetch``): the last ones, each with no
    folder or an empty one (the points are submitted in order)."""
    dirs = [Path(out) / p["dir"] for p in sweep["points"]]
    first_unstarted = len(dirs)
    while first_unstarted and _empty(dirs[first_unstarted - 1]):
        first_unstarted -= 1
    never_reached = {d.name for d in dirs[first_unstarted:]}
    if unstarted is not None:
        unstarted.extend(dirs[first_unstarted:])
        dirs = dirs[:first_unstarted]
    missing = [d.name for d in dirs if not (d / "manifest.json").exists()]
    if missing:
        hint = ("; the sweep stopped before them: run the command that made it again"
                if set(missing) <= never_reached else "")
        raise QbexpError(f"{out}: {len(missing)} of {len(sweep['points'])} sweep points are missing or hold no "
                         f"manifest.json ({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}){hint}")
    identity = sweep.get("identity")
    recorded = identity.get("points") if isinstance(identity, dict) else None
    if not isinstance(recorded, list) or len(recorded) != len(sweep["points"]):  # sweep.json of an older qbexp
        recorded = [None] * len(sweep["points"])
    name = sweep["parameter"]
    for p, folder, expected in zip(sweep["points"], dirs, recorded):
        params = RunStore(folder).manifest().get("parameters")
        key, value = ("init", f"c:{value_label(p['value'])}") if name == "c" else (name, p["value"])
        held = params.get(key) if isinstance(params, dict) else None
        if held != value or (expected is not None and params != expected):
            shown = f"{key} = {held!r}" if held != value else "other parameters than the sweep records"
            raise QbexpError(f"{out}: sweep point {p['dir']} holds a run of {shown}, not the point's {key} = "
                             f"{value!r} (a folder moved, copied or linked into its place?)")
    return dirs


def _empty(folder: Path) -> bool:
    """No folder, or an empty one (not a link, not a file): a point the sweep has not reached."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return False
    return not folder.exists() or not any(folder.iterdir())


def run_dirs(path: Path, unstarted: list | None = None) -> list[Path]:
    """The run directories behind ``path``: every point of a sweep, or ``path`` itself
    (``unstarted``: a list that takes the points a killed sweep never reached, :func:`_point_dirs`)."""
    path = Path(path)
    if (path / SWEEP_FILE).exists() and not (path / "manifest.json").exists():
        return _point_dirs(path, _read_sweep(path), unstarted)
    return [path]


def _reseeded(executor, seed):
    """The executor with another seed, sharing its connection (pool, Dask client, service).

    Executors keep their seed in ``seed`` and nothing else that depends on it, so a shallow
    copy is enough; only the original is closed.
    """
    clone = copy.copy(executor)
    clone.seed = seed
    return clone


def _collect(stores, labels, executors, sizes, name: str, progress: bool) -> list[str]:
    """Save counts of every point as they come; the points that cannot complete (no job left
    pending for their missing circuits)."""
    from tqdm import tqdm

    saved = [sum(store.has_counts(n) for n in store.manifest()["circuit_names"]) for store in stores]
    open_points = [i for i in range(len(labels)) if saved[i] < sizes[i]]
    stuck = []
    with tqdm(total=sum(sizes), initial=sum(saved), desc=f"sweep {name}: counts saved", unit="circuit",
              disable=not progress, file=status_stream()) as bar:
        while open_points:
            for i in list(open_points):
                summary = fetch_pending(stores[i], executors[i], wait=False, progress=False)
                now = summary["totals"].get("saved", 0)
                bar.update(max(0, now - saved[i]))
                saved[i] = now
                if now >= sizes[i]:
                    open_points.remove(i)
                elif not summary["totals"].get("pending"):
                    open_points.remove(i)
                    stuck.append(labels[i])
            if open_points:
                time.sleep(max(executors[i].poll_interval for i in open_points))
    return sorted(stuck, key=labels.index)


# -- analysis ------------------------------------------------------------------------------
def analyze_sweep(out: Path, estimator: str = "linear", resamples: int = DEFAULT_RESAMPLES, mitigation: bool = True,
                  progress: bool = True) -> dict:
    """Analyse every point of the sweep in ``out`` from its counts; write sweep.csv and sweep.png
    (``mitigation``: as in :func:`qbexp.experiments.run.analyze`).

    Returns ``{"parameter", "values", "dirs", "results" (each point's results.json), "csv", "png"}``.
    """
    from tqdm import tqdm

    out = Path(out)
    sweep = _read_sweep(out)
    name, points = sweep["parameter"], sweep["points"]
    _point_dirs(out, sweep)
    for path in (out / TABLE_FILE, out / PLOT_FILE):  # every output writable before any is rewritten
        check_output_file(path)
    for p in points:
        RunStore(out / p["dir"]).check_outputs()
    # every point is analysed before any results.json is rewritten: one that cannot be leaves them all as they were
    stores = [RunStore(out / p["dir"]) for p in points]
    run_results = [analyze_store(store, estimator, resamples, mitigation, save=False)
                   for store in tqdm(stores, desc=f"sweep {name}: analysing", unit="point", disable=not progress,
                                     file=status_stream(), leave=False, delay=0.5)]
    for store, result in zip(stores, run_results):
        save_result(store, result)
    results = [r.data for r in run_results]
    values = [p["value"] for p in points]
    figures = _figures(results)
    columns, rows = sweep_table(name, values, results, figures)
    table = out / TABLE_FILE
    tmp = out / f".{TABLE_FILE}.tmp"
    with open(tmp, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows([[f"{v:.15g}" if isinstance(v, float) else v for v in row] for row in rows])
    tmp.replace(table)
    backend = sweep.get("backend")
    title = (f"{sweep.get('kind', '?')} sweep of {name}, {sweep.get('shots', '?')} shots/circuit, "
             f"{backend.get('name', '?') if isinstance(backend, dict) else backend}")
    plot_sweep(name, values, results, figures, out / PLOT_FILE, title=title)
    return {"parameter": name, "values": values, "dirs": [str(out / p["dir"]) for p in points],
            "results": results, "run_results": run_results, "csv": str(table), "png": str(out / PLOT_FILE)}


def _figures(results) -> list[str]:
    figures = []
    for r in results:
        figures += [f for f in r["estimates"] if f not in figures]
    return figures


def sweep_table(name: str, values, results, figures) -> tuple[list[str], list[list]]:
    """Columns and rows of sweep.csv: NAME, then per figure F: F, F_stderr, F_ci95_lo, F_ci95_hi,
    F_exact; a figure a point lacks is empty."""
    columns = [name]
    for f in figures:
        columns += [f, f"{f}_stderr", f"{f}_ci95_lo", f"{f}_ci95_hi", f"{f}_exact"]
    rows = []
    for value, r in zip(values, results):
        row = [value]
        for f in figures:
            est = r["estimates"].get(f)
            if est is None:
                row += [""] * 5
            else:
                exact = r["exact"].get(f)
                lo, hi = est["ci95"] if est.get("ci95") is not None else ("", "")  # declined (N >= 5): empty
                row += [est["value"], est["stderr"], lo, hi,
                        "" if exact is None else exact]
        rows.append(row)
    return columns, rows


def plot_sweep(name: str, values, results, figures, path: Path, title: str = "") -> None:
    """sweep.png: :func:`qbexp.experiments.report.sweep_figure`, saved atomically."""
    from qbexp.experiments.report import save_figure, sweep_figure

    save_figure(sweep_figure(name, values, results, figures, title), path)
