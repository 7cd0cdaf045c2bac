"""Bad input about where circuits run and where runs are written: profiles, backends given as
Python objects, output folders.  Each case ends in one line naming the problem, before anything
is written or submitted (the folders are left as they were found)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import qbexp
from qbexp.backends import profiles
from qbexp.backends.objects import executor_for_object
from qbexp.backends.store import enclosing_run
from qbexp.cli.circuits import check_not_overwriting
from qbexp.cli.main import main
from qbexp.errors import IncompleteRun, QbexpError
import _bad_input
from _bad_input import copy_made, snapshot

made = _bad_input.made  # the fixture: a finished run and sweep to break

RC = ["run", "collective", "--n", "1", "--beta", "1", "--charging", "kraus", "--shots", "16", "--seed", "1"]


@pytest.fixture
def ctx(made, tmp_path, monkeypatch):
    copy_made(made, tmp_path)
    (tmp_path / "dir").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(argv: list[str], root: Path, capsys) -> str:
    """``qbexp ARGV`` exits 2 with one line ``qbexp: error: ...`` and leaves ``root`` as it was; the line."""
    before = snapshot(root)
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("qbexp: error: "), err
    assert snapshot(root) == before, "a refused command changed the files"
    return lines[0]


# -- 4: no home folder (HOME unset, a uid without a passwd entry: docker --user 12345) ----------
@pytest.fixture
def homeless(tmp_path, monkeypatch):
    def no_home(*args, **kwargs):
        raise RuntimeError("Could not determine home directory.")

    for name in ("HOME", "QBEXP_CONFIG_DIR", "XDG_CONFIG_HOME", "QISKIT_IBM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", classmethod(no_home))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_home_folder_skips_the_user_profiles(homeless):
    assert profiles.user_dir() is None
    assert profiles.load_profile("aer").kind == "aer"
    assert "aer-noisy" in profiles.available()
    with pytest.raises(QbexpError, match="unknown backend 'mine'; available: aer"):
        profiles.load_profile("mine")


def test_no_home_folder_runs_on_the_default_backend(homeless, capsys):
    assert main([*RC, "--out", str(homeless / "run")]) == 0
    assert (homeless / "run" / "results.json").is_file()
    capsys.readouterr()


def test_no_home_folder_and_no_token_is_one_line_for_ibm(homeless, capsys):
    from qbexp.backends.ibm import check_channel, client_channels, connect

    profile = profiles.load_profile("ibm")
    with pytest.raises(QbexpError) as info:
        connect(profile)
    assert "no IBM Quantum credentials" in str(info.value) and "no home folder" in str(info.value)
    line = refused([*RC[:7], "collision", *RC[8:], "--backend", "ibm", "--out", "x"], homeless, capsys)
    if profile.options.get("channel") in client_channels():
        assert "no IBM Quantum credentials" in line and "no home folder" in line
    else:  # the [dynamics] stack's client cannot reach the platform: that is said first
        with pytest.raises(QbexpError) as info:
            check_channel(profile.options.get("channel"))
        assert line == f"qbexp: error: {info.value}"


# -- 7: scheduler addresses Dask cannot parse (were a ValueError traceback in aer.py) ------------
@pytest.mark.parametrize("address", ["foo://bar", "tcp://localhost:abc", "inproc://x", "tcp://localhost",
                                     "tcp://:8786", "tcp://host:8786/path", "tcp://host:99999", ""])
def test_bad_scheduler_address(address, ctx, capsys):
    toml = ctx / "dask.toml"
    toml.write_text(f'kind = "aer"\nscheduler = "{address}"\n')
    line = refused([*RC, "--backend", str(toml), "--out", str(ctx / "new")], ctx, capsys)
    assert f"{toml}: scheduler = {address!r}; it must be a Dask scheduler address SCHEME://HOST:PORT" in line
    with pytest.raises(QbexpError, match="scheduler"):
        profiles.load_profile(str(toml))


@pytest.fixture
def not_a_scheduler():
    """A local TCP server at an address of a Dask profile: it answers like an HTTP proxy
    (``reply``) or accepts and never answers (``silent``)."""
    import socket
    import threading

    servers = []

    def start(mode):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        servers.append(server)

        def serve():
            while True:
                try:
                    conn, _ = server.accept()
                except OSError:  # closed at the end of the test
                    return
                conn.recv(65536)
                if mode == "reply":
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
                    conn.close()
                else:
                    servers.append(conn)  # held open, never answered
        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{server.getsockname()[1]}"
    yield start
    for s in servers:
        s.close()


@pytest.mark.parametrize("mode, fragment", [
    ("reply", "(it answered, but not as a Dask scheduler)"),  # was a 62-line MemoryError ("3.07 EiB"), exit 1
    ("silent", "(no answer within 7 s: is a Dask scheduler listening there?)"),  # was a hang, for ever
])
def test_a_server_that_is_no_dask_scheduler(mode, fragment, not_a_scheduler, ctx, capsys, monkeypatch):
    from qbexp.backends import aer

    monkeypatch.setattr(aer, "CONNECT_TIMEOUT", 2)
    address = not_a_scheduler(mode)
    toml = ctx / "dask.toml"
    toml.write_text(f'kind = "aer"\nscheduler = "{address}"\n')
    line = refused([*RC, "--backend", str(toml), "--out", str(ctx / "new")], ctx, capsys)
    assert line == f"qbexp: error: cannot reach the Dask scheduler at {address} {fragment}"


def test_a_tls_scheduler_without_certificates_is_one_line(ctx, capsys):
    """tls:// with no TLS set up in Dask's configuration: a 60-line TypeError traceback, exit 1."""
    toml = ctx / "dask.toml"
    toml.write_text('kind = "aer"\nscheduler = "tls://127.0.0.1:9"\n')
    line = refused([*RC, "--backend", str(toml), "--out", str(ctx / "new")], ctx, capsys)
    assert line.startswith("qbexp: error: cannot reach the Dask scheduler at tls://127.0.0.1:9 (TypeError: TLS expects")


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "tcp://[::1]:8786", "tls://scheduler.example:8786"])
def test_good_scheduler_address(address):
    assert profiles.validate("dask", {"kind": "aer", "scheduler": address}, "dask.toml", None).options["scheduler"] == address


