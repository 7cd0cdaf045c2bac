"""``qbexp circuits export --out DIR``: write the protocol circuit catalogue (see qbexp.circuits.catalogue)."""

from __future__ import annotations

import json
from pathlib import Path

from qbexp.backends.store import check_outside_runs
from qbexp.circuits.catalogue import CASES, export_catalogue
from qbexp.cli.options import path_option
from qbexp.cli.output import check_out_dir
from qbexp.errors import QbexpError
from qbexp.experiments.sweep import SWEEP_FILE
from qbexp.files import check_output_file


EXPORT_HELP = "write the OpenQASM 3 catalogue of the canonical protocol circuits"
EXPORT_DESCRIPTION = ("Write NAME.qasm for every canonical protocol, index.json (parameters, qubit roles, gate "
                      "counts, ideal-run and exact figures of merit) and README.md into DIR.")


def register(subparsers) -> None:
    parser = subparsers.add_parser("circuits", help="hardware-executable protocol circuits")
    actions = parser.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help=EXPORT_HELP, description=EXPORT_DESCRIPTION)
    export.add_argument("--out", required=True, help="output directory (created if missing)")
    export.set_defaults(func=run_export)


def run_export(args) -> int:
    args.out = path_option(args.out, "--out")
    check_out_dir(args.out)
    check_outside_runs(args.out, "--out", ("manifest.json", SWEEP_FILE))
    check_not_overwriting(args.out)
    for path in export_catalogue(args.out):
        print(path)
    return 0


def check_not_overwriting(out: Path) -> None:
    """The catalogue replaces its own files (README.md, index.json, NAME.qasm), never someone
    else's: a folder that holds anything but is no catalogue (its index.json lists the QASM
    files), or that holds a run or a sweep, is refused before anything is written; so is one
    where any of those names cannot take its file (a folder, a pipe, a folder that is not writable)."""
    if not out.is_dir():
        return
    names = [f"{case.name}.qasm" for case in CASES] + ["index.json", "README.md"]
    if (out / "manifest.json").exists() or (out / SWEEP_FILE).exists():
        raise QbexpError(f"--out {out} holds a qbexp run or sweep; write the catalogue into a folder of its own")
    held = sorted(p.name for p in out.iterdir())
    if held and not _is_catalogue(out):  # its own names first: what would be overwritten
        shown = [name for name in names if name in held] or held
        raise QbexpError(f"--out {out} already holds {', '.join(shown[:3])}{' ...' if len(shown) > 3 else ''} and is "
                         "not a catalogue (no index.json of one); refusing to overwrite or mix with its files: "
                         "choose a new or empty folder")
    for name in names:  # each can take its file (not a folder, a pipe): none is written otherwise
        check_output_file(out / name)


def _is_catalogue(out: Path) -> bool:
    if not (out / "index.json").is_file():  # a pipe would block the read
        return False
    try:
        index = json.loads((out / "index.json").read_text())
    except (OSError, ValueError, RecursionError):  # unreadable, not JSON, nested too deep
        return False
    return (isinstance(index, list) and bool(index)
            and all(isinstance(e, dict) and str(e.get("file", "")).endswith(".qasm") and "protocol" in e for e in index))
