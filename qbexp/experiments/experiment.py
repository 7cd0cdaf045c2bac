"""Experiments as objects: what is charged, how, and what is measured.

An experiment is a frozen dataclass whose fields are the single definition of its parameters:
their defaults, their checks (at construction: a bad value is a one-line
:class:`~qbexp.errors.QbexpError`), which of them a sweep may vary, and the command-line options
of ``qbexp run`` (built from the fields' metadata by :mod:`qbexp.cli.run`).

* :class:`CollectiveCharging` — Çakmak's N qubits collectively coupled to one bath, charged
  to the steady state (Eqs. 5–8) from ``init``;
* :class:`EngineCycles` — Tacchino's two-bath engine (Eqs. 1–9), the charged state at its K-th
  discharge from the NESS (Fig. 4b).

Both know their exact charged state (:meth:`exact`), their circuits (:meth:`circuits`: state
tomography ``tomo_<setting>``, with ``measure_work`` the energy before and after the optimal
discharge, with ``readout_mitigation`` two calibration circuits) and the plan that
:func:`qbexp.run` executes.  Example::

    import qbexp
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", measure_work=True)
    exp.exact().ergotropy      # 0.58369...
    res = qbexp.run(exp, shots=4000, seed=1)
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from qbexp.analysis.tomography_data import MAX_QUBITS as TOMOGRAPHY_MAX_QUBITS
from qbexp.circuits.collision import MAX_STEPS
from qbexp.circuits.folding import DEFAULT_SCALES
from qbexp.circuits.protocols import CHARGINGS, check_steps_charging
from qbexp.dynamics.cycle import DISCHARGES as ENGINE_DISCHARGES
from qbexp.dynamics.engines import ENGINE_CHOICES
from qbexp.errors import QbexpError, initial_state_errors, shown
from qbexp.models.engine import FIG4_PARAMETERS, check_coupling


def option(help: str, sweep: type | None = None, cli: str | None = None, choices=None, **kwargs):
    """A dataclass field with its command-line help, its sweep type (None: not sweepable), its
    option name (default ``--name`` with dashes) and its choices."""
    metadata = {"help": help, "sweep": sweep, "cli": cli, "choices": choices}
    return field(metadata=metadata, **kwargs)


class Experiment:
    """Common behaviour of the experiment dataclasses."""

    kind: ClassVar[str] = ""
    #: a pseudo-parameter a sweep may vary besides the fields (name -> type)
    extra_sweeps: ClassVar[dict] = {}

    def __new__(cls, *args, **kwargs):
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise QbexpError(f"{cls.__name__} has no parameter {unknown[0]!r}; parameters: {', '.join(sorted(names))}")
        positional = [f.name for f in dataclasses.fields(cls) if f.init and not f.kw_only]
        if len(args) > len(positional):
            raise QbexpError(f"{cls.__name__} takes at most {len(positional)} values by position "
                             f"({', '.join(positional)}), got {len(args)}; give the others by name")
        twice = sorted(set(positional[:len(args)]) & set(kwargs))
        if twice:
            raise QbexpError(f"{cls.__name__}: {twice[0]} is given twice, by position and by name")
        required = [f.name for f in dataclasses.fields(cls) if f.init
                    and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        missing = [n for n in required[len(args):] if n not in kwargs]
        if missing:
            raise QbexpError(f"{cls.__name__} needs {', '.join(missing)}")
        return super().__new__(cls)

    def __reduce__(self):
        """Copied and pickled by calling the class with the same parameters (``copy.copy``,
        ``pickle`` and process pools called ``__new__`` without them, which it refuses)."""
        return _rebuild, (type(self), {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init})

    def __repr__(self) -> str:
        """One line, the parameters by name; an initial state given as a matrix by its label
        (``state:<hash>``): its rows made the command a manifest records, and errors quoting it,
        several lines long."""
        shown = ", ".join(f"{f.name}={self._plain(f.name)!r}" for f in dataclasses.fields(self) if f.repr)
        return f"{type(self).__name__}({shown})"

    # -- the parameters ------------------------------------------------------------------
    @classmethod
    def sweepable(cls) -> dict[str, type]:
        """Names a sweep may vary, with their types."""
        out = {f.name: f.metadata["sweep"] for f in dataclasses.fields(cls) if f.metadata.get("sweep")}
        return {**cls.extra_sweeps, **out}

    def with_value(self, name: str, value) -> "Experiment":
        """This experiment with parameter ``name`` set to ``value`` (a sweep point)."""
        kinds = self.sweepable()
        if not isinstance(name, str) or name not in kinds:
            raise QbexpError(f"cannot sweep {name!r} in {type(self).__name__}; sweepable: {', '.join(kinds)}")
        return self._replace_swept(name, value)

    def _replace_swept(self, name, value):
        return dataclasses.replace(self, **{name: value})

    def to_dict(self) -> dict:
        """The fields as plain values (an initial state given as a matrix is named by its hash)."""
        return {f.name: self._plain(f.name) for f in dataclasses.fields(self)}

    def _plain(self, name):
        return getattr(self, name)

    # -- what every experiment provides (subclasses define model, _exact_state and _plan) ----
    def plan(self):
        """The :class:`~qbexp.experiments.run.RunPlan` that :func:`qbexp.run` executes."""
        from qbexp.dynamics.engines import using_engine

        with using_engine(self.engine):
            return self._plan()

    def circuits(self) -> list:
        """The measurement circuits, named as in a run (``tomo_<setting>``, ``energy_before``, ...)."""
        return list(self.plan().circuits.values())

    def exact(self):
        """The exact charged state and its figures of merit
        (:class:`~qbexp.experiments.results.ExactResult`)."""
        from qbexp.dynamics.engines import resolve_engine, using_engine
        from qbexp.experiments.results import ExactResult

        with using_engine(self.engine):
            state = self._exact_state()
            return ExactResult.of(state, self.model().battery_matrix(), engine=resolve_engine())


def _rebuild(cls, parameters: dict) -> "Experiment":
    return cls(**parameters)


# -- checks -------------------------------------------------------------------------------------
def _number(cls, name, value, *, positive=False, nonnegative=False):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise QbexpError(f"{cls}: {name} = {value!r}; it must be a number")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int beyond the floats
        finite = False
    if not finite:
        raise QbexpError(f"{cls}: {name} = {shown(value)}; it must be finite")
    if positive and value <= 0:
        raise QbexpError(f"{cls}: {name} = {value!r}; it must be > 0")
    if nonnegative and value < 0:
        raise QbexpError(f"{cls}: {name} = {value!r}; it must be >= 0")
    return float(value)


def _integer(cls, name, value, minimum=1, maximum=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise QbexpError(f"{cls}: {name} = {value!r}; it must be an integer")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise QbexpError(f"{cls}: {name} = {shown(value)}; it must be an integer {bound}")
    return int(value)


def _choice(cls, name, value, choices):
    if value not in choices:
        raise QbexpError(f"{cls}: {name} = {value!r}; choose one of {', '.join(choices)}")
    return value


def _flag(cls, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise QbexpError(f"{cls}: {name} = {value!r}; it must be True or False")
    return bool(value)


#: Gate-noise mitigations (qbexp.circuits.folding, qbexp.analysis.zne).
GATE_MITIGATIONS = ("zne",)
#: Largest number of engine cycles K in a circuit (each cycle is a charging block of gates).
MAX_CIRCUIT_CYCLES = 200
#: Largest battery the circuits are built for: the tomography's (3^N settings, 2^N-dimensional
#: fits), :data:`qbexp.analysis.tomography_data.MAX_QUBITS`.
MAX_CIRCUIT_QUBITS = TOMOGRAPHY_MAX_QUBITS
#: Largest battery each charging circuit is built for, with what it is and why not beyond:
#: dilation synthesises its isometry on N + ceil(log2 rank) qubits gate by gate into every
#: measurement circuit (N = 5: 35 s and 3.3 GB; N = 6 ran out of 16 GB, a crash instead of an
#: error); collision holds each of its M steps, a dense (N+1)-qubit unitary from N = 4, in every
#: one of the 3^N measurement circuits in memory (the QPY files hold it once, beside them:
#: qbexp.backends.store; N = 5: 1.2 GB, peak 5.1 GB per run; N = 6, M = 84: 16 GB).  Kraus and
#: minimal go up to MAX_CIRCUIT_QUBITS.
MAX_CHARGING_QUBITS = {
    "dilation": (5, "its circuit is", "it does not fit in memory"),
    "collision": (5, "its circuits are", "the 3^N circuits of dense collision unitaries take 16 GB of memory"),
}


def _set(obj, name, value):
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, repr=False)
class CircuitOptions(Experiment):
    """How an experiment is run in circuits: the fields every experiment shares (keyword-only,
    after its own parameters)."""

    charging: str = option("charging circuit", default="collision", choices=CHARGINGS, kw_only=True)
    steps: int | None = option("collision steps M per charging stroke (default: chosen for 1e-3 accuracy)",
                               default=None, kw_only=True)
    measure_work: bool = option("also measure the energy before and after the optimal discharge (direct work)",
                                default=False, kw_only=True)
    readout_mitigation: bool = option("also run readout calibration circuits and correct readout errors",
                                      default=False, kw_only=True)
    gate_mitigation: str | None = option("gate-noise mitigation: zne (zero-noise extrapolation, two-qubit gates "
                                         "folded to noise scales 1, 3, 5)", default=None, choices=GATE_MITIGATIONS,
                                         kw_only=True)
    engine: str = option("exact-evolution engine", default="auto", choices=ENGINE_CHOICES, kw_only=True)

    def _noise_scales(self):
        return list(DEFAULT_SCALES) if self.gate_mitigation == "zne" else None

    def _check_circuit_options(self) -> None:
        cls = type(self).__name__
        _choice(cls, "charging", self.charging, CHARGINGS)
        if self.steps is not None:
            _set(self, "steps", _integer(cls, "steps", self.steps, 1, MAX_STEPS))
            check_steps_charging(self.steps, self.charging)
        _set(self, "measure_work", _flag(cls, "measure_work", self.measure_work))
        _set(self, "readout_mitigation", _flag(cls, "readout_mitigation", self.readout_mitigation))
        _choice(cls, "engine", self.engine, ENGINE_CHOICES)
        if self.gate_mitigation is not None:
            _choice(cls, "gate_mitigation", self.gate_mitigation, GATE_MITIGATIONS)
            if self.charging == "kraus":
                raise QbexpError(f"{cls}: gate_mitigation zne folds two-qubit gates, and the kraus charging has "
                                 "none (one simulator instruction); use charging collision, dilation or minimal")


# -- the collective battery ----------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class CollectiveCharging(CircuitOptions):
    """N qubits collectively coupled to one thermal bath, charged to their steady state (Çakmak,
    Eqs. 5–8) from ``init``; ergotropy w.r.t. H0 = ω Σσ⁺σ⁻.

    Args:
        n: number of qubits N.
        beta: inverse bath temperature β.
        init: initial state: a spec (``ground``, ``thermal``, ``c:VALUE``, ``haar:SEED``, ...; see
            :data:`qbexp.models.states.INITIAL_STATE_FORMS`), or a state vector, density matrix,
            ``Statevector`` or ``DensityMatrix`` of N qubits (kept as a read-only copy: changing the
            caller's array afterwards changes neither the experiment nor its run's identity).
        omega, gamma, f: qubit frequency ω, decay rate γ0 and dipole coupling f (Eq. 5).
        coupling: ``collective`` (γ_ij = γ0) or ``individual`` (γ_ij = γ0 δ_ij).
        charging: circuit of the charging map: ``collision`` (N up to 5), ``dilation`` (N up to 5), ``minimal``
            or ``kraus``.
        steps: collision steps M (None: the fewest reaching trace distance 1e-3).
        measure_work: also measure the energy before and after the optimal discharge.
        readout_mitigation: also run readout calibration circuits and correct readout errors.
        engine: exact-evolution engine, ``auto``, ``qiskit-dynamics`` or ``scipy``.
    """

    kind: ClassVar[str] = "collective"
    extra_sweeps: ClassVar[dict] = {"c": float}

    n: int = option("number of qubits N", sweep=int)
    beta: float = option("inverse bath temperature beta", sweep=float)
    init: Any = option("initial state spec", default="ground", compare=False)
    omega: float = option("qubit frequency omega", sweep=float, default=1.0)
    gamma: float = option("decay rate gamma0", sweep=float, default=1.0)
    f: float = option("dipole-dipole coupling f", sweep=float, default=0.0)
    coupling: str = option("bath coupling", default="collective", choices=("collective", "individual"))
    init_label: str = field(init=False, default="", repr=False, kw_only=True)

    def __post_init__(self):
        cls = type(self).__name__
        _set(self, "n", _integer(cls, "n", self.n, 1, MAX_CIRCUIT_QUBITS))
        _set(self, "beta", _number(cls, "beta", self.beta, positive=True))
        for name in ("omega", "gamma"):
            _set(self, name, _number(cls, name, getattr(self, name), positive=True))
        _set(self, "f", _number(cls, "f", self.f))
        _choice(cls, "coupling", self.coupling, ("collective", "individual"))
        self._check_circuit_options()
        if self.charging in MAX_CHARGING_QUBITS and self.n > MAX_CHARGING_QUBITS[self.charging][0]:
            limit, what, why = MAX_CHARGING_QUBITS[self.charging]
            raise QbexpError(f"{cls}: n = {self.n} with charging {self.charging}: {what} built for N up to {limit} "
                             f"(beyond, {why}); use charging kraus")
        with initial_state_errors():  # the initial state's errors (InitialStateError): --init's in the CLI
            if isinstance(self.init, str) and self.init.startswith("file:") and self.init[5:]:
                from qbexp.files import check_path

                check_path(self.init[5:], f"{cls}: init file:", ".npy file")  # a NUL byte, a name too long
            if not isinstance(self.init, str):  # kept as a read-only copy: the caller's array may change
                frozen = np.array(_checked_array(self.init))  # later, the experiment's state (its label) must not
                frozen.setflags(write=False)
                _set(self, "init", frozen)
            _set(self, "init_label", self._label_init())
        self.model()
        with initial_state_errors():
            self.initial_state()  # checks the spec or the matrix now

    def _label_init(self) -> str:
        if isinstance(self.init, str):
            return self.init
        data = np.ascontiguousarray(_as_array(self.init), dtype=complex)
        return "state:" + hashlib.sha256(data.tobytes()).hexdigest()[:16]

    def _plain(self, name):
        return self.init_label if name == "init" else getattr(self, name)

    def _replace_swept(self, name, value):
        if name == "c":
            if not (isinstance(self.init, str) and (self.init == "ground" or self.init.startswith("c:"))):
                raise QbexpError(f"sweeping c sets the initial state c:VALUE; init = {self.init_label!r} says otherwise")
            from qbexp.experiments.sweep import value_label

            value = _number(type(self).__name__, "c", value)  # a number: then init checks it lies in [0, 1]
            return dataclasses.replace(self, init=f"c:{value_label(value)}")
        return dataclasses.replace(self, **{name: value})

    def model(self):
        """The Lindblad model of Eq. (5) (:func:`qbexp.models.collective_battery`)."""
        from qbexp.models import collective_battery

        return collective_battery(self.n, self.beta, omega=self.omega, gamma=self.gamma, f=self.f,
                                  coupling=self.coupling)

    def initial_state(self) -> np.ndarray:
        """ρ(0) as a density matrix, checked (size, Hermitian, trace one, positive)."""
        from qbexp.models import initial_state
        from qbexp.models.matrices import precision_atol
        from qbexp.models.states import validate_density_matrix

        if isinstance(self.init, str):
            model = self.model()
            return initial_state(self.init, self.n, hamiltonian=model.battery_hamiltonian, beta=self.beta)
        given = _checked_array(self.init)  # in its own dtype: float32 is checked to its precision
        data = given.astype(complex)
        if data.shape not in ((2**self.n,), (2**self.n, 2**self.n)):
            raise QbexpError(f"CollectiveCharging: init has shape {data.shape}; "
                             f"{self.n} qubits need a vector of {2**self.n} or a {2**self.n}x{2**self.n} matrix")
        atol = precision_atol(given, 1e-8)  # float32 input: to its precision
        if data.ndim == 1 and np.all(np.isfinite(data)):
            scale = float(np.max(np.abs(data)))
            norm = scale * float(np.linalg.norm(data / scale)) if scale > 0 else 0.0  # no overflow at 1e200
            if abs(norm * norm - 1.0) > atol:
                raise QbexpError(f"CollectiveCharging: init is a state vector of norm {norm:.10g}; it must have norm 1")
        return validate_density_matrix(given, num_qubits=self.n, name="init")  # a vector: |psi><psi|

    def parameters(self) -> dict:
        """The run's parameters as recorded in its manifest (they identify the run)."""
        params = {"n": self.n, "beta": self.beta, "omega": self.omega, "gamma": self.gamma, "f": self.f,
                  "init": self.init_label}
        if self.coupling != "collective":
            params["coupling"] = self.coupling
        return params

    def _exact_state(self):
        from qbexp.dynamics import steady_state

        return steady_state(self.model(), self.initial_state())

    def _plan(self):
        from qbexp.experiments.run import plan_collective

        plan = plan_collective(self.model(), self.initial_state(), charging=self.charging,
                               discharge=self.measure_work, steps=self.steps, parameters=self.parameters(),
                               readout_calibration=self.readout_mitigation, noise_scales=self._noise_scales())
        if isinstance(self.init, str) and self.init.startswith("file:"):
            # its path does not identify the state: the run records the file's SHA-256, and resuming
            # it with another file there is refused (RunStore.open_for)
            try:
                plan.inputs["init_sha256"] = hashlib.sha256(Path(self.init[5:]).read_bytes()).hexdigest()
            except OSError as err:
                raise QbexpError(f"state file '{self.init[5:]}' cannot be read ({err.strerror or err})") from None
        return plan