# -- 9: output folders inside a run or a sweep, and folders that are no catalogue -------------
@pytest.mark.parametrize("out, fragment", [
    ("run/counts", "--out run/counts lies inside the qbexp run directory"),
    ("run/jobs", "--out run/jobs lies inside the qbexp run directory"),
    ("run/jobs/new", "lies inside the qbexp run directory"),
    ("run/new", "lies inside the qbexp run directory"),
    ("sweep/new", "lies inside the qbexp sweep directory"),
    ("sweep/beta=1.0/counts", "lies inside the qbexp run directory"),
    ("dir/../run/counts", "lies inside the qbexp run directory"),
    ("link/new", "lies inside the qbexp run directory"),  # through a link to the run's jobs/
])
def test_circuits_export_inside_a_run_or_sweep(out, fragment, ctx, capsys):
    (ctx / "link").symlink_to(ctx / "run" / "jobs")
    assert fragment in refused(["circuits", "export", "--out", out], ctx, capsys)


def test_circuits_export_into_a_folder_of_other_files(ctx, capsys):
    (ctx / "dir" / "notes.txt").write_text("mine\n")
    line = refused(["circuits", "export", "--out", "dir"], ctx, capsys)
    assert "--out dir already holds notes.txt and is not a catalogue" in line


def test_circuits_export_replaces_a_catalogue_of_its_own(ctx):
    """A previous export (its index.json lists the QASM files), with a file beside them, is its own."""
    (ctx / "dir" / "index.json").write_text(json.dumps([{"file": "a.qasm", "protocol": "x"}]))
    (ctx / "dir" / "a.qasm").write_text("OPENQASM 3.0;\n")
    (ctx / "dir" / "notes.txt").write_text("mine\n")
    check_not_overwriting(ctx / "dir")


