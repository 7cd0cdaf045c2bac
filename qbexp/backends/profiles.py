"""Backend profiles: TOML files that say where circuits run, chosen with ``--backend NAME``.

A profile is a path to a ``.toml`` file, or a name ``NAME`` looked up as ``NAME.toml`` in, in
order: ``./backends`` (a project folder), the user config folder (``$QBEXP_CONFIG_DIR``, else
``$XDG_CONFIG_HOME/qbexp/backends``, else ``~/.config/qbexp/backends``) and the profiles shipped
with qbexp (the repository's ``backends/``, installed in the wheel as the package data
``qbexp.profiles``).  Its ``kind`` selects the executor; every other field is checked against
the fields that kind accepts::

    kind = "aer-noisy"          # aer | aer-noisy | ibm
    device = "FakeFez"          # a fake device from qiskit_ibm_runtime.fake_provider

The name ``aer`` always works, with or without a file: the ideal Aer simulator.
Credentials never go into a profile (see :mod:`qbexp.backends.ibm`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as the tomli package
    import tomli as tomllib

import qbexp
from qbexp.errors import QbexpError, shown
from qbexp.files import check_path

KINDS = ("aer", "aer-noisy", "ibm")
#: Aer methods that run qbexp's circuits (Kraus channels, arbitrary rotations): not the stabilizer ones
AER_METHODS = ("automatic", "statevector", "density_matrix", "matrix_product_state")
#: IBM Quantum Platform channels (instance = the CRN); ``ibm_cloud`` is the client's older name for it.
IBM_CHANNELS = ("ibm_quantum_platform", "ibm_cloud")
#: Dask address schemes that reach a scheduler in another process (not ``inproc``, nor ``ucx``: an extra package)
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss")
SAMPLER_OPTIONS = ("dynamical_decoupling", "twirling", "execution", "max_execution_time")
#: seconds between status checks of IBM jobs, at most (``poll_interval``)
MAX_POLL_INTERVAL = 86_400
SECRET_FIELDS = ("token", "api_key", "apikey", "password", "secret")
#: an IBM Cloud resource name, the ``instance`` of the IBM Quantum Platform
CRN_FORMAT = "crn:v1:CNAME:CTYPE:SERVICE-NAME:LOCATION:SCOPE:SERVICE-INSTANCE:RESOURCE-TYPE:RESOURCE"

_COMMON = {"kind": "aer | aer-noisy | ibm", "description": "text", "max_circuits_per_job": "integer >= 1"}
FIELDS = {
    "aer": {**_COMMON, "method": " | ".join(AER_METHODS), "scheduler": "Dask scheduler address, e.g. tcp://host:8786",
            "chunk_size": "circuits per Dask task, integer >= 1"},
    "aer-noisy": {**_COMMON, "device": "fake device class name, e.g. FakeFez",
                  "optimization_level": "0..3", "initial_layout": "list of physical qubits"},
    "ibm": {**_COMMON, "device": "IBM backend name, e.g. ibm_fez", "channel": " | ".join(IBM_CHANNELS),
            "instance": "the instance's CRN", "optimization_level": "0..3",
            "initial_layout": "list of physical qubits", "poll_interval": "seconds, > 0 and at most a day",
            "sampler": "table of sampler options: " + ", ".join(SAMPLER_OPTIONS)},
}
REQUIRED = {"aer": (), "aer-noisy": ("device",), "ibm": ("device",)}
#: Fields that say how jobs are sent, not what they compute: a run may resume with them changed.
TRANSPORT_FIELDS = ("description", "max_circuits_per_job", "scheduler", "chunk_size", "poll_interval")


def result_settings(recorded) -> dict | None:
    """What of a profile recorded with :meth:`Profile.to_dict` shapes a run's counts: its kind and
    every option but :data:`TRANSPORT_FIELDS`; None for a profile recorded by name only."""
    if not isinstance(recorded, dict) or not isinstance(recorded.get("options"), dict):
        return None
    return {"kind": recorded.get("kind"),
            **{k: v for k, v in recorded["options"].items() if k not in TRANSPORT_FIELDS}}


@dataclass(frozen=True)
class Profile:
    """A validated backend profile: ``options`` holds every field of the file but ``kind``."""

    name: str
    kind: str
    options: dict = field(default_factory=dict)
    source: str | None = None  # absolute path of the TOML file; None for the embedded ``aer``

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "options": dict(self.options), "source": self.source}

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        """Rebuild (and re-validate) a profile recorded with :meth:`to_dict`."""
        if not isinstance(data, dict) or not {"name", "kind", "options"} <= set(data):
            raise QbexpError(f"recorded backend profile {shown(data)} is not a dict with name, kind and options")
        problem = profile_record_problem(data)
        if problem:
            raise QbexpError(f"recorded backend profile is corrupt: {problem}")
        where = data.get("source") or data["name"]
        return validate(data["name"], {"kind": data["kind"], **data["options"]}, where, data.get("source"))


def profile_record_problem(data: dict) -> str | None:
    """What is wrong with the fields of a recorded profile (:meth:`Profile.to_dict`), or None: the
    one check of a manifest's ``backend`` (:mod:`qbexp.backends.records`) before anything is submitted."""
    checks = (("name", lambda v: isinstance(v, str) and v != "", "a non-empty string"),
              ("kind", lambda v: isinstance(v, str), "a string"),
              ("options", lambda v: isinstance(v, dict), "an object"),
              ("source", lambda v: v is None or isinstance(v, str), "a path or null"))
    for key, ok, should in checks:
        if key not in data and key == "source":
            continue
        if key not in data or not ok(data[key]):
            return f"{key} = {shown(data.get(key))}; expected {should}"
    return None


