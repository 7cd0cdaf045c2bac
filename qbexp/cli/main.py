"""Entry point of the ``qbexp`` command: dispatches to one module per sub-command.

Every sub-command module exposes ``register(subparsers)``, which adds its parser and sets
``func`` to the function that runs it.  Bad input (:class:`QbexpError`) becomes one line on
stderr and exit status 2, never a traceback; so does a file that cannot be read or written
(an :class:`OSError`, named with its path), and standard output that is closed or whose reader
went away (the output would be lost).  Standard error that cannot be written (closed, full, its
reader gone) loses only the messages (:func:`qbexp.progress.status_stream`), never the run.
"""

from __future__ import annotations

import argparse
import os
import sys

from qbexp.backends.aer import quiet_dask
from qbexp.cli import analyze, circuits, fetch, run, simulate, status
from qbexp.cli.options import check_matplotlib, quiet_matplotlib
from qbexp.dynamics.engines import using_engine
from qbexp.errors import IncompleteRun, QbexpError
from qbexp.progress import status_stream

SUBCOMMANDS = (simulate, run, analyze, status, fetch, circuits)


#: longest message printed; a longer one keeps its start and end (a 100,000-character option value)
MAX_MESSAGE = 1000


#: the commands that draw a figure (results.png, sweep.png, --plot): matplotlib must start
DRAWING = ("run", "analyze", "simulate")


def one_line(message: str) -> str:
    """``message`` as one line of reasonable length: every message of the command line passes
    here.  Control characters (a newline in an option value, an escape sequence) are written as
    Python escapes (``\\n``, ``\\x1b``), and the middle of an overlong message is elided."""
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in str(message))
    if len(text) > MAX_MESSAGE:
        head, tail = MAX_MESSAGE * 2 // 3, MAX_MESSAGE // 3
        text = f"{text[:head]} …[{len(text) - head - tail:,} characters]… {text[-tail:]}"
    return text


class OneLineParser(argparse.ArgumentParser):
    """argparse's usage errors (invalid choices, values, missing options) in one line too, as
    every other error, with where to find the options instead of argparse's usage block (7 to 11
    lines before the error); sub-parsers inherit it (and the analysis scripts' parsers are these)."""

    def error(self, message):
        self.exit(2, f"{self.prog.split()[0]}: error: {one_line(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="qbexp", description="Quantum-battery experiments.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    quiet_matplotlib()  # before a sub-command imports matplotlib
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv  # recorded in run manifests
    if sys.stdout is None:  # started with standard output closed (`>&-`): every result would be lost
        print("qbexp: error: standard output is closed; redirect it (to /dev/null to discard the output)",
              file=status_stream())
        return 2
    try:
        if args.command in DRAWING:
            check_matplotlib()
        with using_engine(getattr(args, "engine", None)), quiet_dask():  # --engine, checked before any work
            code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that went away is an error now, not a message at exit
        return code
    except IncompleteRun as err:
        print(f"qbexp: {one_line(err)}", file=status_stream())
        return 1
    except QbexpError as err:
        print(f"qbexp: error: {one_line(err)}", file=status_stream())
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which exited before reading it all
        _discard_stdout()
        print("qbexp: error: standard output: broken pipe (its reader exited); the output is incomplete",
              file=status_stream())
        return 2
    except OSError as err:  # a file qbexp could not read or write: name it, no traceback
        where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
        print(one_line(f"qbexp: error: {where or 'file system'}: {err.strerror or err}"), file=status_stream())
        return 2
    except KeyboardInterrupt:
        print("qbexp: interrupted", file=status_stream())
        return 130


def _discard_stdout() -> None:
    """Point standard output at /dev/null: what is still buffered for a broken pipe is dropped at
    exit instead of raising BrokenPipeError again (and printing a traceback-like notice)."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a file (captured output in tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
