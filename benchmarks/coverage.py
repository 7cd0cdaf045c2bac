"""Coverage of the 95 % intervals of :func:`qbexp.analysis.estimate_figures`, with Monte Carlo errors.

    OMP_NUM_THREADS=1 python benchmarks/coverage.py --quick            # fewer repetitions
    OMP_NUM_THREADS=1 python benchmarks/coverage.py                     # 1000 repetitions per cell
    OMP_NUM_THREADS=1 python benchmarks/coverage.py --method two-reference   # the earlier intervals
    OMP_NUM_THREADS=1 python benchmarks/coverage.py --table device --check-runs 8   # aer-noisy table
    OMP_NUM_THREADS=1 python benchmarks/coverage.py --cells "N=3 Gibbs linear" --reps 1000   # one cell
    OMP_NUM_THREADS=1 python benchmarks/coverage.py --cells "N=3 W=0.02 .* mit=True" --seed 5   # a fresh seed
    OMP_NUM_THREADS=1 python benchmarks/coverage.py --table ergotropy --figure coherence_l1 --cells "N=3 .*linear mit=False"

Measured tables, with repetitions and timings: benchmarks/README.md ("Coverage of the 95 %
intervals").  ``--cells`` takes regular expressions matched against the printed cell labels
(``N=2 0.59 shots=4000 linear mit=False``, ``fid N=3 p=0.1 mle``, ``fid N=2 turn linear``,
``device c:0.58 minimal linear mit=True``); ``--reps`` sets the repetitions of every selected
cell, ``--seed`` their seed.

Table 1 (ergotropy): the collective battery at beta = 1, steady state of the initial state
``(1 - c)|psi-><psi-| + c|00><00|`` (N = 2: c = 0.6, 0.59, 0.58, 0.25, i.e. W ~ 0.001, 0.018,
0.034, 0.58); for N = 3, 4 the Gibbs state (W = 0), the steady state of ``haar:2``
(W = 0.74, 0.84) and its mixture with the Gibbs state at W = 0.02, and (N = 3) the Gibbs state
with a pair inverted across adjacent levels (W = 0.02, the case of the far side's second family); for
every N the maximally mixed state I/d (``mixed``, W = 0: the least favourable W = 0 state) and I/d
mixed with the active state to W = 0.02 (``depolarised``); for N = 2, 3 the active state with
every qubit amplitude-damped (T1) to W = 0.02 (``damped``, N = 2 also at 4000 shots) and to where W
first reaches 0 (``damped W=0``; :func:`damped_state`), and a passive state whose
adjacent levels touch (``touching``, W = 0: least favourable too, with a spread within each
level, :func:`touching_state`), pure and nearly pure states (N = 2: |psi->, c = 0.02 and
|psi-> amplitude-damped to rank 2; N = 2, 3: a Haar-random pure state); linear inversion and MLE; with and without
readout mitigation (a tensored readout model with 2 % / 4 % error rates, calibrated with 4000
shots per qubit, applied to the simulated counts).  Table 2 (fidelity): the exact steady state
depolarised with p = 0.1 and 0.3 -- the state the device prepared -- whose data give fidelity
intervals that must cover F(device, exact), and (``turn``) the exact state turned by a coherent
error to the fidelity of p = 0.1 along the direction in which the fidelity's estimate is noisiest
(:func:`turned_state`: the least favourable nuisance of the fidelity's interval), and
(``damp``, ``dephase``) every qubit amplitude-damped (T1) or dephased (T2) to that fidelity, and
to F = 0.9985 (``damp F=0.9985``, ``dephase F=0.9985``: the fidelity of the device state
``c:0.25 minimal``, about two standard deviations from F = 1; :func:`relaxed_state`), and
(``purer``) the exact state with its smallest eigenvalues removed (:func:`purer_state`), and
(``projected``) a rank-deficient state off the exact state's eigenvectors (:func:`projected_state`).  Counts of
tables 1 and 2: multinomial draws from the exact Born probabilities (fast, equivalent to an
ideal simulator).

Table 3 (device, ``--table device``): the 2-qubit battery (beta = 1, init ``c:0.25``, W = 0.58,
and ``c:0.58``, W = 0.034) charged by the ``collision`` and the ``minimal`` circuits on the
``aer-noisy`` profile (FakeFez noise model, 4000 shots), with and without readout mitigation;
the intervals of ergotropy, both coherences and the fidelity (to the exact state) must cover
the *device* figures, those of the state the noisy simulator prepares (``RunResult.device``).
One ``qbexp.run`` gives the transpiled circuits; then :func:`noisy_output` computes the exact
output distribution of every circuit (tomography and readout calibration) under Aer's noise
model of the qubits it uses, by summing over measurement records
(:func:`qbexp.circuits.minimal_simulate.record_branches` with
:class:`qbexp.backends.noisy.DeviceNoise`): each instruction followed by its ``QuantumError``
as Aer applies it (after the gate, also inside ``if_else`` bodies), each measurement split into
the two recorded values with the qubit's ``ReadoutError``, the ``if_else`` blocks taken on the
recorded memory.  This is exact for the dynamic ``minimal`` circuits too (mid-circuit
measurements, classically controlled gates), where one density-matrix simulation follows a
single record.  The target is :func:`qbexp.backends.noisy.device_state` of the Z-basis
tomography circuit (the same sum without the final measurements, as
``qbexp.experiments.run`` defines the device state); the table prints it next to the run's
stored ``device`` figures.  Each
repetition draws multinomial counts of every circuit and analyses them as
:func:`qbexp.experiments.run.analyze_store` does (readout model from the drawn calibration
counts and the measured physical qubits).  Checks: the exact distributions agree with Aer's
sampled counts (chi-square, 200 000 shots) and the collision device state with Aer's
density matrix to 4e-8; ``--check-runs K`` runs K real ``qbexp.run`` repetitions per state and
prints their mean values next to the simulated means.

Each cell: coverage, its Monte Carlo error ``sqrt(max(c (1 - c), 0.05 0.95) / reps)``, and the
share of misses below the interval (the target below the lower bound); in the ergotropy and
fidelity tables also the share of intervals that exclude the figure's boundary (0, or F = 1): the
power a conservative cell gives up.  ``B = 79`` draws per simulated state (``--resamples``,
``--resamples-mle``; the MLE cells took 39 until 2026-12-03): the tests' tails lie on the grid of
``B = 79`` whatever ``B`` (:data:`qbexp.analysis.intervals.TAIL_GRID`), so the cells' tests have
the sizes of the default ``B = 319``, with a quarter of the draws (benchmarks/README.md compares).
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
from qiskit.quantum_info import DensityMatrix, Kraus

from _args import integer, regex
from qbexp.analysis import (
    ReadoutCalibration,
    ReadoutModel,
    apply_assignment,
    born_probabilities,
    estimate_figures,
)
from qbexp.analysis.bootstrap import MAX_RESAMPLES, MIN_RESAMPLES
from qbexp.analysis.estimators import fit_states
from qbexp.analysis.figures import METHODS, figure_functions
from qbexp.analysis.intervals import TAIL_GRID, _energy_levels
from qbexp.analysis.tomography_data import TomographyData
from qbexp.dynamics import steady_state
from qbexp.models import collective_battery, initial_state
from qbexp.models.states import c_family_state, haar_pure_state, thermal_state
from qbexp.thermo import ergotropy, fidelity

RATES = (0.02, 0.04)  # P(1|0), P(0|1)
CAL_SHOTS = 4000


def readout_model(n: int, rng) -> ReadoutModel:
    errors = np.stack([rng.binomial(CAL_SHOTS, RATES[0], n), rng.binomial(CAL_SHOTS, RATES[1], n)], axis=-1)
    calibration = ReadoutCalibration(tuple(range(n)), errors, np.full((n, 2), CAL_SHOTS))
    return ReadoutModel(calibration, np.tile(np.arange(n), (3**n, 1)))


def true_assignment(n: int) -> np.ndarray:
    e0, e1 = RATES
    a = np.array([[1 - e0, e1], [e0, 1 - e1]])
    return np.broadcast_to(a, (3**n, n, 2, 2))


def cell_probabilities(rho, mitigate=False):
    """The outcome probabilities every repetition of a cell draws its counts from: ``rho``'s, seen
    through the readout model's true assignment where ``mitigate`` (the data mitigation corrects),
    normalised per setting."""
    p = born_probabilities(rho)
    if mitigate:
        p = np.clip(apply_assignment(p, true_assignment(rho.shape[0].bit_length() - 1)), 0.0, None)
    return p / p.sum(axis=-1, keepdims=True)


def coverage_cell(rho, h, figure, target, shots, reps, estimator, mitigate, resamples, exact=None, seed=0):
    """``(coverage, share with the truth below the interval, share of intervals that exclude the
    figure's boundary)``: the boundary is 0 (ergotropy, coherences: the interval shows a non-zero
    value) or 1 (fidelity: it shows the state is not the exact one) -- the power of the interval,
    what a conservative cell pays in."""
    n = rho.shape[0].bit_length() - 1
    p = cell_probabilities(rho, mitigate)
    hits, below, excludes = 0, 0, 0
    rng = np.random.default_rng(seed)
    for rep in range(reps):
        data = TomographyData(rng.multinomial(shots, p))
        readout = readout_model(n, rng) if mitigate else None
        est = estimate_figures(data, h, exact_state=exact, estimator=estimator, n_resamples=resamples,
                               seed=seed * 100_000 + rep, readout=readout, method=ARGS.method,
                               figures=[figure])[figure]
        if est["ci95"] is None:
            return None
        lo, hi = est["ci95"]
        hits += lo <= target <= hi
        below += target < lo
        excludes += hi < 1.0 if figure == "fidelity" else lo > 0.0
    return hits / reps, below / reps, excludes / reps


# ---- device table (aer-noisy) -------------------------------------------------------------
DEVICE_FIGURES = ("ergotropy", "coherence_l1", "coherence_rel_entropy", "fidelity")


def noisy_output(circuit, device_name, readout=True):
    """Exact output distribution of a transpiled device ``circuit`` on ``device_name``'s Aer noise
    model (on the qubits it uses, as :func:`qbexp.backends.noisy.simulate_counts` runs it):
    ``(outcomes, probabilities)``, the result bitstrings (clbit 0 rightmost, as
    :func:`qbexp.circuits.measure.result_counts` gives them) and their probabilities.  The sum over
    measurement records of :func:`qbexp.circuits.minimal_simulate.record_branches` with the noise
    model's channels and readout errors (:class:`qbexp.backends.noisy.DeviceNoise`)."""
    from qbexp.backends.noisy import DeviceNoise, noise_model, used_qubits
    from qbexp.circuits.measure import result_clbits
    from qbexp.circuits.metrics import restrict
    from qbexp.circuits.minimal_simulate import record_branches

    qubits = used_qubits(circuit)
    small = restrict(circuit, qubits)
    noise = DeviceNoise(noise_model(device_name, qubits, readout=readout))
    keep = result_clbits(small)
    dist = {}
    for rho, memory in record_branches(small, np.array([[1.0]]), noise):
        key = "".join(str(memory.get(c, 0)) for c in reversed(keep))
        dist[key] = dist.get(key, 0.0) + float(np.trace(rho).real)
    outcomes = sorted(dist)
    p = np.clip(np.array([dist[o] for o in outcomes]), 0.0, None)
    return outcomes, p / p.sum()


