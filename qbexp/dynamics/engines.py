"""The two engines of exact evolution: qiskit-dynamics and its SciPy twin.

qbexp runs on two stacks (README, "Two installs"): with the ``[dynamics]`` extra,
qiskit-dynamics (which pins Qiskit 1.3) integrates the Lindblad equation; on the plain install
(current Qiskit 2) SciPy does.  Both engines see exactly the same thing — one invariant block
𝓛_b of the vectorised generator at a time (:func:`qbexp.dynamics.liouvillian.supported_blocks`),
the same tolerances and the same ODE method — and differ only in the integrator called:

* ``qiskit-dynamics``: ``qiskit_dynamics.solve_ode`` for ρ(t) and for propagators (the identity
  evolved over τ/2^k, then k exact squarings);
* ``scipy``: ``scipy.integrate.solve_ivp`` for ρ(t), ``scipy.linalg.expm`` of 𝓛_b τ for
  propagators (Padé with scaling and squaring: exact to machine precision, no step control).

``auto`` is qiskit-dynamics whenever it can be imported, else SciPy.  The choice is scoped, not
global: pass ``engine=`` to a function, or wrap a computation in ``with using_engine(name):``;
the engine actually used is reported by :func:`resolve_engine` and recorded in every JSON
output and run manifest.
"""

from __future__ import annotations

import contextvars
import importlib.util
from contextlib import contextmanager

from qbexp.errors import QbexpError

ENGINES = ("qiskit-dynamics", "scipy")
ENGINE_CHOICES = ("auto", *ENGINES)
INSTALL_DYNAMICS = "pip install 'qbexp[dynamics]'"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("qbexp_engine", default="auto")


def dynamics_available() -> bool:
    """Whether qiskit-dynamics can be imported (the ``[dynamics]`` extra is installed)."""
    return importlib.util.find_spec("qiskit_dynamics") is not None


def resolve_engine(engine: str | None = None) -> str:
    """The engine that will run: ``engine``, or the one chosen by :func:`using_engine`, with
    ``auto`` resolved to ``qiskit-dynamics`` when installed and ``scipy`` otherwise."""
    name = _current.get() if engine is None else engine
    if name not in ENGINE_CHOICES:
        raise QbexpError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_CHOICES)}")
    if name == "auto":
        return "qiskit-dynamics" if dynamics_available() else "scipy"
    if name == "qiskit-dynamics" and not dynamics_available():
        raise QbexpError(f"engine qiskit-dynamics is not installed; install it with {INSTALL_DYNAMICS} "
                         "(or use --engine scipy)")
    return name


@contextmanager
def using_engine(engine: str | None):
    """Within the block, exact evolution uses ``engine`` (checked now); ``None`` changes nothing."""
    if engine is None:
        yield resolve_engine()
        return
    name = resolve_engine(engine)
    token = _current.set(name)
    try:
        yield name
    finally:
        _current.reset(token)
