"""Typed results: exact figures of merit, estimates with intervals, runs and sweeps.

``RunResult.to_dict()`` is the ``results.json`` schema of a run directory, and
``RunResult.from_dict`` reads it back, so the Python API and the command line share one format.
Figures are ``matplotlib.figure.Figure`` objects built without pyplot: the library never
changes matplotlib's backend or any other global state.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from qbexp.errors import QbexpError, shown
from qbexp.models.matrices import STATE_ATOL, validate_density_matrix

#: Figures of merit of a state (qbexp.thermo.figures_of_merit); the last three for two qubits.
FIGURES = ("energy", "ergotropy", "passive_energy", "coherence_l1", "coherence_rel_entropy", "purity",
           "von_neumann_entropy", "concurrence", "mutual_information", "discord")


@dataclass(frozen=True)
class ExactResult:
    """The exact charged state (a ``DensityMatrix``) and its figures of merit w.r.t. the battery
    Hamiltonian: ``.energy``, ``.ergotropy``, ``.passive_energy``, ``.coherence_l1``,
    ``.coherence_rel_entropy``, ``.purity``, ``.von_neumann_entropy`` and, for two qubits,
    ``.concurrence``, ``.mutual_information``, ``.discord`` (None otherwise)."""

    state: object
    energy: float
    ergotropy: float
    passive_energy: float
    coherence_l1: float
    coherence_rel_entropy: float
    purity: float
    von_neumann_entropy: float
    concurrence: float | None = None
    mutual_information: float | None = None
    discord: float | None = None
    engine: str = ""

    @classmethod
    def of(cls, rho, battery, engine: str = "") -> "ExactResult":
        from qiskit.quantum_info import DensityMatrix

        from qbexp.thermo import figures_of_merit

        rho = validate_density_matrix(rho, atol=STATE_ATOL, name="the exact state")  # no text, no non-state
        return cls(state=DensityMatrix(rho), engine=engine, **figures_of_merit(rho, battery))

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in FIGURES if getattr(self, name) is not None}


@dataclass(frozen=True)
class Estimate:
    """An estimate from shots: ``value``, standard error ``stderr`` and 95 % interval ``ci95``.

    Where the analysis declines to give an interval (nonlinear figures at N >= 5,
    :mod:`qbexp.analysis.intervals`), results.json has ``"ci95": null`` and a ``"note"``;
    here ``ci95`` is then ``(nan, nan)``, ``note`` says why and :meth:`contains` is False.
    """

    value: float
    stderr: float
    ci95: tuple[float, float]
    note: str | None = None

    @classmethod
    def from_dict(cls, data: dict, name: str = "estimate") -> "Estimate":
        """An estimate of results.json (``name``: its figure, for the error of a corrupt one): a
        finite value, a finite stderr >= 0, ci95 null or [lo, hi] with finite lo <= hi, a text note."""
        must = ("expected an object with a numeric value and stderr, and ci95 a pair of numbers or null; "
                "value and stderr finite, stderr >= 0, ci95 finite with lo <= hi")
        try:
            lo, hi = (np.nan, np.nan) if data.get("ci95") is None else data["ci95"]
            est = cls(_real(data["value"]), _real(data["stderr"]), (_real(lo), _real(hi)), data.get("note"))
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError):  # OverflowError: 10**400
            raise QbexpError(f"{name} = {_short(data)}: {must}") from None
        interval_ok = data.get("ci95") is None or (est.has_interval and est.ci95[0] <= est.ci95[1])
        if not (np.isfinite(est.value) and np.isfinite(est.stderr) and est.stderr >= 0 and interval_ok):
            raise QbexpError(f"{name} = {_short(data)}: {must}")
        if not isinstance(est.note, (str, type(None))):
            raise QbexpError(f"{name} = {_short(data)}: its note must be a text")
        return est

    @property
    def has_interval(self) -> bool:
        return bool(np.all(np.isfinite(self.ci95)))

    def to_dict(self) -> dict:
        out = {"value": self.value, "stderr": self.stderr, "ci95": list(self.ci95) if self.has_interval else None}
        if self.note is not None:
            out["note"] = self.note
        return out

    def contains(self, x: float) -> bool:
        return self.has_interval and self.ci95[0] <= x <= self.ci95[1]


@dataclass
class RunResult:
    """What a run measured, next to the exact values.

    Attributes:
        estimates: figure name -> :class:`Estimate` (ergotropy, energy, coherence_l1,
            coherence_rel_entropy, fidelity to the exact state; work_extracted with
            ``measure_work``).
        exact: figure name -> exact value of the same figure (the Lindblad state).
        device: figure name -> value of the state the noisy simulator prepares (empty on
            ideal simulators and hardware).
        counts: circuit name -> counts.
        state: the fitted state (``DensityMatrix``).
        data: the whole ``results.json`` object (``to_dict()``).
        path: the run directory, or None for a run held in memory.
    """

    estimates: dict
    exact: dict
    device: dict
    counts: dict
    state: object
    data: dict
    path: object = None

    @classmethod
    def from_dict(cls, data: dict, counts: dict | None = None, state=None, path=None) -> "RunResult":
        from qiskit.quantum_info import DensityMatrix

        if not isinstance(data, dict):
            raise QbexpError(f"results = {_short(data)}: expected the results.json object (a dict)")
        for key in ("estimates", "exact", "device"):
            if not isinstance(data.get(key, None if key != "device" else {}), dict):
                raise QbexpError(f"results[{key!r}] = {_short(data.get(key))}: expected an object of figure name -> "
                                 + ("estimate" if key == "estimates" else "value"))
        estimates = {name: Estimate.from_dict(e, f"estimates[{name!r}]") for name, e in data["estimates"].items()}
        for key in ("exact", "device"):  # figure name -> a finite number
            for name, value in data.get(key, {}).items():
                try:
                    finite = np.isfinite(_real(value))
                except (TypeError, ValueError, OverflowError):
                    finite = False
                if not finite:
                    raise QbexpError(f"results[{key!r}][{name!r}] = {_short(value)}: expected a finite number")
        if counts is not None and not isinstance(counts, Mapping):
            raise QbexpError(f"counts = {_short(counts)}: expected a mapping of circuit name -> counts")
        if state is None and "state" in data:
            state = DensityMatrix(validate_density_matrix(_complex(data["state"]), atol=STATE_ATOL,
                                                          name="results['state']"))
        data = copy.deepcopy(data)  # its own: a change to the caller's dict would make it contradict itself
        return cls(estimates, dict(data["exact"]), dict(data.get("device", {})), dict(counts or {}), state, data, path)

    def to_dict(self) -> dict:
        """The ``results.json`` schema (a copy: changing it changes nothing of the result)."""
        return copy.deepcopy(self.data)

    def plot(self, title: str | None = None):
        """Each estimate with its 95 % interval next to the exact (and device) value; a Figure."""
        from qbexp.experiments.report import estimates_figure

        return estimates_figure(self.data, title=self.title() if title is None else title)

    def title(self) -> str:
        d = self.data
        return f"{d.get('kind', '?')} battery, {d.get('shots', '?')} shots/setting{mitigation_label(d)}"

    def __repr__(self) -> str:
        rows = ", ".join(f"{n}={e.value:.4g}±{e.stderr:.2g} (exact {self.exact.get(n, float('nan')):.4g})"
                         for n, e in self.estimates.items())
        return f"RunResult({rows})"


@dataclass
class SweepResult:
    """A sweep: one :class:`RunResult` per value of ``parameter``."""

    parameter: str
    values: list
    results: list
    path: object = None
    files: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Parameter, values, each point's results.json, and the sweep's files (with ``out``)."""
        return {"parameter": self.parameter, "values": list(self.values), "results": [r.to_dict() for r in self.results],
                "dirs": [str(r.path) for r in self.results if r.path is not None], **self.files}

    def table(self) -> list[dict]:
        """One row per point: the value, then ``<figure>``, ``<figure>_stderr``, ``<figure>_lo``,
        ``<figure>_hi`` and ``<figure>_exact`` for every estimated figure."""
        rows = []
        for value, result in zip(self.values, self.results):
            row = {self.parameter: value}
            for name, est in result.estimates.items():
                row.update({name: est.value, f"{name}_stderr": est.stderr, f"{name}_lo": est.ci95[0],
                            f"{name}_hi": est.ci95[1], f"{name}_exact": result.exact.get(name)})
            rows.append(row)
        return rows

    def plot(self):
        """Estimates with 95 % intervals against the swept parameter, exact values as lines; a Figure."""
        from qbexp.experiments.report import sweep_figure

        return sweep_figure(self.parameter, self.values, [r.data for r in self.results])