def device_setup(init, charging, device="FakeFez", shots=4000, cache=None):
    """One ``qbexp.run`` of the 2-qubit battery (beta = 1) on ``aer-noisy`` with readout
    calibration; the exact output distribution of each of its transpiled circuits, the exact
    device state (:func:`qbexp.backends.noisy.device_state` of the Z-basis circuit) and its figures."""
    import pickle
    import tempfile
    from pathlib import Path

    import qbexp
    from qbexp.backends.store import RunStore

    if cache:
        path = Path(cache) / f"device-{init}-{charging}-{device}-{shots}.pkl"
        if path.exists():
            return pickle.loads(path.read_bytes())
        setup = device_setup(init, charging, device, shots)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pickle.dumps(setup))
        return setup
    from qbexp.backends.noisy import device_state
    from qbexp.backends.submit import measured_qubits
    from qbexp.experiments.experiment import CollectiveCharging
    from qbexp.thermo import figures_of_merit

    with tempfile.TemporaryDirectory() as out:
        exp = CollectiveCharging(n=2, beta=1.0, init=init, charging=charging, readout_mitigation=True)
        run = qbexp.run(exp, backend="aer-noisy", shots=shots, seed=0, out=out, progress=False, resamples=39)
        store = RunStore(out)
        transpiled = store.load_transpiled()
        exact, battery = store.load_array("exact"), store.load_array("battery")
    qubits = {name: measured_qubits(qc) for name, qc in transpiled.items()}
    outputs = {name: noisy_output(qc, device) for name, qc in transpiled.items()}
    state = device_state(device, transpiled["tomo_ZZ"], qubits["tomo_ZZ"])
    targets = {k: v for k, v in figures_of_merit(state, battery).items() if k in DEVICE_FIGURES}
    targets["fidelity"] = float(fidelity(state, exact))
    stored = {k: run.device[k] for k in DEVICE_FIGURES}  # qbexp's own device figures, for comparison
    return {"outputs": outputs, "qubits": qubits, "exact": exact, "battery": battery, "state": state,
            "targets": targets, "stored": stored, "shots": shots}


