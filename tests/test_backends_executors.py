"""The simulator executors: ideal Aer (with channels, on Dask) and aer-noisy in local testing mode."""

from __future__ import annotations

import numpy as np
import pytest
from distributed import LocalCluster
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.quantum_info import Kraus

from qbexp.backends import aer, ibm
from qbexp.backends.executors import LOST, executor_for
from qbexp.backends.profiles import Profile, load_profile
from qbexp.backends.store import RunStore
from qbexp.backends.submit import fetch_pending, run_durably, run_status
from qbexp.errors import QbexpError

SHOTS = 400


def sweep(n: int) -> dict:
    out = {}
    for i in range(n):
        qc = QuantumCircuit(2, 2)
        qc.ry(0.4 * i, 0)
        qc.cx(0, 1)
        qc.measure([0, 1], [0, 1])
        out[f"ry{i}"] = qc
    return out


def damping(p: float) -> QuantumCircuit:
    """|1> through amplitude damping: P(0) = p."""
    kraus = Kraus([np.array([[1, 0], [0, np.sqrt(1 - p)]]), np.sqrt(p) * np.array([[0, 1], [0, 0]])])
    qc = QuantumCircuit(1, 1)
    qc.x(0)
    qc.append(kraus.to_instruction(), [0])
    qc.measure(0, 0)
    return qc


def store_in(path, names=()) -> RunStore:
    return RunStore(path).open_for({"identity": "t", "circuit_names": list(names)})


def test_aer_counts_do_not_depend_on_how_circuits_are_grouped(tmp_path):
    named = sweep(4)
    executor = executor_for(Profile("aer", "aer", {}), seed=5)
    together = run_durably(store_in(tmp_path / "a"), named, executor, SHOTS, progress=False)
    split = executor_for(Profile("aer", "aer", {"max_circuits_per_job": 1}), seed=5)
    one_by_one = run_durably(store_in(tmp_path / "b"), named, split, SHOTS, progress=False)
    assert together == one_by_one
    assert together["ry0"] == {"00": SHOTS}
    assert set(together["ry3"]) == {"00", "11"}  # Bell-like correlations survive
    other_seed = run_durably(store_in(tmp_path / "c"), named, executor_for(Profile("aer", "aer", {}), seed=6),
                             SHOTS, progress=False)
    assert other_seed["ry2"] != together["ry2"]


def test_aer_runs_kraus_channels_and_joins_registers():
    counts = aer.run_counts([damping(0.25)], 4000, seed=1)[0]
    assert counts["0"] / 4000 == pytest.approx(0.25, abs=0.03)
    qr, a, b = QuantumRegister(3), ClassicalRegister(1, "a"), ClassicalRegister(2, "b")
    qc = QuantumCircuit(qr, a, b)
    qc.x(1)
    qc.measure(0, a[0])
    qc.measure([1, 2], [b[0], b[1]])
    assert aer.run_counts([qc], 10) == [{"010": 10}]  # clbit 0 rightmost, no register spaces
    with pytest.raises(QbexpError, match="shots = 0"):
        aer.run_counts([qc], 0)


def test_aer_noisy_in_local_testing_mode(tmp_path):
    profile = load_profile("aer-noisy")
    named = {"one": QuantumCircuit(2, 2), "reset": QuantumCircuit(2, 2)}
    named["one"].x(0)
    named["one"].measure([0, 1], [0, 1])
    named["reset"].x([0, 1])
    named["reset"].reset(1)
    named["reset"].measure([0, 1], [0, 1])
    first = run_durably(store_in(tmp_path / "a"), named, executor_for(profile, seed=3), SHOTS, progress=False)
    assert first["one"]["01"] > 0.85 * SHOTS and first["reset"]["01"] > 0.85 * SHOTS
    assert sum(first["one"].values()) == SHOTS and len(first["one"]) > 1  # the device's noise
    again = run_durably(store_in(tmp_path / "b"), named, executor_for(profile, seed=3), SHOTS, progress=False)
    assert again == first
    (record,) = run_status(RunStore(tmp_path / "a"))["jobs"]
    assert (record["status"], record["backend"], record["saved"]) == ("DONE", "aer-noisy", 2)
    with pytest.raises(QbexpError, match="holds a Kraus/SuperOp channel"):
        executor_for(profile).prepare([damping(0.1)])


def test_simulator_job_lost_with_its_process_is_failed_then_retried(tmp_path, monkeypatch):
    named = sweep(2)
    store = store_in(tmp_path / "run", named)
    store.save_circuits(list(named.values()))
    executor = executor_for(Profile("aer", "aer", {}), seed=2)
    run_durably(store, named, executor, SHOTS, wait=False, progress=False)
    monkeypatch.setattr(aer, "_JOBS", {})  # a new process: the simulator job is gone
    summary = fetch_pending(store, executor, progress=False)
    assert summary["totals"] == {"failed": 2} and summary["jobs"][0]["error"] == LOST
    summary = fetch_pending(store, executor, retry_failed=True, wait=True, progress=False)
    assert summary["totals"] == {"saved": 2} and len(summary["jobs"]) == 2


