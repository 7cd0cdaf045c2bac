"""Bad arguments to the public Python API (models, dynamics, thermo, experiments, results), and the
command-line rows that reach the same checks: each refused in one :class:`qbexp.QbexpError` line
naming the problem, before anything is written (the style of ``test_bad_input.py``).

API rows: ``(call, fragment)``; CLI rows: ``(argv, fragment)``, all exit status 2 with the case's
folder (a finished run, a plain file, an empty folder) left byte-for-byte as it was.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import qbexp
from qbexp.analysis import zne
from qbexp.dynamics import symmetric
from qbexp.dynamics.cycle import cycle_trajectory, engine_cycle, heat_current, run_engine
from qbexp.models.engine import level_populations
from qbexp.dynamics.evolution import MAX_TIMES
from qbexp.experiments.results import Estimate, RunResult
from qbexp.models.states import DENSE_MAX_QUBITS
import _bad_input
from _bad_input import refused_call, run_cli, snapshot, time_limit

made = _bad_input.made  # the fixture: a finished run and sweep to break


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture
def ctx(made, tmp_path):
    shutil.copytree(made / "run", tmp_path / "run")
    (tmp_path / "file").write_text("not a directory\n")
    (tmp_path / "dir").mkdir()
    return tmp_path


@pytest.fixture(autouse=True)
def _timeout():
    with time_limit():
        yield


# -- the command line ------------------------------------------------------------------------
SC = ["simulate", "collective", "--n", "2", "--beta", "1", "--steady"]
SE = ["simulate", "engine", "--tau", "1"]
RC2 = ["run", "collective", "--n", "2", "--beta", "1", "--charging", "kraus", "--shots", "16", "--out", "{new}"]
RE = ["run", "engine", "--tau", "1", "--charging", "kraus", "--shots", "16", "--out", "{new}"]
LONG_C = "c:" + "1" * 100_000  # float() reads it as inf

# (argv, fragment): exit status 2, one line
CLI = [
    # 15: zero coupling: the cycle has no unique fixed point; the option is named
    ([*SE, "--gamma0", "0"], "--gamma0 0 uncouples both baths"),
    # one bath switched off: |S> (or |A>) is dark; the projection of I/4 was reported as the NESS
    ([*SE, "--rates", "1e-3,2e-3,0,0"], "2 independent steady states, so no unique NESS: the rates GSp, GSm are 0"),
    ([*SE, "--rates", "0,0,1e-3,1e-3"], "so no unique NESS: the rates GAp, GAm are 0"),
    # 22: a subnormal tau is refused as a subnormal beta is (check_scale)
    ([*SE, "--tau", "1e-320"], "--tau = 9.99989e-321 is outside what the solvers handle"),
    ([*RE, "--tau", "1e-320"], "tau = 9.99989e-321 is outside what the solvers handle"),
    ([*SE, "--tau", "1e12"], "tau = 1e+12 is 2.54e+09 relaxation times"),  # the relaxation bound still first
    # 17: 100,000 digits: out of range, not "must be finite, got inf"
    ([*SC, "--init", LONG_C], "c must lie in [0, 1], got a number of 100,000 characters"),
    ([*RC2, "--init", LONG_C], "c must lie in [0, 1], got a number of 100,000 characters"),
    ([*SC, "--init", "c:1e999"], "c must lie in [0, 1], got 1e999"),
    # 8: the CLI's dense-state bound (one definition with the API's, qbexp.models.states)
    (["simulate", "collective", "--n", "30", "--beta", "1", "--steady", "--init", "haar:1"],
     f"only up to N = {DENSE_MAX_QUBITS}"),
    # smaller: collision steps with an exact channel
    ([*RC2, "--steps", "3"], "steps = 3 applies to the collision charging only"),
]


@pytest.mark.parametrize("argv, fragment", CLI, ids=[f"{k}:{' '.join(r[0][:2])}:{r[1][:30]}" for k, r in enumerate(CLI)])
def test_cli(argv, fragment, ctx, capsys, monkeypatch):
    monkeypatch.chdir(ctx)
    before = snapshot(ctx)
    got, err, lines = run_cli(argv, ctx, capsys)
    assert got == 2, err[:2000]
    assert "Traceback" not in err
    assert fragment in err, err[:2000]
    assert len(lines) == 1 and lines[0].startswith("qbexp: error: "), err[:2000]
    assert snapshot(ctx) == before, "a refused command changed the files"


# -- the Python API --------------------------------------------------------------------------
GROUND = np.diag([1.0, 0, 0, 0]).astype(complex)
H2 = np.diag([0.0, 1.0, 1.0, 2.0])
EXP = qbexp.CollectiveCharging(n=1, beta=1.0, charging="kraus")
HUGE = 10**400  # beyond the floats: OverflowError where float() is called unguarded


def _model():
    return qbexp.collective_battery(2, 1.0)


def _evolve(times, model=None):
    return lambda c: qbexp.evolve(model or _model(), GROUND, times)


def _estimate(**data):
    return lambda c: Estimate.from_dict(data)


def _results(**changes):
    return lambda c: RunResult.from_dict({"estimates": {}, "exact": {}, **changes})


API = [
    # 8: initial_state builds dense 2^N x 2^N matrices: the CLI's bound (numpy's ValueError; a hang)
    (lambda c: qbexp.initial_state("ground", 100), "N = 100: initial state 'ground' is held as a dense"),
    (lambda c: qbexp.initial_state("haar:1", 30), f"N = 30: initial state 'haar:1' is held as a dense 2^N x 2^N "
                                                  f"matrix only up to N = {DENSE_MAX_QUBITS}"),
    (lambda c: qbexp.initial_state("dicke:1", DENSE_MAX_QUBITS + 1), "only up to N = 12"),
    (lambda c: qbexp.models.states.ground_state(40), "only up to N = 12"),
    (lambda c: qbexp.models.states.hilbert_schmidt_state(20, 1), "only up to N = 12"),
    (lambda c: qbexp.initial_state("ground", 10**100), "only up to N = 12"),
    # 17: digits beyond the floats in c:VALUE
    (lambda c: qbexp.initial_state("c:" + "1" * 100_000, 2), "c must lie in [0, 1], got a number of 100,000 characters"),
    (lambda c: qbexp.initial_state("c:-1e999", 2), "c must lie in [0, 1], got -1e999"),
    (lambda c: qbexp.models.states.c_family_state(HUGE), "c is out of range: an integer of 1329 bits"),
    # 16: an array for rates: one line (its repr spans two)
    (lambda c: qbexp.two_bath_engine(rates=np.ones((2, 2)) * 1e-3),
     "rates must be 4 numbers (GAp, GAm, GSp, GSm), got array([[0.001, 0.001], [0.001, 0.001]])"),
    (lambda c: qbexp.two_bath_engine(rates=np.ones((40, 40))), "rates must be 4 numbers"),
    (lambda c: qbexp.two_bath_engine(rates=(HUGE, 1, 1, 1)), "rates: GAp is out of range: an integer of 1329 bits"),
    (lambda c: qbexp.two_bath_engine(omega0=HUGE), "omega0 is out of range"),
    (lambda c: qbexp.two_bath_engine(gamma0=HUGE), "gamma0 is out of range"),
    (lambda c: qbexp.collective_battery(2, HUGE), "beta is out of range"),
    (lambda c: qbexp.collective_battery(10**100, 1.0), "qubits needs more than"),  # was 4**(10**100): a hang
    # 15: zero rates: the fixed-point error says which
    (lambda c: run_engine(qbexp.two_bath_engine(gamma0=0), 1.0),
     "the engine model has 4 independent steady states, so no unique NESS: the rates GAp, GAm, GSp, GSm are 0"),
    (lambda c: run_engine(qbexp.two_bath_engine(rates=(1e-3, 2e-3, 0, 0)), 1.0),  # was a NESS, one of two
     "the engine model has 2 independent steady states, so no unique NESS: the rates GSp, GSm are 0"),
    (lambda c: qbexp.dynamics.unique_steady_state(qbexp.collective_battery(2, 1.0)),  # |ψ−⟩ is dark
     "the collective model has 2 independent steady states, so no unique NESS (a bath, or a rate, switched off?)"),
    (lambda c: run_engine(qbexp.two_bath_engine(rates=(0, 0, 0, 0)), 1.0, discharge="optimal"),
     "the rates GAp, GAm, GSp, GSm are 0"),
    # 22: tau at the solvers' scale, as beta
    (lambda c: run_engine(qbexp.two_bath_engine(), 1e-320), "charging time tau = 9.99989e-321 is outside"),
    (lambda c: run_engine(qbexp.two_bath_engine(), 1e7), "charging time tau = 1e+07 is outside"),
    (lambda c: run_engine(qbexp.two_bath_engine(), HUGE), "charging time tau is out of range"),
    (lambda c: run_engine(qbexp.two_bath_engine(), "1"), "charging time tau must be a real number, got '1'"),
    (lambda c: cycle_trajectory(qbexp.two_bath_engine(), 1e-320, 2), "charging time tau = 9.99989e-321"),
    (lambda c: qbexp.EngineCycles(tau=1e-320), "EngineCycles: tau = 9.99989e-321 is outside what the solvers handle"),
    (lambda c: qbexp.propagator(qbexp.two_bath_engine(), HUGE), "charging time tau is out of range"),
    # the engine's public helpers: numpy's or scipy's ValueError (shapes, strings), or a trace-4
    # "state" and a non-Hermitian one run through the cycle (hunt of 2026-12-07)
    (lambda c: heat_current(qbexp.two_bath_engine(), np.eye(2) / 2), "state rho has shape (2, 2); the model needs 4 x 4"),
    (lambda c: heat_current(qbexp.two_bath_engine(), "ground"), "state rho"),
    (lambda c: heat_current(qbexp.two_bath_engine(), np.triu(np.ones((4, 4))) / 4), "state rho is not Hermitian"),
    (lambda c: heat_current(qbexp.two_bath_engine(), np.full((4, 4), np.nan)), "state rho contains NaN"),
    (lambda c: cycle_trajectory(qbexp.two_bath_engine(), 10.0, 1, rho_c=np.eye(2) / 2),
     "charged state rho_c has dimension 2; the model needs 4"),
    (lambda c: cycle_trajectory(qbexp.two_bath_engine(), 10.0, 1, rho_c=np.eye(4)), "charged state rho_c has trace 4"),
    (lambda c: cycle_trajectory(qbexp.two_bath_engine(), 10.0, 1, rho_c=np.triu(np.ones((4, 4))) / 4),
     "charged state rho_c is not Hermitian"),
    (lambda c: level_populations(np.triu(np.ones((4, 4)))), "state is not Hermitian"),
    (lambda c: level_populations(np.eye(4)), "state has trace 4"),
    (lambda c: level_populations(np.eye(2) / 2), "state has 2 rows; expected 2^N = 4 for N = 2 qubits"),
    (lambda c: engine_cycle(qbexp.two_bath_engine(), 10.0, "local1").charge(np.eye(2) / 2),
     "state rho has shape (2, 2); the model needs 4 x 4"),
    (lambda c: engine_cycle(qbexp.two_bath_engine(), 10.0, "local1").heat(np.eye(8) / 8),
     "state rho has shape (8, 8); the model needs 4 x 4"),
    (lambda c: engine_cycle(qbexp.two_bath_engine(), 10.0, "optimal").discharge_state([[1, 0], [0, 0]]),
     "charged state rho_c has shape (2, 2); the model needs 4 x 4"),
    # 19: evolution times: real numbers, at most MAX_TIMES of them
    (_evolve([0.0, 1j]), "got values of type complex128, not real numbers"),
    (_evolve([0.0, 1 + 0j]), "got values of type complex128, not real numbers"),
    (_evolve(["0", "1"]), "got values of type str32, not real numbers"),
    (_evolve([False, True]), "got values of type bool, not real numbers"),
    (_evolve([0, None]), "got values of type mixed objects, not real numbers"),
    (_evolve([0, HUGE]), "evolution times must be a non-empty, sorted list of finite values >= 0"),
    (_evolve([[0.0, 1.0]]), "got an array of shape (1, 2)"),
    (_evolve(np.linspace(0.0, 1.0, 10**7)), f"got 10,000,000 times, at most {MAX_TIMES:,} in one call"),
    (_evolve(range(10**8)), f"got 100,000,000 times, at most {MAX_TIMES:,} in one call"),
    (_evolve(np.linspace(0.0, 1.0, MAX_TIMES + 1), qbexp.two_bath_engine()), "at most 10,000"),
    (lambda c: symmetric.evolve(_model(), GROUND, ["0", "1"]), "not real numbers"),
    (lambda c: symmetric.evolve(_model(), GROUND, np.linspace(0.0, 1.0, 10**7)), "at most 10,000"),
    # 23: results.json read back
    (_estimate(value=HUGE, stderr=0.0), "estimate = {'value': 1000"),
    (_estimate(value=10**5000, stderr=0.0), "estimate = <dict holding an integer too long to print>"),  # repr itself refuses
    (_estimate(value=1.0, stderr=-1.0), "stderr >= 0"),
    (_estimate(value=1.0, stderr=0.1, ci95=[2.0, 0.0]), "ci95 finite with lo <= hi"),
    (_estimate(value=1.0, stderr=0.1, ci95=[0.0, float("inf")]), "ci95 finite with lo <= hi"),
    (_estimate(value=float("nan"), stderr=0.1), "value and stderr finite"),
    (_estimate(value=1.0, stderr=float("inf")), "value and stderr finite"),
    (_estimate(value=1.0, stderr=0.1, note=5), "its note must be a text"),
    (_results(exact={"ergotropy": "x"}), "results['exact']['ergotropy'] = 'x': expected a finite number"),
    (_results(exact={"ergotropy": float("nan")}), "results['exact']['ergotropy'] = nan"),
    (_results(exact={"ergotropy": HUGE}), "results['exact']['ergotropy'] = 1000"),
    (_results(device={"fidelity": None}), "results['device']['fidelity'] = None"),
    (_results(estimates={"ergotropy": {"value": 1.0, "stderr": -1.0}}), "estimates['ergotropy']"),
    # 24: ergotropy's state and Hamiltonian
    (lambda c: qbexp.ergotropy(np.zeros((0, 4, 4)), H2), "density matrix has shape (0, 4, 4): an empty stack"),
    (lambda c: qbexp.ergotropy(np.zeros((3, 0, 4, 4)), H2), "an empty stack"),
    (lambda c: qbexp.ergotropy(np.diag([1e308, -1e308 + 1, 0, 0]), H2), "density matrix has trace"),
    (lambda c: qbexp.ergotropy(GROUND, np.diag([1e308, 0, 0, 1e308])), "Hamiltonian has an entry of magnitude 1e+308"),
    (lambda c: qbexp.ergotropy(GROUND, [[HUGE, 0, 0, 0]] + [[0] * 4] * 3), "Hamiltonian has an entry beyond"),
    (lambda c: qbexp.energy(GROUND, np.diag([1e300, 0, 0, 0])), "Hamiltonian has an entry of magnitude 1e+300"),
    (lambda c: qbexp.figures_of_merit(GROUND, np.diag([1e300, 0, 0, 0])), "Hamiltonian has an entry"),
    # smaller: steps with an exact channel, strings and non-integers in a sweep
    (lambda c: qbexp.CollectiveCharging(n=2, beta=1.0, charging="kraus", steps=3),
     "steps = 3 applies to the collision charging only"),
    (lambda c: qbexp.EngineCycles(tau=1.0, charging="dilation", steps=3), "applies to the collision charging only"),
    (lambda c: qbexp.sweep(EXP, "beta", ["1.0"], shots=16, progress=False), "sweep of beta: '1.0' is not a number"),
    (lambda c: qbexp.sweep(EXP, "beta", [1.0, "2"], shots=16, progress=False), "'2' is not a number"),
    (lambda c: qbexp.sweep(EXP, "n", [2.0], shots=16, progress=False), "sweep of n: 2.0 is not an integer"),
    (lambda c: qbexp.sweep(EXP, "n", [1, np.float64(2.0)], shots=16, progress=False), "np.float64(2.0) is not an integer"),
    (lambda c: qbexp.sweep(EXP, "n", ["2"], shots=16, progress=False), "'2' is not a number"),
    # zero-noise extrapolation (qbexp.analysis.zne): counts that are not the stated shots, negative
    # counts, mixed bit-string lengths, NaN scales, shots 0, one row per scale (a fifth pass)
    (lambda c: zne.extrapolate_counts([{"0": 100, "1": 0}, {"0": 50, "1": 50}, {"0": 40, "1": 60}], [1, 3, 5], 1000),
     "counts at noise scale 1 add up to 100, not shots = 1000"),
    (lambda c: zne.extrapolate_counts([{"0": -700, "1": 1700}, {"0": 500, "1": 500}], [1, 3], 1000),
     "count of '0' at noise scale 1 must be a non-negative integer, got -700"),
    (lambda c: zne.extrapolate_counts([{"0": 10}, {"00": 10}], [1, 3], 10), "outcome '00' is not a bit string of length 1"),
    (lambda c: zne.extrapolate_counts([{"0": 10}, {"0": 10}], [1, 3], 0), "shots must be a positive integer, got 0"),
    (lambda c: zne.extrapolate_counts([{"0": 10}], [1, 3], 10), "one counts mapping per noise scale (2)"),
    (lambda c: zne.richardson_weights([1, np.nan, 5]), "NaN or infinite value in noise scales"),
    (lambda c: zne.exponential_extrapolation(np.ones((2, 4)) / 4, [1, 3, 5]),
     "frequencies have shape (2, 4); expected (3, K): one row per noise scale"),
    (lambda c: zne.extrapolate(np.ones((2, 4)) / 4, [1, 3, 5], "richardson"), "expected (3, K): one row per noise scale"),
]


@pytest.mark.parametrize("call, fragment", API, ids=[f"{k}:{row[1][:30]}" for k, row in enumerate(API)])
def test_api(call, fragment, ctx, monkeypatch):
    monkeypatch.chdir(ctx)
    message = refused_call(call, ctx, fragment)
    assert len(message) < 1000, message[:300]


# -- what stays accepted ----------------------------------------------------------------------
def test_unknown_keyword_is_pythons_type_error():
    """A misspelt keyword of a function without **kwargs is Python's own TypeError (16)."""
    with pytest.raises(TypeError, match="colour"):
        qbexp.two_bath_engine(colour=1)


