"""What the bad-input tests (tests/test_bad_input*.py) share: a finished run and sweep to break,
a time limit per case (anything longer is a hang), and a snapshot of a folder (every refused
command must leave it exactly as it was)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

import qbexp
from qbexp.cli.main import main

#: seconds a case may take: anything longer is a hang
CASE_TIMEOUT = 30


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One finished run and one finished sweep (one qubit, exact channel, few shots)."""
    root = tmp_path_factory.mktemp("made")
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
    qbexp.run(exp, shots=64, seed=1, out=root / "run", progress=False, resamples=39)
    qbexp.sweep(exp, "beta", [1.0, 2.0], shots=64, seed=1, out=root / "sweep", progress=False, resamples=39)
    return root


@contextmanager
def time_limit(seconds: int = CASE_TIMEOUT):
    """A :class:`TimeoutError` in the case that takes longer than ``seconds``."""
    def hang(signum, frame):
        raise TimeoutError(f"case took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def snapshot(root: Path) -> dict:
    """Every file (its SHA-256), link and folder under ``root``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[str(p.relative_to(root))] = "dir"
    return out


def fill(arg: str, root: Path) -> str:
    """``arg`` with each ``{x}`` replaced by the path ``root/x``."""
    out = arg
    while "{" in out and "}" in out:
        start = out.index("{")
        end = out.index("}", start)
        out = out[:start] + str(root / out[start + 1:end]) + out[end + 1:]
    return out


def run_cli(argv: list[str], root: Path, capsys) -> tuple[int, str, list[str]]:
    """``qbexp ARGV`` (``{x}``: paths under ``root``): its exit status, its stderr and the lines
    of it that are not progress bars."""
    try:
        got = main([fill(a, root) for a in argv])
    except SystemExit as exit:  # argparse
        got = exit.code
    err = capsys.readouterr().err
    return got, err, [line for line in err.splitlines() if line.strip() and "it/s]" not in line]


def one_line_error(call, fragment: str) -> str:
    """``call()`` raises a :class:`qbexp.QbexpError` of one short line holding ``fragment``; the
    message (the tables of the sub-packages' functions)."""
    with pytest.raises(qbexp.QbexpError) as info:
        call()
    message = str(info.value)
    assert fragment in message, message
    assert "\n" not in message and len(message) < 400, message
    return message


def refused_call(call, root: Path, fragment: str) -> str:
    """``call(root)`` raises a one-line :class:`qbexp.QbexpError` holding ``fragment`` and leaves
    ``root`` as it was; the message."""
    before = snapshot(root)
    with pytest.raises(qbexp.QbexpError) as info:
        call(root)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert snapshot(root) == before, "a refused call changed the files"
    return message


def sweep_record(edit):
    """A setup that applies ``edit`` to the sweep's sweep.json (the record as a dict)."""
    def setup(root: Path):
        path = root / "sweep" / "sweep.json"
        record = json.loads(path.read_text())
        edit(record)
        path.write_text(json.dumps(record))
    return setup


def copy_made(made: Path, folder: Path) -> Path:
    """``folder`` holding a copy of the finished run and sweep of :func:`made` (each case breaks its own)."""
    shutil.copytree(made / "run", folder / "run")
    shutil.copytree(made / "sweep", folder / "sweep")
    return folder


def subject_to_permissions() -> list[str] | None:
    """A command prefix under which chmod 000 denies reads: none for other users; for root,
    ``setpriv`` without the capabilities that override file permissions (None: not available)."""
    if not hasattr(os, "geteuid"):
        return None
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    drop = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}"] if setpriv else None
