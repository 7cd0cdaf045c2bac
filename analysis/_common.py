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