# -- the two-bath engine -------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class EngineCycles(CircuitOptions):
    """Tacchino's two-bath engine (Eqs. 1–9) run from its NESS for K cycles of charging for τ and
    discharging; the experiment measures the charged state after the K-th charging stroke from
    the discharged NESS (the state the (K+1)-th discharge of ``simulate engine`` /
    :func:`~qbexp.dynamics.cycle.run_engine` acts on: their first discharge acts on the NESS itself).
    Ergotropy w.r.t. the full two-qubit H (Eq. 6).

    Args:
        tau: charging time τ per cycle.
        cycles: K.
        discharge: every discharge before the measured state (the NESS's and K − 1 more): ``local1``,
            ``local2``, ``global``, ``optimal``.
        omega0, lam, gamma0, t_hot, t_cold: model parameters (Eqs. 6–9; defaults: Fig. 4).
        rates: explicit rates ``(Γ_A⁺, Γ_A⁻, Γ_S⁺, Γ_S⁻)`` instead of Eq. (9)'s (four numbers, or
            the text ``"GAp,GAm,GSp,GSm"``), e.g. the caption of Fig. 2: ``(3.5e-4, 5e-4, 3.5e-4,
            5.5e-3)``; ``gamma0``, ``t_hot`` and ``t_cold`` are then not used and must not be given.
        charging, steps, measure_work, readout_mitigation, engine: as in :class:`CollectiveCharging`.
    """

    kind: ClassVar[str] = "engine"

    tau: float = option("charging time per cycle", sweep=float)
    cycles: int = option("K: measure the charged state after K charging strokes from the discharged NESS",
                         sweep=int, default=1)
    discharge: str = option("discharge before each charging stroke (the NESS's and K-1 more)", default="local1",
                           choices=ENGINE_DISCHARGES)
    omega0: float = option("qubit gap omega0", sweep=float, default=FIG4_PARAMETERS["omega0"])
    lam: float = option("qubit-qubit coupling lambda", sweep=float, default=FIG4_PARAMETERS["lam"])
    # gamma0, t_hot, t_cold: None is Fig. 4's value (filled in at construction), unless ``rates``
    # replace them; then they stay None, and one given beside the rates is refused
    gamma0: float | None = option(f"bath coupling Gamma0 of Eq. 9 (default {FIG4_PARAMETERS['gamma0']:g})",
                                  sweep=float, default=None)
    t_hot: float | None = option(f"temperature T_A of the hot (antisymmetric) bath (default {FIG4_PARAMETERS['t_hot']:g})",
                                 sweep=float, default=None)
    t_cold: float | None = option(f"temperature T_S of the cold (symmetric) bath (default {FIG4_PARAMETERS['t_cold']:g})",
                                  sweep=float, default=None)
    rates: Any = option("explicit rates GAp,GAm,GSp,GSm (Gamma_A+, Gamma_A-, Gamma_S+, Gamma_S-) instead of Eq. 9's "
                        "(then no --gamma0, --t-hot, --t-cold); Fig. 2's: 3.5e-4,5e-4,3.5e-4,5.5e-3", default=None,
                        kw_only=True)

    def __post_init__(self):
        cls = type(self).__name__
        _set(self, "tau", _number(cls, "tau", self.tau, positive=True))
        _set(self, "cycles", _integer(cls, "cycles", self.cycles, 1, MAX_CIRCUIT_CYCLES))
        _choice(cls, "discharge", self.discharge, ENGINE_DISCHARGES)
        _set(self, "omega0", _number(cls, "omega0", self.omega0, positive=True))
        bath = ("gamma0", "t_hot", "t_cold")
        if self.rates is None:
            for name in bath:
                value = FIG4_PARAMETERS[name] if getattr(self, name) is None else getattr(self, name)
                _set(self, name, _number(cls, name, value, positive=True))
        else:
            given = [name for name in bath if getattr(self, name) is not None]
            if given:
                raise QbexpError(f"{cls}: rates replace Eq. 9's gamma0, t_hot and t_cold; {given[0]} = "
                                 f"{shown(getattr(self, given[0]))} is given too: give one or the other")
            _set(self, "rates", _engine_rates(cls, self.rates))
            from qbexp.dynamics.steady import unique_steady_state

            try:  # rates with zeros may leave no unique NESS to start from (Eq. 9's never do)
                unique_steady_state(self.model())
            except QbexpError as err:
                raise QbexpError(f"{cls}: rates = {list(self.rates)}: {err}") from None
        _set(self, "lam", _number(cls, "lam", self.lam, nonnegative=True))
        self._check_circuit_options()
        check_coupling(self.omega0, self.lam, f"{cls}: ")
        from qbexp.dynamics.evolution import check_charging_time

        check_charging_time(self.model(), self.tau, f"{cls}: tau")

    def model(self):
        """The two-bath model of Eqs. (6)–(9) (:func:`qbexp.models.two_bath_engine`)."""
        from qbexp.models import two_bath_engine

        if self.rates is not None:
            return two_bath_engine(omega0=self.omega0, lam=self.lam, rates=self.rates)
        return two_bath_engine(omega0=self.omega0, lam=self.lam, gamma0=self.gamma0, t_hot=self.t_hot,
                               t_cold=self.t_cold)

    def parameters(self) -> dict:
        """The run's parameters as recorded in its manifest (they identify the run): the rates of
        Eq. (9)'s (gamma0, t_hot, t_cold), or the explicit ``rates`` instead."""
        params = {"tau": self.tau, "cycles": self.cycles, "engine_discharge": self.discharge, "omega0": self.omega0,
                  "lam": self.lam}
        if self.rates is not None:
            return {**params, "rates": list(self.rates)}
        return {**params, "gamma0": self.gamma0, "t_hot": self.t_hot, "t_cold": self.t_cold}

    def _exact_state(self):
        """ρ_NESS → discharge → (K − 1) × (charge τ → discharge) → charge τ (Eq. 4)."""
        from qbexp.dynamics.cycle import engine_cycle, ness

        cycle = engine_cycle(self.model(), self.tau, self.discharge)
        rho, _ = cycle.discharge_state(ness(self.model()))
        for _ in range(self.cycles - 1):
            rho, _ = cycle.discharge_state(cycle.charge(rho))
        return cycle.charge(rho)

    def _plan(self):
        from qbexp.experiments.run import plan_engine

        return plan_engine(self.model(), self.tau, self.cycles, charging=self.charging, discharge=self.measure_work,
                           engine_discharge=self.discharge, steps=self.steps, parameters=self.parameters(),
                           readout_calibration=self.readout_mitigation, noise_scales=self._noise_scales())


