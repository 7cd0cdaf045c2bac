"""Entry point of the ``qbexp`` command: dispatches to one module per sub-command.

Every sub-command module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to the function that runs it.  Bad input (:class:`QbexpError`) becomes one line on
stderr and exit status 2, never a traceback; so does a file that cannot be read or written
(an :class:`OSError`, named with its path).
"""

from __future__ import annotations

import argparse
import sys

from qbexp.cli import analyze, circuits, fetch, run, simulate, status
from qbexp.dynamics.engines import using_engine
from qbexp.errors import IncompleteRun, QbexpError

SUBCOMMANDS = (simulate, run, analyze, status, fetch, circuits)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qbexp", description="Quantum-battery experiments.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv  # recorded in run manifests
    try:
        with using_engine(getattr(args, "engine", None)):  # --engine, checked before any work
            return int(args.func(args) or 0)
    except IncompleteRun as err:
        print(f"qbexp: {err}", file=sys.stderr)
        return 1
    except QbexpError as err:
        print(f"qbexp: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0
    except OSError as err:  # a file qbexp could not read or write: name it, no traceback
        where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
        print(f"qbexp: error: {where or 'file system'}: {err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qbexp: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
