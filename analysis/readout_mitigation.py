"""Readout-error mitigation on a noisy device: the two-qubit battery (β = 1) on ``aer-noisy``.

For each c, the collective battery is charged in circuits (collision model, gates + resets)
to its steady state from (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00| and measured by tomography on
``aer-noisy`` (the device profile's noise model), together with
the two readout calibration circuits — the same as::

    qbexp run collective --n 2 --beta 1 --init c:C --charging collision --readout-mitigation \\
        --backend aer-noisy --shots SHOTS --seed SEED --out RUN

and analysed twice from the same counts: with readout mitigation and without
(``qbexp analyze RUN --no-mitigation``).  Next to the exact steady-state values, the figure
shows the state the noisy device actually prepares (the run's ``device`` column: the transpiled
``tomo_ZZ`` circuit without its measurements, simulated as a density matrix with the device's
noise model minus its readout errors).  Mitigation can only remove the readout part of the gap
to the exact value; what remains is gate and reset noise of the charging circuit.

Writes ``readout_mitigation.csv`` / ``.png`` (ergotropy and energy: exact, device state, raw
and mitigated estimates with bootstrap standard errors, distances in standard errors) and
``readout_mitigation_gates.csv`` (per transpiled circuit: two-qubit gates, depth, physical
qubits read), and prints the readout fidelities and a summary.  Runs are kept
under ``--runs`` (default ``OUT/readout_mitigation_runs/<settings>``): running the script
again re-analyses the stored counts without simulating again.

    python analysis/readout_mitigation.py [--out DIR] [--shots 4000] [--seed 1]
                                          [--cs 0,0.25,0.5,0.75,1] [--runs DIR]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import qbexp
from _common import (MAX_C_POINTS, c_family_rows, integer, make_run_folders, numbers, output_folder, parser,
                     point_seed, script, under_runs, write_outputs)
from qbexp.backends.records import MAX_SHOTS
from qbexp.experiments.sweep import MAX_POINTS

NAME = "readout_mitigation"
BACKEND = "aer-noisy"
BETA = 1.0
FIGURES = ("ergotropy", "energy")
COLUMNS = ["c"] + [f"{f}_{k}" for f in FIGURES for k in (
    "exact", "device", "raw", "raw_stderr", "mitigated", "mitigated_stderr", "z_raw", "z_mitigated")]
GATE_COLUMNS = ["c", "circuit", "two_qubit_gates", "depth", "measured_qubits"]


def experiment(c: float):
    """The run of one c: the two-qubit battery charged by collision circuits, with readout calibration."""
    return qbexp.CollectiveCharging(n=2, beta=BETA, init=f"c:{float(c)!r}", charging="collision",
                                    readout_mitigation=True)


def run_point(c: float, shots: int, seed: int | None, runs: Path):
    """Run (or resume) one c on aer-noisy: the mitigated and the raw results (qbexp.RunResult)."""
    folder = runs / f"c={float(c)!r}"
    point = experiment(c)
    qbexp.run(point, backend=BACKEND, shots=shots, seed=seed, out=folder, progress=False)
    raw = qbexp.analyze(folder, mitigation=False)
    mitigated = qbexp.analyze(folder)  # last, so that the run's results.json is the default analysis
    return mitigated, raw


def gate_rows(c: float, result) -> list[tuple]:
    qubits = result.data["readout_calibration"]["measured_qubits"]
    return [(float(c), name, g["two_qubit_gates"], g["depth"], " ".join(map(str, qubits[name])))
            for name, g in result.data["circuits"].items()]


def measure(cs, shots, seed, runs):
    """Rows of COLUMNS, rows of GATE_COLUMNS and the readout calibrations, one per c."""
    rows, gates, calibrations = [], [], []
    for c in cs:
        with under_runs(runs):
            mitigated, raw = run_point(c, shots, point_seed(seed, "c", c), runs)
        row = [float(c)]
        for f in FIGURES:
            exact, m, r = mitigated.exact[f], mitigated.estimates[f], raw.estimates[f]
            row += [exact, mitigated.device[f], r.value, r.stderr, m.value, m.stderr,
                    (r.value - exact) / r.stderr, (m.value - exact) / m.stderr]
        rows.append(tuple(row))
        gates += gate_rows(c, mitigated)
        calibrations.append(mitigated.data["readout_calibration"])
    return rows, gates, calibrations


def exact_curves(points=101):
    """Rows (β, c, W, E) of the exact steady states on a fine c grid."""
    return c_family_rows([BETA], np.linspace(0.0, 1.0, points), lambda rho, h0: (qbexp.ergotropy(rho, h0), qbexp.energy(rho, h0)),
                         "exact curves")


def plot(rows, curves, shots):
    import matplotlib.pyplot as plt

    data, fine = np.array(rows, dtype=float), np.array(curves, dtype=float)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.0))
    for i, (f, ax, label) in enumerate(zip(FIGURES, axes, (r"ergotropy $\mathcal{W}$", r"energy $\mathrm{tr}\,\rho H_0$"))):
        base = 1 + 8 * i
        ax.plot(fine[:, 1], fine[:, 2 + i], "-", color="k", lw=1.1, label="exact steady state")
        ax.plot(data[:, 0], data[:, base + 1], "s", mfc="none", color="0.4", ms=7,
                label="device state (noise model without readout errors)")
        shift = 0.008
        ax.errorbar(data[:, 0] - shift, data[:, base + 2], yerr=data[:, base + 3], fmt="o", ms=4, capsize=3,
                    color="C3", label="raw counts")
        ax.errorbar(data[:, 0] + shift, data[:, base + 4], yerr=data[:, base + 5], fmt="o", ms=4, capsize=3,
                    color="C0", label="readout mitigated")
        ax.set_xlabel("$c$")
        ax.set_ylabel(label)
        ax.set_xlim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle(f"two-qubit battery, β = {BETA:g}, collision charging on {BACKEND}, "
                 f"{shots} shots × 9 settings; error bars: bootstrap standard errors", fontsize=9)
    return fig


def summary(rows, gates, calibrations, at=0.25) -> str:
    lines = []
    cal = calibrations[0]
    lines.append("readout calibration (c = %g): " % rows[0][0] + ", ".join(
        f"q{q}: P(1|0) {a:.4f}, P(0|1) {b:.4f}, fidelity {f:.4f}"
        for q, a, b, f in zip(cal["qubits"], cal["p1_given_0"], cal["p0_given_1"], cal["readout_fidelity"])))
    for row in rows:
        c = row[0]
        for i, f in enumerate(FIGURES):
            exact, device, raw, raw_se, mit, mit_se, z_raw, z_mit = row[1 + 8 * i: 9 + 8 * i]
            lines.append(f"c = {c:g} {f:9s}: exact {exact:.4f} | raw {raw:.4f} ± {raw_se:.4f} ({z_raw:+.1f} stderr) | "
                         f"mitigated {mit:.4f} ± {mit_se:.4f} ({z_mit:+.1f} stderr) | device state {device:.4f} "
                         f"(mitigated {(mit - device) / mit_se:+.1f}, raw {(raw - device) / raw_se:+.1f} stderr from it)")
    chosen = [g for g in gates if abs(g[0] - at) < 1e-12] or [g for g in gates if g[0] == gates[0][0]]
    lines.append(f"transpiled for the device (c = {chosen[0][0]:g}): circuit: two-qubit gates, depth, qubits read")
    tomo = [g for g in chosen if g[1].startswith("tomo_")]
    cx, depth = [g[2] for g in tomo], [g[3] for g in tomo]
    lines.append(f"  tomo_* (9 settings): 2q {min(cx)}-{max(cx)}, depth {min(depth)}-{max(depth)}, qubits {tomo[0][4]}")
    for g in chosen:
        if not g[1].startswith("tomo_"):
            lines.append(f"  {g[1]}: 2q {g[2]}, depth {g[3]}, qubits {g[4]}")
    return "\n".join(lines)


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Readout-error mitigation of the two-qubit battery's tomography on aer-noisy")
    p.add_argument("--shots", type=integer(1, MAX_SHOTS), default=4000,
                   help=f"shots per circuit (default 4000, at most {MAX_SHOTS:,})")
    p.add_argument("--seed", type=integer(0), default=1, help="seed of the simulator, transpiler and bootstrap (default 1)")
    p.add_argument("--cs", type=numbers("c", experiment, MAX_POINTS), default=[0.0, 0.25, 0.5, 0.75, 1.0],
                   help=f"comma-separated c values in [0, 1] (default 0,0.25,0.5,0.75,1; at most {MAX_POINTS})")
    p.add_argument("--curve-points", type=integer(1, MAX_C_POINTS), default=101,
                   help=f"c values of the exact curves (default 101, at most {MAX_C_POINTS})")
    p.add_argument("--runs", help="folder of the run directories (default OUT/readout_mitigation_runs/<settings>)")
    args = p.parse_args(argv)
    cs = args.cs
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}_gates.csv", f"{NAME}.png"], make=False)
    default_runs = out / f"{NAME}_runs" / f"shots={args.shots}_seed={args.seed}"
    runs = output_folder(default_runs if args.runs is None else args.runs, "--runs", make=False)
    make_run_folders(out, runs)
    rows, gates, calibrations = measure(cs, args.shots, args.seed, runs)
    curves = exact_curves(args.curve_points)
    outputs = write_outputs(out, NAME, COLUMNS, rows, lambda r: plot(r, curves, args.shots),
                            tables={f"{NAME}_gates.csv": (GATE_COLUMNS, gates)})
    print(f"wrote {out / f'{NAME}_gates.csv'}")
    print(summary(rows, gates, calibrations))
    return outputs


if __name__ == "__main__":
    main()