def device_data(setup, rng, mitigate):
    """One simulated run: multinomial counts of every circuit from its exact distribution;
    the tomography data and (``mitigate``) the readout model from the calibration counts, as
    :func:`qbexp.experiments.run.analyze_store` builds them."""
    from qbexp.analysis import tomography_data

    counts = {}
    for name, (outcomes, p) in setup["outputs"].items():
        drawn = rng.multinomial(setup["shots"], p)
        counts[name] = {o: int(c) for o, c in zip(outcomes, drawn) if c}
    data = tomography_data({n.removeprefix("tomo_"): c for n, c in counts.items() if n.startswith("tomo_")}, 2)
    readout = None
    if mitigate:
        q = setup["qubits"]
        calibration = ReadoutCalibration.from_counts(counts["readout_cal_0"], counts["readout_cal_1"],
                                                     q["readout_cal_0"], q["readout_cal_1"])
        readout = ReadoutModel(calibration, [q[f"tomo_{label}"] for label in data.labels])
    return data, readout


def device_cell(setup, reps, estimator, mitigate, resamples, seed=3):
    """Per figure of ``--device-figures`` (default :data:`DEVICE_FIGURES`): coverage of the device
    figure, share of misses below, mean and standard deviation of ``value - device figure``."""
    rng = np.random.default_rng(seed)
    hits = {f: 0 for f in ARGS.device_figures}
    below = dict(hits)
    values = {f: [] for f in ARGS.device_figures}
    for rep in range(reps):
        data, readout = device_data(setup, rng, mitigate)
        est = estimate_figures(data, setup["battery"], exact_state=setup["exact"], estimator=estimator,
                               n_resamples=resamples, seed=seed * 100_000 + rep, readout=readout,
                               method=ARGS.method, figures=list(ARGS.device_figures))
        for f in ARGS.device_figures:
            if est[f]["ci95"] is None:
                return None
            lo, hi = est[f]["ci95"]
            target = setup["targets"][f]
            hits[f] += lo <= target <= hi
            below[f] += target < lo
            values[f].append(est[f]["value"] - target)
    return {f: (hits[f] / reps, below[f] / reps, float(np.mean(values[f])), float(np.std(values[f])))
            for f in ARGS.device_figures}


