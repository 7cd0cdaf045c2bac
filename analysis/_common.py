"""Helpers shared by the figure scripts: command-line options, CSV and PNG output.

Every script writes ``<name>.csv`` and ``<name>.png`` into ``--out`` (default
``analysis/output/``).  Closed forms of Çakmak, "Ergotropy from coherences", used for
reference lines live with the script that draws them.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "output"
#: The paper's temperatures and line styles (Fig. 1 caption): β = 0.01 solid, 1 dot-dashed, 10 dashed.
BETA_STYLES = {0.01: "-", 1.0: "-.", 10.0: "--"}


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: analysis/output/)")
    return p


def write_csv(path: Path, columns: list[str], rows: list[tuple]) -> Path:
    """Write ``rows`` under the header ``columns``; floats with full precision."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows([[f"{v:.15g}" if isinstance(v, float) else v for v in row] for row in rows])
    return path


def save_figure(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def write_outputs(out: Path, name: str, columns: list[str], rows: list[tuple], plot) -> tuple[Path, Path]:
    """``out/name.csv`` from ``rows`` and ``out/name.png`` drawn by ``plot(rows, path)``."""
    csv_path = write_csv(out / f"{name}.csv", columns, rows)
    png_path = plot(rows, out / f"{name}.png")
    print(f"wrote {csv_path} and {png_path}")
    return csv_path, png_path


def c_family_rows(betas, cs, figures, desc: str, omega: float = 1.0) -> list[tuple]:
    """Rows (β, c, *figures(ρ_ss, H0)) over the two-qubit steady states ρ_ss(β, c) (Çakmak Eq. 8),
    each simulated: the collective battery charged to its exact steady state from
    (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|."""
    from tqdm import tqdm

    from qbexp.dynamics import steady_state
    from qbexp.models import collective_battery
    from qbexp.models.states import c_family_state

    rows = []
    with tqdm(total=len(betas) * len(cs), desc=desc) as bar:
        for beta in betas:
            model = collective_battery(2, beta, omega=omega)
            h0 = model.battery_matrix()
            for c in cs:
                rows.append((float(beta), float(c), *figures(steady_state(model, c_family_state(c)), h0)))
                bar.update()
    return rows


def plot_two_panels_vs_c(rows, path: Path, labels, titles, legend_panel: int) -> Path:
    """Columns 2 and 3 of ``rows`` (β, c, a, b) against c, one line per β in the paper's styles."""
    import numpy as np

    data = np.array(rows)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for col, ax, label, title in zip((2, 3), axes, labels, titles):
        for beta, style in BETA_STYLES.items():
            sel = data[:, 0] == beta
            ax.plot(data[sel, 1], data[sel, col], style, color="k", label=rf"$\beta={beta:g}$")
        ax.set_xlabel("$c$")
        ax.set_ylabel(label)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_title(title, fontsize=10)
    axes[legend_panel].legend(frameon=False)
    return save_figure(fig, path)
