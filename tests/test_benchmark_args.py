"""The benchmark scripts refuse bad arguments as argparse does -- exit status 2, one ``error:``
line naming the problem, nothing printed or run before it -- and every one answers ``--help``.

Each script is run as ``python benchmarks/SCRIPT.py ARGV`` would run it (``runpy`` with
``run_name="__main__"``, ``sys.argv`` set, the benchmarks folder first on ``sys.path``, the repo
root on ``PYTHONPATH``), all of one script's rows in one subprocess: its imports (numpy,
scipy, qiskit: seconds) are paid once per script, not once per row.  A row that is not refused
would start the benchmark: an alarm stops it after :data:`ALARM_S` seconds and it fails (and a
subprocess that still runs after :data:`GROUP_S` seconds is killed, with any it started).
"""

from __future__ import annotations

import io
import json
import os
import runpy
import shlex
import signal
import subprocess
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))
ALARM_S = 20  # per row: a refusal takes milliseconds once the script's imports are done
GROUP_S = 60  # per subprocess: the imports (seconds) and all of a script's rows
NO_QUTIP = ("qutip",)  # hidden (None in sys.modules): the import fails as if it were not installed

# (script, argv, fragment of the one error line[, modules hidden])
REFUSED = [
    ("bench_tomography.py", ["--resamples", "10"], "argument --resamples: '10' is out of range"),
    ("bench_tomography.py", ["--resamples", "1000000"], "argument --resamples: '1000000' is out of range"),
    ("bench_tomography.py", ["--repeat", "0"], "argument --repeat: '0' is out of range"),
    ("bench_tomography.py", ["--repeat", "1.5"], "argument --repeat: '1.5' is not an integer"),
    ("bench_tomography.py", ["--min-qubits", "0", "--max-qubits", "0"], "argument --min-qubits: '0' is out of range"),
    ("bench_tomography.py", ["--min-qubits", "5", "--max-qubits", "3"], "--min-qubits 5 is more than --max-qubits 3"),
    ("bench_tomography.py", ["--max-qubits", "7"], "argument --max-qubits: '7' is out of range"),
    ("bench_mle.py", ["--repeat", "0"], "argument --repeat: '0' is out of range"),
    ("bench_mle.py", ["--repeat", "-1"], "argument --repeat: '-1' is out of range"),
    ("bench_mle.py", ["--repeat", "abc"], "argument --repeat: 'abc' is not an integer"),
    ("zne_coverage.py", ["--seeds", "5:3"], "argument --seeds: '5:3' is not START:STOP"),
    ("zne_coverage.py", ["--seeds", "3:3"], "argument --seeds: '3:3' is not START:STOP"),
    ("zne_coverage.py", ["--seeds", "abc"], "argument --seeds: 'abc' is not START:STOP"),
    ("zne_coverage.py", ["--seeds=-1:3"], "argument --seeds: '-1:3' is not START:STOP"),
    ("zne_coverage.py", ["--seeds", "1:2:3"], "argument --seeds: '1:2:3' is not START:STOP"),
    ("zne_coverage.py", ["--shots", "0"], "argument --shots: '0' is out of range"),
    ("zne_coverage.py", ["--shots", "100000000"], "argument --shots: '100000000' is out of range"),
    ("zne_coverage.py", ["--charging", "bogus"], "argument --charging: invalid choice: 'bogus'"),
    ("zne_coverage.py", ["--charging", "kraus"], "the kraus charging has none"),
    ("zne_coverage.py", ["--c", "2"], "argument --c: '2' is out of range"),
    ("zne_coverage.py", ["--c=-0.1"], "argument --c: '-0.1' is out of range"),
    ("zne_coverage.py", ["--c", "nan"], "argument --c: 'nan' is not a finite number"),
    ("zne_coverage.py", ["--c", "inf"], "argument --c: 'inf' is not a finite number"),
    ("fidelity_families.py", ["bogus"], "argument which: 'bogus' is not a cell: choose a depolarising p"),
    ("fidelity_families.py", [""], "argument which: '' is not a cell"),
    ("fidelity_families.py", ["1.5"], "argument which: '1.5' is not a cell"),
    ("fidelity_families.py", ["--", "-0.1"], "argument which: '-0.1' is not a cell"),
    ("fidelity_families.py", ["nan"], "argument which: 'nan' is not a cell"),
    ("fidelity_families.py", ["damp F=0"], "argument which: 'damp F=0' is not a cell"),
    ("fidelity_families.py", ["dephase F=abc"], "argument which: 'dephase F=abc' is not a cell"),
    ("fidelity_families.py", ["turn F=0.9"], "argument which: 'turn F=0.9' is not a cell"),
    ("fidelity_families.py", [], "the following arguments are required: which"),
    ("fidelity_families.py", ["turn", "--reps", "0"], "argument --reps: '0' is out of range"),
    ("fidelity_families.py", ["turn", "--seed", "-1"], "argument --seed: '-1' is out of range"),
    ("rank_deficient.py", ["--outer", "0", "--inner", "0"], "argument --outer: '0' is out of range"),
    ("rank_deficient.py", ["--inner", "0"], "argument --inner: '0' is out of range"),
    ("rank_deficient.py", ["--seed", "-7"], "argument --seed: '-7' is out of range"),
    ("coverage.py", ["--max-qubits", "0"], "argument --max-qubits: '0' is out of range"),
    ("coverage.py", ["--max-qubits", "1"], "argument --max-qubits: '1' is out of range"),
    ("coverage.py", ["--reps", "0"], "argument --reps: '0' is out of range"),
    ("coverage.py", ["--reps-raw", "0"], "argument --reps-raw: '0' is out of range"),
    ("coverage.py", ["--resamples", "10"], "argument --resamples: '10' is out of range"),
    ("coverage.py", ["--resamples", "nan"], "argument --resamples: 'nan' is not an integer"),
    ("coverage.py", ["--resamples-mle", "38"], "argument --resamples-mle: '38' is out of range"),
    ("coverage.py", ["--check-runs", "-1"], "argument --check-runs: '-1' is out of range"),
    ("coverage.py", ["--seed", "-1"], "argument --seed: '-1' is out of range"),
    ("coverage.py", ["--method", "bogus"], "argument --method: invalid choice: 'bogus'"),
    ("coverage.py", ["--cells", "("], "argument --cells: '(' is not a regular expression"),
    ("bench_delta.py", ["--bogus"], "unrecognized arguments: --bogus"),
    ("bench_symmetric.py", ["--piqs-timeout", "0"], "argument --piqs-timeout: '0' is out of range"),
    ("bench_symmetric.py", ["--piqs-timeout", "-1"], "argument --piqs-timeout: '-1' is out of range"),
    ("bench_symmetric.py", ["--piqs-timeout", "nan"], "argument --piqs-timeout: 'nan' is not a finite number"),
    ("bench_symmetric.py", ["--general-timeout", "inf"], "argument --general-timeout: 'inf' is not a finite number"),
    ("bench_symmetric.py", ["--general-timeout", "1e400"], "argument --general-timeout: '1e400' is not a finite"),
    ("bench_symmetric.py", ["--general-timeout", "abc"], "argument --general-timeout: 'abc' is not a number"),
    ("bench_evolution.py", ["--repeat", "0"], "argument --repeat: '0' is out of range"),
    ("bench_evolution.py", ["--engines", "bogus"], "argument --engines: 'bogus' is not one of"),
    ("bench_evolution.py", ["--engines", "scipy,"], "argument --engines: '' is not one of"),
    ("bench_evolution.py", [], "pip install qutip", NO_QUTIP),
]
# (script, argv, fragment of stdout[, modules hidden]): --help exits 0 before any work
HELP = [(script, ["--help"], "usage:") for script in SCRIPTS] + [
    ("bench_evolution.py", ["--help"], "--engines", NO_QUTIP),
    ("fidelity_families.py", ["--help"], "projected"),  # the valid cells are listed
]


