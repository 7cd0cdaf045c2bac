"""Bad input on the command line: every message one line naming the option as typed.

A newline or an overlong value in an option, the Python API's parameter names (``out = ...``,
``command = ...``) showing through, options a ``--sweep`` silently replaced, and matplotlib's
warnings under a read-only HOME.  Rows as in test_bad_input.py: ``(argv, exit status, fragment)``;
``{x}`` in argv is a path in the case's own folder; exit 2 leaves that folder as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from qbexp.cli.main import main
from _bad_input import fill, run_cli, snapshot, time_limit

#: seconds a case may take: anything longer is a hang

RC = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "16", "--seed", "1"]
RC2 = [*RC[:3], "2", *RC[4:]]  # two qubits: c:VALUE states and c sweeps
LONG = "x" * 100_000
#: longest line a message may take
MAX_LINE = 2000


@pytest.fixture
def ctx(tmp_path):
    (tmp_path / "file").write_text("not a directory\n")
    (tmp_path / "dir").mkdir()
    return tmp_path


#: seconds a case may take here (each runs a command or two)
CASE_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _timeout():
    with time_limit(CASE_TIMEOUT):
        yield


CLI = [
    # -- 14: a newline in a value is written \n, in one line naming the option (was: `command = ...`)
    ([*RC, "--out", "{new}", "--backend", "ae\nr"], 2, "--backend: unknown backend 'ae\\nr'"),
    ([*RC, "--out", "{new}", "--init", "bog\nus"], 2, "--init: unknown initial state 'bog\\nus'"),
    ([*RC2, "--out", "{new}", "--init", "c:0\n5"], 2, "--init: initial state 'c:0\\n5'"),
    (["analyze", "a\nb"], 2, "a\\nb"),
    ([*RC, "--out", "{new}", "--charging", "kr\naus"], 2, "invalid choice: 'kr\\naus'"),
    ([*RC, "--out", "{new}", "--init", "\x1b[31mred"], 2, "'\\x1b[31mred'"),
    # -- 14: an overlong value is elided in the middle (was: echoed whole, 100,000 characters)
    ([*RC, "--out", "{new}", "--init", LONG], 2, "characters]…"),
    ([*RC, "--out", "{new}", "--charging", LONG], 2, "characters]…"),
    # -- the API's parameters named as the options (was: `out = ...`, `seed = ...`)
    ([*RC, "--out", "{file}"], 2, "--out " + "{file}" + ": exists and is not a directory"),
    ([*RC, "--out", "{file}/x"], 2, "--out {file}/x: {file} is a file"),
    ([*RC, "--out", "{new}", "--backend", "nowhere"], 2, "--backend: unknown backend 'nowhere'"),
    ([*RC, "--out", "{new}", "--init", "file:" + "a" * 300], 2, "--init file: 'aaaa"),
    # -- 18: --sweep replacing an option given, --sweep given twice (was: silently dropped)
    ([*RC, "--out", "{new}", "--beta", "5", "--sweep", "beta=1,2"], 2,
     "--beta 5.0 and --sweep beta=... both set beta, and the sweep does not visit 5.0; drop --beta"),
    ([*RC, "--out", "{new}", "--n", "2", "--sweep", "n=1,3"], 2, "--n 2 and --sweep n=... both set n"),
    ([*RC, "--out", "{new}", "--omega", "2", "--sweep", "omega=1,3"], 2, "--omega 2.0 and --sweep omega=..."),
    ([*RC2, "--out", "{new}", "--init", "thermal", "--sweep", "c=0,1"], 2,
     "--init thermal and --sweep c=... both set the initial state"),
    ([*RC, "--out", "{new}", "--sweep", "beta=1,2", "--sweep", "n=1,2"], 2,
     "--sweep is given 2 times (beta=1,2, n=1,2); a sweep varies one parameter"),
]


@pytest.mark.parametrize("argv, code, fragment", CLI, ids=[
    f"{k}:{' '.join(row[0][-2:])[:30]!r}" for k, row in enumerate(CLI)])
def test_cli(argv, code, fragment, ctx, capsys, monkeypatch):
    monkeypatch.chdir(ctx)
    before = snapshot(ctx)
    got, err, lines = run_cli(argv, ctx, capsys)
    assert got == code, err[:2000]
    assert "Traceback" not in err
    assert fill(fragment, ctx) in err, err[:2000]
    assert "command = " not in err and " = " not in lines[-1].split(":", 2)[-1][:12], err[:2000]
    if err.startswith("usage:"):  # argparse: the usage, then one line
        assert lines[-1].startswith("qbexp run collective: error: "), err[:2000]
    else:
        assert len(lines) == 1 and lines[0].startswith("qbexp: error: "), err[:2000]
    assert len(lines[-1]) < MAX_LINE, "an overlong message is not elided"
    assert snapshot(ctx) == before, "a refused command changed the files"


@pytest.mark.parametrize("argv, fragment", [
    (["simulate", "engine"], "the following arguments are required: --tau (see qbexp simulate engine --help)"),
    (["simulate", "collective", "--n", "2", "--beta", "x", "--steady"], "argument --beta: invalid float value: 'x'"),
    (["run", "collective", "--n", "2", "--beta", "1", "--shots", "10"], "required: --out (see qbexp run collective --help)"),
    (["bogus"], "invalid choice: 'bogus'"),
])
def test_argparse_errors_are_one_line_too(argv, fragment, capsys):
    """Errors argparse finds (a missing option, a value of the wrong type, an unknown command)
    are one line naming the --help to read, as the README says of every bad input: argparse
    printed its usage block, 7 to 11 lines, before it."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qbexp: error: ") and fragment in err, err


