"""Kraus sets and dense unitaries are stored once per QPY file, in ``NAME.channels.npz`` next to ``NAME.qpy``.

With ``--charging kraus`` every tomography circuit carries the same charging channel, and QPY
wrote its whole Kraus set into each one (225 MB per file at N = 5).  :class:`RunStore` writes a
placeholder in its place and the set once beside the file; loading puts the Kraus instruction
back, so every caller gets the circuits it got before.  Files written before (sets inside the
QPY file, no channels file) still load.  The same for the dense unitaries (on 4 or more qubits)
of collision charging from N = 4: one matrix per collision step, the same in every step of
every circuit (1.2 GB per QPY file at N = 5).
"""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
from qiskit import qpy
from qiskit.quantum_info import Kraus, SuperOp

import qbexp
from qbexp.backends.store import PORTABLE_QPY_VERSION, QbexpError, RunStore
from qbexp.cli.main import main

from _runfiles import fail_circuit

EXP = qbexp.CollectiveCharging(n=3, beta=1.0, charging="kraus")  # 27 tomography circuits, one channel


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    run = tmp_path_factory.mktemp("channels") / "run"
    qbexp.run(EXP, shots=200, seed=2, out=run, progress=False, resamples=39)
    return run


@pytest.fixture(scope="module")
def planned():
    return list(EXP.plan().circuits.values())


@pytest.fixture
def run(made, tmp_path):
    shutil.copytree(made, tmp_path / "run")
    return tmp_path / "run"


def kraus_ops(circuits) -> list:
    return [inst.operation for qc in circuits for inst in qc.data if inst.operation.name == "kraus"]


def assert_same_circuits(planned, loaded):
    """Same names, operations on the same qubits and bits; each Kraus set the same channel, bit for bit."""
    assert [qc.name for qc in loaded] == [qc.name for qc in planned]
    for a, b in zip(planned, loaded):
        assert len(a.data) == len(b.data), a.name
        for x, y in zip(a.data, b.data):
            assert [a.find_bit(q).index for q in x.qubits] == [b.find_bit(q).index for q in y.qubits]
            assert [a.find_bit(c).index for c in x.clbits] == [b.find_bit(c).index for c in y.clbits]
            if x.operation.name == "kraus":
                assert y.operation.name == "kraus"
                assert np.array_equal(np.asarray(x.operation.params), np.asarray(y.operation.params))
                assert SuperOp(Kraus(list(y.operation.params))) == SuperOp(Kraus(list(x.operation.params)))
            else:
                assert x.operation == y.operation, (a.name, x.operation.name)


def counts(run, name):
    return json.loads((run / "counts" / f"{name}.json").read_text())["counts"]


def test_each_kraus_set_is_stored_once_per_file(run, planned):
    (ops,) = {np.asarray(op.params).tobytes(): np.asarray(op.params) for op in kraus_ops(planned)}.values()
    embedded = io.BytesIO()  # QPY on its own: the set in every circuit
    qpy.dump(planned, embedded, version=PORTABLE_QPY_VERSION)
    assert embedded.getvalue().count(ops[0].tobytes()) == len(planned) == 27
    for name in ("circuits", "transpiled"):
        data = (run / f"{name}.qpy").read_bytes()
        assert ops[0].tobytes() not in data  # no Kraus operator inside the QPY file ...
        with np.load(run / f"{name}.channels.npz", allow_pickle=False) as sets:
            assert len(sets.files) == 1 and np.array_equal(sets[sets.files[0]], ops)  # ... the set once, beside it
        assert len(data) + (run / f"{name}.channels.npz").stat().st_size < 3 * ops.nbytes < len(embedded.getvalue()) / 9
    store = RunStore(run)
    assert_same_circuits(planned, store.load_circuits())
    transpiled = store.load_transpiled()
    assert len(transpiled) == len(planned)
    for op in kraus_ops(transpiled.values()):
        assert np.array_equal(np.asarray(op.params), ops)


def test_resubmitted_circuit_gives_the_same_counts(run):
    """The circuit read back from circuits.qpy (and its Kraus set) runs as the original did."""
    before = counts(run, "tomo_XYZ")
    fail_circuit(run, "tomo_XYZ")
    assert main(["fetch", str(run), "--retry-failed", "--wait", "--quiet"]) == 0
    assert counts(run, "tomo_XYZ") == before
    assert (run / "transpiled-2.qpy").exists() and (run / "transpiled-2.channels.npz").exists()


