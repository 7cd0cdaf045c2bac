"""Helpers shared by the figure scripts: command-line options, their checks, and CSV and PNG output.

Every script writes ``<name>.csv`` and ``<name>.png`` into ``--out`` (default
``analysis/output/``).  Closed forms of Çakmak, "Ergotropy from coherences", used for
reference lines live with the script that draws them.

Bad input is refused before any work is done and before anything is written: argparse's
``type=`` functions here (:func:`integer`, :func:`real`, :func:`numbers`, :func:`names`) check each
value, through the package's own checks where it has one (a message ``NAME.py: error: argument
--points: ...``, exit status 2), and :func:`output_folder` checks ``--out`` / ``--runs`` and the
files that will be written there.  :func:`script` wraps each script's ``main``: a
:class:`qbexp.QbexpError` (or a file that cannot be written) raised later is one line
``NAME.py: error: ...`` with exit status 2, never a traceback.  Outputs are computed and drawn
first, then each file is written through a temporary file and an atomic rename
(:func:`write_files`): a failure never leaves a half-written file or replaces saved results.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from qbexp.errors import IncompleteRun, QbexpError, shown  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "output"
#: The paper's temperatures and line styles (Fig. 1 caption): β = 0.01 solid, 1 dot-dashed, 10 dashed.
BETA_STYLES = {0.01: "-", 1.0: "-.", 10.0: "--"}
#: Most c values of an exactly simulated c grid (Figs. 1 and 4, the exact curves of the shot-based
#: figures): three steady states per c at about 10 ms each, so 1000 values take about 30 s.
MAX_C_POINTS = 1000


# -- the command line ----------------------------------------------------------------------------
def parser(name: str, description: str) -> argparse.ArgumentParser:
    """The parser of the script ``analysis/<name>.py``, with ``--out`` (checked by :func:`output_folder`)."""
    from qbexp.cli.main import OneLineParser  # usage errors in one line, as the qbexp command's

    p = OneLineParser(prog=f"{name}.py", description=description)
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: analysis/output/)")
    return p


def script(name: str):
    """Decorator of a script's ``main(argv)``: a :class:`qbexp.QbexpError` becomes one line
    ``<name>.py: error: <message>`` on stderr and exit status 2 (1 for a run whose jobs are not
    all in), as does a file that cannot be read or written (its path and the reason), instead
    of a traceback.  argparse's own errors already exit with status 2."""
    def decorate(main):
        @functools.wraps(main)
        def wrapped(argv=None):
            try:
                return main(argv)
            except QbexpError as err:
                _fail(name, f"error: {err}" if not isinstance(err, IncompleteRun) else str(err),
                      1 if isinstance(err, IncompleteRun) else 2)
            except OSError as err:
                where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
                _fail(name, f"error: {where or 'file system'}: {err.strerror or err}", 2)
        return wrapped
    return decorate


def _fail(name: str, message: str, status: int):
    from qbexp.cli.main import one_line

    sys.stdout.flush()
    print(f"{name}.py: {one_line(message)}", file=sys.stderr)
    raise SystemExit(status)


def _type_error(check, *args):
    """``check(*args)``, its :class:`QbexpError` as argparse's error for the option being parsed."""
    try:
        return check(*args)
    except QbexpError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def integer(minimum: int, maximum: int | None = None, why: str = ""):
    """argparse type: an integer from ``minimum`` to ``maximum`` (None: no upper bound);
    ``why`` says what the maximum stands for."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # also an integer of more digits than Python converts
            raise argparse.ArgumentTypeError(f"expected an integer, got {shown(text)}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum:,} to {maximum:,}" if maximum is not None else f">= {minimum:,}"
            raise argparse.ArgumentTypeError(f"{shown(text)} is out of range: it must be an integer {bound}"
                                             + (f" ({why})" if why else ""))
        return value

    parse.__name__ = "integer"
    return parse


def _number(text: str, name: str, check=None) -> float:
    """``text`` as a finite float (:func:`qbexp.models.matrices.check_real`), then ``check(value)``."""
    from qbexp.models.matrices import check_real

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {shown(text)}") from None
    value = _type_error(check_real, value, name)
    if check is not None:
        _type_error(check, value)
    return value


def real(name: str, check=None):
    """argparse type: a finite number (NaN and ±inf refused, as ``name``), then ``check(value)``:
    one of the package's checks, whose :class:`QbexpError` is the message."""
    def parse(text: str) -> float:
        return _number(text, name, check)

    parse.__name__ = "number"
    return parse