def device_check(init, charging, shots, runs, resamples):
    """``runs`` real ``qbexp.run`` repetitions (seeds 1..runs, readout mitigation on, linear):
    for each figure the mean of ``value - device`` (each run against its *own* device figure:
    the transpiler's seed, hence the routing and the device state, change with the run seed)
    with its standard error, and how many intervals covered the device figure; to compare with
    the mean error and the coverage of the simulated repetitions (``mit=True`` cells)."""
    import qbexp
    from qbexp.experiments.experiment import CollectiveCharging

    exp = CollectiveCharging(n=2, beta=1.0, init=init, charging=charging, readout_mitigation=True)
    errors = {f: [] for f in DEVICE_FIGURES}
    covered = {f: 0 for f in DEVICE_FIGURES}
    for seed in range(1, runs + 1):
        result = qbexp.run(exp, backend="aer-noisy", shots=shots, seed=seed, progress=False, resamples=resamples)
        for f in DEVICE_FIGURES:
            est, target = result.estimates[f], result.device[f]
            errors[f].append(est.value - target)
            covered[f] += est.ci95[0] <= target <= est.ci95[1]
    return {f: (float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v))), covered[f])
            for f, v in errors.items()}


#: The cell labels of table 1's states (N = 2: the value of c, or these).
STATE_NAMES = {0: "Gibbs", 0.02: "W=0.02", "inverted": "inverted", "large": "haar:2", "mixed": "mixed",
               "damped": "damped", "damped W=0": "damped W=0",
               "depolarised": "depolarised", "touching": "touching", "pure": "pure", "nearly pure": "nearly pure",
               "haar pure": "haar pure", "pure T1": "pure T1"}
#: N = 2 pure and nearly pure states: the c family's steady state at these c (c = 0: |psi-> itself,
#: a dark state of the collective bath; c = 0.02: eigenvalues 0.0018 / 0.0049 / 0.0133 / 0.98).
PURE_C = {"pure": 0.0, "nearly pure": 0.02}
#: Seed of the Haar-random pure state of the ``haar pure`` cells (any N).
HAAR_PURE_SEED = 3
#: Amplitude damping (T1) of each qubit of the N = 2 ``pure T1`` cell: |psi-> damped to rank 2
#: (eigenvalues 0.9, 0.1), the device's version of the dark state.
PURE_T1 = 0.1