def _complex(data):
    """A density matrix from nested [re, im] pairs (:func:`state_to_json`)."""
    try:
        array = np.asarray(data, dtype=float)
    except (TypeError, ValueError):  # not numbers, or ragged
        array = None
    if array is None or array.ndim != 3 or array.shape[2] != 2 or array.shape[0] != array.shape[1] \
            or array.shape[0] < 1 or not np.all(np.isfinite(array)):
        raise QbexpError(f"state = {_short(data)}: expected a density matrix as nested [re, im] pairs "
                         "of finite numbers")
    return array[..., 0] + 1j * array[..., 1]


def mitigation_label(results: dict) -> str:
    """What the estimates of ``results`` (results.json) are corrected for, as a title's tail:
    ", readout-mitigated", ", zero-noise extrapolated" or both ("" for neither)."""
    parts = ["readout-mitigated"] if results.get("readout_mitigation") else []
    parts += ["zero-noise extrapolated"] if isinstance(results.get("zne"), dict) else []
    return "".join(f", {p}" for p in parts)


def _real(value) -> float:
    """A number of results.json (not a bool, not text); TypeError otherwise."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(type(value).__name__)
    return float(value)


def _short(value) -> str:
    return shown(value, 80)


def state_to_json(rho) -> list:
    """A density matrix as nested [re, im] pairs (JSON has no complex numbers)."""
    rho = np.asarray(rho, dtype=complex)
    return np.stack([rho.real, rho.imag], axis=-1).tolist()
