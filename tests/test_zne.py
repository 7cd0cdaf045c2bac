"""Gate-noise mitigation by zero-noise extrapolation (qbexp.circuits.folding, qbexp.analysis.zne)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.quantum_info import Operator

import qbexp
from qbexp.analysis.zne import extrapolate_counts, richardson_weights
from qbexp.circuits.folding import fold_two_qubit_gates
from qbexp.circuits.metrics import two_qubit_gates


def test_folding_keeps_the_unitary_and_multiplies_the_two_qubit_gates():
    qc = QuantumCircuit(3)
    qc.h(0)
    qc.cz(0, 1)
    qc.rxx(0.3, 1, 2)
    qc.cx(2, 0)
    for scale in (1, 3, 5):
        folded = fold_two_qubit_gates(qc, scale)
        assert Operator(folded).equiv(Operator(qc))
        assert two_qubit_gates(folded) == scale * 3
    with pytest.raises(qbexp.QbexpError, match="odd integer scales"):
        fold_two_qubit_gates(qc, 2)


def test_richardson_weights_are_exact_for_polynomials_of_lower_degree():
    scales = [1, 3, 5]
    w = richardson_weights(scales)
    for coeffs in ([0.7], [0.2, -0.05], [0.9, 0.01, -0.003]):
        f = np.polynomial.Polynomial(coeffs)
        assert w @ f(np.array(scales, dtype=float)) == pytest.approx(coeffs[0], abs=1e-12)


def test_extrapolated_counts_recover_a_linearly_decaying_distribution():
    p0 = np.array([0.7, 0.1, 0.15, 0.05])
    mixed = np.full(4, 0.25)
    shots = 200_000
    series = []
    for lam in (1, 3):
        p = (1 - 0.05 * lam) * p0 + 0.05 * lam * mixed  # depolarising noise linear in the scale
        series.append({k: int(round(x * shots)) for k, x in zip(("00", "01", "10", "11"), p)})
    counts, effective = extrapolate_counts(series, [1, 3], shots)
    assert effective == round(shots / 2.5) and sum(counts.values()) == effective
    got = np.array([counts[k] for k in ("00", "01", "10", "11")]) / effective
    np.testing.assert_allclose(got, p0, atol=2e-3)


def test_zne_on_the_device_profile_recovers_most_of_the_lost_ergotropy():
    """N = 2, c = 0.25, collision charging (~70 CZ), readout and gate mitigation on the Heron
    device profile: the extrapolation moves the estimate most of the way from the noisy value
    to the exact one (Qiskit 2.6: 0.410 -> 0.537, exact 0.584; the exact numbers depend on the
    transpiler's layout, so the window is wider than the issue's 10 % target, which the
    minimal charging meets: README)."""
    exp = qbexp.CollectiveCharging(n=2, beta=1.0, init="c:0.25", readout_mitigation=True, gate_mitigation="zne")
    res = qbexp.run(exp, backend="aer-noisy", shots=4000, seed=1, progress=False)
    exact = res.exact["ergotropy"]
    zne = res.estimates["ergotropy"]
    readout = res.to_dict()["estimates_by_mitigation"]["readout"]["ergotropy"]
    assert zne.value - readout["value"] > 0.5 * (exact - readout["value"])  # more than half the gap closed
    assert abs(zne.value - exact) <= 0.15 * exact or zne.contains(exact)
    assert set(res.to_dict()["estimates_by_mitigation"]) == {"raw", "readout", "readout+zne"}
    assert res.to_dict()["zne"]["effective_shots"] < 4000  # the extrapolation's cost is in the intervals
    with pytest.raises(qbexp.QbexpError, match="kraus charging has none"):
        qbexp.CollectiveCharging(n=2, beta=1.0, charging="kraus", gate_mitigation="zne")
