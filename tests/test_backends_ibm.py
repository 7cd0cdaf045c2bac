"""The ``ibm`` executor against a fake service: credentials never leave the environment.

The fake service hands out a fake device (so jobs run in qiskit-ibm-runtime's local testing
mode through the real SamplerV2/Batch path), serves "remote" jobs of earlier processes by id,
and puts the planted tokens into its error messages, as a careless server might.
"""

from __future__ import annotations

import logging

import pytest
from qiskit import QuantumCircuit
from qiskit_ibm_runtime.exceptions import RuntimeJobNotFound
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

from qbexp.backends import ibm
from qbexp.backends.executors import executor_for
from qbexp.backends.profiles import load_profile, validate
from qbexp.backends.store import RunStore
from qbexp.backends.submit import run_durably
from qbexp.cli.main import main
from qbexp.errors import QbexpError

ENV_TOKEN = "PLANTED-env-token-7f3a"
ACCOUNT_TOKEN = "PLANTED-account-token-c41e"
PROFILE = validate("ibm-test", {"kind": "ibm", "device": "ibm_fake", "channel": "ibm_cloud",
                                "max_circuits_per_job": 1, "poll_interval": 0.01}, "ibm-test", None)


class RemoteJob:
    def __init__(self, status: str, message: str = ""):
        self._status, self._message = status, message

    def status(self):
        return self._status

    def error_message(self):
        return self._message


class FakeService:
    def __init__(self):
        self.remote = {}
        self.jobs_calls = 0

    def active_account(self):
        return {"channel": "ibm_cloud", "token": ACCOUNT_TOKEN}

    def backend(self, name):
        if name != "ibm_fake":
            raise RuntimeError(f"backend {name} not found (token {ENV_TOKEN})")
        return FakeManilaV2()

    def job(self, job_id):
        if job_id not in self.remote:
            raise RuntimeJobNotFound(f"Job not found: {job_id}")
        return self.remote[job_id]

    def jobs(self, job_tags, limit):
        self.jobs_calls += 1
        if self.jobs_calls == 1:
            raise RuntimeError(f"401 Client Error: Unauthorized for token {ACCOUNT_TOKEN}")
        return []


def bell() -> dict:
    out = {}
    for name in ("bell", "zero"):
        qc = QuantumCircuit(2, 2)
        if name == "bell":
            qc.h(0)
            qc.cx(0, 1)
        qc.measure([0, 1], [0, 1])
        out[name] = qc
    return out


def test_tokens_never_reach_files_output_or_logs(tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("QISKIT_IBM_TOKEN", ENV_TOKEN)
    service = FakeService()
    monkeypatch.setattr(ibm, "connect", lambda profile: service)
    executor = executor_for(PROFILE, seed=4)
    store = RunStore(tmp_path / "run").open_for(
        {"identity": "t", "backend": executor.describe(), "circuit_names": ["bell", "zero", "old", "lost"]})

    counts = run_durably(store, bell(), executor, 200)
    assert counts["zero"]["00"] > 150 and counts["bell"]["00"] + counts["bell"]["11"] > 150
    assert len(list((store.dir / "jobs").glob("*.json"))) == 2  # max_circuits_per_job = 1

    # an earlier process left a job that failed remotely, and a submission it never confirmed
    service.remote["remote-1"] = RemoteJob("ERROR", f"Error 1234: invalid token {ENV_TOKEN} / {ACCOUNT_TOKEN}")
    store.save_job_record({"tag": "t1", "seq": 3, "job_id": "remote-1", "status": "QUEUED", "names": ["old"],
                           "shots": 200, "backend": "ibm-test", "error": None})
    store.save_job_record({"tag": "t2", "seq": 4, "job_id": None, "status": "SUBMITTING", "names": ["lost"],
                           "shots": 200, "backend": "ibm-test", "error": None})
    assert main(["fetch", str(store.dir)]) == 2  # the service's first answer is an error with a token in it
    err = capsys.readouterr().err
    assert "looking for the job tagged t2 failed: RuntimeError: 401 Client Error: Unauthorized for token [redacted]" in err
    assert main(["fetch", str(store.dir)]) == 1  # incomplete: one circuit failed, one unconfirmed
    assert main(["status", str(store.dir)]) == 0
    out = capsys.readouterr().out
    assert "2 saved, 1 failed, 1 unconfirmed" in out and "Error 1234: invalid token [redacted] / [redacted]" in out

    with pytest.raises(QbexpError, match=r"looking up device 'ibm_other' failed: .*\(token \[redacted\]\)"):
        executor_for(validate("x", {"kind": "ibm", "device": "ibm_other"}, "x", None), service=service).prepare(
            [bell()["zero"]])

    captured = capsys.readouterr()
    texts = [captured.out, captured.err, caplog.text, err, out]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in store.dir.rglob("*") if p.is_file()]
    for token in (ENV_TOKEN, ACCOUNT_TOKEN):
        assert not any(token in text for text in texts)