def test_good_values_stay_accepted():
    assert qbexp.initial_state("ground", 4).shape == (16, 16)  # (N = 12 takes a minute: the PSD check)
    assert np.allclose(qbexp.initial_state("c:0.25", 2)[0, 0], 0.25)
    engine = qbexp.two_bath_engine(rates=np.full(4, 1e-3))  # any sequence of four numbers
    assert engine.parameters["rates"]["GAp"] == 1e-3
    assert qbexp.evolve(engine, GROUND, np.linspace(0.0, 1.0, MAX_TIMES)).shape == (MAX_TIMES, 4, 4)
    assert qbexp.evolve(_model(), GROUND, [0, np.float32(0.5), 1]).shape == (3, 4, 4)  # ints and numpy floats
    assert run_engine(qbexp.two_bath_engine(), 1e-6, cycles=2).tau == 1e-6
    est = Estimate.from_dict({"value": 0.5, "stderr": 0.0, "ci95": [0.5, 0.5]})
    assert est.ci95 == (0.5, 0.5)
    assert not Estimate.from_dict({"value": 0.5, "stderr": 0.1, "ci95": None, "note": "why"}).has_interval
    result = RunResult.from_dict({"estimates": {"ergotropy": est.to_dict()}, "exact": {"ergotropy": 1},
                                  "device": {"ergotropy": 0.9}})
    assert result.exact == {"ergotropy": 1}
    assert qbexp.ergotropy(np.diag([0.0, 0, 0, 1]), 1e149 * H2) == pytest.approx(2e149)
    assert qbexp.CollectiveCharging(n=2, beta=1.0, charging="collision", steps=3).steps == 3