def _damage(path, how):
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:
        with np.load(path, allow_pickle=False) as sets:
            arrays = {k: sets[k] for k in sets.files}
        edit = {"wrong shape": lambda a: a[:, :4, :4], "edited": lambda a: 0.5 * a}[how]
        with open(path, "wb") as handle:
            np.savez(handle, **{k: edit(a) for k, a in arrays.items()})


MESSAGES = {"missing": "is missing; it holds the Kraus operators of circuits.qpy", "truncated": "is corrupt (",
            "wrong shape": "of shape (", "edited": "does not match its SHA-256"}


@pytest.mark.parametrize("repair", ["rerun", "fetch"])
@pytest.mark.parametrize("how", list(MESSAGES))
def test_damaged_channels_file_is_rewritten_from_the_plan(run, planned, how, repair):
    sets = run / "circuits.channels.npz"
    _damage(sets, how)
    with pytest.raises(QbexpError) as err:
        RunStore(run).load_circuits()
    message = str(err.value)
    assert "\n" not in message and str(sets) in message and MESSAGES[how] in message, message
    if repair == "rerun":  # the run's own command: circuits.qpy checked, rewritten with its sets
        manifest = json.loads((run / "manifest.json").read_text())
        qbexp.run(EXP, shots=200, seed=2, out=run, progress=False, resamples=39, command=manifest["command"])
    else:  # a failed circuit is resubmitted from circuits.qpy: rebuilt first
        before = counts(run, "tomo_ZZX")
        fail_circuit(run, "tomo_ZZX")
        assert main(["fetch", str(run), "--retry-failed", "--wait", "--quiet"]) == 0
        assert counts(run, "tomo_ZZX") == before
    assert_same_circuits(planned, RunStore(run).load_circuits())


