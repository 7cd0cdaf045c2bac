"""Backend profiles: lookup order, the embedded default, and one-line errors that say what is valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbexp.backends import profiles
from qbexp.backends.aer import AerExecutor
from qbexp.backends.executors import executor_for, executor_from_manifest
from qbexp.backends.ibm import RuntimeExecutor, client_channels
from qbexp.backends.profiles import Profile, load_profile, validate
from qbexp.errors import QbexpError


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text)
    return path


def test_shipped_profiles_load_and_pick_their_executor():
    aer, noisy, ibm = (load_profile(n) for n in ("aer", "aer-noisy", "ibm"))
    assert (aer.kind, noisy.kind, ibm.kind) == ("aer", "aer-noisy", "ibm")
    assert noisy.options["device"] in profiles.fake_devices()
    assert ibm.options["device"].startswith("ibm_") and ibm.options["channel"] in profiles.IBM_CHANNELS
    assert ibm.source.endswith("ibm.toml") and Path(ibm.source).parent in [d.resolve() for d in profiles.search_dirs()]
    assert isinstance(executor_for(aer), AerExecutor)
    assert isinstance(executor_for(noisy, seed=1), RuntimeExecutor)
    if "ibm_quantum_platform" in client_channels():
        assert isinstance(executor_for(ibm), RuntimeExecutor)  # connects only when first used
    else:  # the [dynamics] stack's client predates the IBM Quantum Platform
        with pytest.raises(QbexpError, match=r"qiskit-ibm-runtime 0\.\d+\.\d+ knows only .*pip install qbexp"):
            executor_for(ibm)


def test_a_channel_the_client_does_not_know_is_one_line_naming_the_fix(monkeypatch):
    from qbexp.backends import ibm

    monkeypatch.setattr(ibm, "client_channels", lambda: ("ibm_cloud", "ibm_quantum"))
    profile = load_profile("ibm")
    with pytest.raises(QbexpError) as info:
        executor_for(profile)
    message = str(info.value)
    assert "\n" not in message and "'ibm_quantum_platform' needs a newer IBM client" in message
    assert "qiskit-ibm-runtime >= 0.45" in message and "without the [dynamics] extra" in message
    ibm.check_channel("ibm_cloud")  # known: no error
    monkeypatch.setenv("QISKIT_IBM_CHANNEL", "ibm_quantum_platform")
    with pytest.raises(QbexpError, match="needs a newer IBM client"):
        executor_for(validate("x", {"kind": "ibm", "device": "ibm_fez"}, "x", None))


def test_user_config_folder_then_shipped_profiles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QBEXP_CONFIG_DIR", str(tmp_path / "config"))
    write(tmp_path / "config", "mydevice", 'kind = "aer-noisy"\ndevice = "FakeTorino"\n')
    assert load_profile("mydevice").options["device"] == "FakeTorino"
    assert "mydevice" in profiles.available()
    write(tmp_path / "backends", "mydevice", 'kind = "aer-noisy"\ndevice = "FakeMarrakesh"\n')
    assert load_profile("mydevice").options["device"] == "FakeMarrakesh"  # ./backends first
    shipped = profiles.shipped_dir()
    assert {p.stem for p in shipped.glob("*.toml")} == {"aer", "aer-noisy", "ibm"}
    assert load_profile("ibm").source == str((shipped / "ibm.toml").resolve())
    monkeypatch.delenv("QBEXP_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert profiles.user_dir() == tmp_path / "xdg" / "qbexp" / "backends"


def test_aer_works_without_any_file(tmp_path, monkeypatch):
    monkeypatch.setattr(profiles, "search_dirs", lambda: [tmp_path / "none"])
    assert load_profile("aer") == Profile("aer", "aer", {}, None)
    with pytest.raises(QbexpError, match=r"unknown backend 'aer-noisy'; available: aer \(or a path"):
        load_profile("aer-noisy")


def test_cwd_backends_folder_first_then_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "backends", "aer", 'kind = "aer"\nmethod = "density_matrix"\n')
    assert load_profile("aer").options == {"method": "density_matrix"}
    path = write(tmp_path / "elsewhere", "mine", 'kind = "aer-noisy"\ndevice = "FakeManilaV2"\n')
    profile = load_profile(str(path))
    assert (profile.name, profile.kind, profile.source) == ("mine", "aer-noisy", str(path.resolve()))
    assert "mine" not in profiles.available() and {"aer", "aer-noisy", "ibm"} <= set(profiles.available())
    with pytest.raises(QbexpError, match="profile file nope.toml does not exist"):
        load_profile("nope.toml")


@pytest.mark.parametrize("text, message", [
    ('kind = "braket"', r"kind = 'braket'; valid kinds: aer, aer-noisy, ibm"),
    ('kind = "aer-noisy"', r"kind aer-noisy needs field 'device' \(fake device class name"),
    ('kind = "ibm"\nchannel = "ibm_quantum"', r"kind ibm needs field 'device'"),
    ('kind = "aer-noisy"\ndevice = "FakeNowhere"', r"device = 'FakeNowhere'; it must be a fake device .*FakePerth"),
    ('kind = "aer"\ndevice = "FakePerth"', r"unknown field 'device' for kind aer; valid fields: kind .*scheduler"),
    ('kind = "ibm"\ndevice = "ibm_x"\nchannel = "ibm_quantum"', r"it must be one of ibm_quantum_platform, ibm_cloud"),
    ('kind = "ibm"\ndevice = "ibm_x"\noptimization_level = 4', r"optimization_level = 4; it must be an integer 0..3"),
    ('kind = "aer-noisy"\ndevice = "FakePerth"\ninitial_layout = [0, 0]', r"distinct physical qubit"),
    ('kind = "aer"\nscheduler = "localhost"', r"Dask scheduler address"),
    ('kind = "ibm"\ndevice = "ibm_x"\n[sampler]\ndynamical_decoupling = { sequence_type = "XZ" }',
     r"sampler option dynamical_decoupling.sequence_type: Input should be 'XX', 'XpXm' or 'XY4'"),
    ('kind = "ibm"\ndevice = "ibm_x"\n[sampler]\nresilience_level = 1', r"unknown sampler option 'resilience_level'"),
    ('kind = "ibm"\ndevice = "ibm_x"\ntoken = "abc123secret"', r"field 'token' is not allowed: credentials never"),
    ('kind = "aer"\nkind = "aer"', r"is not valid TOML"),
])
def test_invalid_profiles_are_one_line_errors(tmp_path, text, message):
    path = write(tmp_path, "bad", text)
    with pytest.raises(QbexpError, match=message) as info:
        load_profile(str(path))
    assert "\n" not in str(info.value) and "abc123secret" not in str(info.value)


def test_profile_round_trips_through_a_manifest(tmp_path):
    profile = load_profile("aer-noisy")
    executor = executor_for(profile, seed=7)
    described = executor.describe()
    assert described == {**profile.to_dict(), "seed": 7}
    again = executor_from_manifest({"backend": described})
    assert (again.profile, again.seed) == (profile, 7)
    by_name = executor_from_manifest({"backend": "aer", "seed": 3})
    assert (by_name.profile.kind, by_name.seed) == ("aer", 3)
    with pytest.raises(QbexpError, match="records no backend"):
        executor_from_manifest({})
    with pytest.raises(QbexpError, match="kind = 'qpu'; valid kinds"):
        executor_from_manifest({"backend": {**described, "kind": "qpu"}})
    with pytest.raises(QbexpError, match="seed = -1"):
        executor_for(profile, seed=-1)