def _id(row):
    script, argv, fragment, hidden = _row(row)
    return f"{script} {shlex.join(argv)}{' (no qutip)' if hidden else ''}: {fragment}"


def _row(row):
    script, argv, fragment, *hidden = row
    return script, argv, fragment, tuple(hidden[0]) if hidden else ()


class NotRefused(BaseException):
    """The alarm's: not an ``Exception``, which a benchmark's own ``except Exception`` would swallow."""


def _python(args, cwd) -> tuple[int, str, str]:
    """``(exit status, stdout, stderr)`` of ``python ARGS`` with the worktree's qbexp, in a session
    of its own, killed with whatever it started after :data:`GROUP_S` seconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=GROUP_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"python {' '.join(args)} ran past {GROUP_S} s")
    return proc.returncode, out, err


def _run_rows(script: str, rows: list) -> list:
    """In the subprocess: ``[code, stdout, stderr]`` of each ``(argv, hidden modules)`` of ``script``."""
    sys.path.insert(0, str(BENCHMARKS))
    path = str(BENCHMARKS / script)

    def alarm(*_):
        raise NotRefused(f"not refused within {ALARM_S} s")

    signal.signal(signal.SIGALRM, alarm)
    results = []
    for argv, hidden in rows:
        saved = {name: sys.modules.pop(name) for name in hidden if name in sys.modules}
        sys.modules.update(dict.fromkeys(hidden))
        sys.argv = [path, *argv]
        out, err = io.StringIO(), io.StringIO()
        signal.alarm(ALARM_S)
        try:
            with redirect_stdout(out), redirect_stderr(err):
                runpy.run_path(path, run_name="__main__")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        except BaseException:  # noqa: BLE001 (the traceback is the row's stderr)
            err.write(traceback.format_exc())
            code = 1
        finally:
            signal.alarm(0)
            for name in hidden:
                sys.modules.pop(name, None)
            sys.modules.update(saved)
        results.append([code, out.getvalue(), err.getvalue()])
    return results


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """``run(script, argv, hidden) -> (code, stdout, stderr)``; all rows of a script in one subprocess."""
    cache = {}

    def get(script, argv, hidden):
        if script not in cache:
            rows = sorted({(tuple(a), h) for s, a, _, h in map(_row, REFUSED + HELP) if s == script})
            code, out, err = _python([__file__, script, json.dumps(rows)], tmp_path_factory.mktemp("cwd"))
            assert code == 0, err
            cache[script] = dict(zip(rows, json.loads(out)))
        return cache[script][tuple(argv), hidden]

    return get


@pytest.mark.parametrize("row", REFUSED, ids=_id)
def test_refused(run, row):
    script, argv, fragment, hidden = _row(row)
    code, out, err = run(script, argv, hidden)
    errors = [line for line in err.splitlines() if "error:" in line]
    assert (code, len(errors), out) == (2, 1, ""), err
    assert fragment in errors[0]


@pytest.mark.parametrize("row", HELP, ids=_id)
def test_help(run, row):
    script, argv, fragment, hidden = _row(row)
    code, out, err = run(script, argv, hidden)
    assert (code, err) == (0, ""), err
    assert out.startswith("usage:") and fragment in out


def test_refused_as_a_plain_script(tmp_path):
    """The same as ``python benchmarks/zne_coverage.py --shots 0`` from another folder (no runpy)."""
    code, out, err = _python([str(BENCHMARKS / "zne_coverage.py"), "--shots", "0"], tmp_path)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith("zne_coverage.py: error: argument --shots: '0' is out of range")


if __name__ == "__main__":  # the subprocess of the ``run`` fixture
    print(json.dumps(_run_rows(sys.argv[1], [(list(a), tuple(h)) for a, h in json.loads(sys.argv[2])])))