@pytest.mark.parametrize("out", ["run/jobs/x.json", "run/counts/new", "run/new", "sweep/beta=1.0/jobs/x"])
def test_run_out_inside_a_run(out, ctx, capsys):
    line = refused([*RC, "--out", out], ctx, capsys)
    assert f"--out {out} lies inside the qbexp run directory" in line
    line = refused([*RC, "--sweep", "beta=1,2", "--out", out], ctx, capsys)
    assert "lies inside the qbexp run directory" in line
    with pytest.raises(QbexpError, match="lies inside the qbexp run directory"):
        qbexp.run(qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus"), shots=16, out=out, progress=False)
    assert not (ctx / out).exists()


def test_another_tools_manifest_is_no_run(tmp_path):
    (tmp_path / "manifest.json").write_text('{"name": "a web app"}')
    assert enclosing_run(tmp_path / "runs" / "r1") is None
    (tmp_path / "manifest.json").write_text("{not json")  # a corrupt manifest beside a run's parts is a run
    (tmp_path / "counts").mkdir()
    assert enclosing_run(tmp_path / "runs" / "r1") == tmp_path.resolve()


# -- 13: backends given as Python objects ----------------------------------------------------
def test_sampler_that_cannot_run_channels_is_refused_before_submission(tmp_path):
    from qiskit.primitives import StatevectorSampler

    exp = qbexp.CollectiveCharging(n=2, beta=1.0, charging="kraus")
    for out in (tmp_path / "svs", None):
        with pytest.raises(QbexpError) as info:
            qbexp.run(exp, backend=StatevectorSampler(), shots=64, out=out, progress=False)
        message = str(info.value)
        assert "\n" not in message
        assert "StatevectorSampler cannot run (only Aer simulates channels)" in message
        # it offered charging='collision' or 'dilation', which the same sampler then refused
        # (they reset or measure mid-circuit): Aer is the way out, and the message says so
        assert "charging='collision'" not in message and "an Aer backend" in message
    assert not (tmp_path / "svs").exists()
    for charging in ("collision", "dilation", "minimal"):  # what the old message offered: refused too
        with pytest.raises(QbexpError, match="mid-circuit"):
            qbexp.run(qbexp.CollectiveCharging(n=2, beta=1.0, charging=charging), backend=StatevectorSampler(),
                      shots=64, progress=False)
    on_a_device = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    from qiskit_ibm_runtime import SamplerV2

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # runtime 0.50 deprecates SamplerV2 for its successor
        sampler = SamplerV2(mode=FakeManilaV2())
    with pytest.raises(QbexpError) as info:  # a sampler of a device: the hardware chargings are the way
        qbexp.run(on_a_device, backend=sampler, shots=64, progress=False)
    assert "charging='collision', 'dilation' or 'minimal'" in str(info.value)


def test_refused_sweep_leaves_out_as_found(tmp_path, capsys):
    """A sweep refused before any submission (a channel on a backend that cannot run it) leaves
    --out as it found it (sweep.json stayed behind, and the corrected sweep was then refused as
    another sweep); the corrected sweep then runs there."""
    from qiskit.primitives import StatevectorSampler

    out = tmp_path / "sw"
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
    with pytest.raises(QbexpError, match="only Aer simulates channels"):
        qbexp.sweep(exp, "beta", [1.0, 2.0], backend=StatevectorSampler(), shots=16, out=out, progress=False)
    assert not out.exists()
    (tmp_path / "kept").mkdir()
    argv = [*RC[:-2], "--sweep", "beta=1,2", "--out", str(tmp_path / "kept")]
    assert main([*argv, "--backend", "aer-noisy"]) == 2
    assert list((tmp_path / "kept").iterdir()) == []
    assert main([*argv, "--backend", "aer"]) == 0, capsys.readouterr().err
    assert (tmp_path / "kept" / "sweep.json").is_file() and (tmp_path / "kept" / "sweep.csv").is_file()


@pytest.mark.parametrize("charging", ["collision", "dilation", "minimal"])
def test_statevector_sampler_is_refused_for_resets_and_mid_circuit_measurements(charging, tmp_path):
    """qiskit's StatevectorSampler collapses a reset or a mid-circuit measurement once for all
    shots: the collision charging's ergotropy came out 0.98 +- 0.01 for an exact 0.58 (about 50
    standard errors off), silently.  Refused before anything is written or submitted."""
    from qiskit.primitives import StatevectorSampler

    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging=charging)
    with pytest.raises(QbexpError) as info:
        qbexp.run(exp, backend=StatevectorSampler(seed=5), shots=256, seed=1, out=tmp_path / "r", progress=False)
    assert "resets or measures qubits mid-circuit, which qiskit's StatevectorSampler does once for all shots" in str(
        info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "r").exists()


def test_backend_object_that_cannot_run_channels():
    from qiskit.providers.fake_provider import GenericBackendV2

    circuits = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus").plan().circuits
    with pytest.raises(QbexpError, match="cannot run \\(only Aer simulates channels\\)"):
        executor_for_object(GenericBackendV2(2)).prepare(circuits.values())


