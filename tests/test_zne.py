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
    models = res.to_dict()["zne"]["models"]
    for name in ("ergotropy", "fidelity", "coherence_l1"):  # the interval spans both extrapolation models
        est = res.estimates[name]
        for model in ("richardson", "exponential"):
            lo, hi = models[model][name]["ci95"]
            assert est.ci95[0] <= lo + 1e-12 and hi <= est.ci95[1] + 1e-12
    from qbexp.analysis.zne import DECAY_RANGE

    assert DECAY_RANGE[0] <= res.to_dict()["zne"]["decay"] <= DECAY_RANGE[1]
    # the device check is made with the intervals about the prepared state, the readout-mitigated
    # ones (the extrapolated ones are about the noise-free state: they held the device ergotropy
    # 3 times in 40, which within_ci95_device reported as misses)
    d = res.to_dict()
    assert set(d["within_ci95_device"]) == set(d["device"]) & set(d["estimates"])
    for name, inside in d["within_ci95_device"].items():
        lo, hi = d["estimates_by_mitigation"]["readout"][name]["ci95"]
        assert inside == (lo <= d["device"][name] <= hi), name
    assert d["within_ci95_device"]["ergotropy"] and not zne.contains(d["device"]["ergotropy"])
    # the titles say what the estimates are corrected for (the extrapolation was not said)
    assert res.title().endswith("shots/setting, readout-mitigated, zero-noise extrapolated")
    plain = qbexp.RunResult.from_dict({k: v for k, v in res.to_dict().items() if k not in ("zne", "readout_mitigation")})
    assert plain.title().endswith("shots/setting")
    with pytest.raises(qbexp.QbexpError, match="kraus charging has none"):
        qbexp.CollectiveCharging(n=2, beta=1.0, charging="kraus", gate_mitigation="zne")


def _depolarised_series(p0, scales, q, shots, rng=None):
    """Distributions of a state depolarised by 1 - q^λ at each scale λ (the exponential model
    exactly), as counts (expected counts when rng is None)."""
    mixed = np.full(p0.size, 1 / p0.size)
    out = []
    for lam in scales:
        p = q**lam * p0 + (1 - q**lam) * mixed
        n = p * shots if rng is None else rng.multinomial(shots, p)
        out.append({format(k, "02b"): int(round(x)) for k, x in enumerate(n)})
    return out


def test_exponential_extrapolation_recovers_an_exponentially_decaying_distribution_where_richardson_does_not():
    from qbexp.analysis.zne import exponential_extrapolation

    p0 = np.array([0.7, 0.1, 0.15, 0.05])
    scales = [1, 3, 5]
    series = _depolarised_series(p0, scales, q=0.8, shots=10**9)
    freq = np.array([[c[format(k, "02b")] / 10**9 for k in range(4)] for c in series])
    got, q = exponential_extrapolation(freq, scales)
    assert q == pytest.approx(0.8, abs=1e-4)
    np.testing.assert_allclose(got, p0, atol=1e-6)
    # Richardson through the same three points misses by much more (a cubic remainder)
    assert np.max(np.abs(richardson_weights(scales) @ freq - p0)) > 100 * np.max(np.abs(got - p0))
    with pytest.raises(qbexp.QbexpError, match="at least three noise scales"):
        exponential_extrapolation(freq[:2], scales[:2])


def test_zne_intervals_redo_the_extrapolation_in_every_replicate():
    """The intervals of each model come from replicates that redraw the counts at every scale:
    their width matches the spread of the model's value over independent data sets (a second
    method: 40 fresh data sets), to within the Monte Carlo error of both."""
    from qbexp.analysis.zne import zne_intervals

    p0 = np.array([0.7, 0.1, 0.15, 0.05])
    scales, shots = [1, 3, 5], 4000

    def figures_of(counts):
        c = counts["m"]
        total = sum(c.values())
        return {"p00": c.get("00", 0) / total}

    truth = zne_intervals({"m": _depolarised_series(p0, scales, 0.8, shots)}, scales, shots, figures_of, 200, seed=1)
    rng = np.random.default_rng(7)
    values = {m: [] for m in ("richardson", "exponential")}
    for _ in range(40):
        data = {"m": _depolarised_series(p0, scales, 0.8, shots, rng)}
        result = zne_intervals(data, scales, shots, figures_of, 40, seed=2)
        for m in values:
            values[m].append(result["models"][m]["p00"]["value"])
    for m in values:
        lo, hi = truth["models"][m]["p00"]["ci95"]
        width_from_bootstrap = (hi - lo) / (2 * 1.96)
        assert np.std(values[m]) == pytest.approx(width_from_bootstrap, rel=0.35)
    # the exponential model is the true one here: unbiased within its Monte Carlo error
    assert np.mean(values["exponential"]) == pytest.approx(0.7, abs=3 * np.std(values["exponential"]) / np.sqrt(40))
