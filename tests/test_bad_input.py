"""Bad input and corrupt files, table-driven: every row ends in one line naming the problem.

CLI rows: ``(setup, argv, exit status, fragment of the message)``; ``{x}`` in argv is a path in
the case's own folder (``{run}``: a copy of a finished run directory, ``{sweep}``: of a sweep,
``{file}``: a plain file, ``{dir}``: an empty folder, ``{new}``: a path that does not exist).
``setup`` names a function that breaks the folder first (corrupt files).  Exit 2 is bad input
(one line ``qbexp: error: ...`` on stderr, or argparse's usage + one line), 1 an incomplete run.
Every row with exit 2 also checks that the folder is left exactly as it was found.

API rows: ``(call, fragment)``: the call must raise a one-line :class:`qbexp.QbexpError`.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from qiskit.quantum_info import SparsePauliOp

import qbexp
from qbexp.cli.main import main
from qbexp.dynamics.cycle import run_engine

from _runfiles import fail_circuit
import _bad_input
from _bad_input import (CASE_TIMEOUT, copy_made, refused_call, run_cli, snapshot, subject_to_permissions,
                        sweep_record, time_limit)

made = _bad_input.made  # the fixture: a finished run and sweep to break


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture
def ctx(made, tmp_path):
    copy_made(made, tmp_path)
    (tmp_path / "file").write_text("not a directory\n")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    return tmp_path


@pytest.fixture(autouse=True)
def _timeout():
    with time_limit():
        yield


# -- ways to break a run directory -----------------------------------------------------------
def _counts(run: Path) -> Path:
    return sorted((run / "counts").glob("*.json"))[0]


def _job(run: Path) -> Path:
    return sorted((run / "jobs").glob("*.json"))[0]


def write(rel: str, text: str | bytes, base: str = "run"):
    def setup(root: Path):
        path = root / base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return setup


def counts_file(text: str | bytes):
    def setup(root: Path):
        path = _counts(root / "run")
        (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return setup


def counts_record(**changes):
    def setup(root: Path):
        path = _counts(root / "run")
        record = json.loads(path.read_text())
        record.update(changes)
        path.write_text(json.dumps(record))
    return setup


def job_file(text: str):
    def setup(root: Path):
        _job(root / "run").write_text(text)
    return setup


def job_record(**changes):
    def setup(root: Path):
        path = _job(root / "run")
        record = json.loads(path.read_text())
        record.update(changes)
        path.write_text(json.dumps(record))
    return setup


def manifest(**changes):
    def setup(root: Path):
        path = root / "run" / "manifest.json"
        record = json.loads(path.read_text())
        record.update(changes)
        path.write_text(json.dumps({k: v for k, v in record.items() if v is not DROP}))
    return setup


def backend_field(**changes):
    """Change fields of the backend profile the manifest records."""
    def setup(root: Path):
        path = root / "run" / "manifest.json"
        record = json.loads(path.read_text())
        record["backend"].update(changes)
        path.write_text(json.dumps(record))
    return setup


def parameters(**changes):
    """Change the experiment parameters the manifest records (what a plan is rebuilt from)."""
    def setup(root: Path):
        path = root / "run" / "manifest.json"
        record = json.loads(path.read_text())
        record["parameters"] = {k: v for k, v in {**record["parameters"], **changes}.items() if v is not DROP}
        path.write_text(json.dumps(record))
    return setup


DROP = object()


def run_kind(kind: str):
    """The run's kind, in its identity too: a manifest that agrees with itself (and with its job
    records, which name the run by its identity) on a kind qbexp does not know."""
    from qbexp.backends.records import identity_digest

    def setup(root: Path):
        path = root / "run" / "manifest.json"
        record = json.loads(path.read_text())
        record["kind"] = record["identity"]["kind"] = kind
        path.write_text(json.dumps(record))
        for job in (root / "run" / "jobs").glob("*.json"):
            data = json.loads(job.read_text())
            job.write_text(json.dumps({**data, "run": identity_digest(record["identity"])}))
    return setup


def profile(layout: str):
    """A backend profile ``lay.toml`` in the case's folder: aer-noisy on FakePerth with ``initial_layout``."""
    return write("../lay.toml", f'kind = "aer-noisy"\ndevice = "FakePerth"\ninitial_layout = {layout}\n')


def failed(name: str = "tomo_X", base: str = "run"):
    """One circuit lost its counts and its job failed: ``fetch --retry-failed`` resubmits it."""
    def setup(root: Path):
        fail_circuit(root / base, name)
    return setup


def remove(rel: str):
    def setup(root: Path):
        path = root / rel
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return setup


def replace_by_dir(rel: str):
    def setup(root: Path):
        path = root / rel
        path.unlink()
        path.mkdir()
    return setup


def symlink(rel: str, target: str):
    def setup(root: Path):
        path = root / rel
        if path.exists() or path.is_symlink():
            path.unlink()
        path.symlink_to(root / target)
    return setup


def npy(rel: str, array):
    def setup(root: Path):
        np.save(root / rel, array)
    return setup


def kraus_sets(name: str, edit):
    """Rewrite NAME.channels.npz, the Kraus sets of NAME.qpy: ``edit(sets)`` returns the new
    {SHA-256: array}."""
    def setup(root: Path):
        path = root / "run" / f"{name}.channels.npz"
        with np.load(path) as sets:
            arrays = edit({k: sets[k] for k in sets.files})
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
    return setup


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def sweep_json(text: str):
    def setup(root: Path):
        (root / "sweep" / "sweep.json").write_text(text)
    return setup


def point(k: int, **changes):
    """Change point ``k`` of sweep.json (its ``value``, ``dir``)."""
    return sweep_record(lambda record: record["points"][k].update(changes))


def both(*setups):
    def setup(root: Path):
        for s in setups:
            s(root)
    return setup


RC = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "16"]
RCD = [*RC[:7], "collision", *RC[8:]]  # circuits a device runs
RE = ["run", "engine", "--tau", "1", "--charging", "kraus", "--shots", "16"]
SC = ["simulate", "collective", "--n", "2", "--beta", "1"]
SE = ["simulate", "engine", "--tau", "1"]

