"""``qbexp circuits export --out DIR``: write the protocol circuit catalogue (see qbexp.circuits.catalogue)."""

from __future__ import annotations

from qbexp.circuits.catalogue import export_catalogue
from qbexp.cli.options import path_option
from qbexp.cli.output import check_out_dir


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
    for path in export_catalogue(args.out):
        print(path)
    return 0
