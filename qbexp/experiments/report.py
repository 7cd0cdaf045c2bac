"""Pictures of runs and sweeps, as ``matplotlib.figure.Figure`` objects.

Built without pyplot: nothing here selects a backend or registers figures globally, so a
notebook keeps its inline plots (``RunResult.plot()`` returns the Figure) and the command line
saves the same Figure to PNG (:func:`save_figure`, atomic).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np

from qbexp.errors import QbexpError
from qbexp.files import new_file_mode


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def estimates_figure(results: dict, title: str = ""):
    """Each of ``results["estimates"]`` with its 95 % interval, next to the exact value (and the
    device value on a noisy simulator)."""
    estimates = results["estimates"]
    exact = results.get("exact", {})
    device = results.get("device", {})
    names = list(estimates)
    fig = _figure(1.4 * len(names) + 2, 3.6)
    ax = fig.subplots()
    for i, name in enumerate(names):
        est = estimates[name]
        lo, hi = (est["value"], est["value"]) if est.get("ci95") is None else est["ci95"]  # declined: no bar
        ax.errorbar(i, est["value"], yerr=[[max(est["value"] - lo, 0)], [max(hi - est["value"], 0)]],
                    fmt="o", color="C0", capsize=4, label="estimate (95% CI)" if i == 0 else None)
        if exact.get(name) is not None:
            ax.plot(i, exact[name], "x", color="C3", ms=9, mew=2, label="exact" if i == 0 else None)
        if device.get(name) is not None:
            ax.plot(i, device[name], "+", color="C2", ms=10, mew=2, label="device" if i == 0 else None)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def sweep_figure(name: str, values, results, figures=None, title: str = ""):
    """One panel per figure: estimates with 95 % intervals against the swept ``name``, exact
    values as crosses joined in the order of ``name`` (values given out of order drew a zigzag),
    by a dotted line: the exact value is computed at the sweep's points only."""
    if figures is None:
        figures = []
        for r in results:
            figures += [f for f in r["estimates"] if f not in figures]
    cols = min(3, len(figures))
    rows = math.ceil(len(figures) / cols)
    fig = _figure(4.2 * cols, 3.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False))
    x = np.asarray(values, dtype=float)
    for ax, f in zip(axes.flat, figures):
        pts = [(xi, r["estimates"][f], r["exact"].get(f)) for xi, r in zip(x, results) if f in r["estimates"]]
        xs = np.array([p[0] for p in pts])
        est = np.array([p[1]["value"] for p in pts])
        lo = np.array([p[1]["value"] if p[1].get("ci95") is None else p[1]["ci95"][0] for p in pts])
        hi = np.array([p[1]["value"] if p[1].get("ci95") is None else p[1]["ci95"][1] for p in pts])
        ax.errorbar(xs, est, yerr=[np.maximum(est - lo, 0), np.maximum(hi - est, 0)], fmt="o", ms=4,
                    capsize=3, color="C0", label="estimate (95% CI)")
        exact = [(p[0], p[2]) for p in pts if p[2] is not None]
        if exact:
            ax.plot(*zip(*sorted(exact)), "x:", color="C3", lw=1.0, ms=5, label="exact")
        ax.set_xlabel(name)
        ax.set_title(f, fontsize=10)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(figures):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def save_figure(fig, path: Path, dpi: int = 120) -> None:
    """Write ``fig`` to ``path`` (PNG) through a temporary file and an atomic rename."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp.png")
        os.close(fd)
    except OSError as err:
        raise QbexpError(f"{path} cannot be written ({err.strerror or err})") from None
    try:
        fig.savefig(tmp, dpi=dpi)
        os.chmod(tmp, new_file_mode())  # mkstemp's 0o600 otherwise (qbexp.files.new_file_mode)
        os.replace(tmp, path)
    except OSError as err:  # name the file the user asked for, leave no temporary file behind
        raise QbexpError(f"{path} cannot be written ({err.strerror or err})") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def plot_estimates(results: dict, path: Path, title: str = "") -> None:
    """results.png of a run directory."""
    save_figure(estimates_figure(results, title), path)