# (setup, argv, exit status, fragment)
CLI = [
    # -- simulate collective: numbers that are not numbers, out of range, beyond the solver
    (None, [*SC, "--steady", "--n", "abc"], 2, "invalid int value"),
    (None, ["simulate", "collective", "--n", "0", "--beta", "1", "--steady"], 2, "N = 0"),
    (None, ["simulate", "collective", "--n", "-3", "--beta", "1", "--steady"], 2, "N = -3"),
    (None, ["simulate", "collective", "--n", "100000", "--beta", "1", "--steady"], 2, "N = 100000"),
    (None, ["simulate", "collective", "--n", "10000000000000", "--beta", "1", "--steady"], 2, "N = 10000000000000"),
    (None, ["simulate", "collective", "--n", "40", "--beta", "1", "--steady", "--coupling", "individual"], 2, "N = 40"),
    (None, [*SC, "--steady", "--beta", "nan"], 2, "beta"),
    (None, [*SC, "--steady", "--beta", "inf"], 2, "beta"),
    (None, [*SC, "--steady", "--beta", "-1"], 2, "beta"),
    (None, [*SC, "--steady", "--beta", "1e-300"], 2, "beta"),
    (None, [*SC, "--steady", "--beta", "1e300"], 2, "beta"),
    (None, [*SC, "--t", "1", "--beta", "0"], 2, "beta"),
    (None, [*SC, "--steady", "--omega", "0"], 2, "omega"),
    (None, [*SC, "--steady", "--omega", "1e-300"], 2, "omega"),
    (None, [*SC, "--steady", "--omega", "1e300"], 2, "omega"),
    (None, [*SC, "--steady", "--omega", "nan"], 2, "omega"),
    (None, [*SC, "--steady", "--gamma", "-1"], 2, "gamma"),
    (None, [*SC, "--steady", "--gamma", "1e300"], 2, "gamma"),
    (None, [*SC, "--t", "1", "--gamma", "1e-300"], 2, "gamma"),
    (None, [*SC, "--steady", "--f", "nan"], 2, "f"),
    (None, [*SC, "--steady", "--f", "-inf"], 2, "f"),
    (None, [*SC, "--steady", "--f", "1e300"], 2, "f"),
    (None, [*SC, "--t", "-1"], 2, "--t -1"),
    (None, [*SC, "--t", "nan"], 2, "--t nan"),
    (None, [*SC, "--t", "inf"], 2, "--t inf"),
    (None, [*SC, "--t", "1e12"], 2, "--t"),
    (None, [*SC, "--t", "x"], 2, "invalid float value"),
    (None, [*SC, "--steady", "--t", "1"], 2, "not allowed with"),
    (None, SC, 2, "one of the arguments --steady --t is required"),
    (None, [*SC, "--steady", "--coupling", "weird"], 2, "invalid choice"),
    (None, [*SC, "--steady", "--engine", "magic"], 2, "invalid choice"),
    (None, [*SC, "--steady", "--init", ""], 2, "--init: unknown initial state ''"),
    (None, [*SC, "--steady", "--init", "bogus"], 2, "--init: unknown initial state"),
    (None, [*SC, "--steady", "--init", "c:2"], 2, "--init: c must lie in [0, 1]"),
    (None, [*SC, "--steady", "--init", "c:nan"], 2, "--init: c must be finite"),
    (None, [*SC, "--steady", "--init", "c:"], 2, "--init: initial state 'c:' is missing its value"),
    (None, [*SC, "--steady", "--init", "haar:-1"], 2, "--init: initial state 'haar:-1': seed must be"),
    (None, [*SC, "--steady", "--init", "haar:x"], 2, "--init: initial state 'haar:x': seed 'x' is not an integer"),
    (None, [*SC, "--steady", "--init", "dicke:9"], 2, "--init: initial state 'dicke:9': K must lie in 0..N = 2"),
    (None, ["simulate", "collective", "--n", "30", "--beta", "1", "--steady", "--init", "dicke:31"], 2,
     "--init: initial state 'dicke:31': K must lie in 0..N = 30"),
    (None, ["simulate", "collective", "--n", "30", "--beta", "1", "--steady", "--init", "coherent:1,x"], 2,
     "--init: initial state 'coherent:1,x': THETA and PHI must be numbers"),
    (None, ["simulate", "collective", "--n", "30", "--beta", "1", "--steady", "--init", "thermal:2"], 2,
     "--init: initial state 'thermal:2': 'thermal' takes no value"),
    (None, ["simulate", "collective", "--n", "0", "--beta", "1", "--steady", "--init", "haar:1"], 2,
     "error: number of qubits N = 0"),  # N's error, not --init's
    (None, [*SC, "--steady", "--init", "file:{new}.npy"], 2, "--init: state file"),
    (None, [*SC, "--steady", "--init", "file:{file}"], 2, "--init: state file"),
    (write("../garbage.npy", b"\x93NUMPY\x00\xff garbage"), [*SC, "--steady", "--init", "file:{garbage.npy}"], 2,
     "could not be read"),
    (npy("wrong.npy", np.eye(3)), [*SC, "--steady", "--init", "file:{wrong.npy}"], 2, "wrong.npy"),
    (npy("nan.npy", np.full((4, 4), np.nan)), [*SC, "--steady", "--init", "file:{nan.npy}"], 2, "NaN"),
    (npy("v.npy", np.array([1 + 1e-7, 0, 0, 0])), [*SC, "--steady", "--init", "file:{v.npy}"], 2,
     "vector has norm 1.0000001, expected 1"),
    (npy("strings.npy", np.array(["a", "b", "c", "d"])), [*SC, "--steady", "--init", "file:{strings.npy}"], 2,
     "strings.npy' holds a non-numeric array (dtype <U1)"),  # as init=["a", ...] in the API
    (both(remove("dir"), lambda r: (r / "dir.npy").mkdir()), [*SC, "--steady", "--init", "file:{dir.npy}"], 2,
     "not a regular file"),
    (None, [*SC, "--steady", "--save-state", "{new}/x.npy"], 2, "--save-state"),
    (None, [*SC, "--steady", "--save-state", "{file}/x.npy"], 2, "--save-state"),
    (None, [*SC, "--steady", "--save-state", "{new}.txt"], 2, "must end in .npy"),
    # a run's and a sweep's folders hold only what qbexp writes there (as for circuits export --out)
    (None, [*SC, "--steady", "--save-state", "{run}/counts/x.npy"], 2, "counts/x.npy lies inside the qbexp run directory"),
    (None, [*SC, "--steady", "--save-state", "{run}/x.npy"], 2, "lies inside the qbexp run directory"),
    (None, [*SC, "--steady", "--save-state", "{sweep}/x.npy"], 2, "lies inside the qbexp sweep directory"),
    (None, [*SC, "--steady", "--save-state", ".npy"], 2, "--save-state .npy: the file name is missing"),
    (None, [*SC, "--steady", "--save-state", "{dir}/.npy"], 2, "the file name is missing; give a name before .npy"),
    (npy("old.npy", np.zeros(1)), [*SC, "--steady", "--save-state", "{old.npy}"], 2, "already exists"),
    (both(remove("dir"), lambda r: (r / "dir.npy").mkdir()), [*SC, "--steady", "--save-state", "{dir.npy}"], 2,
     "already exists"),
    # -- simulate engine
    (None, [*SE, "--tau", "0"], 2, "--tau 0"),
    (None, [*SE, "--tau", "-1"], 2, "--tau -1"),
    (None, [*SE, "--tau", "nan"], 2, "--tau nan"),
    (None, [*SE, "--tau", "1e12"], 2, "tau = 1e+12 is 2.54e+09 relaxation times"),
    (None, [*SE, "--cycles", "0"], 2, "--cycles 0"),
    (None, [*SE, "--cycles", "1e8"], 2, "invalid int value"),
    (None, [*SE, "--cycles", "100000000"], 2, "--cycles"),
    (None, [*SE, "--lam", "1e300"], 2, "lam"),
    (None, [*SE, "--lam", "-1"], 2, "lam"),
    (None, [*SE, "--lam", "nan"], 2, "lam"),
    (None, [*SE, "--omega0", "0"], 2, "omega0"),
    (None, [*SE, "--omega0", "1e300"], 2, "omega0"),
    (None, [*SE, "--gamma0", "-1"], 2, "gamma0"),
    (None, [*SE, "--gamma0", "1e300"], 2, "gamma0"),
    (None, [*SE, "--t-hot", "nan"], 2, "t_hot"),
    (None, [*SE, "--t-cold", "-1"], 2, "t_cold"),
    (None, [*SE, "--rates", "a,b"], 2, "--rates"),
    (None, [*SE, "--rates", "1,2,3"], 2, "--rates"),
    (None, [*SE, "--rates", "1,2,3,-1"], 2, "must be a finite number >= 0"),
    (None, [*SE, "--rates", "nan,1,1,1"], 2, "finite"),
    (None, [*SE, "--rates", "1,1,1,1", "--gamma0", "1"], 2, "--rates replaces --gamma0"),
    (None, [*SE, "--rates", "1e-20,6e-21,1e-22,1e-20"], 2, "GAp = 1e-20 is outside what the solvers handle"),
    (None, [*SE, "--rates", "1,1,1e-300,1"], 2, "GSp = 1e-300"),
    (None, [*SE, "--discharge", "bogus"], 2, "unknown discharge"),
    (None, [*SE, "--lam", "1", "--omega0", "1"], 2, "lam = 1 >= omega0 = 1; the rates of Eq. (9) need lam << omega0"),
    (None, [*SE, "--lam", "2", "--rates", "1e-3,1e-3,1e-3,1e-3"], 2, "lam = 2 >= omega0 = 1"),
    (None, ["simulate", "engine"], 2, "--tau"),
    (None, ["simulate", "nothing"], 2, "invalid choice"),
    # -- run: values that pass parsing
    (None, [*RC, "--out", "{new}", "--shots", "0"], 2, "--shots = 0"),
    (None, [*RC, "--out", "{new}", "--shots", "-5"], 2, "--shots = -5"),
    (None, [*RC, "--out", "{new}", "--shots", "1000000000000"], 2, "10,000,000"),
    (None, [*RC, "--out", "{new}", "--shots", "1e12"], 2, "invalid int value"),
    (None, [*RC, "--out", "{new}", "--shots", ""], 2, "invalid int value"),
    (None, [*RC, "--out", "{new}", "--n", "7"], 2, "n = 7"),
    (None, [*RC, "--out", "{new}", "--n", "0"], 2, "n = 0"),
    (None, [*RC, "--out", "{new}", "--beta", "0"], 2, "beta = 0"),
    (None, [*RC, "--out", "{new}", "--beta", "inf"], 2, "beta = inf"),
    (None, [*RC, "--out", "{new}", "--beta", "1e-300"], 2, "beta"),
    (None, [*RC, "--out", "{new}", "--omega", "1e300"], 2, "omega"),
    (None, [*RC, "--out", "{new}", "--gamma", "1e-300"], 2, "gamma"),
    (None, [*RC, "--out", "{new}", "--steps", "0"], 2, "steps = 0"),
    (None, [*RC, "--out", "{new}", "--steps", "100000000"], 2, "steps = 100000000"),
    (None, [*RC, "--out", "{new}", "--init", "c:0.5"], 2, "N = 2 only"),
    (None, [*RC, "--out", "{new}", "--charging", "magic"], 2, "invalid choice"),
    (None, [*RC, "--out", "{new}", "--backend", "nowhere"], 2, "nowhere"),
    (None, [*RC, "--out", "{new}", "--backend", "{new}.toml"], 2, ".toml"),
    (write("../bad.toml", "this is [not toml"), [*RC, "--out", "{new}", "--backend", "{bad.toml}"], 2, "bad.toml"),
    (write("../empty.toml", ""), [*RC, "--out", "{new}", "--backend", "{empty.toml}"], 2, "empty.toml"),
    (write("../deep.toml", 'kind = "aer"\nx = ' + "[" * 2000 + "]" * 2000 + "\n"),  # was a RecursionError
     [*RC, "--out", "{new}", "--backend", "{deep.toml}"], 2, "deep.toml is not valid TOML (nested too deep)"),
    (None, [*RC, "--out", "{new}", "--backend", ""], 2, "backend"),
    (None, [*RC, "--out", "{new}", "--backend", "aer-noisy"], 2, "Kraus/SuperOp channel"),
    (None, [*RC, "--out", "{file}"], 2, "not a directory"),
    (None, [*RC, "--out", "{file}/x"], 2, "is a file"),
    (None, [*RC, "--out", "{run}"], 2, "holds another run"),
    (None, [*RC, "--out", "{sweep}"], 2, "sweep"),
    (write("../dir/stray.txt", "x"), [*RC, "--out", "{dir}"], 2, "not empty"),
    (None, [*RE, "--out", "{new}", "--tau", "0"], 2, "tau = 0"),
    (None, [*RE, "--out", "{new}", "--tau", "1e12"], 2, "tau"),
    (None, [*RE, "--out", "{new}", "--cycles", "100000000"], 2, "cycles = 100000000"),
    (None, [*RE, "--out", "{new}", "--lam", "1e300"], 2, "lam"),
    (None, [*RE, "--out", "{new}", "--omega0", "1e300"], 2, "omega0"),
    (None, [*RE, "--out", "{new}", "--t-hot", "1e-300"], 2, "t_hot"),
    (None, [*RE, "--out", "{new}", "--discharge", "bogus"], 2, "invalid choice"),
    # explicit rates (Fig. 2's caption) instead of Eq. 9's
    (None, [*RE, "--out", "{new}", "--rates", "3.5e-4,5e-4,3.5e-4,5.5e-3", "--t-hot", "2"], 2,
     "rates replace Eq. 9's gamma0, t_hot and t_cold; t_hot = 2.0 is given too"),
    (None, [*RE, "--out", "{new}", "--rates", "3.5e-4,5e-4,3.5e-4,5.5e-3", "--gamma0", "1e-3"], 2,
     "gamma0 = 0.001 is given too"),
    (None, [*RE, "--out", "{new}", "--rates", "1,2"], 2, "rates must be 4 numbers (GAp, GAm, GSp, GSm), got 2"),
    (None, [*RE, "--out", "{new}", "--rates", "a,b,c,d"], 2, "expected four comma-separated numbers GAp,GAm,GSp,GSm"),
    (None, [*RE, "--out", "{new}", "--rates", ""], 2, "expected four comma-separated numbers"),
    (None, [*RE, "--out", "{new}", "--rates", "0,0,0,0"], 2, "rates are all 0"),
    (None, [*RE, "--out", "{new}", "--rates", "0,1e-3,0,0"], 2, "2 independent steady states, so no unique NESS"),
    (None, [*RE, "--out", "{new}", "--rates=-1e-3,1e-3,1e-3,1e-3"], 2, "GAp = -0.001; it must be"),
    (None, [*RE, "--out", "{new}", "--rates", "nan,1e-3,1e-3,1e-3"], 2, "GAp must be finite"),
    (None, [*RE, "--out", "{new}", "--rates", "1e300,1e-3,1e-3,1e-3"], 2, "GAp = 1e+300 is outside"),
    (None, [*RE, "--out", "{new}", "--rates", "1e-3,1e-3,1e-3,1e-3", "--sweep", "t_hot=1,2"], 2, "t_hot = 1.0 is given too"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta"], 2, "expected NAME="),
    (None, [*RC, "--out", "{new}", "--sweep", "nope=1,2"], 2, "cannot sweep 'nope'"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=0:1:100000000"], 2, "at most 1,000 points"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=1:2:1e8"], 2, "COUNT"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=1,nan"], 2, "not a finite number"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=1,1"], 2, "repeats a value"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=1,x"], 2, "not a number"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=1:2"], 2, "START:STOP:COUNT"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=-1,1"], 2, "beta = -1"),
    (None, [*RC, "--out", "{new}", "--sweep", "n=1.5,2"], 2, "not an integer"),
    (None, [*RC, "--out", "{new}", "--sweep", "n=1,7"], 2, "n = 7"),
    (None, [*RC, "--out", "{file}", "--sweep", "beta=1,2"], 2, "not a directory"),
    (None, [*RC, "--out", "{run}", "--sweep", "beta=1,2"], 2, "single run"),
    (None, [*RC, "--out", "{new}", "--sweep", "beta=" + ",".join(str(1 + k) for k in range(1001))], 2,
     "at most 1,000 points"),
    (remove("run/manifest.json"), [*RC, "--shots", "64", "--seed", "1", "--out", "{run}"], 2, "manifest.json is missing"),
    (symlink("link", "nothing"), [*RC, "--out", "{link}"], 2, "symbolic link to nothing"),
    (symlink("link", "link"), [*RC, "--out", "{link}"], 2, "symbolic link to nothing"),
    (symlink("link", "nothing"), [*RC, "--out", "{link}", "--sweep", "beta=1,2"], 2, "symbolic link to nothing"),
    (symlink("link", "file"), [*RC, "--out", "{link}"], 2, "not a directory"),
    (None, [*RC, "--out", "{new}", "--seed", "-1"], 2, "--seed -1"),
    (None, [*RC, "--out", "{new}", "--seed", "x"], 2, "invalid int value"),
    (None, [*RC, "--out", "{new}", "--f", "nan"], 2, "f = nan"),
    (None, [*RC, "--out", "{new}", "--coupling", "none"], 2, "invalid choice"),
    (None, [*RC, "--out", "{new}", "--init", "file:{file}"], 2, "not a .npy file"),
    # -- analyze
    (None, ["analyze", "{new}"], 2, "manifest"),
    (None, ["analyze", "{file}"], 2, "file"),
    (None, ["analyze", "{dir}"], 2, "manifest"),
    (None, ["analyze", "{run}", "--resamples", "1000000000"], 2, "100,000"),
    (None, ["analyze", "{run}", "--resamples", "1e9"], 2, "invalid int value"),
    (None, ["analyze", "{run}", "--resamples", "0"], 2, "resamples = 0"),
    (None, ["analyze", "{run}", "--resamples", "38"], 2, "resamples = 38; it must be an integer from 39"),
    (None, ["analyze", "{run}", "--resamples", "-1"], 2, "resamples = -1"),
    (None, ["analyze", "{run}", "--estimator", "guess"], 2, "invalid choice"),
    (remove("run/manifest.json"), ["analyze", "{run}"], 2, "manifest.json"),
    (write("manifest.json", "[]"), ["analyze", "{run}"], 2, "manifest.json"),
    (write("manifest.json", "{}"), ["analyze", "{run}"], 2, "manifest.json"),
    (write("manifest.json", ""), ["analyze", "{run}"], 2, "manifest.json"),
    (write("manifest.json", b"\x00\xff\xfe garbage"), ["analyze", "{run}"], 2, "manifest.json"),
    (write("manifest.json", "null"), ["analyze", "{run}"], 2, "manifest.json"),
    (write("manifest.json", '{"shots": ' + "9" * 5000 + "}"), ["analyze", "{run}"], 2, "is corrupt"),
    (write("manifest.json", "[" * 100_000 + "]" * 100_000), ["status", "{run}"], 2, "is corrupt"),
    (counts_file('{"00": ' + "1" * 5000 + "}"), ["status", "{run}"], 2, "corrupt"),
    (replace_by_dir("run/manifest.json"), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(circuit_names="tomo_X"), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(circuit_names=[1, 2]), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(circuit_names=[]), ["analyze", "{run}"], 2, "lists no circuits"),
    (manifest(num_qubits="one"), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(num_qubits=None), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(kind=[]), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(shots="many"), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(parameters=[]), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(energies="x"), ["analyze", "{run}"], 2, "manifest.json"),
    (manifest(seed="x"), ["analyze", "{run}"], 2, "manifest.json"),
    (counts_file(""), ["analyze", "{run}"], 2, "corrupt"),
    (counts_file("[]"), ["analyze", "{run}"], 2, "corrupt"),
    (counts_file("{}"), ["analyze", "{run}"], 2, "corrupt"),
    (counts_file(b"\x89PNG\r\n\x1a\n\x00\x00"), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(counts=[]), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(counts={"0": -1, "1": 17}), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(counts={"0": "8", "1": 8}), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(counts={"0": 1.5, "1": 8}), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(counts={"2": 16}), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(counts={"zz": 16}), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(shots=17), ["analyze", "{run}"], 2, "corrupt"),
    (counts_record(shots="64"), ["analyze", "{run}"], 2, "corrupt"),
    (remove("run/counts"), ["analyze", "{run}"], 2, "counts missing"),
    (remove("run/exact.npy"), ["analyze", "{run}"], 2, "exact.npy"),
    (write("exact.npy", b"garbage"), ["analyze", "{run}"], 2, "exact.npy"),
    (npy("run/exact.npy", np.zeros((3, 3))), ["analyze", "{run}"], 2, "exact.npy"),
    (npy("run/exact.npy", np.full((2, 2), np.nan)), ["analyze", "{run}"], 2, "exact.npy"),
    (npy("run/battery.npy", np.zeros(5)), ["analyze", "{run}"], 2, "battery.npy"),
    (write("transpiled.qpy", b"garbage"), ["analyze", "{run}"], 2, "transpiled.qpy"),
    (symlink("run/manifest.json", "run/nothing"), ["analyze", "{run}"], 2, "manifest.json"),
    (remove("sweep/beta=2.0"), ["analyze", "{sweep}"], 2, "beta=2.0"),
    (sweep_json("[]"), ["analyze", "{sweep}"], 2, "sweep.json"),
    (sweep_json("{}"), ["analyze", "{sweep}"], 2, "sweep.json"),
    (sweep_json('{"points": [{"dir": "../../etc"}]}'), ["analyze", "{sweep}"], 2, "sweep.json"),
    (sweep_json('{"points": "x"}'), ["analyze", "{sweep}"], 2, "sweep.json"),
    (sweep_json("garbage"), ["analyze", "{sweep}"], 2, "sweep.json"),
    # -- status
    (None, ["status", "{new}"], 2, "manifest"),
    (None, ["status", "{file}"], 2, "file"),
    (remove("run/manifest.json"), ["status", "{run}"], 2, "manifest.json"),
    (write("manifest.json", "[]"), ["status", "{run}"], 2, "manifest.json"),
    (write("manifest.json", "{}"), ["status", "{run}"], 2, "manifest.json"),
    (manifest(circuit_names="abc"), ["status", "{run}"], 2, "manifest.json"),
    (counts_file(""), ["status", "{run}"], 2, "corrupt"),
    (counts_file("garbage"), ["status", "{run}"], 2, "corrupt"),
    (counts_file("[]"), ["status", "{run}"], 2, "corrupt"),
    (counts_file("{}"), ["status", "{run}"], 2, "corrupt"),
    (counts_record(counts={"0": -3}), ["status", "{run}"], 2, "corrupt"),
    (lambda r: (_counts(r / "run")).with_name("x.json").mkdir(), ["status", "{run}"], 2, "x.json"),
    (job_file(""), ["status", "{run}"], 2, "job record"),
    (job_file("[]"), ["status", "{run}"], 2, "job record"),
    (job_file("{}"), ["status", "{run}"], 2, "job record"),
    (job_file("garbage"), ["status", "{run}"], 2, "job record"),
    (job_record(names="tomo_X"), ["status", "{run}"], 2, "job record"),
    (job_record(status=7), ["status", "{run}"], 2, "job record"),
    (job_record(status="EXPLODED"), ["status", "{run}"], 2, "job record"),
    (job_record(shots="x"), ["status", "{run}"], 2, "job record"),
    (job_record(seq="x"), ["status", "{run}"], 2, "job record"),
    (job_record(job_id=5), ["status", "{run}"], 2, "job record"),
    (remove("sweep/beta=1.0"), ["status", "{sweep}"], 2, "beta=1.0"),
    (sweep_json("[]"), ["status", "{sweep}"], 2, "sweep.json"),
    # -- fetch
    (None, ["fetch", "{new}"], 2, "manifest"),
    (None, ["fetch", "{run}", "--timeout", "5"], 2, "--timeout"),
    (None, ["fetch", "{run}", "--wait", "--timeout", "-1"], 2, "--timeout"),
    (None, ["fetch", "{run}", "--wait", "--timeout", "nan"], 2, "--timeout"),
    (write("manifest.json", "[]"), ["fetch", "{run}"], 2, "manifest.json"),
    (manifest(backend="nonsense"), ["fetch", "{run}"], 2, "unknown backend 'nonsense'"),
    (manifest(backend={"name": "nowhere"}), ["fetch", "{run}"], 2, "backend.kind = None; expected a string"),
    # the recorded profile's fields: options not an object was a TypeError traceback in fetch; a name
    # not a string was found only after a job was submitted, in the job record qbexp wrote itself
    (backend_field(options=None), ["fetch", "{run}"], 2, "backend.options = None; expected an object"),
    (backend_field(options=[]), ["fetch", "{run}", "--retry-failed"], 2, "backend.options = []; expected an object"),
    (backend_field(options="x"), ["analyze", "{run}"], 2, "backend.options = 'x'; expected an object"),
    (both(failed(), backend_field(name=5)), ["fetch", "{run}", "--retry-failed"], 2,
     "backend.name = 5; expected a non-empty string"),
    (both(failed(), backend_field(name=None)), ["fetch", "{run}", "--retry-failed"], 2, "backend.name = None"),
    (both(failed(), backend_field(name=["x"])), ["fetch", "{run}", "--retry-failed"], 2, "backend.name = ['x']"),
    (backend_field(source=3), ["status", "{run}"], 2, "backend.source = 3; expected a path or null"),
    # results.json reported them as the run's: an engine that computed nothing, n = true
    (manifest(engine="magic"), ["analyze", "{run}"], 2, "engine = 'magic'; expected one of qiskit-dynamics, scipy"),
    (parameters(n=True), ["analyze", "{run}"], 2, "parameters.n = True, yet num_qubits = 1"),
    (counts_file("{}"), ["fetch", "{run}"], 2, "corrupt"),
    (job_file("[]"), ["fetch", "{run}"], 2, "job record"),
    (job_record(names=[3]), ["fetch", "{run}"], 2, "job record"),
    # the last point gone: as a sweep killed before it got there, fetch collects the rest and says so
    (remove("sweep/beta=2.0"), ["fetch", "{sweep}"], 1, "1 sweep point(s) not started"),
    (remove("sweep/beta=1.0"), ["fetch", "{sweep}"], 2, "beta=1.0"),  # a point before one that ran: removed
    (job_record(names=[]), ["status", "{run}"], 2, "job record"),
    (job_record(measured_qubits=[0]), ["status", "{run}"], 2, "measured_qubits"),
    (job_record(error=["x"]), ["status", "{run}"], 2, "error"),
    (manifest(backend={}), ["fetch", "{run}"], 2, "backend"),
    (manifest(backend={"kind": 5, "name": 7}), ["fetch", "{run}"], 2, "backend"),
    (manifest(identity=None), ["status", "{run}"], 2, "identity"),
    (job_record(tag="../../x"), ["status", "{run}"], 2, "job record"),
    (symlink("run/jobs/extra.json", "file"), ["status", "{run}"], 2, "job record"),
    (write("counts/tomo_X.json", b"\x00" * 64), ["fetch", "{run}"], 2, "corrupt"),
    (sweep_json('{"kind": "collective", "parameter": "beta", "points": [{"dir": "beta=1.0", "value": 1.0}, '
                '{"dir": "gone", "value": 2}]}'),
     ["fetch", "{sweep}"], 2, "gone"),
    # -- circuits export
    (symlink("link", "link"), ["circuits", "export", "--out", "{link}"], 2, "symbolic link to nothing"),
    (None, ["circuits", "export", "--out", "{file}"], 2, "file"),
    (None, ["circuits", "export", "--out", "{file}/x"], 2, "file"),
    # -- empty paths: Path("") is ".", the current folder; refused before anything is read or written
    (None, [*RC, "--out", ""], 2, "--out '': an empty path"),
    (None, [*RE, "--out", ""], 2, "--out '': an empty path"),
    (None, [*RC, "--out", "", "--sweep", "beta=1,2"], 2, "--out '': an empty path"),
    (None, [*RC, "--out", "", "--shots", "0"], 2, "--out '': an empty path"),
    (None, ["analyze", ""], 2, "DIR '': an empty path"),
    (None, ["status", ""], 2, "DIR '': an empty path"),
    (None, ["fetch", ""], 2, "DIR '': an empty path"),
    (None, ["fetch", "", "--retry-failed"], 2, "DIR '': an empty path"),
    (None, ["circuits", "export", "--out", ""], 2, "--out '': an empty path"),
    (None, [*SC, "--steady", "--save-state", ""], 2, "--save-state '': an empty path"),
    # -- fetch --retry-failed rewrites a corrupt circuits.qpy from the manifest's plan, unless it cannot
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(init="state:0123456789abcdef")),
     ["fetch", "{run}", "--retry-failed"], 2, "given as a matrix"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(init="state:0123456789abcdef")),
     ["fetch", "{run}", "--retry-failed"], 2, "the command that made the run rewrites it: python: qbexp.run("),
    (both(remove("run/circuits.qpy"), failed(), parameters(init="state:0123456789abcdef")),
     ["fetch", "{run}", "--retry-failed"], 2, "circuits.qpy is missing and cannot be rebuilt"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(beta=2.0)),
     ["fetch", "{run}", "--retry-failed"], 2, "differs from"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(colour="red")),
     ["fetch", "{run}", "--retry-failed"], 2, "no parameter 'colour'"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(n=DROP)),
     ["fetch", "{run}", "--retry-failed"], 2, "needs n"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(n="one")),
     ["fetch", "{run}", "--retry-failed"], 2, "n = 'one'"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(gate_mitigation="zne")),
     ["fetch", "{run}", "--retry-failed"], 2, "gate_mitigation = 'zne'"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(charging="magic")),
     ["fetch", "{run}", "--retry-failed"], 2, "charging = 'magic'"),
    (both(write("circuits.qpy", b"garbage"), failed(), parameters(init="file:/nowhere/x.npy")),
     ["fetch", "{run}", "--retry-failed"], 2, "does not exist"),
    (both(write("circuits.qpy", b"garbage"), failed(), run_kind("magic")),
     ["fetch", "{run}", "--retry-failed"], 2, "no experiment qbexp knows"),
    (both(write("circuits.qpy", b"garbage"), failed(), manifest(circuit_names=["tomo_Z", "tomo_Y", "tomo_X"])),
     ["fetch", "{run}", "--retry-failed"], 2, "other circuits than circuit_names"),
    (both(write("circuits.qpy", b"garbage"), failed(), remove("run/exact.npy")),
     ["fetch", "{run}", "--retry-failed"], 2, "exact.npy is missing"),
    (both(write("circuits.qpy", b"garbage"), failed(), counts_file("{}")),
     ["fetch", "{run}", "--retry-failed"], 2, "corrupt"),
    # -- the Kraus sets of NAME.qpy, kept once in NAME.channels.npz; fetch --retry-failed rebuilds circuits.qpy's
    (write("transpiled.channels.npz", b"garbage"), ["analyze", "{run}"], 2, "transpiled.channels.npz is corrupt ("),
    (remove("run/transpiled.channels.npz"), ["analyze", "{run}"], 2,
     "transpiled.channels.npz is missing; it holds the Kraus operators of transpiled.qpy; transpiled.qpy records"),
    (replace_by_dir("run/transpiled.channels.npz"), ["analyze", "{run}"], 2,
     "transpiled.channels.npz is not a regular file"),
    (write("transpiled.channels.npz", npy_bytes(np.eye(2))), ["analyze", "{run}"], 2, "not an .npz archive"),
    (kraus_sets("transpiled", lambda sets: {k: a[:, :1, :1] for k, a in sets.items()}), ["analyze", "{run}"], 2,
     "is complex128 of shape ("),
    (kraus_sets("transpiled", lambda sets: {k: a.real for k, a in sets.items()}), ["analyze", "{run}"], 2,
     "is float64 of shape ("),
    (kraus_sets("transpiled", lambda sets: {k: 0.5 * a for k, a in sets.items()}), ["analyze", "{run}"], 2,
     "does not match its SHA-256 (edited?)"),
    (kraus_sets("transpiled", lambda sets: {"0" * 64: a for a in sets.values()}), ["analyze", "{run}"], 2,
     "lacks the Kraus set"),
    (both(write("circuits.channels.npz", b"garbage"), failed(), parameters(init="state:0123456789abcdef")),
     ["fetch", "{run}", "--retry-failed"], 2, "circuits.channels.npz is corrupt ("),
    (both(remove("run/circuits.channels.npz"), failed(), parameters(beta=2.0)), ["fetch", "{run}", "--retry-failed"],
     2, "circuits.channels.npz is missing; it holds the Kraus operators of circuits.qpy and cannot be rebuilt"),
    # -- folders and files of the wrong type, hand-edited records (each was a traceback or a misleading answer)
    (both(remove("run/jobs"), write("jobs", "x")), ["status", "{run}"], 2, "jobs is not a folder"),
    (both(remove("run/jobs"), write("jobs", "x")), ["fetch", "{run}", "--retry-failed"], 2, "jobs is not a folder"),
    (both(remove("run/counts"), write("counts", "x")), ["status", "{run}"], 2, "counts is not a folder"),
    (both(remove("run/counts"), write("counts", "x")), ["analyze", "{run}"], 2, "counts is not a folder"),
    (both(remove("run/counts"), write("counts", "x")), ["fetch", "{run}"], 2, "counts is not a folder"),
    (counts_record(counts={"0": 0, "1": 0}, shots=0), ["analyze", "{run}"], 2, "holds no shots"),
    (counts_record(counts={"0": 0, "1": 0}, shots=0), ["status", "{run}"], 2, "holds no shots"),
    (parameters(gate_mitigation={"method": "zne", "noise_scales": [1, 3]}), ["analyze", "{run}"], 2,
     "circuit_names has no tomo_X+x3"),
    (parameters(gate_mitigation={"method": "zne", "noise_scales": [1, "x"]}), ["analyze", "{run}"], 2,
     "gate_mitigation = "),
    (parameters(gate_mitigation={"method": "pec", "noise_scales": [1, 3]}), ["analyze", "{run}"], 2,
     "gate_mitigation = "),
    (parameters(gate_mitigation="zne"), ["analyze", "{run}"], 2, "gate_mitigation = 'zne'"),
    (write("transpiled.qpy", b"QISKIT\x0d\x00\x00\x00"), ["analyze", "{run}"], 2, "move it aside"),
    (replace_by_dir("run/transpiled.qpy"), ["analyze", "{run}"], 2, "transpiled.qpy is not a regular file"),
    (both(replace_by_dir("run/circuits.qpy"), failed()), ["fetch", "{run}", "--retry-failed"], 2,
     "circuits.qpy is not a regular file"),
    (None, ["circuits", "export", "--out", "{run}"], 2, "holds a qbexp run"),
    (None, ["circuits", "export", "--out", "{sweep}"], 2, "holds a qbexp run or sweep"),
    (write("../dir/README.md", "my notes\n"), ["circuits", "export", "--out", "{dir}"], 2, "refusing to overwrite"),
    (write("../dir/index.json", "[]"), ["circuits", "export", "--out", "{dir}"], 2, "refusing to overwrite"),
    (manifest(num_qubits=10**9), ["analyze", "{run}"], 2, "num_qubits = 1000000000; expected an integer from 1 to 30"),
    (manifest(circuit_names=["../x"]), ["status", "{run}"], 2, "circuit_names = ['../x']"),
    (manifest(circuit_names=["tomo_X", "../../outside"]), ["analyze", "{run}"], 2, "circuit_names"),
    (job_record(names=["../../outside"]), ["fetch", "{run}"], 2, "job record"),
    (write("counts/.hidden.json", "{}"), ["status", "{run}"], 2, "'.hidden' cannot name a counts file"),
    (npy("run/exact.npy", np.array([[2.0, 0], [0, -1]])), ["analyze", "{run}"], 2, "not positive semidefinite"),
    (npy("run/exact.npy", np.array([[1, 5j], [-5j, 0]])), ["analyze", "{run}"], 2, "exact.npy is corrupt"),
    (npy("run/device.npy", np.array([[1.0, 1], [0, 0]])), ["analyze", "{run}"], 2, "device.npy is corrupt"),
    # -- another valid state or Hamiltonian in place of the run's gave wrong figures with exit 0
    (npy("run/exact.npy", np.diag([0, 1.0]).astype(complex)), ["analyze", "{run}"], 2,
     "exact.npy does not match the run (edited?)"),
    (npy("run/battery.npy", np.diag([0, 2.0]).astype(complex)), ["analyze", "{run}"], 2,
     "battery.npy does not match the run (edited?)"),
    (both(manifest(arrays=DROP), npy("run/battery.npy", np.diag([0, 2.0]).astype(complex))), ["analyze", "{run}"], 2,
     "manifest.json does not match the run (edited?): its energies are not the eigenvalues of battery.npy"),
    (manifest(energies=[1.0, 0.0]), ["analyze", "{run}"], 2, "its energies are not the eigenvalues of battery.npy"),
    (manifest(arrays="x"), ["analyze", "{run}"], 2, "arrays = 'x'"),
    (both(write("circuits.qpy", b"garbage"), failed(), npy("run/exact.npy", np.diag([0, 1.0]).astype(complex))),
     ["fetch", "{run}", "--retry-failed"], 2, "exact.npy does not match the run (edited?)"),
    # -- paths the file system cannot take: one check (qbexp.files.check_path) for the CLI and the API
    (None, [*RC, "--out", "{" + "a" * 300 + "}"], 2, "is 300 bytes long; a file or folder name has at most"),
    (None, [*RC, "--out", "{new}/" + "a" * 300 + "/x", "--sweep", "beta=1,2"], 2, "is 300 bytes long"),
    (None, [*RE, "--out", "{new}/" + "a" * 5000], 2, "the path is"),
    (None, ["analyze", "{" + "a" * 300 + "}"], 2, "DIR '"),
    (None, ["status", "{" + "a" * 300 + "}"], 2, "is 300 bytes long"),
    (None, ["fetch", "{" + "a" * 300 + "}"], 2, "is 300 bytes long"),
    (None, ["circuits", "export", "--out", "{" + "a" * 300 + "}"], 2, "is 300 bytes long"),
    (None, [*SC, "--steady", "--save-state", "{" + "a" * 300 + ".npy}"], 2, "--save-state '"),
    (None, [*RC, "--out", "{new}", "--init", "file:{" + "a" * 300 + ".npy}"], 2, "init file: '"),
    # -- --backend a .toml path that is not a profile file: say what it is
    (lambda r: (r / "backends" / "aer.toml").mkdir(parents=True), [*RC, "--out", "{new}"], 2,
     "backends/aer.toml is a folder, not a .toml file"),
    (lambda r: (r / "backends").mkdir() or (r / "backends" / "aer.toml").symlink_to(r / "nothing.toml"),
     [*RC, "--out", "{new}"], 2, "backends/aer.toml is a symbolic link to nothing"),
    (lambda r: (r / "dir.toml").mkdir(), [*RC, "--out", "{new}", "--backend", "{dir.toml}"], 2,
     "dir.toml is a folder, not a .toml file"),
    (None, [*RC, "--out", "{new}", "--backend", "/dev/null"], 2, "/dev/null is not a regular file"),
    (symlink("gone.toml", "nothing.toml"), [*RC, "--out", "{new}", "--backend", "{gone.toml}"], 2,
     "symbolic link to nothing"),
    (None, [*RC, "--out", "{new}", "--backend", "{" + "a" * 300 + ".toml}"], 2, "is 305 bytes long"),
    (None, [*RC, "--out", "{new}", "--backend", "a" * 300], 2, "unknown backend 'aaaa"),
    (write("../dir/x.toml", b"\xff\xfe kind"), [*RC, "--out", "{new}", "--backend", "{dir}/x.toml"], 2,
     "not valid TOML"),
    (write("../st.toml", 'kind = "aer"\nmethod = "stabilizer"\n'), [*RC, "--out", "{new}", "--backend", "{st.toml}"],
     2, "st.toml: method = 'stabilizer'; it must be one of automatic, statevector"),
    (write("../st.toml", 'kind = "aer"\nmethod = "extended_stabilizer"\n'),
     [*RC, "--charging", "collision", "--out", "{new}", "--backend", "{st.toml}"], 2, "cannot run Kraus channels"),
    (write("../ibm.toml", 'kind = "ibm"\ndevice = "ibm_fez"\ninstance = "crn:v1:fake"\n'),
     [*RC, "--out", "{new}", "--backend", "{ibm.toml}"], 2, "ibm.toml: instance = 'crn:v1:fake' is not a valid CRN"),
    (write("../ibm.toml", 'kind = "ibm"\ndevice = "ibm_fez"\npoll_interval = inf\n'),
     [*RC, "--out", "{new}", "--backend", "{ibm.toml}"], 2, "ibm.toml: poll_interval = inf; it must be a number of seconds"),
    (write("../ibm.toml", 'kind = "ibm"\ndevice = "ibm_fez"\n[sampler]\nmax_execution_time = -1\n'),
     [*RC, "--out", "{new}", "--backend", "{ibm.toml}"], 2, "ibm.toml: sampler option max_execution_time = -1"),
    # -- the minimal charging's dynamic circuits with sampler options IBM refuses for them: said
    #    before --out is written or the service is asked (was the service's refusal at submission)
    (write("../ibm.toml", 'kind = "ibm"\ndevice = "ibm_fez"\n[sampler]\ndynamical_decoupling = { enable = true }\n'),
     ["run", "collective", "--n", "2", "--beta", "1", "--charging", "minimal", "--shots", "16", "--out", "{new}", "--backend",
      "{ibm.toml}"], 2, "circuit 'tomo_XX' is dynamic (mid-circuit measurement and classically controlled gates: "
     "the minimal charging), which IBM's sampler cannot run with dynamical_decoupling.enable = true"),
    (write("../ibm.toml", 'kind = "ibm"\ndevice = "ibm_fez"\n[sampler]\ndynamical_decoupling = { enable = true }\n'),
     ["run", "engine", "--tau", "1", "--charging", "minimal", "--shots", "16", "--out", "{new}", "--backend",
      "{ibm.toml}"], 2, "which IBM's sampler cannot run with dynamical_decoupling.enable"),
    # -- a hand-edited sweep.json: values, folders and parameter checked before any point is read
    (point(0, value="abc"), ["analyze", "{sweep}"], 2, "point 'beta=1.0' has value 'abc'; expected a finite number"),
    (point(0, value="abc"), ["status", "{sweep}"], 2, "has value 'abc'"),
    (point(0, value="abc"), ["fetch", "{sweep}"], 2, "has value 'abc'"),
    (point(0, value=None), ["analyze", "{sweep}"], 2, "has value None"),
    (point(0, value=True), ["analyze", "{sweep}"], 2, "has value True"),
    (point(0, value=[1.0]), ["analyze", "{sweep}"], 2, "has value [1.0]"),
    (sweep_json('{"kind": "collective", "parameter": "beta", "points": [{"dir": "beta=1.0", "value": NaN}]}'),
     ["analyze", "{sweep}"], 2, "has value nan"),
    (sweep_json('{"kind": "collective", "parameter": "beta", "points": [{"dir": "beta=1.0", "value": 1%s}]}'
                % ("0" * 400)), ["analyze", "{sweep}"], 2, "expected a finite number"),
    (sweep_json('{"kind": "collective", "parameter": "beta", "points": [{"dir": "beta=1.0", "value": 1%s}]}'
                % ("0" * 5000)), ["status", "{sweep}"], 2, "sweep.json is corrupt"),
    (point(1, dir="beta=1.0"), ["analyze", "{sweep}"], 2, "point directory 'beta=1.0' is listed twice"),
    (point(1, dir="beta=1.0", value=1.0), ["status", "{sweep}"], 2, "is listed twice"),
    (point(1, dir="beta=1.0"), ["fetch", "{sweep}"], 2, "is listed twice"),
    (point(1, value=3.0), ["analyze", "{sweep}"], 2, "point directory 'beta=2.0' does not match its value 3.0"),
    (sweep_record(lambda r: r.update(parameter="colour")), ["analyze", "{sweep}"], 2,
     "parameter = 'colour' is not one a collective sweep varies"),
    (sweep_record(lambda r: r.update(parameter="colour")), ["status", "{sweep}"], 2, "parameter = 'colour'"),
    (sweep_record(lambda r: r.update(parameter="colour")), ["fetch", "{sweep}"], 2, "parameter = 'colour'"),
    (sweep_record(lambda r: r.update(parameter="tau")), ["analyze", "{sweep}"], 2, "parameter = 'tau'"),
    (sweep_record(lambda r: r.pop("kind")), ["analyze", "{sweep}"], 2, "kind = None"),
    (sweep_record(lambda r: r.update(kind="magic")), ["status", "{sweep}"], 2, "kind = 'magic'"),
    (sweep_record(lambda r: r.update(parameter="n")), ["analyze", "{sweep}"], 2, "does not match its value 1.0"),
    (point(1, dir="beta=2.0\x00"), ["analyze", "{sweep}"], 2, "is not a name inside"),
    # -- counts files that contradict their run: another circuit's, another run's, other shots or bits
    (counts_record(name="tomo_Z"), ["analyze", "{run}"], 2, "tomo_X.json is corrupt: it holds the counts of 'tomo_Z'"),
    (counts_record(name="tomo_Z"), ["status", "{run}"], 2, "it holds the counts of 'tomo_Z', not of 'tomo_X'"),
    (counts_record(name="tomo_Z"), ["fetch", "{run}"], 2, "it holds the counts of 'tomo_Z'"),
    (symlink("run/counts/tomo_X.json", "run/counts/tomo_Y.json"), ["analyze", "{run}"], 2,
     "tomo_X.json is corrupt: it holds the counts of 'tomo_Y'"),
    (counts_record(counts={"0": 62, "1": 66}, shots=128), ["analyze", "{run}"], 2,
     "it holds 128 shots; the run asked for 64 per circuit"),
    (counts_record(counts={"0": 62, "1": 66}, shots=128), ["status", "{run}"], 2, "it holds 128 shots"),
    (counts_record(job_id="aer-0000"), ["analyze", "{run}"], 2, "job 'aer-0000', which has no record in jobs/"),
    (counts_record(job_id="aer-0000"), ["fetch", "{run}"], 2, "job 'aer-0000', which has no record in jobs/"),
    (counts_record(counts={"0": 10**30, "1": 64}, shots=10**30 + 64), ["analyze", "{run}"], 2,
     "tomo_X.json is corrupt: it holds 1000000000000000000000000000064 shots"),
    (counts_record(counts={"0": 10**30, "1": 64}, shots=10**30 + 64), ["status", "{run}"], 2, "tomo_X.json is corrupt"),
    (counts_record(counts={"00": 32, "1": 32}), ["status", "{run}"], 2,
     "tomo_X.json is corrupt: outcome '00' is not a bit string of length 1"),
    (counts_record(counts={"0 ": 32, "1": 32}), ["analyze", "{run}"], 2, "tomo_X.json is corrupt: outcome '0 '"),
    # -- a hand-edited manifest the analysis would trip over (each was a traceback)
    (manifest(circuit_names=["tomo_X", "tomo_Y", "tomo_Z", "energy_before"]), ["analyze", "{run}"], 2,
     "manifest.json is corrupt: circuit_names has energy_before but no energy_after"),
    (manifest(seed=-5), ["analyze", "{run}"], 2, "manifest.json is corrupt: seed = -5"),
    (manifest(seed=-5), ["status", "{run}"], 2, "seed = -5"),
    # -- fetch of an incomplete run: exit status 1, as for the run itself (was 0)
    (failed(), ["fetch", "{run}"], 1, "run is incomplete: 1 circuit(s) failed"),
    (failed(), ["fetch", "{run}", "--wait", "--timeout", "1"], 1, "run is incomplete: 1 circuit(s) failed"),
    (failed("tomo_Y", base="sweep/beta=2.0"), ["fetch", "{sweep}"], 1, "sweep is incomplete: 1 circuit(s) failed"),
    # -- an output that cannot be written: refused before any result is rewritten, naming it
    (replace_by_dir("run/results.png"), ["analyze", "{run}"], 2, "run/results.png is a folder"),
    (replace_by_dir("sweep/sweep.png"), ["analyze", "{sweep}"], 2, "sweep/sweep.png is a folder"),
    (replace_by_dir("sweep/beta=2.0/results.json"), ["analyze", "{sweep}"], 2, "beta=2.0/results.json is a folder"),
    # -- a manifest that contradicts its run: another kind, another N, a circuit listed twice (were accepted)
    (manifest(kind="engine"), ["analyze", "{run}"], 2,
     "manifest.json is corrupt: kind = 'engine', yet the run's identity records kind 'collective'"),
    (manifest(kind="engine"), ["status", "{run}"], 2, "kind = 'engine'"),
    (manifest(kind="engine"), ["fetch", "{run}"], 2, "kind = 'engine'"),
    (run_kind("magic"), ["analyze", "{run}"], 2, "manifest.json is corrupt: kind = 'magic'; expected one of collective, engine"),
    (parameters(n=2), ["analyze", "{run}"], 2, "manifest.json is corrupt: parameters.n = 2, yet num_qubits = 1"),
    (parameters(n=2), ["status", "{run}"], 2, "parameters.n = 2"),
    (parameters(n=2), ["fetch", "{run}"], 2, "parameters.n = 2"),
    (parameters(n="1"), ["analyze", "{run}"], 2, "parameters.n = '1', yet num_qubits = 1"),
    (manifest(num_qubits=2), ["analyze", "{run}"], 2, "parameters.n = 1, yet num_qubits = 2"),
    (both(manifest(num_qubits=2), parameters(n=2)), ["analyze", "{run}"], 2,
     "manifest.json is corrupt: num_qubits = 2, yet circuit tomo_X measures 1 qubit(s)"),
    (both(manifest(num_qubits=2), parameters(n=2)), ["status", "{run}"], 2, "yet circuit tomo_X measures 1 qubit(s)"),
    (manifest(circuit_names=["tomo_X", "tomo_Y", "tomo_Z", "tomo_X"]), ["analyze", "{run}"], 2,
     "manifest.json is corrupt: circuit_names lists tomo_X twice"),
    (manifest(circuit_names=["tomo_X", "tomo_Y", "tomo_Y"]), ["status", "{run}"], 2, "circuit_names lists tomo_Y twice"),
    (manifest(circuit_names=["tomo_X", "tomo_X", "tomo_Y", "tomo_Z"]), ["fetch", "{run}"], 2, "lists tomo_X twice"),
    # -- a profile's initial_layout for another number of qubits (a longer one was cut silently)
    (profile("[0, 1, 2, 3]"), [*RCD, "--backend", "{lay.toml}", "--out", "{new}"], 2,
     "initial_layout = [0, 1, 2, 3] places 4 qubit(s); the circuits have 3 (ancillas included): list 3 physical qubits"),
    (profile("[0, 1]"), [*RCD, "--backend", "{lay.toml}", "--out", "{new}"], 2,
     "initial_layout = [0, 1] places 2 qubit(s); the circuits have 3"),
    (profile("[0, 1, 99]"), [*RCD, "--backend", "{lay.toml}", "--out", "{new}"], 2,
     "initial_layout = [0, 1, 99]: device FakePerth has no qubit 99 (its qubits are 0..6)"),
    # -- a sweep is analysed whole or not at all: a point that cannot be left the others' results rewritten
    (failed("tomo_Y", base="sweep/beta=2.0"), ["analyze", "{sweep}", "--resamples", "39"], 2,
     "beta=2.0: counts missing for 1 circuit(s): tomo_Y"),
    (write("counts/tomo_Z.json", "{}", base="sweep/beta=2.0"), ["analyze", "{sweep}", "--resamples", "39"], 2,
     "beta=2.0/counts/tomo_Z.json is corrupt"),
    # -- a point folder holding another run than its point's: its results were shown as the point's (exit 0)
    (both(remove("sweep/beta=2.0"), symlink("sweep/beta=2.0", "sweep/beta=1.0")), ["analyze", "{sweep}"], 2,
     "sweep point beta=2.0 holds a run of beta = 1.0, not the point's beta = 2.0"),
    (both(remove("sweep/beta=2.0"), symlink("sweep/beta=2.0", "run")), ["status", "{sweep}"], 2,
     "holds a run of beta = 1.0"),
    (both(remove("sweep/beta=1.0"), lambda r: shutil.copytree(r / "sweep" / "beta=2.0", r / "sweep" / "beta=1.0")),
     ["fetch", "{sweep}"], 2, "sweep point beta=1.0 holds a run of beta = 2.0"),
    # -- job records and counts copied in from another run (its counts were analysed as this run's, exit 0)
    (both(remove("run/counts"), remove("run/jobs"),
          lambda r: shutil.copytree(r / "sweep" / "beta=2.0" / "counts", r / "run" / "counts"),
          lambda r: shutil.copytree(r / "sweep" / "beta=2.0" / "jobs", r / "run" / "jobs")),
     ["analyze", "{run}"], 2, "is corrupt: it records a job of another run"),
    (job_record(run="0" * 64), ["status", "{run}"], 2, "it records a job of another run"),
    (job_record(run=5), ["status", "{run}"], 2, "run = 5; expected the SHA-256 of the run's identity"),
    # -- run files that are pipes: reading them blocked forever
    (both(remove("run/exact.npy"), lambda r: os.mkfifo(r / "run" / "exact.npy")), ["analyze", "{run}"], 2,
     "exact.npy is not a regular file"),
    (both(remove("run/.lock"), lambda r: os.mkfifo(r / "run" / ".lock")), ["fetch", "{run}"], 2,
     ".lock is not a regular file; it is the run's lock"),
    (both(remove("run/.lock"), lambda r: (r / "run" / ".lock").mkdir()),
     [*RC, "--shots", "64", "--seed", "1", "--out", "{run}"], 2, ".lock is not a regular file"),
    # -- circuits export: every file checked before any is written (the first ones were rewritten, then an error)
    (both(write("../dir/index.json", '[{"file": "a.qasm", "protocol": "x"}]'),
          write("../dir/collective_n2_c0.qasm", "// my edits\n"),
          lambda r: (r / "dir" / "engine_tau150_k10.qasm").mkdir()),
     ["circuits", "export", "--out", "{dir}"], 2, "engine_tau150_k10.qasm is a folder; qbexp writes a file there"),
    (both(write("../dir/index.json", '[{"file": "a.qasm", "protocol": "x"}]'),
          lambda r: os.mkfifo(r / "dir" / "README.md")),
     ["circuits", "export", "--out", "{dir}"], 2, "README.md is not a regular file"),
    (write("../dir/index.json", "[" * 100_000 + "]" * 100_000), ["circuits", "export", "--out", "{dir}"], 2,
     "is not a catalogue"),  # was a RecursionError traceback
    # -- a dilation beyond what fits in memory (N = 6 aborted in Qiskit after 16 GB)
    (None, [*RC, "--out", "{new}", "--n", "6", "--charging", "dilation"], 2,
     "n = 6 with charging dilation: its circuit is built for N up to 5"),
    # -- collisions at N = 6: 3^N circuits of dense 7-qubit unitaries (16 GB; was > 10 min of planning first)
    (None, [*RC, "--out", "{new}", "--n", "6", "--charging", "collision"], 2,
     "n = 6 with charging collision: its circuits are built for N up to 5"),
    # -- resuming with other circuits: --measure-work is not in the identity (was accepted, and its
    #    job record broke analyze, status and fetch of the finished run)
    (None, [*RC, "--shots", "64", "--seed", "1", "--out", "{run}", "--measure-work"], 2,
     "holds another run: this command measures energy_before, energy_after"),
    (None, [*RC, "--shots", "64", "--seed", "1", "--out", "{sweep}", "--sweep", "beta=1,2", "--measure-work"], 2,
     "holds another run: this command measures energy_before, energy_after"),
    # -- QPY files of another run: they load, and gave its gate counts (or circuits) as the run's
    (lambda r: [shutil.copy(r / "sweep" / "beta=2.0" / f, r / "run" / f)
                for f in ("transpiled.qpy", "transpiled.channels.npz")],
     ["analyze", "{run}"], 2, "is not the run's (copied from another run, or edited?)"),
    # -- individually coupled qubits have no dipole coupling: f was ignored, and recorded as used
    (None, [*SC, "--steady", "--coupling", "individual", "--f", "0.5"], 2, "f = 0.5 with individual coupling"),
    (None, [*RC, "--out", "{new}", "--coupling", "individual", "--sweep", "f=0,0.5"], 2,
     "f = 0.5 with individual coupling"),
    # -- the command itself
    (None, [], 2, "required"),
    (None, ["explode"], 2, "invalid choice"),
]