def test_dask_cluster_on_loopback_gives_the_single_process_counts(tmp_path):
    named = sweep(6)
    single = run_durably(store_in(tmp_path / "single"), named, executor_for(Profile("aer", "aer", {}), seed=9),
                         SHOTS, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        profile = Profile("cluster", "aer", {"scheduler": cluster.scheduler_address, "chunk_size": 2})
        with executor_for(profile, seed=9) as executor:
            store = store_in(tmp_path / "dask")
            assert run_durably(store, named, executor, SHOTS, progress=False) == single
    (job,) = run_status(store)["jobs"]
    assert (job["status"], job["saved"]) == ("DONE", 6)


def test_dask_logs_are_quiet_on_the_command_line_only():
    """The command line (``quiet_dask``) drops Dask's own log lines (Ctrl-C or a scheduler lost
    mid-run printed 40-90 lines of tracebacks before qbexp's one line) and restores them when it
    ends normally (they stayed at CRITICAL for the rest of the process); an executor made outside
    it, by the library, leaves the loggers' levels as it found them."""
    import logging

    from qbexp.backends.aer import DASK_LOGGERS, quiet_dask

    levels = {name: logging.getLogger(name).level for name in DASK_LOGGERS}
    try:
        with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                          dashboard_address=None) as cluster:
            profile = Profile("cluster", "aer", {"scheduler": cluster.scheduler_address})
            before = {name: logging.getLogger(name).level for name in DASK_LOGGERS}
            with executor_for(profile, seed=9):
                pass
            assert {name: logging.getLogger(name).level for name in DASK_LOGGERS} == before
            with quiet_dask():
                with executor_for(profile, seed=9):
                    assert {logging.getLogger(name).level for name in DASK_LOGGERS} == {logging.CRITICAL}
            assert {name: logging.getLogger(name).level for name in DASK_LOGGERS} == before  # restored
            with pytest.raises(KeyboardInterrupt), quiet_dask(), executor_for(profile, seed=9):
                raise KeyboardInterrupt  # the command line exits now: the client's teardown stays quiet
            assert {logging.getLogger(name).level for name in DASK_LOGGERS} == {logging.CRITICAL}
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_local_runtime_jobs_are_found_by_tag():
    executor = executor_for(load_profile("aer-noisy"), seed=1)
    (prepared,) = executor.prepare([sweep(1)["ry0"]])
    job_id = executor.submit({"ry0": prepared}, 50, "tag-123")
    assert executor.find_job("tag-123") == job_id and executor.find_job("other") is None
    while executor.poll(job_id) not in ("DONE", "ERROR"):
        pass
    assert executor.fetch(job_id, ["ry0"])["ry0"]["00"] > 25
    assert ibm._LOCAL_JOBS.pop(job_id)
    assert (executor.poll(job_id), executor.error(job_id), executor.fetch(job_id, ["ry0"])) == ("ERROR", LOST, {})


def test_kraus_channel_runs_as_one_superoperator():
    """Aer rebuilds a Kraus set's superoperator on every circuit (25 s per circuit at N = 6); qbexp
    builds it once per distinct channel and Aer gives the very same counts."""
    from qiskit import transpile
    from qiskit_aer import AerSimulator

    rng = np.random.default_rng(7)
    ops = np.linalg.qr(rng.normal(size=(12, 4)) + 1j * rng.normal(size=(12, 4)))[0].reshape(3, 4, 4)  # sum K†K = 1
    circuits = []
    for angle in (0.3, 1.1):
        qc = QuantumCircuit(2)
        qc.ry(angle, 0)
        qc.append(Kraus(list(ops)).to_instruction(), [0, 1])
        qc.measure_all()
        circuits.append(transpile(qc, AerSimulator(), optimization_level=0))
    cache = {}
    converted = [aer._kraus_as_superop(qc, cache) for qc in circuits]
    assert len(cache) == 1 and {inst.operation.name for inst in converted[1].data} >= {"superop"}
    assert converted[0].data[1].operation is converted[1].data[1].operation  # one matrix for both
    ours = aer.simulate([(str(k), qc, 11) for k, qc in enumerate(circuits)], 500)
    sim = AerSimulator(method="density_matrix")
    theirs = {str(k): sim.run(qc, shots=500, seed_simulator=11).result().get_counts() for k, qc in enumerate(circuits)}
    assert ours == {k: {b.replace(" ", ""): v for b, v in c.items()} for k, c in theirs.items()}
