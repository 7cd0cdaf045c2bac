"""``qbexp run collective|engine``: a thin shell over :func:`qbexp.run` and :func:`qbexp.sweep`.

The options of each kind are the fields of its experiment class
(:class:`~qbexp.experiments.experiment.CollectiveCharging`,
:class:`~qbexp.experiments.experiment.EngineCycles`): their names, defaults, help and choices
are defined there once; the shots, seed, backend and run directory are the run's.
"""

from __future__ import annotations

import dataclasses
import shlex
from pathlib import Path

from qbexp.cli.options import path_option
from qbexp.cli.output import emit
from qbexp.cli.sweep import print_sweep
from qbexp.errors import QbexpError
from qbexp.experiments.experiment import EXPERIMENTS
from qbexp.experiments.sweep import parse_sweep

HELP = {
    "collective": "collective battery charged to its steady state (Cakmak)",
    "engine": "two-bath engine, charged state at the K-th discharge (Tacchino)",
}
#: earlier names of options, still accepted
ALIASES = {("engine", "discharge"): ["--engine-discharge"]}


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a battery experiment in circuits and estimate its figures of merit")
    kinds = parser.add_subparsers(dest="kind", required=True)
    for kind, cls in EXPERIMENTS.items():
        p = kinds.add_parser(kind, help=HELP[kind], description=(cls.__doc__ or "").split("\n\n")[0])
        for f in dataclasses.fields(cls):
            if f.init:
                _add_field(p, kind, f)
        _common(p, kind)
        p.set_defaults(func=run, _parser=p, _cls=cls)


def _add_field(p, kind: str, f) -> None:
    meta = f.metadata
    flags = [meta.get("cli") or "--" + f.name.replace("_", "-"), *ALIASES.get((kind, f.name), [])]
    required = f.default is dataclasses.MISSING
    help_text = meta.get("help", "") + ("" if required or f.default in (None, False) else f" (default {f.default})")
    if required:
        help_text += " (required unless swept)"
    if f.default is False:
        p.add_argument(*flags, dest=f.name, action="store_true", help=help_text)
        return
    kind_of = {"int": int, "float": float}.get(str(f.type).split(" ")[0].replace("int | None", "int"), None)
    if f.name == "steps":
        kind_of = int
    p.add_argument(*flags, dest=f.name, type=kind_of or str, choices=meta.get("choices"),
                   default=None if required else f.default, help=help_text)


def _common(p, kind: str) -> None:
    sweepable = ", ".join(EXPERIMENTS[kind].sweepable())
    p.add_argument("--shots", type=int, required=True, help="shots per circuit")
    p.add_argument("--seed", type=int, default=None, help="seed of the simulator and the bootstrap")
    p.add_argument("--backend", default="aer", help="backend profile: a name (aer, aer-noisy, ibm, yours) or a .toml path "
                   "(default aer)")
    p.add_argument("--out", required=True, help="run directory (new, or this same run to resume)")
    p.add_argument("--retry-failed", action="store_true", help="resubmit circuits whose job failed or was cancelled")
    p.add_argument("--sweep", metavar="NAME=GRID",
                   help="run a grid of points as one batch, each in OUT/NAME=VALUE/, with OUT/sweep.csv and "
                        f"sweep.png: GRID is START:STOP:COUNT (inclusive) or V1,V2,...; NAME one of {sweepable}")
    p.add_argument("--json", action="store_true", help="print results.json instead of a table")


def run(args) -> int:
    import qbexp

    from qbexp.experiments.run import check_shots

    out = path_option(args.out, "--out")
    check_shots(args.shots, "--shots")
    cls = args._cls
    fields = {f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if f.init}
    swept = values = None
    if args.sweep is not None:
        swept, values = parse_sweep(args.sweep, args.kind)
        if swept == "c" and fields.get("init", "ground") != "ground":
            raise QbexpError(f"--init {fields['init']} and --sweep c=... both set the initial state; drop --init")
        fields[swept if swept != "c" else "init"] = values[0] if swept != "c" else "ground"
    required = {f.name for f in dataclasses.fields(cls) if f.init and f.default is dataclasses.MISSING}
    missing = [f"--{n.replace('_', '-')}" for n, v in fields.items() if v is None and n in required]
    if missing:
        args._parser.error("the following arguments are required: " + ", ".join(missing))
    experiment = cls(**fields)
    command = "qbexp " + shlex.join(args.argv)
    if swept is not None:
        summary = qbexp.sweep(experiment, swept, values, backend=args.backend, shots=args.shots, seed=args.seed,
                              out=out, command=command, retry_failed=args.retry_failed)
        print_sweep(summary.to_dict(), args.json)
        return 0
    result = qbexp.run(experiment, backend=args.backend, shots=args.shots, seed=args.seed, out=out,
                       retry_failed=args.retry_failed, command=command)
    print_results(result.to_dict(), args.json, out)
    return 0


def print_results(results: dict, as_json: bool, out: Path) -> None:
    if as_json:
        emit(results, True)
        return
    rows = {}
    device = results.get("device", {})
    for name, est in results["estimates"].items():
        seen = f"  device {device[name]:.5f}" if name in device else ""
        interval = ("[no interval: see note in results.json]" if est.get("ci95") is None
                    else "[{:.5f}, {:.5f}]".format(*est["ci95"]))
        rows[name] = (f"{est['value']:.5f} ± {est['stderr']:.5f}  {interval}{seen}  "
                      f"exact {results['exact'][name]:.5f}")
    mitigated = ", readout-mitigated" if results.get("readout_mitigation") else ""
    emit(rows, False, title=f"{results['kind']} battery{mitigated}: estimate ± stderr [95% CI], exact  ({out}/results.json)")
    for note in results.get("notes", []):
        print(f"note: {note}")
