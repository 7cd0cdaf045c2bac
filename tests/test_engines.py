"""The two exact-evolution engines (qbexp.dynamics.engines): qiskit-dynamics and SciPy.

Both legs of CI test the SciPy engine against an independent reference (the matrix
exponential of the whole Liouvillian); the [dynamics] leg also shows that the two engines agree
to 1e-8 on time-resolved charging and on long-time propagators.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.linalg as la

from qbexp.cli.main import main
from qbexp.dynamics import engines, evolve, liouvillian, propagator, resolve_engine, unvec, using_engine, vec
from qbexp.errors import QbexpError
from qbexp.models import collective_battery, initial_state, two_bath_engine

needs_dynamics = pytest.mark.skipif(not engines.dynamics_available(), reason="needs the [dynamics] extra")


def _random_state(n, seed):
    model = collective_battery(n, 0.8, gamma=0.7, f=0.3)
    return model, initial_state(f"hs:{seed}", n, hamiltonian=model.battery_hamiltonian, beta=0.8)


def test_scipy_engine_equals_the_matrix_exponential_of_the_liouvillian():
    model, rho0 = _random_state(3, 5)
    full = liouvillian(model).toarray()
    times = [0.0, 0.3, 2.0, 11.0]
    states = evolve(model, rho0, times, engine="scipy", solver="general")
    for t, rho in zip(times, states):
        np.testing.assert_allclose(rho, unvec(la.expm(full * t) @ vec(rho0), 8), atol=1e-9)
    engine = two_bath_engine()
    generator = liouvillian(engine).toarray()
    for tau in (150.0, 3e4):
        np.testing.assert_allclose(propagator(engine, tau, engine="scipy"), la.expm(generator * tau), atol=1e-10)


@needs_dynamics
@pytest.mark.parametrize("n, seed", [(2, 1), (3, 7), (4, 2)])
def test_engines_agree_on_time_resolved_charging(n, seed):
    model, rho0 = _random_state(n, seed)
    times = np.linspace(0.0, 25.0, 6)
    a = evolve(model, rho0, times, engine="qiskit-dynamics", solver="general")
    b = evolve(model, rho0, times, engine="scipy", solver="general")
    assert np.max(np.abs(a - b)) < 1e-8


@needs_dynamics
@pytest.mark.parametrize("tau", [0.4, 150.0, 1e4])
def test_engines_agree_on_long_time_propagators(tau):
    for model in (two_bath_engine(), collective_battery(2, 1.0, f=0.2), collective_battery(3, 0.5, gamma=2.0)):
        a = propagator(model, tau, engine="qiskit-dynamics")
        b = propagator(model, tau, engine="scipy")
        assert np.max(np.abs(a - b)) < 1e-8, (model.name, tau)


def test_auto_is_qiskit_dynamics_when_installed_and_the_choice_is_scoped():
    expected = "qiskit-dynamics" if engines.dynamics_available() else "scipy"
    assert resolve_engine() == resolve_engine("auto") == expected
    with using_engine("scipy") as name:
        assert name == "scipy" and resolve_engine() == "scipy"
    assert resolve_engine() == expected  # nothing global changed
    with pytest.raises(QbexpError, match="unknown engine 'odeint'; choose one of auto, qiskit-dynamics, scipy"):
        resolve_engine("odeint")


def test_missing_qiskit_dynamics_is_one_line_naming_the_install(monkeypatch, capsys):
    monkeypatch.setattr(engines, "dynamics_available", lambda: False)
    assert resolve_engine("auto") == "scipy"
    code = main(["simulate", "collective", "--n", "2", "--beta", "1", "--t", "1", "--engine", "qiskit-dynamics"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "engine qiskit-dynamics is not installed" in err and "pip install 'qbexp[dynamics]'" in err


@pytest.mark.parametrize("engine", ["auto", "scipy"])
def test_simulate_json_says_which_engine_computed_it(capsys, engine):
    args = ["simulate", "collective", "--n", "2", "--beta", "1", "--init", "c:0.25", "--t", "3", "--json"]
    assert main([*args, "--engine", engine]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == resolve_engine(engine)
    model = collective_battery(2, 1.0)
    rho0 = initial_state("c:0.25", 2, hamiltonian=model.battery_hamiltonian, beta=1.0)
    reference = unvec(la.expm(liouvillian(model).toarray() * 3.0) @ vec(rho0), 4)
    h0 = model.battery_matrix()
    assert out["energy"] == pytest.approx(np.trace(reference @ h0).real, abs=1e-9)
    assert main(["simulate", "engine", "--tau", "150", "--cycles", "2", "--json", "--engine", engine]) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == resolve_engine(engine)


@needs_dynamics
def test_engines_agree_in_the_symmetric_solver():
    """The collective battery goes to the Schur-basis solver; its chains run on either engine."""
    model, rho0 = _random_state(4, 3)
    times = [0.0, 1.0, 7.0]
    a = evolve(model, rho0, times, engine="qiskit-dynamics")
    b = evolve(model, rho0, times, engine="scipy")
    c = evolve(model, rho0, times, engine="scipy", solver="general")
    assert np.max(np.abs(a - b)) < 1e-8 and np.max(np.abs(b - c)) < 1e-8


_ENGINES = ["scipy", pytest.param("qiskit-dynamics", marks=needs_dynamics)]


@pytest.mark.parametrize("engine", _ENGINES)
def test_fast_qubits_over_many_periods_equal_the_matrix_exponential(engine):
    """The blocks' fast phase (omega times the coherence order) is taken out of the ODE exactly
    (qbexp.dynamics.evolution._solve_block): over omega t = 3e4 periods the state is the matrix
    exponential's to 1e-11 (it was 2.5e-10 from the ODE through every period, and 67 s)."""
    fast = collective_battery(3, 1.0, omega=1e3, coupling="individual")
    coupled = collective_battery(3, 0.8, omega=200.0, gamma=0.7, f=0.3)
    for model, t in ((fast, 30.0), (coupled, 20.0)):
        rho0 = initial_state("hs:4", 3, hamiltonian=model.battery_hamiltonian, beta=0.8)
        exact = unvec(la.expm(liouvillian(model).toarray() * t) @ vec(rho0), 8)
        got = evolve(model, rho0, [0.0, t], engine=engine, solver="general")
        np.testing.assert_allclose(got[0], rho0, atol=1e-15)
        assert np.max(np.abs(got[-1] - exact)) < 1e-11, model.name
    engine_model = two_bath_engine(omega0=1e4, rates=(0.01, 0.02, 0.005, 0.03))
    generator = liouvillian(engine_model).toarray()
    np.testing.assert_allclose(propagator(engine_model, 50.0, engine=engine), la.expm(generator * 50.0), atol=1e-10)