@pytest.mark.parametrize("setup, argv, code, fragment", CLI, ids=[
    f"{k}:{' '.join(row[1][:2])}:{row[3][:30]}" for k, row in enumerate(CLI)])
def test_cli(setup, argv, code, fragment, ctx, capsys, monkeypatch):
    monkeypatch.chdir(ctx)  # a path taken for "." (the current folder) writes into the snapshot
    if setup is not None:
        setup(ctx)
    before = snapshot(ctx)
    got, err, lines = run_cli(argv, ctx, capsys)
    assert got == code, err
    assert "Traceback" not in err
    assert fragment in err, err
    if not err.startswith("usage:"):  # exit 1, an incomplete run, is no error: "qbexp: DIR is incomplete: ..."
        assert len(lines) == 1 and lines[0].startswith("qbexp: error: " if code == 2 else "qbexp: "), err
    assert snapshot(ctx) == before, "a refused command changed the files"


# -- flows over several commands ---------------------------------------------------------------
def test_refused_run_leaves_out_as_found(ctx, capsys):
    """Refused on aer-noisy (the kraus channel needs an ideal simulator): --out is not created,
    and the corrected command then runs in it."""
    out = ctx / "new"
    args = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "16", "--seed", "1",
            "--out", str(out)]
    assert main([*args, "--backend", "aer-noisy"]) == 2
    assert not out.exists()
    (ctx / "dir" / "keep").mkdir()
    assert main([*args[:-1], str(ctx / "dir" / "keep"), "--backend", "aer-noisy"]) == 2
    assert snapshot(ctx / "dir") == {"keep": "dir"}
    assert main([*args[:-1], str(ctx / "dir" / "keep")]) == 0
    capsys.readouterr()


