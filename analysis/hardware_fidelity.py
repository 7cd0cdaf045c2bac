"""Ergotropy that survives a device: each charging circuit against its two-qubit gate count.

For the two-qubit collective battery (β = 1, initial state (1 − c)|ψ−⟩⟨ψ−| + c|00⟩⟨00|,
c = 0, 0.25, 0.5, 1) and the three-qubit ground state, charged to the steady state by every
hardware-executable charging circuit (collision model, Stinespring dilation, minimal), the
script measures the ergotropy by tomography

* on ideal Aer (the circuit's own error only),
* on ``aer-noisy`` (a Heron device's noise model) raw,
* on ``aer-noisy`` with readout mitigation and zero-noise extrapolation (``gate_mitigation="zne"``),

and plots them with the exact value against the number of two-qubit gates of the transpiled
``tomo_Z…Z`` circuit (its charging part: tomography adds one-qubit gates only).  Writes
``hardware_fidelity.csv`` / ``.png``; runs are kept under ``--runs`` and re-analysed, not
re-simulated, when the script runs again.

    python analysis/hardware_fidelity.py [--out DIR] [--shots 4000] [--seed 1] [--chargings minimal,collision]
                                         [--cases n2:0,n2:0.25,n2:0.5,n2:1,n3:ground] [--runs DIR]
                                         [--skip n3:ground/dilation]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import qbexp
from _common import integer, make_run_folders, names, output_folder, parser, script, under_runs, write_outputs
from qbexp.backends.records import MAX_SHOTS
from qbexp.errors import QbexpError

NAME = "hardware_fidelity"
BETA = 1.0
CASES = ("n2:0", "n2:0.25", "n2:0.5", "n2:1", "n3:ground")
#: The charging circuits a device runs (kraus is one simulator instruction: no gates to count or fold).
CHARGINGS = tuple(c for c in qbexp.CHARGINGS if c != "kraus")
COLUMNS = ["case", "charging", "two_qubit_gates", "ergotropy_exact", "ideal", "ideal_stderr", "noisy_raw",
           "noisy_raw_stderr", "noisy_mitigated", "noisy_mitigated_stderr", "noisy_mitigated_ci95_low",
           "noisy_mitigated_ci95_high", "device"]


def experiment(case: str, charging: str, **options):
    n, _, init = case.partition(":")
    init = init if init == "ground" else f"c:{init}"
    return qbexp.CollectiveCharging(n=int(n[1:]), beta=BETA, init=init, charging=charging, **options)


def check_case(case: str) -> None:
    """A case ``nN:C`` (c value in [0, 1]) or ``nN:ground``, whose experiment qbexp builds (N, c)."""
    n, colon, init = case.partition(":")
    if not colon or not n.startswith("n") or not n[1:].isdigit() or not init:
        raise QbexpError(f"case {case!r}: expected nN:C (c value) or nN:ground, e.g. n2:0.25")
    try:  # N from 1 up, the initial state c in [0, 1]: the experiment's own checks
        experiment(case, "kraus")
    except QbexpError as err:
        raise QbexpError(f"case {case!r}: {err}") from None


def check_skip(pair: str) -> None:
    """A CASE/CHARGING pair of --skip, both parts as --cases and --chargings take them."""
    case, slash, charging = pair.rpartition("/")
    if not slash or charging not in CHARGINGS:
        raise QbexpError(f"{pair!r}: expected CASE/CHARGING with CHARGING one of {', '.join(CHARGINGS)}, "
                         "e.g. n3:ground/dilation")
    check_case(case)


#: Skipped unless asked for (--skip ''): the three-qubit dilation's ideal run alone took 9 min
#: (27 circuits, 20 s each, 2 cores) and its noisy run with ZNE 83 circuits of thousands of gates.
SKIP = ("n3:ground/dilation",)


def measure(cases, chargings, shots, seed, runs: Path, progress=True, skip=SKIP):
    with under_runs(runs):
        return _measure(cases, chargings, shots, seed, runs, progress, skip)


def _measure(cases, chargings, shots, seed, runs: Path, progress, skip):
    rows = []
    for case in cases:
        for charging in chargings:
            if f"{case}/{charging}" in skip:
                print(f"{case} {charging}: skipped (--skip)")
                continue
            tag = f"{case.replace(':', '=')}_{charging}"
            try:
                ideal = qbexp.run(experiment(case, charging), shots=shots, seed=seed, out=runs / f"{tag}_aer",
                                  progress=progress)
            except qbexp.QbexpError as err:  # e.g. no minimal circuit for this case
                if "holds another" in str(err):  # a run of other options under --runs: no reason to skip
                    raise
                print(f"{case} {charging}: skipped ({err})")
                continue
            noisy = qbexp.run(experiment(case, charging, readout_mitigation=True, gate_mitigation="zne"),
                              backend="aer-noisy", shots=shots, seed=seed, out=runs / f"{tag}_noisy", progress=progress)
            raw = noisy.to_dict()["estimates_by_mitigation"]["raw"]["ergotropy"]
            gates = noisy.to_dict()["circuits"]["tomo_" + "Z" * experiment(case, charging).n]["two_qubit_gates"]
            i, m = ideal.estimates["ergotropy"], noisy.estimates["ergotropy"]
            rows.append((case, charging, gates, ideal.exact["ergotropy"], i.value, i.stderr, raw["value"], raw["stderr"],
                         m.value, m.stderr, *m.ci95, noisy.device["ergotropy"]))
    return rows


def plot(rows, shots):
    import matplotlib.pyplot as plt

    cases = list(dict.fromkeys(r[0] for r in rows))
    fig, axes = plt.subplots(1, len(cases), figsize=(3.2 * len(cases), 3.6), squeeze=False, sharey=True)
    for ax, case in zip(axes[0], cases):
        sel = sorted((r for r in rows if r[0] == case), key=lambda r: r[2])
        x = np.array([r[2] for r in sel], dtype=float)
        ax.axhline(sel[0][3], color="k", lw=1, label="exact")
        for col, err, style, label in ((4, 5, "o", "ideal Aer ± stderr"), (6, 7, "s", "aer-noisy raw ± stderr")):
            ax.errorbar(x, [r[col] for r in sel], yerr=[r[err] for r in sel], fmt=style, ms=4, capsize=3, label=label)
        mitigated = np.array([r[8] for r in sel])
        spans = np.array([[r[8] - r[10] for r in sel], [r[11] - r[8] for r in sel]]).clip(0, None)
        ax.errorbar(x, mitigated, yerr=spans, fmt="D", ms=4, capsize=3, label="aer-noisy readout+ZNE, 95 % CI")
        ax.plot(x, [r[12] for r in sel], "x", color="k", ms=6, label="device (prepared state)")
        for r in sel:
            ax.annotate(r[1], (r[2], r[4]), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlabel("two-qubit gates (transpiled)")
        ax.set_title(case.replace("n2:", "N = 2, c = ").replace("n3:ground", "N = 3, ground"), fontsize=9)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("ergotropy")
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"charging circuits on a Heron noise model, β = {BETA:g}, {shots} shots/circuit", fontsize=9)
    return fig


@script(NAME)
def main(argv=None):
    p = parser(NAME, "Ergotropy on ideal and noisy Aer against the two-qubit gate count of each charging circuit")
    p.add_argument("--shots", type=integer(1, MAX_SHOTS), default=4000,
                   help=f"shots per circuit (default 4000, at most {MAX_SHOTS:,})")
    p.add_argument("--seed", type=integer(0), default=1, help="seed of the simulators and the bootstrap (default 1)")
    p.add_argument("--chargings", type=names(CHARGINGS, "charging"), default=list(CHARGINGS),
                   help=f"charging circuits, comma-separated (default: every hardware-executable one, {','.join(CHARGINGS)})")
    p.add_argument("--cases", type=names(what="case", check=check_case), default=list(CASES),
                   help=f"cases nN:C or nN:ground, comma-separated (default {','.join(CASES)})")
    p.add_argument("--runs", help="folder of the run directories (default OUT/hardware_fidelity_runs/<settings>)")
    p.add_argument("--skip", type=names(what="pair", check=check_skip, empty=True), default=list(SKIP),
                   help=f"CASE/CHARGING pairs not run, comma-separated (default {','.join(SKIP)}: hours on 2 cores)")
    args = p.parse_args(argv)
    if all(f"{case}/{charging}" in args.skip for case in args.cases for charging in args.chargings):
        raise QbexpError(f"--skip {','.join(args.skip)} leaves none of --cases {','.join(args.cases)} with "
                         f"--chargings {','.join(args.chargings)} to run")
    out = output_folder(args.out, files=[f"{NAME}.csv", f"{NAME}.png"], make=False)
    default_runs = out / f"{NAME}_runs" / f"shots={args.shots}_seed={args.seed}"
    runs = output_folder(default_runs if args.runs is None else args.runs, "--runs", make=False)
    make_run_folders(out, runs)
    rows = measure(args.cases, args.chargings, args.shots, args.seed, runs, skip=args.skip)
    outputs = write_outputs(out, NAME, COLUMNS, rows, lambda r: plot(r, args.shots))
    for r in rows:
        print(f"{r[0]:10s} {r[1]:10s} 2q {r[2]:5d} | exact {r[3]:.4f} | ideal {r[4]:.4f} ± {r[5]:.4f} | "
              f"noisy raw {r[6]:.4f} ± {r[7]:.4f} | mitigated {r[8]:.4f} [{r[10]:.4f}, {r[11]:.4f}] | "
              f"device {r[12]:.4f}")
    return outputs


if __name__ == "__main__":
    main()