def user_dir() -> Path | None:
    """The user config folder of profiles (module docstring); None where there is no home folder
    (HOME unset and a user id without a passwd entry, as in ``docker run --user 12345``): then
    only the project's and the shipped profiles are found."""
    if os.environ.get("QBEXP_CONFIG_DIR"):
        return Path(os.environ["QBEXP_CONFIG_DIR"])
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base:
        try:
            base = Path.home() / ".config"
        except (RuntimeError, KeyError):  # "Could not determine home directory" (KeyError: pwd, old Pythons)
            return None
    return Path(base) / "qbexp" / "backends"


def shipped_dir() -> Path:
    """The profiles that come with qbexp: package data ``qbexp.profiles`` in an installed
    wheel, the repository's ``backends/`` in a checkout (an editable install)."""
    from importlib import resources

    try:
        root = resources.files("qbexp.profiles")  # a namespace package: a MultiplexedPath, not a Path
        for entry in root.iterdir():
            if entry.name.endswith(".toml"):
                return Path(str(entry)).parent
    except ModuleNotFoundError:
        pass
    return Path(qbexp.__file__).resolve().parents[1] / "backends"


def search_dirs() -> list[Path]:
    """Folders searched for ``NAME.toml``, in order."""
    return [folder for folder in (Path.cwd() / "backends", user_dir(), shipped_dir()) if folder is not None]


def available() -> list[str]:
    """Names of all profiles that :func:`load_profile` finds by name."""
    names = {"aer"}
    for folder in search_dirs():
        if folder.is_dir():
            names.update(p.stem for p in folder.glob("*.toml"))
    return sorted(names)