def test_corrupt_circuits_qpy_is_rewritten(ctx, capsys):
    run = ctx / "run"
    good = (run / "circuits.qpy").read_bytes()
    (run / "circuits.qpy").write_bytes(b"QISKIT garbage")
    args = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "64", "--seed", "1",
            "--out", str(run)]
    from qbexp.backends.store import RunStore

    manifest = json.loads((run / "manifest.json").read_text())
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
    qbexp.run(exp, shots=64, seed=1, out=run, progress=False, resamples=39, command=manifest["command"])
    assert len(RunStore(run).load_circuits()) == len(manifest["circuit_names"])
    assert (run / "circuits.qpy").read_bytes()[:6] == good[:6]
    del args


RETRIED = {  # runs whose circuits.qpy fetch --retry-failed rebuilds: every option the manifest records
    "collective-kraus": None,  # the fixture's run
    "collective-work-readout": qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus", measure_work=True,
                                                        readout_mitigation=True),
    "collective-zne": qbexp.CollectiveCharging(n=1, beta=2.0, init="haar:3", charging="collision",
                                               gate_mitigation="zne"),
    "collective-minimal": qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging="minimal"),
    "engine": qbexp.EngineCycles(tau=1.0, cycles=2, discharge="global", charging="kraus", measure_work=True),
}


