"""Coverage of the gate-mitigated (readout + ZNE) ergotropy intervals over many seeds, on aer-noisy.

    OMP_NUM_THREADS=1 python benchmarks/zne_coverage.py [--seeds 1001:1051] [--charging collision]
                                                        [--shots 2000] [--c 0.25] [--runs DIR]

Each seed is one ``qbexp.run`` of the two-qubit battery (β = 1, init c, readout mitigation,
``gate_mitigation="zne"``) on the ``aer-noisy`` profile (a Heron noise model); the seed also
moves the transpiler's layout, hence the device noise, so the spread over seeds includes that of
the device.  Prints, per seed, the Richardson value, both models' values, the reported interval
(spanning both models) and the device and exact ergotropy; then the coverage of the exact value
by the reported interval and by the Richardson model's interval alone, with Monte Carlo errors.
With ``--runs`` the run directories are kept and a second call re-analyses them instead of
re-simulating (~6 s per seed simulated, ~5 s analysed, on 2 cores).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import qbexp
from _args import integer, real, seed_range
from qbexp.backends.records import MAX_SHOTS
from qbexp.circuits.protocols import CHARGINGS
from qbexp.errors import QbexpError


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=seed_range, default="1001:1051",
                   help="START:STOP, 0 <= START < STOP (default 1001:1051, 50 seeds)")
    p.add_argument("--charging", default="collision", choices=CHARGINGS,
                   help="charging circuit (default collision; kraus has no two-qubit gates to fold)")
    p.add_argument("--shots", type=integer(1, MAX_SHOTS), default=2000)
    p.add_argument("--c", type=real(0.0, 1.0), default=0.25, help="the initial state's c, in [0, 1] (default 0.25)")
    p.add_argument("--runs", type=Path, help="keep run directories here (and reuse them)")
    args = p.parse_args(argv)
    try:  # what qbexp refuses of the combination (kraus with zne), before the first run
        exp = qbexp.CollectiveCharging(n=2, beta=1.0, init=f"c:{args.c}", charging=args.charging,
                                       readout_mitigation=True, gate_mitigation="zne")
    except QbexpError as err:
        p.error(str(err))
    rows = []
    for seed in args.seeds:
        t = time.time()
        out = None if args.runs is None else args.runs / f"{args.charging}_c={args.c}_shots={args.shots}_{seed}"
        if out is not None and (out / "results.json").exists():
            result = qbexp.analyze(out)
        else:
            result = qbexp.run(exp, backend="aer-noisy", shots=args.shots, seed=seed, progress=False, out=out)
        models = result.to_dict()["zne"]["models"]
        est, exact = result.estimates["ergotropy"], result.exact["ergotropy"]
        rich = models["richardson"]["ergotropy"]
        rows.append((est.value, *est.ci95, models["exponential"]["ergotropy"]["value"], *rich["ci95"],
                     result.device["ergotropy"], exact))
        print(f"seed {seed}: richardson {est.value:.4f}  exponential {rows[-1][3]:.4f}  "
              f"ci95 [{est.ci95[0]:.4f}, {est.ci95[1]:.4f}]  device {rows[-1][6]:.4f}  exact {exact:.4f}  "
              f"[{time.time() - t:.0f} s]", flush=True)
    a = np.array(rows)
    exact = a[0, 7]
    n = len(a)

    def cov(lo, hi):
        c = float(np.mean((lo <= exact) & (exact <= hi)))
        return f"{c:.3f} ± {np.sqrt(max(c * (1 - c), 0.05 * 0.95) / n):.3f}"

    print(f"\n{n} seeds, {args.charging}, c = {args.c}, {args.shots} shots, exact ergotropy {exact:.4f}")
    print(f"mean value: richardson {a[:, 0].mean():.4f} (spread {a[:, 0].std():.4f}), exponential {a[:, 3].mean():.4f}, "
          f"device {a[:, 6].mean():.4f}")
    print(f"coverage of the exact value: reported interval (both models) {cov(a[:, 1], a[:, 2])}, "
          f"mean half-width {np.mean(a[:, 2] - a[:, 1]) / 2:.4f}; Richardson model alone {cov(a[:, 4], a[:, 5])}")


if __name__ == "__main__":
    main()
