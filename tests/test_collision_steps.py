"""The collision model's step choice is computed block by block and by stepping states on, and
gives what the direct construction gives: the spectrum of the whole 4^N × 4^N step map, and the
M-step map formed anew for every M."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qbexp.circuits import collision
from qbexp.circuits.metrics import trace_distance
from qbexp.circuits.protocols import COLLISION_TOL, _apply, collective_protocol
from qbexp.models import collective_battery, initial_state
from qbexp.models.engine import two_bath_engine

MODELS = {
    "collective N=3": collective_battery(3, 1.0),
    "collective N=4 f=0.5 (H between collisions)": collective_battery(4, 0.5, f=0.5),
    "individual N=3": collective_battery(3, 2.0, coupling="individual"),
    "engine": two_bath_engine(),
}


def full_moduli(model, channels, dt, covariant, blocks=None):
    """The direct way: |eigenvalues| of the whole step superoperator."""
    return np.abs(np.linalg.eigvals(collision._step_superop(model, channels, dt, covariant)))


@pytest.mark.parametrize("name", MODELS)
def test_block_spectrum_is_the_spectrum_of_the_step_map(name):
    model = MODELS[name]
    channels = collision.collision_channels(model)
    covariant = collision.is_covariant(model)
    blocks = collision._step_blocks(model, channels)
    assert sum(kets.size * copies for kets, _, copies in blocks) == model.dim**2  # every element of ρ, once
    for dt in (0.07, 0.4, 1.3):
        got = np.sort(collision._step_moduli(model, channels, dt, covariant, blocks))
        assert np.allclose(got, np.sort(full_moduli(model, channels, dt, covariant)), atol=1e-10)


@pytest.mark.parametrize("name", ["collective N=3", "collective N=4 f=0.5 (H between collisions)"])
def test_stepped_outputs_are_those_of_the_m_step_map(name):
    model = MODELS[name]
    scheme = collision.CollisionScheme(model, math.inf)
    rho0 = initial_state("haar:5", model.num_qubits)
    for m, out in zip(range(1, 6), scheme.steady_outputs(rho0)):
        assert np.abs(out - _apply(scheme.superop(m).data, rho0)).max() <= 1e-12


@pytest.mark.parametrize("n, init", [(3, "ground"), (4, "haar:2")])
def test_planned_circuits_are_those_of_the_direct_construction(n, init, monkeypatch):
    """Same Δt, same M, same gates: the direct step choice (whole spectrum, M-step map formed
    for every M) patched in, against the fast one."""
    model = collective_battery(n, 1.0)
    rho0 = initial_state(init, n, hamiltonian=model.battery_hamiltonian, beta=1.0)
    fast = collective_protocol(model, rho0, math.inf)
    with monkeypatch.context() as patch:
        patch.setattr(collision, "_step_moduli", full_moduli)
        scheme = collision.CollisionScheme(model, math.inf)
    # The bounded minimiser stops within xatol = 1e-6 dt_max (collision.steady_step_time), and the two
    # spectra differ at 1e-15, so Δt agrees to that tolerance, not to the last digit: 1.2e-7 relative at
    # N = 4 with numpy 2.4.6 / scipy 1.17.1 (equal to the last digit on earlier builds).  M is what the circuits use.
    assert scheme.steady_step == pytest.approx(fast.step_time, rel=1e-5)
    direct = next(m for m in range(1, 401)
                  if trace_distance(_apply(scheme.superop(m).data, rho0), fast.exact_state) <= COLLISION_TOL)
    assert fast.steps == direct
    expected = scheme.circuit(direct)
    got = [i for i in fast.circuit.data if i.operation.name in ("reset", "ry", "cx", "unitary")]
    want = [i for i in expected.data if i.operation.name in ("reset", "ry", "cx", "unitary")]
    assert [i.operation.name for i in got] == [i.operation.name for i in want]
    for a, b in zip(got, want):
        for p, q in zip(a.operation.params, b.operation.params):
            assert np.allclose(p, q, atol=1e-12)