def test_missing_credentials_is_one_clear_line(tmp_path, monkeypatch):
    """No token and no saved account: one line, and no ~/.qiskit/qiskit-ibm.json left behind (the
    client creates it, holding {}, to look in it); an account file without an account is asked
    (no network: the client finds no account first) and left as it was."""
    for var in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_CHANNEL", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(QbexpError) as info:
        executor_for(PROFILE).prepare([bell()["zero"]])
    assert str(info.value) == ibm.NO_CREDENTIALS
    assert not (tmp_path / ".qiskit").exists()
    (tmp_path / ".qiskit").mkdir()
    (tmp_path / ".qiskit" / "qiskit-ibm.json").write_text('{"other": {"channel": "ibm_quantum"}}')
    with pytest.raises(QbexpError) as info:
        executor_for(PROFILE).prepare([bell()["zero"]])
    assert str(info.value) == ibm.NO_CREDENTIALS
    assert (tmp_path / ".qiskit" / "qiskit-ibm.json").read_text() == '{"other": {"channel": "ibm_quantum"}}'


def _connect_refused(monkeypatch, error: Exception) -> ibm.IBMServiceError:
    """What ``connect`` raises when the client's service refuses with ``error``."""
    def refuse(**kwargs):
        raise error

    monkeypatch.setattr("qiskit_ibm_runtime.QiskitRuntimeService", refuse)
    with pytest.raises(ibm.IBMServiceError) as info:
        ibm.connect(PROFILE)
    return info.value


def test_connection_errors_are_redacted(monkeypatch):
    monkeypatch.setenv("QISKIT_IBM_TOKEN", ENV_TOKEN)
    err = _connect_refused(monkeypatch, ConnectionError(
        f"POST https://auth.example/api/users/loginWithToken {{'apiToken': '{ENV_TOKEN}'}}: 503"))
    assert ENV_TOKEN not in str(err) and "cannot connect to IBM Quantum: ConnectionError" in str(err)
    assert err.__suppress_context__


def test_a_saved_accounts_token_is_redacted_when_connecting_fails(monkeypatch, tmp_path):
    """No token in the environment, one in the saved account file: the client, failing before a
    service exists, quoted it ("valid API key: ..."), and qbexp knew only the environment's."""
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".qiskit").mkdir()
    (tmp_path / ".qiskit" / "qiskit-ibm.json").write_text(
        '{"default-ibm-cloud": {"channel": "ibm_cloud", "token": "%s"}}' % ACCOUNT_TOKEN)
    err = _connect_refused(monkeypatch, ValueError(
        f"Unable to retrieve instances. Check that you are using a valid API key: {ACCOUNT_TOKEN}"))
    assert ACCOUNT_TOKEN not in str(err) and "valid API key: [redacted]" in str(err)


@pytest.mark.parametrize("failure", ["refuse", "fail"])
def test_a_runtime_sampler_objects_errors_are_redacted(tmp_path, monkeypatch, failure):
    """``qbexp.run(backend=<an IBM Runtime sampler>)``: its errors quoting the token of the
    service it holds (through its mode) went unredacted into the job records, ``qbexp status``
    and the IncompleteRun message; the ``ibm`` profile's path had always redacted them."""
    import qbexp
    from qiskit.primitives import BaseSamplerV2
    from qiskit.primitives.base.base_primitive_job import BasePrimitiveJob

    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    class Service:
        def active_account(self):
            return {"channel": "ibm_cloud", "token": ACCOUNT_TOKEN}

    class Batch:
        service = Service()

    class FailedJob(BasePrimitiveJob):
        def __init__(self):
            super().__init__("job-1")

        def result(self):
            raise RuntimeError(f"401 Client Error: Unauthorized for apikey {ACCOUNT_TOKEN}")

        def status(self):
            return "ERROR"

        def done(self):
            return True

        def running(self):
            return False

        def cancelled(self):
            return False

        def in_final_state(self):
            return True

        def cancel(self):
            pass

    class RuntimeLikeSampler(BaseSamplerV2):
        mode = Batch()

        def run(self, pubs, *, shots=None):
            if failure == "refuse":
                raise RuntimeError(f"invalid request for account apikey={ACCOUNT_TOKEN}")
            return FailedJob()

    out = tmp_path / "run"
    exp = qbexp.CollectiveCharging(n=1, beta=1.0, charging="collision")
    with pytest.raises(QbexpError) as info:
        qbexp.run(exp, backend=RuntimeLikeSampler(), shots=10, seed=1, out=out, progress=False)
    assert ACCOUNT_TOKEN not in str(info.value) and "[redacted]" in str(info.value)
    files = [f for f in out.rglob("*") if f.is_file()]
    assert files and not [f for f in files if ACCOUNT_TOKEN.encode() in f.read_bytes()]