def test_aer_samplers_run_channels():
    from qiskit_aer.primitives import SamplerV2

    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
    result = qbexp.run(exp, backend=SamplerV2(), shots=64, seed=1, progress=False, resamples=39)
    assert 0 <= result.to_dict()["estimates"]["energy"]["value"] <= 1


def _flaky_sampler():
    from qiskit_aer.primitives import SamplerV2  # (StatevectorSampler is refused for circuits with resets)

    class Flaky(SamplerV2):
        broken = True

        def _run(self, pubs):
            if Flaky.broken:
                raise RuntimeError("the sampler broke")
            return super()._run(pubs)

    return Flaky


def test_advice_for_a_failed_sampler_run_works(tmp_path, capsys, monkeypatch):
    """No advice that cannot work: ``qbexp fetch`` cannot reach a Python object's jobs, and an
    in-memory run has no folder for ``qbexp status``."""
    monkeypatch.chdir(tmp_path)
    flaky = _flaky_sampler()
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="collision")
    with pytest.raises(IncompleteRun) as info:
        qbexp.run(exp, backend=flaky(), shots=64, seed=1, progress=False, resamples=39)
    message = str(info.value)
    assert "the sampler broke" in message and "kept in memory: call qbexp.run again" in message
    assert "qbexp status" not in message and "qbexp fetch" not in message
    with pytest.raises(IncompleteRun) as info:
        qbexp.run(exp, backend=flaky(), shots=64, seed=1, out="flaky", progress=False, resamples=39)
    message = str(info.value)
    assert "qbexp fetch" not in message
    assert "call qbexp.run again with the same backend, out='flaky', retry_failed=True" in message
    assert main(["status", "flaky"]) == 0
    shown = capsys.readouterr().out
    assert "qbexp fetch" not in shown and "out='flaky', retry_failed=True" in shown
    flaky.broken = False  # the advice, followed, finishes the run
    result = qbexp.run(exp, backend=flaky(), shots=64, seed=1, out="flaky", progress=False, resamples=39,
                       retry_failed=True)
    assert 0 <= result.to_dict()["estimates"]["energy"]["value"] <= 1


def test_a_backend_job_done_with_a_failed_result_is_recorded_as_failed(tmp_path, monkeypatch):
    """Aer reports DONE for a simulation that failed (the stabilizer method cannot run the
    collision circuits' rotations), with an unsuccessful result: the job is recorded as ERROR
    with Aer's reason and the run ends in one line, as for any failed job (its counts were a
    QiskitError from ``get_counts`` after submission, and the record said no error)."""
    from qiskit_aer import AerSimulator

    monkeypatch.chdir(tmp_path)
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="collision", steps=2)
    with pytest.raises(IncompleteRun) as info:
        qbexp.run(exp, backend=AerSimulator(method="stabilizer"), shots=64, seed=1, out="stab", progress=False,
                  resamples=39)
    message = str(info.value)
    assert "\n" not in message and "failed on aer_simulator_stabilizer" in message and "stabilizer" in message
    records = [json.loads(p.read_text()) for p in (tmp_path / "stab" / "jobs").glob("*.json")]
    assert [r["status"] for r in records] == ["ERROR"] and "stabilizer" in records[0]["error"]
    assert not list((tmp_path / "stab" / "counts").glob("*.json"))
    with pytest.raises(QbexpError, match="stab holds another run: its backend = 'aer_simulator_stabilizer', this command's 'aer_simulator' "):  # another backend is another run
        qbexp.run(exp, backend=AerSimulator(), shots=64, seed=1, out="stab", progress=False, resamples=39)


def test_an_unsearchable_profile_folder_is_said_not_passed_over(tmp_path, monkeypatch):
    """A profile folder that cannot be searched may hold the profile asked for: one line naming the
    folder (and QBEXP_CONFIG_DIR), never the next folder's profile of the same name (the shipped
    aer-noisy ran on FakeFez, not the user's FakePerth, and nothing said so)."""
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "aer-noisy.toml").write_text('kind = "aer-noisy"\ndevice = "FakePerth"\n')
    monkeypatch.setenv("QBEXP_CONFIG_DIR", str(cfg))
    monkeypatch.chdir(tmp_path)
    assert profiles.load_profile("aer-noisy").options["device"] == "FakePerth"
    real = Path.exists

    def exists(self, *args, **kwargs):  # chmod 000 on cfg, which root would not feel
        if self.parent == cfg:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    for name in ("aer-noisy", "mine"):
        with pytest.raises(QbexpError) as info:
            profiles.load_profile(name)
        assert str(info.value) == f"cannot look for backend profile '{name}' in {cfg} (QBEXP_CONFIG_DIR): permission denied"
    with pytest.raises(QbexpError, match="unknown backend 'xxxx"):  # a name too long for a file names no profile
        profiles.load_profile("x" * 300)