def battery_state(n, which):
    """(state, battery H, label): N = 2: steady state of the c family (``which`` = c); N >= 3:
    ``which`` = target ergotropy 0 (Gibbs state), 'large' (steady state of haar:2), 'inverted' (the
    Gibbs state with a pair on adjacent levels inverted, W = 0.02, no coherence: the case of the
    far side's second family) or a small value, reached by mixing that steady state with the Gibbs state.
    Any N: 'mixed' (the maximally mixed state I/d, W = 0: infinite temperature, or a fully
    depolarised device; every level degenerate, the least favourable W = 0 state), 'touching' (a
    passive state whose adjacent levels touch: each level's eigenvalues spread evenly from the
    smallest of the level below to the largest of the level above, turned within the level by a
    random unitary -- least favourable too, with the levels' spread that ``I/d`` lacks) and
    'depolarised' (I/d mixed with the active state -- haar:2 steady state, N = 2: c = 0.25 -- to
    W = 0.02), 'haar pure' (a Haar-random pure state, :data:`HAAR_PURE_SEED`); N = 2: 'pure' and
    'nearly pure' (:data:`PURE_C`) and 'pure T1' (the pure one amplitude-damped, :data:`PURE_T1`)."""
    model = collective_battery(n, beta=1.0)
    h = model.battery_matrix()
    mixed = np.eye(2**n, dtype=complex) / 2**n
    if which == "mixed":
        return mixed, h, "I/d"
    if which == "touching":
        return touching_state(h), h, "levels touch"
    if which == "haar pure":
        return haar_pure_state(n, HAAR_PURE_SEED), h, f"Haar seed {HAAR_PURE_SEED}"
    if which in ("depolarised", "damped", "damped W=0"):  # from the active state
        active = steady_state(model, c_family_state(0.25) if n == 2 else initial_state("haar:2", n))
        if which == "depolarised":
            return _mixture(mixed, active, h, 0.02)
        return damped_state(active, h, 0.02 if which == "damped" else 0.0)
    if which == "pure T1":
        return _relaxed(steady_state(model, c_family_state(PURE_C["pure"])), "damp", PURE_T1, n), h, f"T1 g={PURE_T1}"
    if n == 2:
        c = PURE_C.get(which, which)
        return steady_state(model, c_family_state(c)), h, f"c={c}"
    gibbs = thermal_state(h, 1.0)
    if which == 0:
        return gibbs, h, "Gibbs"
    if which == "inverted":
        energies, p = np.real(np.diag(h)), np.real(np.diag(gibbs)).copy()
        levels = np.unique(np.round(energies, 9))
        a = int(np.flatnonzero(np.isclose(energies, levels[1]))[0])
        b = int(np.flatnonzero(np.isclose(energies, levels[2]))[0])
        mean = (p[a] + p[b]) / 2
        p[a], p[b] = mean - 0.01, mean + 0.01
        return np.diag(p).astype(complex), h, f"pair {p[a]:.3f}/{p[b]:.3f}"
    active = steady_state(model, initial_state("haar:2", n))
    if which == "large":
        return active, h, "haar:2 ss"
    return _mixture(gibbs, active, h, which)


def damped_state(active, h, target):
    """``active`` with every qubit amplitude-damped (T1, :data:`RELAXATION`) by the smallest ``g``
    (bisection) at which its ergotropy is ``target`` or less: a device's own way down to small
    ``W`` (at N = 2 through a pair inverted across levels, and ``W = 0`` where that pair crosses;
    ``W = 0`` within 1e-9, as ``W`` flattens there).
    Returns (state, H, label)."""
    n = active.shape[0].bit_length() - 1
    _, g = _bisect(lambda x: ergotropy(_relaxed(active, "damp", x, n), h) > max(target, 1e-9))
    return _relaxed(active, "damp", g, n), h, f"T1 g={g:.4f}"


def touching_state(h, ratio=0.4, seed=3):
    """The passive state of ``h`` (its levels ``0..N``, multiplicities ``m_k``) whose eigenvalues
    are, level by level, ``ratio`` (level 0), ``linspace(ratio^k, ratio^(k+1), m_k)`` (levels
    ``1..N-1``) and ``ratio^N`` (level N), normalised: every level's smallest eigenvalue equals the
    next level's largest, so ``W = 0`` with a crossing one noise step away at every pair of
    adjacent levels.  Each level's block is turned by a Haar-random unitary (``seed``)."""
    rng = np.random.default_rng(seed)
    _, vecs, level = _energy_levels(h)
    top = level[-1]
    out = np.zeros_like(h, dtype=complex)
    for k in range(top + 1):
        idx = np.flatnonzero(level == k)
        values = (np.array([ratio]) if k == 0 else np.array([ratio**top]) if k == top
                  else np.linspace(ratio**k, ratio ** (k + 1), idx.size))
        q, _ = np.linalg.qr(rng.normal(size=(idx.size, idx.size)) + 1j * rng.normal(size=(idx.size, idx.size)))
        out[np.ix_(idx, idx)] = (q * values) @ q.conj().T
    rho = vecs @ out @ vecs.conj().T
    return rho / np.trace(rho).real