@pytest.mark.parametrize("damage", ["corrupt", "missing", "other circuits"])
@pytest.mark.parametrize("kind", list(RETRIED))
def test_fetch_retry_failed_rewrites_corrupt_circuits_qpy(kind, damage, ctx, capsys):
    """A failed job's circuits are resubmitted from circuits.qpy; when it is corrupt (or gone, or
    holds other circuits) it is rebuilt from the plan the manifest records, the failed circuits run
    again, and every count saved before is kept byte for byte."""
    from qiskit import QuantumCircuit, qpy

    from qbexp.backends.store import RunStore

    run = ctx / "run"
    if RETRIED[kind] is not None:
        run = ctx / kind
        qbexp.run(RETRIED[kind], shots=64, seed=5, out=run, progress=False, resamples=39)
    good = RunStore(run).load_circuits()
    names = json.loads((run / "manifest.json").read_text())["circuit_names"]
    lost = names[-1]
    failed(lost, base=run.name)(ctx)
    kept = {p.name: p.read_bytes() for p in (run / "counts").glob("*.json")}
    others = {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file() and p.parent.name != "jobs"
              and p.name not in ("circuits.qpy", "circuits.channels.npz", "results.json", "results.png", ".lock")
              and p.parent.name != "counts"}  # circuits.channels.npz: the Kraus sets of circuits.qpy, rewritten with it
    qpy_file = run / "circuits.qpy"
    if damage == "corrupt":
        qpy_file.write_bytes(qpy_file.read_bytes()[:40] + b"\x00garbage")
    elif damage == "missing":
        qpy_file.unlink()
    else:
        other = QuantumCircuit(1, 1)
        other.measure(0, 0)
        with open(qpy_file, "wb") as handle:
            qpy.dump([other], handle)
    assert main(["status", str(run)]) == 0
    assert "1 failed" in capsys.readouterr().out

    assert main(["fetch", str(run), "--retry-failed", "--wait", "--quiet"]) == 0
    capsys.readouterr()
    rebuilt = RunStore(run).load_circuits()
    assert [qc.name for qc in rebuilt] == names
    assert [qc.num_qubits for qc in rebuilt] == [qc.num_qubits for qc in good]
    assert [sorted(qc.count_ops().items()) for qc in rebuilt] == [sorted(qc.count_ops().items()) for qc in good]
    assert qpy_file.read_bytes()[6] == min(13, qpy.QPY_VERSION)  # PORTABLE_QPY_VERSION: both stacks read it
    for name, data in kept.items():  # the counts saved before: untouched
        assert (run / "counts" / name).read_bytes() == data, name
    for name, data in others.items():  # manifest, exact state, battery, transpiled circuits: untouched
        if name == "manifest.json":  # but for the SHA-256 of the QPY files written since (rebuilt, resubmitted)
            now, then = json.loads((run / name).read_text()), json.loads(data)
            files, before = now.pop("files"), then.pop("files")
            assert now == then
            assert files["circuits.qpy"] == hashlib.sha256(qpy_file.read_bytes()).hexdigest()
            assert all(files[f] == digest for f, digest in before.items() if not f.startswith("circuits."))
            continue
        assert (run / name).read_bytes() == data, name
    assert (run / "counts" / f"{lost}.json").exists()
    assert main(["status", str(run)]) == 0
    assert f"{len(names)} circuits: {len(names)} saved" in capsys.readouterr().out
    assert main(["analyze", str(run), "--resamples", "39", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert set(results["estimates"]) >= {"ergotropy", "fidelity"}
    assert results["estimates"]["fidelity"]["value"] > 0.5


def test_fetch_retry_failed_rewrites_a_sweep_points_circuits_qpy(ctx, capsys):
    """In a sweep every point is a run with its own manifest: the broken point's file is rebuilt
    from its own parameters, the other point is left as it was."""
    sweep = ctx / "sweep"
    failed("tomo_Y", base="sweep/beta=2.0")(ctx)
    (sweep / "beta=2.0" / "circuits.qpy").write_bytes(b"junk")
    untouched = snapshot(sweep / "beta=1.0")
    kept = {p.name: p.read_bytes() for p in (sweep / "beta=2.0" / "counts").glob("*.json")}
    assert main(["fetch", str(sweep), "--retry-failed", "--wait", "--quiet"]) == 0
    assert "beta=2.0: 3 circuits: 3 saved" in capsys.readouterr().out
    assert snapshot(sweep / "beta=1.0") == untouched
    assert all((sweep / "beta=2.0" / "counts" / n).read_bytes() == data for n, data in kept.items())
    from qbexp.backends.store import RunStore

    assert [qc.name for qc in RunStore(sweep / "beta=2.0").load_circuits()] == ["tomo_X", "tomo_Y", "tomo_Z"]


def test_fetch_retry_failed_leaves_an_unneeded_corrupt_circuits_qpy(ctx, capsys):
    """Nothing to resubmit: circuits.qpy is not read, so fetch neither rebuilds nor refuses."""
    run = ctx / "run"
    (run / "circuits.qpy").write_bytes(b"QISKIT garbage")
    assert main(["fetch", str(run), "--retry-failed", "--quiet"]) == 0
    assert (run / "circuits.qpy").read_bytes() == b"QISKIT garbage"
    capsys.readouterr()


def test_fetch_retry_failed_names_the_command_for_a_matrix_initial_state(tmp_path, capsys):
    """An initial state given as a matrix is not in the manifest: the one-line error gives the call
    that rewrites circuits.qpy, and that call does (resuming the run, keeping its counts)."""
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus", init=np.array([0.6, 0.8]))
    run = tmp_path / "matrix"
    qbexp.run(exp, shots=64, seed=1, out=run, progress=False, resamples=39)
    failed("tomo_Z", base="matrix")(tmp_path)
    (run / "circuits.qpy").write_bytes(b"QISKIT garbage")
    before = snapshot(run)
    assert main(["fetch", str(run), "--retry-failed"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "given as a matrix" in err and "python: qbexp.run(CollectiveCharging(" in err
    assert snapshot(run) == before
    kept = {p.name: p.read_bytes() for p in (run / "counts").glob("*.json")}
    qbexp.run(exp, shots=64, seed=1, out=run, progress=False, resamples=39, retry_failed=True)
    assert all((run / "counts" / name).read_bytes() == data for name, data in kept.items())
    assert (run / "counts" / "tomo_Z.json").exists()


def test_stray_tmp_is_ignored_and_removed(ctx, capsys):
    run = ctx / "run"
    (run / "jobs" / "x.json.tmp").write_text("{half")
    (run / "counts" / "y.json.tmp").write_text("")
    assert main(["status", str(run)]) == 0
    assert "x.json" not in capsys.readouterr().out
    assert main(["fetch", str(run), "--quiet"]) == 0
    capsys.readouterr()
    assert not list(run.rglob("*.tmp"))


@pytest.mark.skipif(subject_to_permissions() is None, reason="no way to run subject to file permissions")
def test_read_only_folder(ctx):
    """Outputs into a read-only folder: refused in one line, nothing written (as root too: the
    command runs without the capabilities that override file permissions)."""
    ro = ctx / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        for argv in (["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "16",
                      "--out", str(ro / "x")],
                     ["simulate", "collective", "--n", "2", "--beta", "1", "--steady", "--save-state", str(ro / "x.npy")]):
            done = _qbexp(argv, prefix=subject_to_permissions())
            assert done.returncode == 2 and "not writable" in done.stderr and done.stderr.count("\n") == 1, done.stderr
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_empty_counts_file_is_not_saved(ctx, capsys):
    _counts(ctx / "run").write_text("")
    assert main(["status", str(ctx / "run")]) == 2
    assert "corrupt" in capsys.readouterr().err


# -- the Python API ------------------------------------------------------------------------------
def _model(n=2):
    return qbexp.models.collective_battery(n, 1.0)


def _engine():
    return qbexp.models.two_bath_engine()


def _steady(rho, model=None):
    from qbexp.dynamics import steady_state

    return lambda c: steady_state(model or _model(), rho)


def _evolve(rho, times=(0.0, 1.0)):
    from qbexp.dynamics import evolve

    return lambda c: evolve(_model(), rho, list(times))


GROUND = np.diag([1.0, 0, 0, 0]).astype(complex)
EXP = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
LM, D, SPO = qbexp.models.LindbladModel, qbexp.models.Dissipator, SparsePauliOp
ZZ = SparsePauliOp("ZZ")
DATA = qbexp.analysis.TomographyData(np.array([[5, 5], [5, 5], [9, 1]]))  # one qubit, 10 shots a setting


def WX(energies, before=None):
    """qbexp.analysis.work_extracted of one qubit's energy counts."""
    return qbexp.analysis.work_extracted(before or {"0": 5, "1": 5}, {"0": 9, "1": 1}, energies)


def _run(**kw):
    return lambda c: qbexp.run(EXP, progress=False, **{"shots": 16, **kw})


API = [
    # steady_state / evolve: states that are not states
    (_steady(np.full((4, 4), np.nan)), "NaN"),
    (_steady(np.zeros((4, 4))), "trace"),
    (_steady(np.array([[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]], dtype=complex)), "Hermitian"),
    (_steady(np.diag([2.0, -1, 0, 0])), "positive semidefinite"),
    (_steady(np.eye(3) / 3), "power of 2"),
    (_steady(np.eye(8) / 8), "dimension"),
    (_steady("ground"), "initial state = 'ground' is a string; pass a matrix"),
    (_steady(None), "initial state is not a numeric array (an entry is NoneType None)"),
    (_steady(np.diag([1.0, 0, 0, np.inf])), "NaN or infinite"),
    (_steady(np.diag([2.0, -1, 0, 0]), _engine()), "positive semidefinite"),
    (_steady(np.zeros((4, 4)), qbexp.models.collective_battery(2, 1.0, coupling="individual")), "trace"),
    (lambda c: qbexp.dynamics.steady_state(_model(), GROUND, method="magic"), "unknown steady-state method"),
    (lambda c: qbexp.dynamics.steady_state("model", GROUND), "model"),
    (_evolve(np.full((4, 4), np.nan)), "NaN"),
    (_evolve(np.diag([2.0, -1, 0, 0])), "positive semidefinite"),
    (_evolve(GROUND, (0.0, float("nan"))), "times"),
    (_evolve(GROUND, (0.0, -1.0)), "times"),
    (_evolve(GROUND, ()), "times"),
    (_evolve(GROUND, (0.0, 1e12)), "1e+12"),
    (lambda c: qbexp.dynamics.propagator(_engine(), float("nan")), "tau"),
    # 5e11 relaxation times: the CLI refused it, the function returned every figure 1.5e-3 off
    (lambda c: __import__("qbexp.experiments.collective", fromlist=["x"]).charge_collective(20, 1e-12, t=0.5),
     "t = 0.5 is more than 1e+06 relaxation times of the bath"),
    (lambda c: qbexp.dynamics.propagator(_engine(), 1e12), "tau"),
    # models
    (lambda c: qbexp.models.collective_battery(2, float("nan")), "beta"),
    (lambda c: qbexp.models.collective_battery(2, 1e-300), "beta"),
    (lambda c: qbexp.models.collective_battery(2, 1.0, omega=1e300), "omega"),
    (lambda c: qbexp.models.collective_battery(2, 1.0, gamma=float("inf")), "gamma"),
    (lambda c: qbexp.models.collective_battery(2, 1.0, f=float("nan")), "f"),
    (lambda c: qbexp.models.collective_battery("2", 1.0), "N"),
    (lambda c: qbexp.models.two_bath_engine(lam=1e300), "lam"),
    (lambda c: qbexp.models.two_bath_engine(omega0=float("nan")), "omega0"),
    (lambda c: qbexp.models.two_bath_engine(t_hot=float("inf")), "t_hot"),
    (lambda c: qbexp.models.two_bath_engine(rates=(1, 1, 1)), "rates"),
    (lambda c: qbexp.models.two_bath_engine(rates=(1e-20, 6e-21, 1e-22, 1e-20)), "GAp = 1e-20 is outside"),
    (lambda c: qbexp.models.two_bath_engine(implementation=(1e-3, 1e-9, 1e-2)), "p = 1e-09 is outside"),
    (lambda c: qbexp.analysis.tomography_data({"X": {"0": 1}, "Y": {"0": 1}, "Z": {"0": 10**30}}, 1),
     "count 1000000000000000000000000000000 is more than 2^53"),
    # the engine cycle
    (lambda c: run_engine(_engine(), 1e12), "tau"),
    (lambda c: run_engine(_engine(), 1.0, cycles=10**8), "cycles"),
    (lambda c: run_engine(_engine(), 1.0, cycles=1.5), "cycles"),
    (lambda c: run_engine(_engine(), 1.0, discharge="nope"), "discharge"),
    (lambda c: run_engine(_engine(), float("nan")), "tau"),
    # experiments
    (lambda c: qbexp.CollectiveCharging(n="2", beta=1.0), "n = '2'"),
    (lambda c: qbexp.CollectiveCharging(n=2.0, beta=1.0), "n = 2.0"),
    (lambda c: qbexp.CollectiveCharging(n=True, beta=1.0), "n = True"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=float("nan")), "beta = nan"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta="1"), "beta = '1'"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1e-300), "beta"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, omega=1e300), "omega"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, init=np.zeros((4, 4))), "trace"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, init=np.full(4, np.nan)), "NaN"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, init=object()), "init"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, init=""), "initial state"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, charging="magic"), "charging"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, steps=10**8), "steps"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, measure_work="yes"), "measure_work"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, engine="magic"), "engine"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, colour="red"), "no parameter 'colour'"),
    (lambda c: qbexp.CollectiveCharging(n=2), "needs beta"),
    (lambda c: qbexp.EngineCycles(tau=1e12), "tau"),
    (lambda c: qbexp.EngineCycles(tau=1.0, cycles=10**8), "cycles"),
    (lambda c: qbexp.EngineCycles(tau=1.0, lam=1e300), "lam"),
    (lambda c: qbexp.EngineCycles(tau=1.0, gamma0=1e300), "gamma0"),
    (lambda c: qbexp.EngineCycles(tau=1.0, discharge=None), "discharge"),
    (lambda c: qbexp.EngineCycles(tau=1.0, rates=(1e-3, 1e-3, 1e-3)), "rates must be 4 numbers"),
    (lambda c: qbexp.EngineCycles(tau=1.0, rates={"GAp": 1e-3}), "rates must be 4 numbers"),
    (lambda c: qbexp.EngineCycles(tau=1.0, rates=(1e-3, 1e-3, True, 1e-3)), "GSp"),
    (lambda c: qbexp.EngineCycles(tau=1.0, rates=(1e-3,) * 4, t_cold=0.1), "t_cold = 0.1 is given too"),
    (lambda c: qbexp.EngineCycles(tau=1.0, rates=(1e-3, 0, 0, 0)), "no unique NESS"),
    (lambda c: qbexp.EngineCycles(tau=1e9, rates=(1e-3,) * 4), "tau"),
    # run / analyze / sweep
    (lambda c: qbexp.run("not an experiment"), "expected an experiment"),
    (lambda c: qbexp.run(EXP, shots=16, colour="red"), "qbexp.run has no parameter 'colour'"),
    (lambda c: qbexp.analyze(c / "run", colour=1), "qbexp.analyze has no parameter 'colour'"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0], colour=1), "qbexp.sweep has no parameter 'colour'"),
    (lambda c: qbexp.run(EXP, "aer", 16, 1, None, False), "qbexp.run: too many positional arguments"),
    (_run(shots=0), "shots = 0"),
    (_run(shots=10**12), "10,000,000"),
    (_run(shots=16.0), "shots = 16.0"),
    (_run(shots="16"), "shots = '16'"),
    (_run(shots=True), "shots = True"),
    (_run(resamples=10**9), "100,000"),
    (_run(resamples=1), "resamples = 1"),
    (_run(resamples=38), "resamples = 38; it must be an integer from 39"),  # both tails empty: the whole range
    (_run(estimator="guess"), "estimator"),
    (_run(backend="nowhere"), "nowhere"),
    (_run(backend=42), "backend"),
    (_run(backend="aer-noisy"), "Kraus/SuperOp channel"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=c / "file"), "not a directory"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=c / "file" / "x"), "is a file"),
    # the first difference named (a Dask run resumed on aer said "holds another run" alone)
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=c / "run", seed=1),
     "holds another run: its shots = 64, this command's 16 ("),
    (lambda c: qbexp.run(EXP, shots=64, progress=False, out=c / "run", seed=99),
     "holds another run: its seed = 1, this command's 99 ("),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=""), "out '': an empty path"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=c / "dangling"), "symbolic link to nothing"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out=""), "out '': an empty path"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out=c / "dangling"), "symbolic link to nothing"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, seed=-1), "seed = -1"),
    (lambda c: qbexp.analyze(c / "new"), "manifest"),
    (lambda c: qbexp.analyze(c / "file"), "file"),
    (lambda c: qbexp.analyze(c / "run", resamples=10**9), "100,000"),
    (lambda c: qbexp.analyze(c / "run", estimator="guess"), "estimator"),
    (lambda c: qbexp.sweep(EXP, "beta", [], shots=16), "no values"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, float("nan")], shots=16), "finite"),
    (lambda c: qbexp.sweep(EXP, "beta", range(1, 10**8), shots=16), "1,000"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 1.0], shots=16), "repeats"),
    (lambda c: qbexp.sweep(EXP, "colour", [1.0, 2.0], shots=16), "cannot sweep 'colour'"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, -1.0], shots=16), "beta = -1"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=0), "shots = 0"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out=c / "file"), "not a directory"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out=c / "run"), "single run"),
    # paths: the check the CLI makes (qbexp.files.check_path), before anything is read or written
    (_run(out=123), "out = 123: expected a path"),
    (_run(out=True), "out = True: expected a path"),
    (_run(out=b"runs/x"), "got bytes"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=c / ("a" * 300) / "x"), "is 300 bytes long"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=str(c / "a\0b")), "cannot contain a NUL byte"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out="x/" + "a" * 5000), "the path is"),
    (_run(out="x/\ud800"), "cannot encode"),
    (lambda c: qbexp.analyze(""), "path '': an empty path"),
    (lambda c: qbexp.analyze(123), "path = 123: expected a path"),
    (lambda c: qbexp.analyze(None), "path = None"),
    (lambda c: qbexp.analyze(c / ("a" * 300)), "is 300 bytes long"),
    (lambda c: qbexp.analyze(str(c / "run") + "\0"), "cannot contain a NUL byte"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, out=c / "dangling" / "x"), "dangling is a symbolic link to"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out=123), "out = 123: expected a path"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out=c / ("a" * 300)), "is 300 bytes long"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, out="a\0"), "cannot contain a NUL byte"),
    # backends that are not profile files
    (lambda c: qbexp.run(EXP, shots=16, backend=c / "dir"), "dir is a folder, not a .toml file"),
    (_run(backend="/dev/null"), "not a regular file"),
    (_run(backend="a\0.toml"), "cannot contain a NUL byte"),
    (_run(backend="a" * 300), "unknown backend"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0], shots=16, backend="/dev/null"), "not a regular file"),
    # the options of run / analyze / sweep, checked before anything is written
    (lambda c: qbexp.run(EXP, shots=16, progress=False, estimator="guess", out=c / "new"), "estimator = 'guess'"),
    (_run(estimator=None), "estimator = None"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0], shots=16, estimator="guess", out=c / "new"), "estimator"),
    (lambda c: qbexp.run(EXP, shots=16, progress="no"), "progress = 'no'; it must be True or False"),
    (_run(retry_failed="yes"), "retry_failed = 'yes'"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, command=5, out=c / "new"), "command = 5"),
    (lambda c: qbexp.run(EXP, shots=16, progress=False, command="a\nb", out=c / "new"), "one line"),
    (_run(seed=True), "seed = True"),
    (_run(seed=1.5), "seed = 1.5"),
    (_run(shots=float("nan")), "shots = nan"),
    (_run(resamples=39.0), "resamples = 39.0"),
    (lambda c: qbexp.analyze(c / "run", mitigation="no"), "mitigation = 'no'"),
    (lambda c: qbexp.analyze(c / "run", estimator=None), "estimator = None"),
    (lambda c: qbexp.analyze(c / "sweep", estimator="guess"), "estimator = 'guess'"),
    (lambda c: qbexp.analyze(c / "sweep", resamples=True), "resamples = True"),
    (lambda c: qbexp.sweep(EXP, [], [1.0, 2.0], shots=16), "cannot sweep []"),
    (lambda c: qbexp.sweep(EXP, None, [1.0, 2.0], shots=16), "cannot sweep None"),
    (lambda c: qbexp.sweep(EXP, "beta", {1.0: "a"}, shots=16), "expected a list of beta values"),
    (lambda c: qbexp.sweep(EXP, "beta", np.array([[1.0, 2.0]]), shots=16), "expected a list of beta values"),
    (lambda c: qbexp.sweep(EXP, "beta", ["1,2"], shots=16), "'1,2' is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", ["1:2:3"], shots=16), "'1:2:3' is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", [True, 2.0], shots=16), "True is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", [None], shots=16), "None is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", [1j], shots=16), "1j is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", [10**400], shots=16), "is not a finite number"),
    (lambda c: qbexp.sweep(EXP, "n", [True], shots=16), "True is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0], shots=16, seed=-1, out=c / "new"), "seed = -1"),
    # experiments: huge numbers, wrong calls, states that are not states
    (lambda c: qbexp.CollectiveCharging(n=1, beta=10**400), "beta = 1000"),
    (lambda c: qbexp.CollectiveCharging(n=10**100, beta=1.0), "it must be an integer between 1 and 6"),
    (lambda c: qbexp.EngineCycles(tau=10**400), "tau = 1000"),
    (lambda c: qbexp.EngineCycles(tau=1.0, cycles=10**100), "cycles = 1000"),
    (lambda c: qbexp.CollectiveCharging(1, 1.0, "ground", 1.0, 1.0, 0.0, "collective", "kraus"),
     "takes at most 7 values by position"),
    (lambda c: qbexp.CollectiveCharging(1, 1.0, n=1), "n is given twice"),
    (lambda c: qbexp.EngineCycles(1.0, 1, "local1", 1.0, 0.01, 1e-3, 2.0, 0.1, "x"), "takes at most 8"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init_label="x"), "no parameter 'init_label'"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=None), "init of type NoneType"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=5), "init of type int"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array([1.0, 1.0])), "norm 1.41421"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array([1e200, 0])), "norm 1e+200"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array([1 + 1e-7, 0])), "norm 1.0000001;"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array(1.0)), "init has shape (); expected a state"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array(["a", "b"])),
     "init holds a non-numeric array (dtype <U1)"),
    # the state file's rule (qbexp.models.states.check_numeric): digits as text are no numbers (were read)
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=["1", "0"]), "init holds a non-numeric array (dtype <U1)"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=("1", "0")), "init holds a non-numeric array (dtype <U1)"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=[["1", "0"], ["0", "0"]]), "non-numeric array (dtype <U1)"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=[1, "0"]), "init holds a non-numeric array (dtype <U21)"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=[True, False]), "init holds a non-numeric array (dtype bool)"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=scipy.sparse.csr_matrix(np.diag([1.0, 0]))),
     "init of type csr_matrix is a sparse matrix; pass a dense array"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array([np.inf, 0])), "NaN or infinite"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init="file:" + "a" * 300 + ".npy"), "is 304 bytes long"),
    (lambda c: qbexp.CollectiveCharging(n=1, beta=1.0, init="file:a\0b.npy"), "cannot contain a NUL byte"),
    (lambda c: qbexp.models.initial_state("file:a\0b.npy", 2), "state file 'a\\x00b.npy': a path cannot contain a NUL byte"),
    (lambda c: qbexp.models.initial_state("file:" + "b" * 300 + ".npy", 2), "is 304 bytes long"),
    # a sweep point's c (Experiment.with_value): a number (was a ValueError / TypeError)
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0).with_value("c", "x"), "c = 'x'; it must be a number"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0).with_value("c", None), "c = None; it must be a number"),
    # results.json objects read back (RunResult.from_dict, Estimate.from_dict): were KeyError, TypeError, ...
    (lambda c: qbexp.RunResult.from_dict({}), "results['estimates'] = None: expected an object"),
    (lambda c: qbexp.RunResult.from_dict([]), "results = []: expected the results.json object"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {}, "exact": None}), "results['exact'] = None"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {"ergotropy": {"value": "x", "stderr": 0}}, "exact": {}}),
     "estimates['ergotropy'] = {'value': 'x', 'stderr': 0}: expected an object with a numeric value"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {"ergotropy": {"value": 1, "stderr": 0, "ci95": [0, 1, 2]}},
                                          "exact": {}}), "ci95 a pair of numbers or null"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {}, "exact": {}, "state": [[1, 2]]}),
     "state = [[1, 2]]: expected a density matrix"),  # was accepted: a 1-element "state"
    (lambda c: qbexp.Estimate.from_dict({"value": 1.0}), "estimate = {'value': 1.0}"),
    # resource bounds: the dilation at N = 6 (an abort in Qiskit after 16 GB)
    (lambda c: qbexp.CollectiveCharging(n=6, beta=1.0, charging="dilation"), "built for N up to 5"),
    (lambda c: qbexp.sweep(qbexp.CollectiveCharging(n=5, beta=1.0, charging="dilation"), "n", [5, 6], shots=16),
     "n = 6 with charging dilation"),
    (lambda c: qbexp.CollectiveCharging(n=6, beta=1.0), "n = 6 with charging collision: its circuits are built for N up to 5"),
    (lambda c: qbexp.sweep(qbexp.CollectiveCharging(n=2, beta=1.0), "n", [2, 6], shots=16),
     "n = 6 with charging collision"),
    # models built by hand (LindbladModel is public): were scipy shape errors, AttributeErrors, or a
    # non-Hermitian H whose "state" had population -0.83
    (lambda c: LM("1", ZZ, ZZ, ()), "num_qubits = '1'; it must be an integer >= 1"),
    (lambda c: LM(True, SPO("Z"), SPO("Z"), ()), "num_qubits = True"),
    (lambda c: LM(3, ZZ, ZZ, ()), "LindbladModel: hamiltonian acts on 2 qubits; the model has 3"),
    (lambda c: LM(1, np.diag([0.0, 1.0]), SPO("Z"), ()), "hamiltonian is a ndarray; it must be a qiskit SparsePauliOp"),
    (lambda c: LM(1, SPO(["X"], [1j]), SPO("Z"), ()), "LindbladModel: hamiltonian is not Hermitian"),
    (lambda c: LM(1, SPO("X"), SPO(["Z"], [1 + 1e-6j]), ()), "battery_hamiltonian is not Hermitian"),
    (lambda c: LM(1, SPO(["X"], [np.nan]), SPO("Z"), ()), "hamiltonian has NaN or infinite coefficients"),
    (lambda c: LM(1, SPO("X"), SPO("Z"), (D(1.0, "X", "b"),)), "jump operator of bath 'b' is a str"),
    (lambda c: LM(1, SPO("X"), SPO("Z"), (D(1.0, ZZ, "b"),)), "jump operator of bath 'b' acts on 2 qubits"),
    (lambda c: LM(1, SPO("X"), SPO("Z"), ("not a dissipator",)), "dissipators must be a tuple of Dissipator"),
    (lambda c: D(1.0, SPO("X"), 5), "dissipator bath = 5; it must be a non-empty name"),
    (lambda c: qbexp.models.collective_battery(2, 1.0, f=0.5, coupling="individual"), "f = 0.5 with individual"),
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, coupling="individual", f=0.5), "f = 0.5 with individual"),
    # work from energy counts: energies that are no numbers (were ValueError, TypeError, OverflowError,
    # or text read as numbers, or an interval [-inf, inf])
    (lambda c: WX(["a", "b"]), "energies holds a non-numeric array"),
    (lambda c: WX(["0", "1"]), "energies holds a non-numeric array"),
    (lambda c: WX([False, True]), "energies holds a non-numeric array"),
    (lambda c: WX([0, 1j]), "energies must hold real numbers, got complex values"),
    (lambda c: WX([0, 10**400]), "energies holds a non-numeric array"),
    (lambda c: WX([0, [1, 2]]), "energies is not an array of numbers"),
    (lambda c: WX([-1e308, 1e308]), "energies reach 1e+308; at most 1e+150 in magnitude"),
    # counts beyond 2^53 shots: their sums wrapped around int64 (shots -2, energies of -4.6e18)
    (lambda c: qbexp.analysis.tomography_data({s: {"0": 2**63 - 1, "1": 2**63 - 1} for s in "XYZ"}),
     "count 9223372036854775807 is more than 2^53"),
    (lambda c: qbexp.analysis.tomography_data({s: {"0": 2**52, "1": 2**52 + 1} for s in "XYZ"}),
     "setting X holds 9,007,199,254,740,993 shots; at most 2^53"),
    (lambda c: qbexp.analysis.TomographyData(np.full((3, 2), 2**62)), "hold a setting of more than 2^53"),
    (lambda c: WX([0.0, 1.0], {"0": 2**52, "1": 2**52 + 1}), "holds 9,007,199,254,740,993 shots; at most 2^53"),
    # the exact state of a result (ExactResult.of): read as complex numbers before it was checked
    (lambda c: qbexp.ExactResult.of("ab", np.diag([0.0, 1.0])), "the exact state is not a numeric array"),
    (lambda c: qbexp.ExactResult.of(None, np.diag([0.0, 1.0])), "the exact state is not a numeric array"),
    (lambda c: qbexp.ExactResult.of([["0", "0"], ["0", "1"]], np.diag([0.0, 1.0])), "not a numeric array"),
    (lambda c: qbexp.ExactResult.of([[0, 1], [1, 1]], np.diag([0.0, 1.0])), "not positive semidefinite"),
    # results read back (RunResult.from_dict): counts that are no mapping, a state that is no state
    (lambda c: qbexp.RunResult.from_dict({"estimates": {}, "exact": {}}, counts="abc"),
     "counts = 'abc': expected a mapping of circuit name -> counts"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {}, "exact": {},
                                          "state": [[[0, 0], [5, 0]], [[0, 0], [0, 0]]]}),
     "results['state'] is not Hermitian"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {}, "exact": {}, "state": [[[1, 0]]] * 1}),
     "results['state'] has 1 rows; expected a power of 2"),
    (lambda c: qbexp.RunResult.from_dict({"estimates": {"e": {"value": np.bool_(True), "stderr": 0.0}},
                                          "exact": {}}), "estimates['e'] = {'value': np.True_"),
    # resamples: 10^9 hung in estimate_figures (qbexp.run caps them at 100,000)
    (lambda c: qbexp.analysis.estimate_figures(DATA, np.diag([0.0, 1.0]), n_resamples=10**9),
     "n_resamples = 1000000000; it must be an integer from 39 to 100,000"),
    (lambda c: qbexp.analysis.resampled_states(DATA, "linear", 100_001, np.random.default_rng(1)),
     "n_resamples = 100001"),
    # names that are not names (were TypeError: unhashable type 'list')
    (lambda c: qbexp.analysis.estimate_figures(DATA, np.diag([0.0, 1.0]), figures=[["energy"]]),
     "figures must be a list of names from ergotropy, energy"),
    (lambda c: qbexp.analysis.estimate_figures(DATA, np.diag([0.0, 1.0]), figures="energy"),
     "figures must be a list of names"),
    (lambda c: qbexp.analysis.estimate_figures(DATA, np.diag([0.0, 1.0]), figures=5), "figures must be a list"),
    (lambda c: EXP.with_value(["n"], 1), "cannot sweep ['n'] in CollectiveCharging"),
]


