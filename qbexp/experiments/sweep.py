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
``numpy.linspace``) or ``NAME=V1,V2,...``.  :data:`SWEEPABLE` lists the names per kind.
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

from qbexp.backends.executors import derived_seed, executor_for
from qbexp.backends.profiles import load_profile
from qbexp.backends.store import RunStore, atomic_write_text, package_versions, read_json
from qbexp.backends.submit import fetch_pending
from qbexp.errors import QbexpError
from qbexp.experiments.run import analyze, execute, plan_collective, plan_engine

#: Sweepable parameters of each kind and their types (``c`` sets the initial state ``c:VALUE``).
SWEEPABLE = {
    "collective": {"c": float, "beta": float, "gamma": float, "f": float, "omega": float, "n": int},
    "engine": {"tau": float, "cycles": int, "t_hot": float, "t_cold": float, "lam": float,
               "gamma0": float, "omega0": float},
}
SWEEP_FILE = "sweep.json"
TABLE_FILE = "sweep.csv"
PLOT_FILE = "sweep.png"


# -- grids ---------------------------------------------------------------------------------
def parse_sweep(spec: str, kind: str) -> tuple[str, list]:
    """``NAME=START:STOP:COUNT`` or ``NAME=V1,V2,...`` -> (NAME, values); one-line errors."""
    if kind not in SWEEPABLE:
        raise QbexpError(f"sweeps of {kind!r} runs are not supported; kinds: {', '.join(SWEEPABLE)}")
    valid = ", ".join(SWEEPABLE[kind])
    name, sep, grid = str(spec).partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name or not grid.strip():
        raise QbexpError(f"--sweep {spec!r}: expected NAME=START:STOP:COUNT or NAME=V1,V2,... "
                         f"with NAME one of {valid}")
    if name not in SWEEPABLE[kind]:
        raise QbexpError(f"--sweep {spec!r}: cannot sweep {name!r} in a {kind} run; sweepable: {valid}")
    return name, grid_values(grid, SWEEPABLE[kind][name], f"--sweep {spec!r}")


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


# -- plans of the command-line kinds --------------------------------------------------------
def collective_point(n: int, beta: float, omega: float = 1.0, gamma: float = 1.0, f: float = 0.0,
                     init: str = "ground", charging: str = "collision", discharge: bool = False,
                     steps: int | None = None, **plan_options):
    """The plan of ``qbexp run collective`` with these options (``charging`` as in
    :func:`~qbexp.experiments.run.plan_collective`: ``channel``, ``dilation`` or ``collision``)."""
    from qbexp.models import collective_battery, initial_state

    model = collective_battery(n, beta, omega=omega, gamma=gamma, f=f)
    rho0 = initial_state(init, n, hamiltonian=model.battery_hamiltonian, beta=beta)
    params = {"n": n, "beta": beta, "omega": omega, "gamma": gamma, "f": f, "init": init}
    return plan_collective(model, rho0, charging=charging, discharge=discharge, steps=steps,
                           parameters=params, **plan_options)


def engine_point(tau: float, cycles: int = 1, engine_discharge: str = "local1", omega0: float = 1.0,
                 lam: float = 0.01, gamma0: float = 1e-3, t_hot: float = 2.0, t_cold: float = 0.1,
                 charging: str = "collision", discharge: bool = False, steps: int | None = None,
                 **plan_options):
    """The plan of ``qbexp run engine`` with these options."""
    from qbexp.models import two_bath_engine

    model = two_bath_engine(omega0=omega0, lam=lam, gamma0=gamma0, t_hot=t_hot, t_cold=t_cold)
    params = {"tau": tau, "cycles": cycles, "engine_discharge": engine_discharge, "omega0": omega0,
              "lam": lam, "gamma0": gamma0, "t_hot": t_hot, "t_cold": t_cold}
    return plan_engine(model, tau, cycles, charging=charging, discharge=discharge,
                       engine_discharge=engine_discharge, steps=steps, parameters=params, **plan_options)


def point_options(options: dict, name: str, value) -> dict:
    """``options`` of :func:`collective_point` / :func:`engine_point` with ``name`` set to ``value``."""
    if name == "c":
        return {**options, "init": f"c:{value_label(value)}"}
    return {**options, name: value}


def plan_point(kind: str, options: dict, name: str, value):
    """The plan of one grid point of a command-line kind."""
    build = {"collective": collective_point, "engine": engine_point}[kind]
    return build(**point_options(options, name, value))