def _bisect(below, lo=0.0, hi=1.0, steps=60):
    """The bracket ``(lo, hi)`` around the point where ``below(x)`` turns from true to false,
    after ``steps`` halvings (the cells' states are found this way: a mixture, a turn, a channel)."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if below(mid) else (lo, mid)
    return lo, hi


def _mixture(passive, active, h, target):
    """``(1 - a) passive + a active`` with ergotropy ``target`` (bisection on ``a``)."""
    lo, hi = _bisect(lambda a: ergotropy((1 - a) * passive + a * active, h) < target, steps=50)  # a: weight of the active state
    a = (lo + hi) / 2
    return (1 - a) * passive + a * active, h, f"mix a={a:.3f}"


def turned_state(exact, target):
    """``exact`` turned by ``exp(-i theta G)``, ``G = |v0><vk| + |vk><v0|``, to fidelity ``target``:
    ``v0`` the eigenvector of its smallest eigenvalue, ``vk`` the first one up whose full swap
    with it reaches ``target``.  A coherent error.  At N = 2 (``vk = v1``) it is the direction in
    which the estimated fidelity is noisiest at a given F, of those measured (1000 shots, F =
    0.994: sd 0.0082; other turns 0.0042-0.0055, shifts of one eigenvalue 0.0034-0.0078, the
    depolarised state 0.0027): the least favourable nuisance for the fidelity's interval, whose
    family takes its direction from the estimate.  At N = 3 (``vk = v4``) it is a coherent
    error of the same kind, not shown to be the least favourable."""
    lam, vecs = np.linalg.eigh(exact)
    k = next(j for j in range(1, lam.size) if (1 - (np.sqrt(lam[j]) - np.sqrt(lam[0])) ** 2) ** 2 < target)
    g = np.outer(vecs[:, 0], vecs[:, k].conj())
    g = g + g.conj().T

    def turned(theta):
        u = np.eye(lam.size) + (np.cos(theta) - 1) * (g @ g) - 1j * np.sin(theta) * g  # exp(-i theta G), G^3 = G
        return u @ exact @ u.conj().T

    lo, hi = _bisect(lambda theta: fidelity(turned(theta), exact) > target, hi=np.pi / 2)
    return turned((lo + hi) / 2)


#: The fidelity table's relaxation cells: every qubit amplitude-damped (T1, towards |0>, the ground
#: state) or dephased (T2) to a given fidelity.
RELAXATION = {
    "damp": lambda g: Kraus([np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])]),
    "dephase": lambda g: Kraus([np.sqrt(1 - g / 2) * np.eye(2), np.sqrt(g / 2) * np.diag([1.0, -1.0])]),
}


def relaxed_state(exact, kind, target):
    """``exact`` with the channel ``RELAXATION[kind](g)`` on every qubit, ``g`` (bisection) such that
    its fidelity to ``exact`` is ``target``: the device's own errors (T1, T2), other directions of
    the fidelity's nuisance than depolarisation and :func:`turned_state`."""
    n = exact.shape[0].bit_length() - 1
    lo, hi = _bisect(lambda g: fidelity(_relaxed(exact, kind, g, n), exact) > target)
    return _relaxed(exact, kind, (lo + hi) / 2, n)


def _relaxed(rho, kind, g, n):
    """``rho`` with the channel ``RELAXATION[kind](g)`` on each of its ``n`` qubits."""
    state = DensityMatrix(rho)
    for q in range(n):
        state = state.evolve(RELAXATION[kind](g), qargs=[q])
    return state.data


def purer_state(exact, removed):
    """``exact`` with its ``removed`` smallest eigenvalues set to 0, renormalised: a device state
    purer than the exact one, whose missing weight the data cannot resolve
    (:func:`qbexp.analysis.figures.thinned_reference`)."""
    w, v = np.linalg.eigh(exact)
    w = np.where(np.arange(w.size) < removed, 0.0, w)
    return (v * (w / w.sum())) @ v.conj().T


def projected_state(state, seed=0, shots=1000):
    """The projected linear estimate of one data set (``shots`` per setting, ``seed``: a seed or a
    generator, drawn from) from
    ``state``: a rank-deficient state (N = 3: rank 6 of 8; the N = 2 one is full rank) whose null space lies off the
    exact state's eigenvectors, as a device with little noise and a coherent error may prepare
    (:func:`qbexp.analysis.figures.thinned_reference`, ``directions="data"``)."""
    rng = np.random.default_rng(seed)
    return fit_states(rng.multinomial(shots, born_probabilities(state))[None], "linear")[0]


def fidelity_exact(n):
    """``(exact, h, f_depolarised)`` of the fidelity table at ``n`` qubits: the exact state (N = 2:
    c = 0.25, N = 3: the "large" state), the battery Hamiltonian and the fidelity of the exact
    state depolarised with p = 0.1, to which the turned and relaxed cells are set."""
    exact, h, _ = battery_state(n, 0.25 if n == 2 else "large")
    return exact, h, fidelity(0.9 * exact + 0.1 * np.eye(2**n) / 2**n, exact)