def test_redact_and_status_mapping():
    from qiskit.providers import JobStatus

    long_key = "a1B2" * 12
    assert ibm.redact(f"key {long_key} job cw3xy7k2s0g008ab12cd", ["x-secret"]) == "key [redacted] job cw3xy7k2s0g008ab12cd"
    assert ibm.redact("has x-secret inside", ["x-secret"]) == "has [redacted] inside"
    statuses = [ibm.job_status(RemoteJob(s)) for s in ("INITIALIZING", "QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED")]
    assert statuses == ["QUEUED", "QUEUED", "RUNNING", "DONE", "ERROR", "CANCELLED"]
    assert ibm.job_status(RemoteJob(JobStatus.VALIDATING)) == "QUEUED"


def test_unknown_remote_job_is_failed_not_fatal():
    executor = executor_for(PROFILE, service=FakeService())
    assert executor.poll("gone-1") == "ERROR"
    assert executor.error("gone-1") == "IBM Quantum has no job gone-1"
    assert executor.fetch("gone-1", ["a"]) == {}


class NoiselessService(FakeService):
    """A service whose device is Manila's coupling map and gates without noise (Aer, local mode)."""

    def backend(self, name):
        from qiskit_aer import AerSimulator

        simulator = AerSimulator.from_backend(FakeManilaV2())
        simulator.set_options(noise_model=None)
        return simulator


@pytest.mark.parametrize("charging, sampler", [
    ("minimal", ""),  # dynamic circuits: no dynamical decoupling, no twirling
    ("collision", '[sampler]\ntwirling = { enable_gates = false, enable_measure = true }\n'
                  'dynamical_decoupling = { enable = true, sequence_type = "XpXm" }\n'),
])
def test_protocol_runs_through_the_clients_sampler(charging, sampler, tmp_path, monkeypatch):
    """The ``ibm`` path end to end (transpiled for the device, sent in a Batch through the sampler
    of the installed client: the client-side ``executor_sampler.Sampler`` from qiskit-ibm-runtime
    0.50, never the deprecated SamplerV2 there) on a noiseless device: the estimates agree with
    the exact charged state (seeded runs of the local sampler are not reproducible: 4 stderr)."""
    import warnings

    import qbexp

    monkeypatch.setenv("QISKIT_IBM_TOKEN", ENV_TOKEN)
    monkeypatch.setattr(ibm, "connect", lambda profile: NoiselessService())
    profile = tmp_path / "device.toml"
    profile.write_text('kind = "ibm"\ndevice = "ibm_fake"\nchannel = "ibm_cloud"\npoll_interval = 0.01\n' + sampler)
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging=charging, measure_work=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*SamplerV2 class is deprecated")
        result = qbexp.run(exp, backend=str(profile), shots=4000, seed=2, progress=False)
    for name in ("ergotropy", "energy", "coherence_l1", "work_extracted"):
        estimate = result.estimates[name]
        assert abs(estimate.value - result.exact[name]) < 4 * estimate.stderr, (name, estimate, result.exact[name])
    assert result.estimates["ergotropy"].stderr < 0.02


def test_twirling_dynamic_circuits_is_refused_where_the_sampler_cannot(monkeypatch):
    """Measurement twirling of the minimal charging's circuits: the client-side sampler cannot
    (its transpiler: "'if_else' is not supported"), so it is one line before transpiling; the
    legacy SamplerV2 (older clients) takes it."""
    import qbexp

    monkeypatch.setenv("QISKIT_IBM_TOKEN", ENV_TOKEN)
    profile = validate("twirled", {"kind": "ibm", "device": "ibm_fake", "channel": "ibm_cloud",
                                   "sampler": {"twirling": {"enable_measure": True}}}, "twirled", None)
    circuits = list(qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", charging="minimal").circuits())[:2]
    executor = executor_for(profile, service=FakeService())
    if ibm.client_side_sampler():
        with pytest.raises(QbexpError, match=r"^backend 'twirled': circuit 'tomo_XX' is dynamic .* cannot run with "
                                             r"twirling.enable_measure = true; set it to false"):
            executor.prepare(circuits)
    else:
        assert len(executor.prepare(circuits)) == 2
    # the shipped profile (dynamical decoupling and measurement twirling on) names what to turn off
    shipped = executor_for(load_profile("ibm"), service=FakeService())
    refused = "dynamical_decoupling.enable and twirling.enable_measure" if ibm.client_side_sampler() else \
        "dynamical_decoupling.enable ="
    with pytest.raises(QbexpError, match=f"^backend 'ibm': circuit 'tomo_XX' is dynamic .* cannot run with {refused}"):
        shipped.prepare(circuits)
