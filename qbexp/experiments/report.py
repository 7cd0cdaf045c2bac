"""The picture of a run: each estimate with its 95 % interval next to the exact value."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_estimates(results: dict, path: Path, title: str = "") -> None:
    """Bar-free comparison plot of ``results["estimates"]`` against ``results["exact"]``."""
    estimates = results["estimates"]
    exact = results.get("exact", {})
    names = list(estimates)
    fig, ax = plt.subplots(figsize=(1.4 * len(names) + 2, 3.6))
    for i, name in enumerate(names):
        est = estimates[name]
        lo, hi = est["ci95"]
        ax.errorbar(
            i, est["value"], yerr=[[est["value"] - lo], [hi - est["value"]]],
            fmt="o", color="C0", capsize=4, label="estimate (95% CI)" if i == 0 else None,
        )
        if name in exact and exact[name] is not None:
            ax.plot(i, exact[name], "x", color="C3", ms=9, mew=2, label="exact" if i == 0 else None)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