def _engine_rates(cls: str, rates) -> tuple[float, ...]:
    """Explicit engine rates (Γ_A⁺, Γ_A⁻, Γ_S⁺, Γ_S⁻): four numbers, or the command line's text
    ``"GAp,GAm,GSp,GSm"``; each finite and >= 0 (:func:`qbexp.models.engine.two_bath_engine`
    checks them).  All four 0 leave the engine without a unique NESS."""
    from qbexp.models.engine import RATE_NAMES, check_rates

    if isinstance(rates, str):
        parts = rates.split(",")
        try:
            rates = [float(v) for v in parts]
        except ValueError:
            raise QbexpError(f"{cls}: rates = {rates!r}; expected four comma-separated numbers "
                             f"{','.join(RATE_NAMES)}") from None
    checked = check_rates(rates, RATE_NAMES, f"{cls}: rates")
    if not any(checked):
        raise QbexpError(f"{cls}: rates are all 0; the baths are then uncoupled and the engine has no unique NESS")
    return checked


def _as_array(init) -> np.ndarray:
    """``init`` (an array, list, ``Statevector`` or ``DensityMatrix``) as a complex array, checked."""
    return _checked_array(init).astype(complex)


def _checked_array(init) -> np.ndarray:
    """``init`` as a numeric array of at least one dimension, in its own dtype (float32 input keeps
    its precision: :func:`qbexp.models.matrices.precision_atol`)."""
    import scipy.sparse

    from qbexp.models.states import check_numeric

    if scipy.sparse.issparse(init):
        raise QbexpError(f"init of type {type(init).__name__} is a sparse matrix; pass a dense array (init.toarray())")
    try:  # an array, a list, a Statevector or DensityMatrix (.data)
        array = np.asarray(init if isinstance(init, np.ndarray) else getattr(init, "data", init))
    except (TypeError, ValueError, OverflowError):  # ragged lists
        array = None
    if array is None or (array.ndim == 0 and not isinstance(init, np.ndarray)):  # None, a number, any object
        raise QbexpError(f"init of type {type(init).__name__} is neither a spec string, an array, "
                         "a Statevector nor a DensityMatrix")
    check_numeric(array, "init")  # as a state file: ["1", "0"] and [True, False] are no state
    if array.ndim == 0:
        raise QbexpError("init has shape (); expected a state vector (2^N,) or a density matrix (2^N, 2^N)")
    return array


EXPERIMENTS = {cls.kind: cls for cls in (CollectiveCharging, EngineCycles)}