def fidelity_cell_state(exact, which, f_depolarised):
    """The device state of a fidelity cell: ``exact`` depolarised with ``p = which`` (a number),
    turned (``"turn"``, the least favourable direction) or relaxed (``"damp"``, ``"dephase"``) to
    the fidelity of p = 0.1 (``f_depolarised``), or to the one a relaxed cell names (``" F=..."``);
    ``"purer"``: :func:`purer_state` without a quarter of the eigenvalues (N = 2: one, N = 3: two);
    ``"projected"``: :func:`projected_state` of the state damped to the fidelity of p = 0.1."""
    if which == "turn":
        return turned_state(exact, f_depolarised)
    if which == "purer":
        return purer_state(exact, exact.shape[0] // 4)
    if which == "projected":
        return projected_state(relaxed_state(exact, "damp", f_depolarised))
    if isinstance(which, str):
        kind, _, given = which.partition(" F=")
        return relaxed_state(exact, kind, float(given) if given else f_depolarised)
    return (1 - which) * exact + which * np.eye(exact.shape[0]) / exact.shape[0]


def fmt(result, reps):
    if result is None:
        return "declined (ci95 null)"
    cov, below, excludes = result
    return (f"{cov:.3f} +- {np.sqrt(max(cov * (1 - cov), 0.05 * 0.95) / reps):.3f} (below {below:.3f}; "
            f"boundary excluded {excludes:.3f})")


def selected(label):
    """Whether the cell ``label`` is asked for (``--cells``: regular expressions, any may match)."""
    return not ARGS.cells or any(re.search(pattern, label) for pattern in ARGS.cells)


def main(argv=None):
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (MC error ~0.015-0.03)")
    parser.add_argument("--method", default="calibrated", choices=METHODS, help="interval method of estimate_figures")
    draws = integer(MIN_RESAMPLES, MAX_RESAMPLES)
    parser.add_argument("--resamples", type=draws, default=TAIL_GRID - 1,
                        help="B, with B + 1 a multiple of intervals.TAIL_GRID (exact size)")
    parser.add_argument("--resamples-mle", type=draws, default=TAIL_GRID - 1, help="B for the MLE cells")
    parser.add_argument("--table", choices=["all", "ergotropy", "fidelity", "device"], default="all")
    parser.add_argument("--figure", choices=["ergotropy", "coherence_l1", "coherence_rel_entropy"],
                        default="ergotropy", help="the figure of table 1's cells (the states stay the same)")
    parser.add_argument("--no-mle", action="store_true", help="skip the MLE cells")
    parser.add_argument("--mle4", action="store_true", help="also the N = 4 MLE cells (~35 s per repetition)")
    parser.add_argument("--max-qubits", type=integer(2), default=4, help="largest N of the cells (default 4, the largest)")
    parser.add_argument("--cells", nargs="*", default=[], type=regex,
                        help="run only the cells whose printed label matches one of these regular expressions "
                             "(labels: 'N=3 Gibbs linear mit=False', 'fid N=2 p=0.1 mle', "
                             "'device c:0.25 collision linear mit=True')")
    parser.add_argument("--reps", type=integer(1), help="repetitions of every selected cell (default: see --quick)")
    parser.add_argument("--seed", type=integer(0), help="seed of every selected cell (default: 1 ergotropy, 2 fidelity, "
                        "3 device): a fresh seed re-measures cells picked out on their first seed's result")
    parser.add_argument("--setup-cache", help="device table: a folder to keep the exact output distributions in "
                        "(pickles, reused by later runs)")
    parser.add_argument("--reps-raw", type=integer(1),
                        help="device table: repetitions of the cells without readout mitigation (default: --reps)")
    parser.add_argument("--device-figures", nargs="+", choices=DEVICE_FIGURES, default=list(DEVICE_FIGURES),
                        help="device table: the figures whose intervals are computed and checked")
    parser.add_argument("--check-runs", type=integer(0), default=0,
                        help="device table: also this many real qbexp.run repetitions per state (mean check)")
    ARGS = parser.parse_args(argv)
    reps_fast = 200 if ARGS.quick else 1000
    reps_n4 = 60 if ARGS.quick else 300  # linear inversion at N = 4
    reps_mle = 12 if ARGS.quick else 100  # MLE: ~10-30 ms per fit, ~15 x B fits per repetition
    reps_device = 200 if ARGS.quick else 1000
    if ARGS.table in ("all", "ergotropy"):
        figure = ARGS.figure
        print(f"{figure.capitalize()} coverage (method {ARGS.method}, {ARGS.resamples} resamples)")
        cells = [(2, 0.6, 4000), (2, 0.59, 4000), (2, 0.58, 1000), (2, 0.25, 1000), (2, "pure", 1000), (2, "nearly pure", 1000),
                 (2, "haar pure", 1000), (2, "pure T1", 1000),
                 (2, "mixed", 1000), (2, "touching", 1000), (2, "depolarised", 1000),
                 (2, "damped", 1000), (2, "damped", 4000), (2, "damped W=0", 1000),
                 (3, 0, 1000), (3, 0.02, 1000), (3, "inverted", 1000), (3, "large", 1000), (3, "mixed", 1000), (3, "touching", 1000), (3, "depolarised", 1000),
                 (3, "damped", 1000), (3, "damped W=0", 1000), (3, "haar pure", 1000),
                 (4, 0, 1000), (4, 0.02, 1000), (4, "large", 1000), (4, "mixed", 1000)]
        for n, which, shots in cells:
            if n > ARGS.max_qubits:
                continue
            state = None
            for estimator in ("linear", "mle"):
                for mitigate in (False, True):
                    if estimator == "mle" and (n == 4 and not ARGS.mle4 or ARGS.no_mle):
                        continue
                    name = f"N={n} {which if n == 2 and which not in STATE_NAMES else STATE_NAMES[which]}"
                    label = f"{name} shots={shots} {estimator} mit={mitigate}"
                    if not selected(label):
                        continue
                    if state is None:
                        state = battery_state(n, which)
                    rho, h, desc = state
                    value_of = None if figure == "ergotropy" else figure_functions(h)[figure][0]
                    w = ergotropy(rho, h) if value_of is None else float(value_of(rho[None])[0])
                    reps = ARGS.reps or (reps_mle if estimator == "mle" else reps_n4 if n == 4 else reps_fast)
                    resamples = ARGS.resamples_mle if estimator == "mle" else ARGS.resamples
                    t = time.time()
                    result = coverage_cell(rho, h, figure, w, shots, reps, estimator, mitigate, resamples,
                                           seed=1 if ARGS.seed is None else ARGS.seed)
                    shown = f"W={ergotropy(rho, h):.4f}" + ("" if value_of is None else f" {figure}={w:.4f}")
                    print(f"{label:38s} ({desc}) {shown} reps={reps:<5} coverage {fmt(result, reps)}  "
                          f"[{time.time() - t:.0f} s]", flush=True)
    if ARGS.table in ("all", "fidelity"):
        print(f"\nFidelity to the exact state, data from the device state: depolarised (p), turned, relaxed or purer "
              f"(method {ARGS.method})")
        for n in (2, 3)[: max(ARGS.max_qubits - 1, 1)]:
            exact, h, f_depolarised = fidelity_exact(n)
            for which in (0.0, 0.1, 0.3, "turn", "damp", "dephase", "damp F=0.9985", "dephase F=0.9985", "purer",
                          "projected"):
                device = None
                for estimator in ("linear",) if ARGS.no_mle else ("linear", "mle"):
                    label = f"fid N={n} {which if isinstance(which, str) else f'p={which}'} {estimator}"
                    if not selected(label):
                        continue
                    if device is None:
                        device = fidelity_cell_state(exact, which, f_depolarised)
                    f = 1.0 if which == 0 else fidelity(device, exact)
                    reps = ARGS.reps or (reps_fast if estimator == "linear" else reps_mle)
                    resamples = ARGS.resamples_mle if estimator == "mle" else ARGS.resamples
                    t = time.time()
                    result = coverage_cell(device, h, "fidelity", f, 1000, reps, estimator, False, resamples,
                                           exact=exact, seed=2 if ARGS.seed is None else ARGS.seed)
                    print(f"{label:30s} F={f:.4f} reps={reps:<5} coverage {fmt(result, reps)}  "
                          f"[{time.time() - t:.0f} s]", flush=True)
    if ARGS.table in ("all", "device"):
        print(f"\nDevice figures (aer-noisy, FakeFez noise model), 2-qubit battery, beta = 1, 4000 shots "
              f"(method {ARGS.method})")
        for init in ("c:0.25", "c:0.58"):
            for charging in ("collision", "minimal"):
                setup = None
                for estimator in ("linear",) if ARGS.no_mle else ("linear", "mle"):
                    for mitigate in (False, True):
                        label = f"device {init} {charging} {estimator} mit={mitigate}"
                        if not selected(label):
                            continue
                        if setup is None:
                            t = time.time()
                            setup = device_setup(init, charging, cache=ARGS.setup_cache)
                            print(f"{init} {charging}: exact outputs of {len(setup['outputs'])} circuits "
                                  f"[{time.time() - t:.0f} s]; device figures "
                                  + ", ".join(f"{k} {v:.4f}" for k, v in setup["targets"].items())
                                  + "; qbexp's RunResult.device: "
                                  + ", ".join(f"{k} {v:.4f}" for k, v in setup["stored"].items()), flush=True)
                        reps = ARGS.reps or (reps_device if estimator == "linear" else reps_mle)
                        if not mitigate and ARGS.reps_raw:
                            reps = ARGS.reps_raw
                        resamples = ARGS.resamples_mle if estimator == "mle" else ARGS.resamples
                        t = time.time()
                        result = device_cell(setup, reps, estimator, mitigate, resamples, seed=3 if ARGS.seed is None else ARGS.seed)
                        if result is None:
                            print(f"{label:44s} declined (ci95 null)")
                            continue
                        for f, (cov, below, mean, sd) in result.items():
                            mc = np.sqrt(max(cov * (1 - cov), 0.05 * 0.95) / reps)
                            print(f"{label:44s} {f:22s} reps={reps:<5} coverage {cov:.3f} +- {mc:.3f} "
                                  f"(below {below:.3f})  value - device {mean:+.4f} (sd {sd:.4f})", flush=True)
                        print(f"{'':44s} [{time.time() - t:.0f} s]", flush=True)
                if setup is not None and ARGS.check_runs:
                    t = time.time()
                    real = device_check(init, charging, setup["shots"], ARGS.check_runs, ARGS.resamples)
                    print(f"{init} {charging}: {ARGS.check_runs} real qbexp.run (linear, mitigation on), value - "
                          f"device (covered): " + ", ".join(f"{f} {m:+.4f} +- {e:.4f} ({c}/{ARGS.check_runs})"
                                                            for f, (m, e, c) in real.items())
                          + f"  [{time.time() - t:.0f} s]", flush=True)


if __name__ == "__main__":
    main()
