"""qbexp: quantum-battery experiments, from exact Lindblad dynamics to circuits and shots.

Five lines from a notebook::

    import qbexp
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", measure_work=True)
    exp.exact().ergotropy                      # the exact charged state's ergotropy
    res = qbexp.run(exp, shots=4000, seed=1)   # Aer, in memory; backend= a profile, BackendV2 or SamplerV2
    res.estimates["ergotropy"], res.plot()

Conventions used throughout: hbar = k_B = 1; a qubit's |1> is its excited state;
Qiskit's little-endian qubit order (qubit 0 is the rightmost label / least
significant bit); ergotropy is always measured against the battery's own
Hamiltonian, which every model states explicitly as ``model.battery_hamiltonian``.

The package follows the pipeline, each layer importing only the ones before it:
``models`` → ``dynamics`` / ``thermo`` → ``circuits`` → ``backends`` → ``analysis`` →
``experiments`` → ``cli``.  The names below are re-exported here (imported on first use, so
that ``import qbexp`` stays light).
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

_PUBLIC = {
    "CollectiveCharging": "qbexp.experiments.experiment",
    "EngineCycles": "qbexp.experiments.experiment",
    "run": "qbexp.experiments.api",
    "analyze": "qbexp.experiments.api",
    "sweep": "qbexp.experiments.api",
    "RunResult": "qbexp.experiments.results",
    "SweepResult": "qbexp.experiments.results",
    "Estimate": "qbexp.experiments.results",
    "ExactResult": "qbexp.experiments.results",
    "QbexpError": "qbexp.errors",
    "CHARGINGS": "qbexp.circuits.protocols",
    "using_engine": "qbexp.dynamics.engines",
    "collective_battery": "qbexp.models",
    "two_bath_engine": "qbexp.models",
    "initial_state": "qbexp.models",
    "evolve": "qbexp.dynamics",
    "propagator": "qbexp.dynamics",
    "steady_state": "qbexp.dynamics",
    "figures_of_merit": "qbexp.thermo",
    "ergotropy": "qbexp.thermo",
    "energy": "qbexp.thermo",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'qbexp' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_PUBLIC))