def test_run_written_with_kraus_sets_inside_the_qpy_still_loads(run, planned, capsys):
    """A run directory from before: Kraus sets inside circuits.qpy and transpiled.qpy, no channels files."""
    store = RunStore(run)
    for name, circuits in (("circuits", store.load_circuits()), ("transpiled", list(store.load_transpiled().values()))):
        with open(run / f"{name}.qpy", "wb") as handle:
            qpy.dump(circuits, handle, version=PORTABLE_QPY_VERSION)
        (run / f"{name}.channels.npz").unlink()
    manifest = json.loads((run / "manifest.json").read_text())
    del manifest["files"]  # nor the SHA-256 of its QPY files, which qbexp records since 2026-12-06
    (run / "manifest.json").write_text(json.dumps(manifest))
    old = (run / "circuits.qpy").read_bytes()
    assert kraus_ops(planned)[0].params[0].tobytes() in old
    assert_same_circuits(planned, store.load_circuits())
    assert len(kraus_ops(store.load_transpiled().values())) == len(planned)
    before = counts(run, "tomo_YYY")
    fail_circuit(run, "tomo_YYY")
    assert main(["fetch", str(run), "--retry-failed", "--wait", "--quiet"]) == 0
    assert counts(run, "tomo_YYY") == before
    assert (run / "circuits.qpy").read_bytes() == old and not (run / "circuits.channels.npz").exists()  # not rewritten
    capsys.readouterr()
    assert main(["analyze", str(run), "--resamples", "39", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["circuits"]) >= {"tomo_YYY"}


@pytest.mark.parametrize("broken", ["npz", "qpy"])
def test_dump_reads_both_files_back(tmp_path, planned, broken, monkeypatch):
    """A file that would not load is refused when written (here: cut short), and nothing is left behind."""
    savez, dump = np.savez, qpy.dump

    def short_npz(handle, **arrays):
        buffer = io.BytesIO()
        savez(buffer, **arrays)
        handle.write(buffer.getvalue()[:-300])

    def short_qpy(circuits, handle, **options):
        buffer = io.BytesIO()
        dump(circuits, buffer, **options)
        handle.write(buffer.getvalue()[:-300])

    if broken == "npz":
        monkeypatch.setattr(np, "savez", short_npz)
    else:
        monkeypatch.setattr(qpy, "dump", short_qpy)
    with pytest.raises(QbexpError, match="channels.npz.tmp is corrupt" if broken == "npz" else "do not survive QPY"):
        RunStore(tmp_path).save_circuits(planned)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- dense unitaries (collision, N >= 4)

COLLISION4 = qbexp.CollectiveCharging(n=4, beta=1.0, init="haar:1")  # 81 circuits, a 5-qubit unitary per step


@pytest.fixture(scope="module")
def collision_planned():
    return list(COLLISION4.plan().circuits.values())


def dense_unitaries(circuits) -> dict:
    """The distinct matrices of the unitary gates on >= 4 qubits: bytes -> matrix."""
    return {np.asarray(inst.operation.params[0]).tobytes(): np.asarray(inst.operation.params[0])
            for qc in circuits for inst in qc.data
            if inst.operation.name == "unitary" and inst.operation.num_qubits >= 4}


@pytest.fixture
def collision_saved(collision_planned, tmp_path):
    RunStore(tmp_path).save_circuits(collision_planned)
    return tmp_path


def test_each_dense_unitary_is_stored_once_per_file(collision_saved, collision_planned):
    """Collision charging from N = 4 holds the same (N + 1)-qubit unitary in every step of every
    circuit: QPY wrote it each time (here 47 x 81 copies, 64 MB; at N = 5 1.2 GB per file)."""
    matrices = dense_unitaries(collision_planned)
    steps = sum(inst.operation.name == "unitary" for inst in collision_planned[0].data)
    assert len(matrices) == 1 and steps >= 20
    (matrix,) = matrices.values()
    embedded = io.BytesIO()
    qpy.dump(collision_planned, embedded, version=PORTABLE_QPY_VERSION)
    assert embedded.getvalue().count(matrix.tobytes()) == steps * len(collision_planned)
    data = (collision_saved / "circuits.qpy").read_bytes()
    assert matrix.tobytes() not in data
    with np.load(collision_saved / "circuits.channels.npz", allow_pickle=False) as stored:
        assert len(stored.files) == 1 and np.array_equal(stored[stored.files[0]], matrix)
    assert len(data) + (collision_saved / "circuits.channels.npz").stat().st_size < len(embedded.getvalue()) / 20
    loaded = RunStore(collision_saved).load_circuits()
    assert_same_circuits(collision_planned, loaded)
    for qc in loaded:
        for inst in qc.data:
            if inst.operation.name == "unitary" and inst.operation.num_qubits >= 4:
                assert inst.operation.label == "collision"
                assert np.array_equal(np.asarray(inst.operation.params[0]), matrix)


def test_circuit_with_its_unitary_read_back_runs_as_the_original(collision_saved, collision_planned):
    """The read-back circuit prepares the same state (Aer density matrices, measurements removed)."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    (loaded,) = [qc for qc in RunStore(collision_saved).load_circuits() if qc.name == "tomo_ZZZZ"]
    (planned,) = [qc for qc in collision_planned if qc.name == "tomo_ZZZZ"]
    simulator = AerSimulator(method="density_matrix")
    states = []
    for qc in (planned, loaded):
        qc = qc.remove_final_measurements(inplace=False)
        qc.save_density_matrix()
        states.append(np.asarray(simulator.run(transpile(qc, simulator)).result().data()["density_matrix"]))
    assert np.abs(states[0] - states[1]).max() < 1e-12 and abs(np.trace(states[0]) - 1) < 1e-9


UNITARY_MESSAGES = {"missing": "is missing; it holds the dense unitaries of circuits.qpy",
                    "truncated": "is corrupt (", "wrong shape": "unitary", "edited": "does not match its SHA-256"}


@pytest.mark.parametrize("how", list(UNITARY_MESSAGES))
def test_damaged_unitaries_file_is_one_line(collision_saved, how):
    path = collision_saved / "circuits.channels.npz"
    if how == "wrong shape":
        with np.load(path, allow_pickle=False) as stored:
            arrays = {k: stored[k][:16, :16] for k in stored.files}
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)
    else:
        _damage(path, how)
    with pytest.raises(QbexpError) as err:
        RunStore(collision_saved).load_circuits()
    message = str(err.value)
    assert "\n" not in message and str(path) in message and UNITARY_MESSAGES[how] in message, message
    if how == "wrong shape":
        assert "of shape (16, 16); expected complex, 32 x 32 for 5 qubit(s)" in message
