"""One entry point from "a backend" — a profile name, a ``.toml`` path, a :class:`Profile`, a
Qiskit ``BackendV2`` or a ``BaseSamplerV2`` — to the executor that runs circuits on it."""

from __future__ import annotations

from qbexp.backends.executors import Executor, executor_for
from qbexp.backends.objects import executor_for_object
from qbexp.backends.profiles import Profile, load_profile


def resolve_executor(backend="aer", seed: int | None = None) -> Executor:
    """The executor of ``backend`` (see the module docstring), seeded with ``seed``."""
    if isinstance(backend, Profile):
        return executor_for(backend, seed=seed)
    if isinstance(backend, str) or hasattr(backend, "__fspath__"):
        return executor_for(load_profile(str(backend)), seed=seed)
    return executor_for_object(backend, seed=seed)