def test_one_line():
    """The one place every message passes: control characters escaped, the middle elided."""
    from qbexp.cli.main import one_line

    assert one_line("a\nb\tc\x1b[0m\x00é") == "a\\nb\\tc\\x1b[0m\\x00é"
    text = one_line("start " + "y" * 100_000 + " end")
    assert text.startswith("start y") and text.endswith("y end") and "…[" in text
    assert len(text) < MAX_LINE
    assert one_line("short") == "short"


def test_newline_in_out_is_a_run_recorded_in_one_line(ctx, capsys, monkeypatch):
    """A newline in --out is a legal folder name: the run is made (was: refused as `command = ...`)
    and its manifest records the command in one line, as a shell reads it back ($'a\\nb')."""
    monkeypatch.chdir(ctx)
    assert main([*RC, "--out", "a\nb", "--json"]) == 0
    capsys.readouterr()
    command = json.loads((ctx / "a\nb" / "manifest.json").read_text())["command"]
    assert "\n" not in command and "--out $'a\\nb' --json" in command, command
    words = subprocess.run(["bash", "-c", f"printf '%s\\0' {command}"], capture_output=True, text=True).stdout
    assert words.split("\0")[-4:-2] == ["--out", "a\nb"]


def test_sweep_value_given_and_visited_is_no_loss(ctx, capsys, monkeypatch):
    """--beta 1 with --sweep beta=1,2: the sweep visits 1, nothing is dropped; it runs."""
    monkeypatch.chdir(ctx)
    assert main([*RC, "--out", "s", "--sweep", "beta=1,2", "--json"]) == 0
    capsys.readouterr()
    assert json.loads((ctx / "s" / "sweep.json").read_text())["values"] == [1.0, 2.0]


def test_unwritable_home_prints_no_matplotlib_warnings(tmp_path):
    """HOME unwritable (/proc): matplotlib's two warnings about its config folder are gone, the run
    (whose results.png needs matplotlib) completes, and the temporary folder is removed at exit."""
    env = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    env.update(HOME="/proc", TMPDIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "qbexp.cli.main", *RC, "--out", str(tmp_path / "run"), "--json"],
                          capture_output=True, text=True, env=env, timeout=CASE_TIMEOUT)
    lines = [line for line in done.stderr.splitlines() if line.strip() and "it/s]" not in line]
    assert done.returncode == 0, done.stderr
    assert not any("matplotlib" in line.lower() for line in lines), done.stderr
    assert (tmp_path / "run" / "results.png").exists()
    assert not [p for p in tmp_path.iterdir() if "matplotlib" in p.name]