@pytest.mark.parametrize("call, fragment", API, ids=[f"{k}:{row[1][:30]}" for k, row in enumerate(API)])
def test_api(call, fragment, ctx, monkeypatch):
    monkeypatch.chdir(ctx)
    refused_call(call, ctx, fragment)


def test_bad_ibm_instance_in_the_environment(tmp_path, capsys, monkeypatch):
    """QISKIT_IBM_INSTANCE that is no CRN: one line naming it (was an AttributeError of the IBM client)."""
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "not-a-token")
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", "crn:v1:fake")
    argv = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "collision", "--shots", "16"]
    assert main([*argv, "--backend", "ibm", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qbexp: error: QISKIT_IBM_INSTANCE 'crn:v1:fake' is not a valid CRN") and err.count("\n") == 1
    assert "not-a-token" not in err and not (tmp_path / "x").exists()


def test_normalised_float32_state_is_a_state(tmp_path, capsys):
    """A state normalised in float32 is normalised to float32's precision (was refused)."""
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array([0.6, 0.8], dtype=np.float32))
    assert exp.initial_state().shape == (2, 2)
    np.save(tmp_path / "v.npy", np.array([0.6, 0.8, 0, 0], dtype=np.float32))
    assert main([*SC, "--steady", "--init", f"file:{tmp_path / 'v.npy'}"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("form", ["vector", "file", "matrix"])
def test_float32_state_is_made_exact_for_the_solvers(form, tmp_path):
    """A random 3-qubit state in complex64 (trace off by 2e-7) passed the experiment's check at its
    precision, then exact(), circuits() and run() refused it at the solvers' 1e-8.  Now it is made
    exact in float64 when read, and charges to the steady state of the same state in complex128."""
    rng = np.random.default_rng(0)
    v = (rng.normal(size=8) + 1j * rng.normal(size=8)).astype(np.complex64)
    v /= np.linalg.norm(v)
    init = {"vector": v, "matrix": np.outer(v, v.conj())}.get(form)
    if form == "file":
        np.save(tmp_path / "v.npy", v)
        init = f"file:{tmp_path / 'v.npy'}"
    exp = qbexp.CollectiveCharging(n=3, beta=1.0, init=init, charging="kraus")
    rho0 = exp.initial_state()
    assert rho0.dtype == np.complex128 and abs(np.trace(rho0) - 1) < 1e-14
    assert np.linalg.eigvalsh(rho0).min() > -1e-14
    exact128 = qbexp.CollectiveCharging(n=3, beta=1.0, init=v.astype(complex) / np.linalg.norm(v.astype(complex)))
    got, want = exp.exact(), exact128.exact()
    assert np.abs(got.state.data - want.state.data).max() < 1e-6
    assert want.coherence_l1 > 0.1 and abs(got.coherence_l1 - want.coherence_l1) < 1e-6
    assert len(exp.circuits()) == 27


def test_resuming_without_measure_work_is_refused_before_submitting(tmp_path, capsys):
    """A run made with --measure-work, interrupted (a failed job), resumed without it: refused in one
    line before anything is submitted (it resubmitted the tomography circuits, then ended in
    "counts missing for energy_before, energy_after")."""
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus", measure_work=True)
    run = tmp_path / "w"
    qbexp.run(exp, shots=64, seed=1, out=run, progress=False, resamples=39)
    failed("tomo_X", base="w")(tmp_path)
    before = snapshot(run)
    args = [*RC, "--shots", "64", "--seed", "1", "--out", str(run), "--retry-failed"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "holds another run: the run measures energy_before, energy_after" in err and err.count("\n") == 1
    assert snapshot(run) == before
    assert main([*args, "--measure-work"]) == 0  # the run's own command resumes it
    capsys.readouterr()


def test_another_runs_circuits_qpy_is_rebuilt_for_retry(ctx, capsys):
    """circuits.qpy (and its Kraus sets) copied from another run with the same circuit names loads
    fine; fetch --retry-failed resubmitted those circuits as the run's (an ergotropy of 0.09 for an
    exact 0.58 on the minimal charging).  Its SHA-256 is not the manifest's: rebuilt from the plan."""
    run, other = ctx / "run", ctx / "sweep" / "beta=2.0"
    own = dict(np.load(run / "circuits.channels.npz"))
    theirs = dict(np.load(other / "circuits.channels.npz"))
    assert own.keys() != theirs.keys()  # another channel (its Kraus sets are named by their SHA-256)
    for name in ("circuits.qpy", "circuits.channels.npz"):
        shutil.copy(other / name, run / name)
    failed("tomo_Z")(ctx)
    assert main(["fetch", str(run), "--retry-failed", "--wait", "--quiet"]) == 0
    capsys.readouterr()
    rebuilt = dict(np.load(run / "circuits.channels.npz"))
    assert rebuilt.keys() == own.keys() and all(np.array_equal(rebuilt[k], own[k]) for k in own)
    from qbexp.backends.store import RunStore

    assert [qc.name for qc in RunStore(run).load_circuits()] == ["tomo_X", "tomo_Y", "tomo_Z"]  # digest now agrees


def test_killed_sweep_is_shown_and_fetched(ctx, capsys):
    """A sweep killed while submitting (its last point never reached): status shows that point as not
    started (was an error for the whole sweep), fetch collects the others and exits 1, analyze says
    how to go on, and the sweep's own call completes it."""
    sweep = ctx / "sweep"
    shutil.rmtree(sweep / "beta=2.0")
    assert main(["status", str(sweep)]) == 0
    out = capsys.readouterr().out
    assert "beta=1.0: 3 circuits: 3 saved" in out and "beta=2.0: not started: the sweep stopped before" in out
    assert main(["fetch", str(sweep)]) == 1
    assert "1 sweep point(s) not started (beta=2.0)" in capsys.readouterr().out
    assert main(["analyze", str(sweep)]) == 2
    assert "the sweep stopped before them: run the command that made it again" in capsys.readouterr().err
    qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=64, seed=1, out=sweep, progress=False, resamples=39)
    assert main(["status", str(sweep)]) == 0
    assert "beta=2.0: 3 circuits: 3 saved" in capsys.readouterr().out


def test_run_files_have_the_modes_of_new_files(tmp_path):
    """Written through mkstemp, manifest.json, job records and results were 0600 beside 0644 arrays:
    a run directory shared with a group could not be read.  Every file has open()'s mode now."""
    probe = tmp_path / "probe"
    probe.write_text("")
    mode = probe.stat().st_mode & 0o777
    qbexp.run(EXP, shots=16, seed=1, out=tmp_path / "r", progress=False, resamples=39)
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "r").rglob("*") if p.is_file()}
    assert {"manifest.json", "results.json", "results.png", "circuits.qpy", "exact.npy"} <= set(modes)
    assert set(modes.values()) == {mode}, modes


def test_numpy_integers_are_integers(tmp_path):
    """shots, seed and resamples as NumPy integers (a grid from numpy) run like Python ints."""
    res = qbexp.run(EXP, shots=np.int64(16), seed=np.int64(3), resamples=np.int32(39), progress=False,
                    out=tmp_path / "np")
    assert json.loads((tmp_path / "np" / "manifest.json").read_text())["shots"] == 16
    assert res.estimates


def test_sweep_command_is_the_sweep_call(tmp_path):
    """sweep.json and every point's manifest record the qbexp.sweep call (was qbexp.run(..., parameter=...))."""
    qbexp.sweep(EXP, "beta", [1.0, 2.0], shots=16, seed=1, out=tmp_path / "s", progress=False, resamples=39)
    command = json.loads((tmp_path / "s" / "sweep.json").read_text())["command"]
    assert command.startswith("python: qbexp.sweep(CollectiveCharging(") and "'beta', [1.0, 2.0]" in command


def _qbexp(argv, prefix=(), **kw):
    import subprocess
    import sys

    return subprocess.run([*prefix, sys.executable, "-m", "qbexp.cli.main", *argv], stderr=subprocess.PIPE, text=True,
                          timeout=CASE_TIMEOUT, **kw)


def test_closed_standard_output_is_an_error():
    """Output that cannot be written is one line and exit 2 (was exit 0, the results lost silently):
    standard output closed (`>&-`), or its reader gone (`| head -c0`)."""
    import subprocess

    closed = _qbexp([*SC, "--steady"], stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2
    assert closed.stderr == "qbexp: error: standard output is closed; redirect it (to /dev/null to discard the output)\n"
    read, write = os.pipe()
    os.close(read)
    try:
        gone = _qbexp([*SC, "--steady", "--json"], stdout=write)
    finally:
        os.close(write)
    assert gone.returncode == 2 and gone.stderr.count("\n") == 1 and "Traceback" not in gone.stderr
    assert gone.stderr.startswith("qbexp: error: standard output: broken pipe")


def test_unwritable_standard_error_loses_no_run(tmp_path):
    """Standard error closed (`2>&-`) or full (`2>/dev/full`): the progress bars and messages are
    dropped, the run completes (was: a crash after submission, exit 1, its counts never saved; and
    with stderr closed the status line went to standard output, into the --json)."""
    import subprocess

    argv = [*RC, "--seed", "1", "--json", "--out"]
    closed = _qbexp([*argv, str(tmp_path / "closed")], stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2))
    assert closed.returncode == 0
    assert json.loads(closed.stdout)["estimates"] and (tmp_path / "closed" / "results.json").exists()
    if os.path.exists("/dev/full"):  # Linux: every write fails with ENOSPC
        import sys

        with open("/dev/full", "w") as full:
            filled = subprocess.run([sys.executable, "-m", "qbexp.cli.main", *argv, str(tmp_path / "full")],
                                    stdout=subprocess.DEVNULL, stderr=full, timeout=CASE_TIMEOUT)
        assert filled.returncode == 0 and (tmp_path / "full" / "results.json").exists()


def test_token_in_the_instance_variable_is_not_printed(tmp_path, capsys, monkeypatch):
    """A token pasted into QISKIT_IBM_INSTANCE (no CRN): refused before any connection, without
    printing it."""
    token = "T0ken" * 10
    monkeypatch.setenv("QISKIT_IBM_TOKEN", token)
    monkeypatch.setenv("QISKIT_IBM_INSTANCE", "crn:" + token)
    assert main([*RCD, "--backend", "ibm", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "is not a valid CRN" in err and token not in err and not (tmp_path / "x").exists()


def test_numpy_bool_and_stray_files(ctx):
    """mitigation=numpy.bool_ is a flag like True/False (was: results.json could not be written), and a
    file of the user's named like the run's transpiled-SEQ.qpy is not read (was: a ValueError)."""
    (ctx / "run" / "transpiled-notes.qpy").write_text("mine")
    res = qbexp.analyze(ctx / "run", mitigation=np.bool_(False), resamples=39)
    assert json.loads((ctx / "run" / "results.json").read_text())["readout_mitigation"] is False
    assert res.estimates and (ctx / "run" / "transpiled-notes.qpy").read_text() == "mine"


def test_ibm_without_credentials_writes_no_account_file(tmp_path, capsys, monkeypatch):
    """qiskit-ibm-runtime creates ~/.qiskit/qiskit-ibm.json (holding {}) when it looks for an account
    there: refused without a token or a saved account, qbexp leaves HOME as it was."""
    for var in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    from qbexp.backends.ibm import client_channels

    assert main([*RCD, "--backend", "ibm", "--out", str(tmp_path / "x")]) == 2
    # the [dynamics] stack's client (qiskit-ibm-runtime < 0.45) cannot reach the profile's channel at all:
    # that is refused first, in one line, and no file is written either
    first = ("no IBM Quantum credentials" if "ibm_quantum_platform" in client_channels()
             else "channel 'ibm_quantum_platform' needs a newer IBM client")
    err = capsys.readouterr().err
    assert err.startswith(f"qbexp: error: {first}") and err.count("\n") == 1
    assert not any((tmp_path / "home").iterdir()) and not (tmp_path / "x").exists()


def test_device_state_has_its_digest(tmp_path, capsys):
    """device.npy (written after the manifest) has its SHA-256 recorded like exact.npy's: another valid
    state in its place is one line (was: wrong device figures); a run without the digest still loads."""
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="collision")
    qbexp.run(exp, backend="aer-noisy", shots=16, seed=1, out=tmp_path / "r", progress=False, resamples=39)
    path = tmp_path / "r" / "manifest.json"
    record = json.loads(path.read_text())
    assert record["arrays"]["device"] == hashlib.sha256((tmp_path / "r" / "device.npy").read_bytes()).hexdigest()
    np.save(tmp_path / "r" / "device.npy", np.diag([1.0, 0.0]).astype(complex))
    assert main(["analyze", str(tmp_path / "r")]) == 2
    assert "device.npy does not match the run (edited?)" in capsys.readouterr().err
    del record["arrays"]["device"]  # a run made before the digest was recorded
    path.write_text(json.dumps(record))
    assert main(["analyze", str(tmp_path / "r")]) == 0


def test_case_count():
    assert len(CLI) + len(API) >= 100
    assert not math.isnan(len(CLI))


@pytest.mark.parametrize("spec", ["bogus", "haar:x", "dicke:9", "thermal:1", "file:/nowhere/x.npy", 3])
def test_refused_initial_states_are_initial_state_errors_in_both_solvers(spec):
    """A refused spec is an InitialStateError (a QbexpError) from the dense and the compact
    (symmetric solver) parser alike, which is how ``qbexp simulate collective`` names --init;
    a refused number of qubits is not."""
    from qbexp.dynamics.symmetric_state import compact_initial_state
    from qbexp.errors import InitialStateError
    from qbexp.models import initial_state

    with pytest.raises(InitialStateError):
        initial_state(spec, 2, beta=1.0)
    if isinstance(spec, str) and spec.split(":")[0] in ("dicke", "thermal"):
        with pytest.raises(InitialStateError):
            compact_initial_state(spec, 2, 1.0)
    with pytest.raises(qbexp.QbexpError) as refused:
        initial_state("ground", 0)
    assert not isinstance(refused.value, InitialStateError)


def test_tomography_counts_are_read_only():
    """TomographyData's counts, once checked, cannot be edited in place (counts[0, 0] = -5 gave shots
    of -4 to every fit that read them)."""
    data = qbexp.analysis.TomographyData(np.array([[5, 5], [5, 5], [9, 1]]))
    with pytest.raises(ValueError, match="read-only"):
        data.counts[0, 0] = -5
    assert data.shots.tolist() == [10, 10, 10]


def test_a_profiles_statevector_method_runs_channel_circuits(tmp_path, capsys):
    """An aer profile with method = "statevector" ran the kraus charging's superop instructions on
    the statevector: every circuit failed after submission, and neither fetch --retry-failed nor
    a corrected profile could recover the run.  Channel circuits run on the density matrix."""
    (tmp_path / "sv.toml").write_text('kind = "aer"\nmethod = "statevector"\n')
    args = [*RC, "--shots", "200", "--seed", "1", "--backend", str(tmp_path / "sv.toml")]
    assert main([*args, "--out", str(tmp_path / "run"), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    for name, est in results["estimates"].items():
        assert abs(est["value"] - results["exact"][name]) <= 4 * est["stderr"] + 1e-9, name