def numbers(name: str, check=None, maximum: int = MAX_C_POINTS):
    """argparse type: comma-separated numbers, each as :func:`real` checks it, at most ``maximum``
    of them and none twice (each names a run or a curve of its own)."""
    def parse(text: str) -> list[float]:
        items = text.split(",")
        if len(items) > maximum:
            raise argparse.ArgumentTypeError(f"{len(items):,} values; at most {maximum:,}")
        if not text.strip():
            raise argparse.ArgumentTypeError(f"expected comma-separated numbers (e.g. 0,0.5,1), got {shown(text)}")
        values = [_number(item, name, check) for item in items]
        _no_repeats(values, items)
        return values

    parse.__name__ = "numbers"
    return parse


def names(choices=None, what: str = "name", check=None, empty: bool = False):
    """argparse type: comma-separated names, each one of ``choices`` (None: any) that passes
    ``check(name)`` (a :class:`QbexpError` is the message), none twice; ``empty``: empty entries
    are left out (the empty text is the empty list)."""
    def parse(text: str) -> list[str]:
        items = [item for item in text.split(",") if item or not empty]
        for item in items:
            if choices is not None and item not in choices:
                raise argparse.ArgumentTypeError(f"unknown {what} {shown(item)}; choose from {', '.join(choices)} "
                                                 "(comma-separated)")
            if check is not None:
                _type_error(check, item)
        _no_repeats(items, items)
        return items

    parse.__name__ = "names"
    return parse


def _no_repeats(values, items) -> None:
    seen = set()
    for value, item in zip(values, items):
        if value in seen:
            raise argparse.ArgumentTypeError(f"{shown(item.strip())} is given twice")
        seen.add(value)


def symmetric_beta(beta: float) -> None:
    """β as the symmetric solver takes it (:class:`qbexp.dynamics.symmetric_model.CollectiveSpinModel`):
    >= 0 (0: the limit β → 0) and within the solvers' scale (``qbexp.models.collective.check_parameters``)."""
    from qbexp.dynamics.symmetric_model import CollectiveSpinModel

    CollectiveSpinModel(2, beta)


def output_folder(value, option: str = "--out", files=(), make: bool = True) -> Path:
    """The folder an option (``--out``, ``--runs``) names, checked before any work and made: a
    usable path (:func:`qbexp.files.check_path`), a folder or one that can be made, writable
    (``qbexp.cli.output.check_out_dir``), neither a qbexp run or sweep directory nor inside one
    (:func:`qbexp.backends.store.check_outside_runs`: a stray file breaks its status and
    analysis), and each of ``files`` in it can take the file written there
    (:func:`qbexp.files.check_output_file`: not a folder).  A one-line :class:`QbexpError` otherwise.
    ``make=False``: not made yet (:func:`make_folders`, once every other option is checked)."""
    from qbexp.backends.store import check_outside_runs, enclosing_run
    from qbexp.cli.output import check_out_dir
    from qbexp.experiments.sweep import SWEEP_FILE
    from qbexp.files import check_output_file, check_path

    records = ("manifest.json", SWEEP_FILE)  # what marks a run and a sweep directory
    path = check_path(value, option)
    check_out_dir(path, option)
    check_outside_runs(path, option, records)
    if enclosing_run(path / "_", records) is not None:  # the folder itself is a run or a sweep
        raise QbexpError(f"{option} {path} is a qbexp run or sweep directory, whose folders hold only what qbexp "
                         "writes there; choose a folder outside it")
    for name in files:
        try:
            check_output_file(path / name)
        except QbexpError as err:
            raise QbexpError(f"{option} {path}: {err}") from None
    if make:
        make_folders({option: path})
    return path