def test_fetch_waits_for_a_simulators_resubmitted_jobs(ctx, capsys, monkeypatch):
    """``fetch --retry-failed`` without ``--wait`` on an Aer run: the resubmitted job runs in this
    process and ends with it, so fetch waits for it (it returned "pending", and the job was then
    lost; a slow simulation here makes that certain)."""
    import time

    from qbexp.backends import aer
    from _runfiles import fail_circuit

    fail_circuit(ctx / "run", "tomo_Y")
    real = aer.simulate
    monkeypatch.setattr(aer, "simulate", lambda *args, **kwargs: (time.sleep(1.0), real(*args, **kwargs))[1])
    assert main(["fetch", "run", "--retry-failed", "--quiet"]) == 0, capsys.readouterr()
    assert (ctx / "run" / "counts" / "tomo_Y.json").is_file()


@pytest.mark.parametrize("channel, source, message", [
    ("garbage", "QISKIT_IBM_CHANNEL", "unknown IBM channel 'garbage' (QISKIT_IBM_CHANNEL): the installed"),
    ("local", "the channel of x", "unknown IBM channel 'local' (the channel of x)"),
])
def test_an_unknown_ibm_channel_is_named_as_unknown(channel, source, message):
    """Not "needs a newer IBM client" (the installed client is new enough; the name is wrong)."""
    from qbexp.backends.ibm import check_channel, client_channels

    with pytest.raises(QbexpError) as info:
        check_channel(channel, source)
    assert str(info.value).startswith(message) and ", ".join(client_channels()) in str(info.value)
    check_channel("", source)  # empty: the client's default, as unset
    check_channel(client_channels()[0], source)


def test_blank_or_short_tokens(monkeypatch, tmp_path):
    """A blank QISKIT_IBM_TOKEN is no credential; a short one (no real token) is redacted where it
    stands alone, not inside every word of the message (a token "e" made it unreadable)."""
    from qbexp.backends.ibm import connect, redact

    monkeypatch.setenv("HOME", str(tmp_path))  # no saved account
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "   ")
    with pytest.raises(QbexpError, match=r"no IBM Quantum credentials: .* \(QISKIT_IBM_TOKEN is blank\)$"):
        connect(profiles.load_profile("ibm"))
    monkeypatch.setenv("QISKIT_IBM_TOKEN", "e")
    assert redact("Unable to retrieve: token 'e' is invalid") == "Unable to retrieve: token '[redacted]' is invalid"
    token = "Ab3-" * 11  # a real token's length: redacted wherever it appears
    monkeypatch.setenv("QISKIT_IBM_TOKEN", f" {token}\n")
    assert token not in redact(f"bad token x{token}y and {token[:20]}") and "x[redacted]y" in redact(f"x{token}y")


def test_a_full_disk_names_the_file_being_written(tmp_path, monkeypatch):
    """No space left: the message names the file (it blamed QPY for the circuits, or named no file
    at all), and no partial file is left."""
    import os

    from qiskit import qpy

    from qbexp.files import atomic_write_text

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        atomic_write_text(tmp_path / "a.json", "{}")
    assert info.value.filename == str(tmp_path / "a.json") and info.value.strerror == "No space left on device"
    assert not list(tmp_path.iterdir())
    monkeypatch.undo()
    monkeypatch.setattr(qpy, "dump", full)
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
    with pytest.raises(QbexpError) as info:
        qbexp.run(exp, shots=16, seed=1, out=tmp_path / "r", progress=False, resamples=39)
    assert str(info.value) == f"cannot write {tmp_path / 'r' / 'circuits.qpy'}: No space left on device"
    assert not list((tmp_path / "r").glob("*.tmp"))