def load_profile(name_or_path: str) -> Profile:
    """The profile ``name_or_path``: a path to a ``.toml`` file, or a profile name."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        path = check_path(text, "backend", "profile file")
        _check_profile_file(path, text)
        return _load_file(path.stem, path)
    if "\0" not in text:  # a NUL byte or a name too long for a file name cannot name a profile
        for folder in search_dirs():
            path = folder / f"{text}.toml"
            try:
                found = path.exists() or path.is_symlink()
            except OSError as err:
                if len(f"{text}.toml".encode(errors="replace")) > 255:  # a name too long for a file name
                    found = False
                else:  # a folder that cannot be searched may hold the profile: no fall back to the next one
                    why = "permission denied" if isinstance(err, PermissionError) else (err.strerror or str(err))
                    named = " (QBEXP_CONFIG_DIR)" if os.environ.get("QBEXP_CONFIG_DIR") and folder == user_dir() else ""
                    where = str(folder) if len(str(folder)) <= 120 else str(folder)[:120] + "…"
                    raise QbexpError(f"cannot look for backend profile {text!r} in {where}{named}: {why}") from None
            if found:  # a folder or a dangling link there is an error, never a fall back to the next folder
                _check_profile_file(path, str(path))
                return _load_file(text, path)
    if text == "aer":
        return Profile("aer", "aer", {}, None)
    shown = repr(text) if len(text) <= 80 else repr(text[:80]) + "…"
    raise QbexpError(f"unknown backend {shown}; available: {', '.join(available())} (or a path to a .toml file)")


def _check_profile_file(path: Path, text: str) -> None:
    """``path`` (shown as ``text``) is a regular file, or a link to one."""
    if path.is_symlink() and not path.exists():
        raise QbexpError(f"backend profile file {text} is a symbolic link to nothing (dangling or a loop)")
    if not path.exists():
        raise QbexpError(f"backend profile file {text} does not exist")
    if path.is_dir():
        raise QbexpError(f"backend profile file {text} is a folder, not a .toml file")
    if not path.is_file():
        raise QbexpError(f"backend profile file {text} is not a regular file (a device, pipe or socket)")


def _load_file(name: str, path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise QbexpError(f"backend profile {path} is not valid TOML ({err})") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise QbexpError(f"backend profile {path} is not valid TOML (nested too deep)") from None
    except OSError as err:
        raise QbexpError(f"backend profile {path} cannot be read ({err.strerror or err})") from None
    return validate(name, data, str(path), str(path.resolve()))


def validate(name: str, data: dict, where: str, source: str | None) -> Profile:
    """Check the fields of one profile; the error names the file and what is valid."""
    secrets = sorted(k for k in _all_keys(data) if k.lower() in SECRET_FIELDS)
    if secrets:
        raise QbexpError(f"{where}: field {secrets[0]!r} is not allowed: credentials never go into a profile; "
                         "set QISKIT_IBM_TOKEN or save an account with QiskitRuntimeService.save_account(...)")
    kind = data.get("kind")
    if kind not in KINDS:
        raise QbexpError(f"{where}: kind = {kind!r}; valid kinds: {', '.join(KINDS)}")
    unknown = sorted(set(data) - set(FIELDS[kind]))
    if unknown:
        valid = "; ".join(f"{k} ({v})" for k, v in FIELDS[kind].items())
        raise QbexpError(f"{where}: unknown field {unknown[0]!r} for kind {kind}; valid fields: {valid}")
    missing = [k for k in REQUIRED[kind] if k not in data]
    if missing:
        raise QbexpError(f"{where}: kind {kind} needs field {missing[0]!r} ({FIELDS[kind][missing[0]]})")
    for key, value in data.items():
        _check_field(where, kind, key, value)
    options = {k: v for k, v in data.items() if k != "kind"}
    return Profile(name, kind, options, source)


def _check_field(where: str, kind: str, key: str, value) -> None:
    def bad(what: str):
        return QbexpError(f"{where}: {key} = {value!r}; it must be {what}")

    if key in ("max_circuits_per_job", "chunk_size") and not (_is_int(value) and value >= 1):
        raise bad("an integer >= 1")
    if key == "optimization_level" and not (_is_int(value) and 0 <= value <= 3):
        raise bad("an integer 0..3")
    if key == "poll_interval" and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                       and 0 < value <= MAX_POLL_INTERVAL):
        raise bad(f"a number of seconds > 0, at most {MAX_POLL_INTERVAL:,} (a day)")
    if key in ("description", "device", "instance") and not (isinstance(value, str) and value):
        raise bad("a non-empty string")
    if key == "instance":
        check_crn(value, f"{where}: instance =")
    if key == "method" and value not in AER_METHODS:
        raise bad("one of " + ", ".join(AER_METHODS) + " (the stabilizer methods cannot run Kraus channels "
                  "or the circuits' rotations)")
    if key == "channel" and value not in IBM_CHANNELS:
        raise bad("one of " + ", ".join(IBM_CHANNELS))
    if key == "scheduler" and not _is_scheduler_address(value):
        raise bad(f"a Dask scheduler address SCHEME://HOST:PORT (SCHEME {', '.join(SCHEDULER_SCHEMES)}), "
                  "such as tcp://127.0.0.1:8786")
    if key == "initial_layout" and not (
        isinstance(value, list) and value and all(_is_int(q) and q >= 0 for q in value) and len(set(value)) == len(value)
    ):
        raise bad("a list of distinct physical qubit indices")
    if key == "device" and kind == "aer-noisy" and value not in fake_devices():
        raise bad("a fake device of qiskit_ibm_runtime.fake_provider: " + ", ".join(fake_devices()))
    if key == "sampler":
        _check_sampler(where, value)


def _check_sampler(where: str, table) -> None:
    if not isinstance(table, dict):
        raise QbexpError(f"{where}: sampler must be a table of sampler options ({', '.join(SAMPLER_OPTIONS)})")
    unknown = sorted(set(table) - set(SAMPLER_OPTIONS))
    if unknown:
        raise QbexpError(f"{where}: unknown sampler option {unknown[0]!r}; valid: {', '.join(SAMPLER_OPTIONS)}")
    limit = table.get("max_execution_time")
    if limit is not None and not (_is_int(limit) and limit >= 1):  # SamplerOptions takes any integer
        raise QbexpError(f"{where}: sampler option max_execution_time = {limit!r}; it must be an integer "
                         "number of seconds >= 1")
    from pydantic import ValidationError

    from qbexp.backends.ibm import runtime_sampler

    SamplerOptions = runtime_sampler()[1]
    try:
        SamplerOptions(**table)
    except ValidationError as err:
        # pydantic reports each union branch; the non-isinstance one says what is valid
        errors = [e for e in err.errors() if e["type"] != "is_instance_of"] or err.errors()
        loc = ".".join(p for p in errors[0]["loc"] if isinstance(p, str) and p.isidentifier()
                       and not p[0].isupper() and p not in ("int", "float", "str", "bool", "dict", "list"))
        raise QbexpError(f"{where}: sampler option {loc}: {errors[0]['msg']}") from None


def check_crn(instance: str, name: str) -> None:
    """An instance given as a CRN (``crn:...``; else an instance name) has at least the CRN's
    fields up to the scope: the IBM client reads the location from the sixth, and without it
    fails with an AttributeError."""
    fields = instance.split(":")
    if instance.startswith("crn:") and (len(fields) < 7 or not fields[5]):
        raise QbexpError(f"{name} {instance!r} is not a valid CRN; expected {CRN_FORMAT}")


def fake_devices() -> list[str]:
    """Class names of the fake IBM devices (BackendV2) shipped with qiskit-ibm-runtime."""
    from qiskit_ibm_runtime import fake_provider
    from qiskit_ibm_runtime.fake_provider.fake_backend import FakeBackendV2

    return sorted(
        name for name in dir(fake_provider)
        if isinstance(getattr(fake_provider, name), type)
        and issubclass(getattr(fake_provider, name), FakeBackendV2)
        and getattr(fake_provider, name) is not FakeBackendV2
    )


def _is_scheduler_address(value) -> bool:
    """``value`` is ``SCHEME://HOST:PORT`` of a scheduler another process can reach: Dask raises a
    ValueError for an unknown scheme, a port that is not a number or missing, and ``inproc://``
    (a scheduler inside one process)."""
    from urllib.parse import urlsplit

    if not isinstance(value, str):
        return False
    try:
        address = urlsplit(value)
        port = address.port  # a ValueError when not a number or out of range
    except ValueError:
        return False
    return (address.scheme in SCHEDULER_SCHEMES and bool(address.hostname) and port is not None and port > 0
            and f"{address.scheme}://{address.netloc}" == value and "@" not in address.netloc)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _all_keys(data):
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from _all_keys(value)