def make_folders(folders: dict[str, Path]) -> None:
    """Each ``option: folder`` made (with its parents): the last check before any work, since a
    folder that cannot be made (under /proc, where root passes every permission check) says so
    only when it is tried; a one-line :class:`QbexpError` naming the option then."""
    for option, path in folders.items():
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise QbexpError(f"{option} {path}: the folder cannot be made: {err.strerror or err}") from None


def make_run_folders(out: Path, runs: Path) -> None:
    """``--out`` and ``--runs`` made, after checking that ``--out`` is not at or inside ``--runs``
    (the runs' folders are made later, and the script's files would land in a run or sweep
    directory, which the same command then refuses as ``--out``)."""
    if out.resolve() == runs.resolve() or runs.resolve() in out.resolve().parents:
        raise QbexpError(f"--out {out} lies inside --runs {runs}, whose folders hold only the runs; "
                         "choose an --out outside it")
    make_folders({"--out": out, "--runs": runs})


def point_seed(seed: int | None, name: str, value: float) -> int | None:
    """The seed of the run (or sweep) of one value of ``name``: fixed by the value, not by its place in
    the list, so that adding or reordering values reuses the runs already made."""
    from qbexp.backends.executors import derived_seed

    return derived_seed(seed, name, repr(float(value)))


@contextlib.contextmanager
def under_runs(runs: Path):
    """A run or sweep under ``--runs`` made with other options: the one-line error names ``--runs``."""
    try:
        yield
    except QbexpError as err:
        text = str(err)
        if "holds another" not in text:
            raise
        raise QbexpError(f"--runs {runs}: " + text.replace("choose a new --out directory",
                                                             "choose another --runs folder")) from None


# -- output --------------------------------------------------------------------------------------
def csv_text(columns: list[str], rows: list[tuple]) -> str:
    """``rows`` under the header ``columns`` as CSV text; floats with full precision."""
    text = io.StringIO(newline="")
    w = csv.writer(text)
    w.writerow(columns)
    w.writerows([[f"{v:.15g}" if isinstance(v, float) else v for v in row] for row in rows])
    return text.getvalue()


def figure_png(fig) -> bytes:
    """``fig`` laid out and rendered as PNG (150 dpi), then closed."""
    buffer = io.BytesIO()
    try:
        fig.tight_layout()
        fig.savefig(buffer, dpi=150, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def write_files(files: dict[Path, str | bytes]) -> list[Path]:
    """Each ``path: content`` written through a temporary file in its folder and an atomic
    rename (text by :func:`qbexp.files.atomic_write_text`): a file is either the old one or the
    new one, never half of one.  Call it once everything is computed and drawn."""
    from qbexp.files import atomic_write_bytes, atomic_write_text

    for path, content in files.items():
        if isinstance(content, str):
            atomic_write_text(path, content)
        else:
            atomic_write_bytes(path, content)
    return list(files)


def write_outputs(out: Path, name: str, columns: list[str], rows: list[tuple], plot,
                  tables: dict[str, tuple[list[str], list[tuple]]] | None = None) -> tuple[Path, Path]:
    """``out/name.csv`` from ``rows``, ``out/name.png`` of the figure ``plot(rows)`` returns, and
    ``out/FILE`` for each ``FILE: (columns, rows)`` of ``tables``.  Everything is rendered first,
    then written (:func:`write_files`); no rows is an error, and nothing is written."""
    if not rows:
        raise QbexpError(f"no results to write (every case was skipped); {out} is left as it was")
    csv_path, png_path = out / f"{name}.csv", out / f"{name}.png"
    files = {csv_path: csv_text(columns, rows)}
    files.update({out / file: csv_text(cols, trows) for file, (cols, trows) in (tables or {}).items()})
    files[png_path] = figure_png(plot(rows))
    write_files(files)
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


def plot_two_panels_vs_c(rows, labels, titles, legend_panel: int):
    """Columns 2 and 3 of ``rows`` (β, c, a, b) against c, one line per β in the paper's styles: the figure."""
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
    return fig