def test_an_unknown_matplotlib_backend_is_refused_before_any_work(tmp_path):
    """MPLBACKEND=bogus makes ``import matplotlib`` fail: said in one line before anything is
    written (a sweep's counts were saved, then a traceback instead of sweep.csv)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MPLBACKEND": "bogus"}
    done = subprocess.run([sys.executable, "-m", "qbexp.cli.main", *RC, "--sweep", "beta=1,2", "--out", "sw"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith("qbexp: error: matplotlib cannot start: MPLBACKEND = 'bogus'")
    assert not (tmp_path / "sw").exists()


def _depolarising_simulator(p):
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, depolarizing_error

    model = NoiseModel()
    model.add_all_qubit_quantum_error(depolarizing_error(p, 2), ["cx"])
    return AerSimulator(noise_model=model)


def test_resuming_with_another_backend_object_is_refused(tmp_path):
    """The run recorded only the object's class: resumed with another noise model it returned the
    first one's counts (or, noisy after ideal, attached the new model's device state to the ideal
    counts).  The same model built again resumes; another is refused in one line."""
    from qiskit_aer import AerSimulator

    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging="kraus")
    out = tmp_path / "d"
    first = qbexp.run(exp, backend=_depolarising_simulator(0.01), shots=256, seed=1, out=out, progress=False,
                      resamples=39)
    again = qbexp.run(exp, backend=_depolarising_simulator(0.01), shots=256, seed=1, out=out, progress=False,
                      resamples=39)
    assert again.estimates["ergotropy"] == first.estimates["ergotropy"]
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for other in (_depolarising_simulator(0.3), AerSimulator()):
        with pytest.raises(QbexpError) as info:
            qbexp.run(exp, backend=other, shots=256, seed=1, out=out, progress=False, resamples=39)
        assert "holds a run made with a backend object whose noise_model = " in str(info.value)
        assert "\n" not in str(info.value)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_readout_mitigation_on_a_device_object_reads_the_calibrated_qubits():
    """Transpiled one by one for a device (FakeManilaV2, not Aer), the calibration circuits landed
    on other qubits than the protocol's, and the analysis refused the run after every circuit had
    run.  Every circuit is now placed on one layout."""
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="collision", readout_mitigation=True)
    result = qbexp.run(exp, backend=FakeManilaV2(), shots=512, seed=1, progress=False, resamples=39)
    qubits = result.to_dict()["readout_calibration"]["measured_qubits"]
    calibrated = set(qubits["readout_cal_0"])
    assert qubits["readout_cal_1"] == qubits["readout_cal_0"]
    assert all(set(q) <= calibrated for q in qubits.values())
    est = result.estimates["energy"]
    assert abs(est.value - result.exact["energy"]) <= 4 * est.stderr + 0.05  # the device's own errors besides


def test_experiments_copy_pickle_and_print_on_one_line():
    """copy.copy, deepcopy and pickle called __new__ without parameters (refused: "needs n, beta"),
    so a process pool could not take an experiment; a matrix initial state printed its rows, and
    the command a run records (and errors quoting it) ran over several lines."""
    import copy
    import pickle

    exps = [qbexp.CollectiveCharging(n=1, beta=1.0, init=np.array([[0.5, 0.5], [0.5, 0.5]]), charging="kraus"),
            qbexp.EngineCycles(tau=2.0, cycles=2)]
    for exp in exps:
        for twin in (copy.copy(exp), copy.deepcopy(exp), pickle.loads(pickle.dumps(exp))):
            assert type(twin) is type(exp) and repr(twin) == repr(exp) and twin == exp
            assert twin.exact().ergotropy == pytest.approx(exp.exact().ergotropy, abs=1e-12)
    assert "\n" not in repr(exps[0]) and "init='state:" in repr(exps[0])
    assert repr(exps[1]).startswith("EngineCycles(charging='collision'") and "tau=2.0, cycles=2" in repr(exps[1])


def test_noise_the_device_state_cannot_follow_leaves_the_counts(tmp_path):
    """A quantum error on measurements with the minimal charging's mid-circuit measurements: the
    device state's exact sum cannot follow it, and the error came after every circuit had run (in
    memory: every shot lost).  The run completes without a device column."""
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel, pauli_error

    model = NoiseModel()
    model.add_all_qubit_quantum_error(pauli_error([("X", 0.05), ("I", 0.95)]), ["measure"])
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging="minimal")
    result = qbexp.run(exp, backend=AerSimulator(noise_model=model), shots=256, seed=1, progress=False, resamples=39)
    assert result.device == {} and len(result.counts) == 9