# -- running -------------------------------------------------------------------------------
def run_sweep(name: str, values, plan_for, out: Path, backend: str = "aer", shots: int = 4000,
              seed: int | None = None, retry_failed: bool = False, argv: list[str] | None = None,
              progress: bool = True, estimator: str = "linear", resamples: int = 300) -> dict | None:
    """Run ``plan_for(value)`` for every value as one batch in ``out``; the sweep's summary
    (see :func:`analyze_sweep`), or None while some point lacks counts.

    ``argv`` is the command recorded in ``sweep.json`` and in every point's manifest
    (default ``sys.argv[1:]``, written after ``qbexp``).
    """
    from tqdm import tqdm

    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise QbexpError(f"shots = {shots}; it must be an integer >= 1")
    values = [int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else float(v) for v in values]
    if not values:
        raise QbexpError("the sweep has no values")
    labels = [point_dir(name, v) for v in values]
    if len(set(labels)) != len(labels):
        raise QbexpError(f"the sweep of {name} repeats a value: {', '.join(labels)}")
    out = Path(out)
    argv = list(argv) if argv is not None else sys.argv[1:]
    profile = load_profile(backend)
    plans = [plan_for(v) for v in tqdm(values, desc=f"sweep {name}: planning", unit="point",
                                       disable=not progress, file=sys.stderr, leave=False, delay=0.5)]
    seeds = [derived_seed(seed, "sweep", label) for label in labels]
    identity = {"kind": plans[0].kind, "parameter": name, "values": values, "shots": shots, "seed": seed,
                "backend": profile.name, "points": [p.parameters for p in plans]}
    with executor_for(profile, seed=seed) as base:
        sweep = {
            "identity": identity,
            "command": "qbexp " + shlex.join(argv),
            "kind": plans[0].kind,
            "parameter": name,
            "values": values,
            "points": [{"value": v, "dir": label, "seed": s} for v, label, s in zip(values, labels, seeds)],
            "shots": shots,
            "seed": seed,
            "backend": base.describe(),
            "versions": package_versions(),
        }
        _open_sweep(out, sweep)
        executors = [_reseeded(base, s) for s in seeds]
        with tqdm(total=len(plans), desc=f"sweep {name}: submitting", unit="point", disable=not progress,
                  file=sys.stderr, leave=False, delay=0.5) as bar:
            for plan, label, s, ex in zip(plans, labels, seeds, executors):
                execute(plan, out / label, backend=backend, shots=shots, seed=s, retry_failed=retry_failed,
                        wait=False, argv=argv, executor=ex, progress=False)
                bar.update()
        stuck = _collect(out, labels, executors, [len(p.circuits) for p in plans], name, progress)
    if stuck:
        if progress:
            print(f"qbexp: {len(stuck)} of {len(labels)} points lack counts ({', '.join(stuck[:5])}"
                  f"{', …' if len(stuck) > 5 else ''}); see `qbexp status {out / stuck[0]}`; re-run the "
                  "command to wait again, with --retry-failed to resubmit failed jobs", file=sys.stderr)
        return None
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


def _read_sweep(out: Path) -> dict:
    return read_json(Path(out) / SWEEP_FILE, "sweep")


def run_dirs(path: Path) -> list[Path]:
    """The run directories behind ``path``: every point of a sweep, or ``path`` itself."""
    path = Path(path)
    if (path / SWEEP_FILE).exists() and not (path / "manifest.json").exists():
        return [path / p["dir"] for p in _read_sweep(path)["points"]]
    return [path]


def _reseeded(executor, seed):
    """The executor with another seed, sharing its connection (pool, Dask client, service).

    Executors keep their seed in ``seed`` and nothing else that depends on it, so a shallow
    copy is enough; only the original is closed.
    """
    clone = copy.copy(executor)
    clone.seed = seed
    return clone


def _collect(out: Path, labels, executors, sizes, name: str, progress: bool) -> list[str]:
    """Save counts of every point as they come; the points that cannot complete (no job left
    pending for their missing circuits)."""
    from tqdm import tqdm

    stores = [RunStore(out / label) for label in labels]
    saved = [sum(store.has_counts(n) for n in store.manifest()["circuit_names"]) for store in stores]
    open_points = [i for i in range(len(labels)) if saved[i] < sizes[i]]
    stuck = []
    with tqdm(total=sum(sizes), initial=sum(saved), desc=f"sweep {name}: counts saved", unit="circuit",
              disable=not progress, file=sys.stderr) as bar:
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
def analyze_sweep(out: Path, estimator: str = "linear", resamples: int = 300, mitigation: bool = True,
                  progress: bool = True) -> dict:
    """Analyse every point of the sweep in ``out`` from its counts; write sweep.csv and sweep.png
    (``mitigation``: as in :func:`qbexp.experiments.run.analyze`).

    Returns ``{"parameter", "values", "dirs", "results" (each point's results.json), "csv", "png"}``.
    """
    from tqdm import tqdm

    out = Path(out)
    sweep = _read_sweep(out)
    name, points = sweep["parameter"], sweep["points"]
    results = [analyze(out / p["dir"], estimator=estimator, resamples=resamples, mitigation=mitigation)
               for p in tqdm(points, desc=f"sweep {name}: analysing", unit="point", disable=not progress,
                             file=sys.stderr, leave=False, delay=0.5)]
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
    title = f"{sweep['kind']} sweep of {name}, {sweep['shots']} shots/circuit, {sweep['backend'].get('name', '?')}"
    plot_sweep(name, values, results, figures, out / PLOT_FILE, title=title)
    return {"parameter": name, "values": values, "dirs": [str(out / p["dir"]) for p in points],
            "results": results, "csv": str(table), "png": str(out / PLOT_FILE)}


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
                row += [est["value"], est["stderr"], est["ci95"][0], est["ci95"][1],
                        "" if exact is None else exact]
        rows.append(row)
    return columns, rows


def plot_sweep(name: str, values, results, figures, path: Path, title: str = "") -> None:
    """One panel per figure: estimates with 95 % intervals against the parameter, exact as a line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(3, len(figures))
    rows = math.ceil(len(figures) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    x = np.asarray(values, dtype=float)
    for ax, f in zip(axes.flat, figures):
        pts = [(xi, r["estimates"][f], r["exact"].get(f)) for xi, r in zip(x, results) if f in r["estimates"]]
        xs = np.array([p[0] for p in pts])
        est = np.array([p[1]["value"] for p in pts])
        lo = np.array([p[1]["ci95"][0] for p in pts])
        hi = np.array([p[1]["ci95"][1] for p in pts])
        ax.errorbar(xs, est, yerr=[np.maximum(est - lo, 0), np.maximum(hi - est, 0)], fmt="o", ms=4,
                    capsize=3, color="C0", label="estimate (95% CI)")
        exact = [(p[0], p[2]) for p in pts if p[2] is not None]
        if exact:
            ax.plot(*zip(*exact), "-", color="C3", lw=1.2, label="exact")
        ax.set_xlabel(name)
        ax.set_title(f, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(figures):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(path)
